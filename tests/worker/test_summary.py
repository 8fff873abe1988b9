"""Rule 7 in one process: the summary's content, its storage by revision, its email,
and the pages that serve it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from clinic.audit import AuditEvent
from clinic.db import utcnow
from clinic.mail.models import OutboxMessage
from clinic.referrals import summary, summary_document
from clinic.referrals.models import Referral, ReferralSummary
from clinic.referrals.summary_document import _store, compile_summary
from clinic.screening import services as screening
from tests.factories import AdminFactory, UserFactory


@pytest.fixture
def quick_pdf(monkeypatch):
    """For the tests of storing and serving: a stand-in for WeasyPrint's ~2 s per PDF
    (the test above and the worker process tests render real ones)."""
    monkeypatch.setattr(summary_document, "render_pdf", lambda html, title: b"%PDF-1.7 " + title.encode())


def stored(db) -> ReferralSummary | None:
    db.session.expire_all()
    return db.session.scalars(select(ReferralSummary)).one_or_none()


def supervisor_emails(db) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.template == "referral_summary_ready")))


def test_the_summary_holds_the_case_for_the_specialist(db, case):
    assert compile_summary(case.referral.id) is True
    db.session.commit()

    document = stored(db)
    assert document.reasons_revision == 2
    html = document.html
    for text in (
        "Castillo",  # the family
        "Ana Castillo",  # its caregiver
        "Mateo Castillo", "Age 9 months",  # a child and its age
        "Luna Castillo", "corrected age 3 months",  # a preterm child's corrected age
        "Repeatedly missed milestones", "Sounds, gestures and words",  # the reasons
        "Makes sounds, like cooing",  # the first screening's missed milestone
        "Alternates back and forth",  # the second's
        "<svg", 'id="chart-child-',  # the chart
        "Frequently depressed",  # the risk factor
        "Referred to the family doctor",
        "Eye contact", "Not attuned", "Turned away during feeding",  # the observation
        "Lucía Fernández", "Grace Okafor",  # the staff
    ):
        assert text in html, text
    assert html.index("Makes sounds, like cooing") < html.index("Alternates back and forth")  # over time
    assert "<style" not in html and "<script" not in html and "style=" not in html
    assert document.pdf.startswith(b"%PDF-")
    assert len(document.pdf) > 10_000

    # The team's supervisor gets a link, and no health detail.
    [email] = supervisor_emails(db)
    assert email.recipient == "grace@clinic.test"
    assert email.key == f"referral-summary:{case.referral.id}:2"
    assert email.family_id == case.family.id and email.user_id == case.supervisor.id
    url = f"http://127.0.0.1:5000/referrals/{case.referral.id}/summary"
    assert url in email.body_text and url in email.body_html
    for body in (email.subject, email.body_text, email.body_html):
        for detail in ("Castillo", "Mateo", "milestone", "depressed", "communication", "Sounds", "concern"):
            assert detail not in body


def test_compiling_again_replaces_the_summary_only_for_newer_reasons(db, case, quick_pdf):
    assert compile_summary(case.referral.id) is True
    db.session.commit()
    first = stored(db).compiled_at
    assert compile_summary(case.referral.id) is False  # nothing new
    db.session.commit()
    assert stored(db).compiled_at == first

    screening.record_risk_factor(case.visitor, code="caregiver_stress", noted_on=first.date(), caregiver=case.caregiver)
    db.session.commit()
    assert compile_summary(case.referral.id) is True
    db.session.commit()
    assert stored(db).reasons_revision == 3
    assert "Overly stressed" in stored(db).html

    # A compile of revision 2 finishing late never replaces revision 3.
    assert _store(case.referral.id, 2, "<p>stale</p>", b"%PDF-stale", utcnow(), insert=False) is False
    db.session.commit()
    assert stored(db).reasons_revision == 3 and "stale" not in stored(db).html
    assert sorted(e.key for e in supervisor_emails(db)) == [
        f"referral-summary:{case.referral.id}:2",
        f"referral-summary:{case.referral.id}:3",
    ]


def test_two_compiles_at_once_leave_one_summary_and_one_email(app, db, case, quick_pdf):
    barrier = threading.Barrier(2)
    results: list[bool] = []

    def compile_like_the_worker():
        # What a worker does: the task in its own app context, retried when the
        # database says it is busy (SQLite) - as the task's autoretry would.
        with app.app_context():
            barrier.wait()
            for _ in range(20):
                try:
                    compiled = compile_summary(case.referral.id)
                    db.session.commit()
                    results.append(compiled)
                    return
                except OperationalError:
                    db.session.rollback()

    threads = [threading.Thread(target=compile_like_the_worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    db.session.commit()  # read what the threads committed

    assert sorted(results) == [False, True]
    assert db.session.scalar(select(func.count()).select_from(ReferralSummary)) == 1
    assert len(supervisor_emails(db)) == 1


def test_a_compile_is_queued_after_the_commit_and_never_for_a_rollback(db, case, monkeypatch):
    queued: list[tuple] = []
    monkeypatch.setattr("clinic.dispatch.queue", lambda name, *args: queued.append((name, *args)))

    summary.request_compile(case.referral)
    assert queued == []
    db.session.rollback()
    assert queued == []

    summary.request_compile(db.session.get(Referral, case.referral.id))
    db.session.commit()
    assert queued == [("clinic.referrals.tasks.compile_referral_summary", case.referral.id)]


def test_the_sweep_finds_referrals_whose_compile_was_lost(db, case, quick_pdf):
    now = utcnow()
    assert summary.stale_summaries(now) == []  # just changed: its own task may still run
    later = now + summary.LOST_COMPILE_AFTER + timedelta(seconds=1)
    assert summary.stale_summaries(later) == [case.referral.id]

    compile_summary(case.referral.id)
    db.session.commit()
    assert summary.stale_summaries(later) == []

    db.session.execute(update(Referral).values(reasons_revision=Referral.reasons_revision + 1))
    db.session.commit()
    assert summary.stale_summaries(utcnow() + summary.LOST_COMPILE_AFTER) == [case.referral.id]


def test_the_summary_is_served_to_staff_in_scope_once_compiled(db, case, login, api, quick_pdf):
    referral_id = case.referral.id
    visitor = login(case.visitor)
    assert visitor.get(f"/referrals/{referral_id}/summary.pdf").status_code == 404
    assert visitor.get(f"/referrals/{referral_id}/summary").status_code == 404
    not_ready = api(case.visitor).get(f"/referrals/{referral_id}/summary.pdf")
    assert not_ready.status_code == 404 and not_ready.json["error"]["code"] == "not_found"

    compile_summary(referral_id)
    db.session.commit()

    pdf = visitor.get(f"/referrals/{referral_id}/summary.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf" and pdf.data == f"%PDF-1.7 Referral {referral_id}: summary".encode()
    assert pdf.headers["Cache-Control"] == "no-store"
    page = visitor.get(f"/referrals/{referral_id}/summary")
    assert page.status_code == 200 and b"Mateo Castillo" in page.data and b"<svg" in page.data
    from_api = api(case.supervisor).get(f"/referrals/{referral_id}/summary.pdf")
    assert from_api.status_code == 200 and from_api.data == pdf.data
    assert api(AdminFactory()).get(f"/referrals/{referral_id}/summary.pdf").status_code == 200

    stranger = UserFactory()
    assert login(stranger).get(f"/referrals/{referral_id}/summary.pdf").status_code == 404
    assert login(stranger).get(f"/referrals/{referral_id}/summary").status_code == 404
    assert api(stranger).get(f"/referrals/{referral_id}/summary.pdf").status_code == 404

    views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view_summary")).all()
    assert {event.user_id for event in views} >= {case.visitor.id, case.supervisor.id}


def test_the_api_document_lists_the_pdf(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert "get" in paths["/referrals/{referral_id}/summary.pdf"]
