"""What happens to an email whose result is unknown or that the server always refuses.

A lapsed claim whose message was handed to the SMTP server is ``unknown``: never
sent again by itself; one that was never handed over is simply queued again. A
server that answers 5xx to every message brings the row to ``failed`` after the
last attempt, shown on the family page and in the mail log, where an admin can try
again.
"""

from __future__ import annotations

from datetime import date, timedelta

from bs4 import BeautifulSoup
from sqlalchemy import select, text, update

from clinic.db import utcnow
from clinic.extensions import db as _db
from clinic.mail.delivery import CLAIM_LEASE, MAX_ATTEMPTS, claim, deliver
from clinic.mail.models import OutboxMessage
from clinic.mail.outbox import retry_failed, sweep
from clinic.mail.reminders import due_reminders, run_reminders
from tests.conftest import TARGET
from tests.factories import AdminFactory, CaregiverFactory, FamilyFactory, FollowUpFactory, UserFactory

TODAY = date(2026, 3, 2)


def _reminder(db):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    CaregiverFactory(family=family, email="ana@families.test")
    FollowUpFactory(family=family, due_on=TODAY + timedelta(days=2))
    run_reminders(TODAY)
    db.session.commit()
    [message] = db.session.scalars(select(OutboxMessage)).all()
    return visitor, family, message


def _reload(db, message) -> OutboxMessage:
    db.session.commit()
    return db.session.get(OutboxMessage, message.id, populate_existing=True)


def test_a_lapsed_claim_handed_over_to_the_server_becomes_unknown_and_is_not_resent(db, smtp):
    _visitor, _family, message = _reminder(db)
    now = utcnow()
    assert claim(message.id, now, "a" * 32)
    # The sender reached DATA, then died (or lost the database) before the outcome.
    db.session.execute(update(OutboxMessage).values(handed_over_at=now))
    db.session.commit()

    assert sweep(now + CLAIM_LEASE) == []
    message = _reload(db, message)
    assert (message.status, message.claim_token, message.next_attempt_at) == ("unknown", None, None)
    assert "may have accepted" in message.last_error
    assert deliver(message.id) == "skipped"
    assert smtp.messages == []

    # Staff decide to send it again.
    assert retry_failed(message) is True
    db.session.commit()
    assert deliver(message.id) == "sent"
    assert len(smtp.recorder.wait_for(1)) == 1


def test_a_lapsed_claim_never_handed_over_is_queued_again_and_sent_once(db, smtp):
    _visitor, _family, message = _reminder(db)
    now = utcnow()
    assert claim(message.id, now, "b" * 32)  # the sender died before talking to the server
    db.session.commit()

    assert sweep(now + CLAIM_LEASE) == [message.id]
    db.session.commit()
    assert _reload(db, message).status == "queued"
    assert deliver(message.id) == "sent"
    assert deliver(message.id) == "skipped"
    assert len(smtp.recorder.wait_for(1)) == 1
    message = _reload(db, message)
    assert (message.attempts, message.claim_token) == (2, None)
    assert message.handed_over_at is not None


def test_a_server_answering_5xx_to_every_message_ends_in_failed_shown_to_staff_who_retry(
    app, db, smtp, login
):
    smtp.recorder.refuse_data = "554 5.6.0 Message refused"
    visitor, family, message = _reminder(db)
    admin = AdminFactory()
    db.session.commit()

    for attempt in range(1, MAX_ATTEMPTS):
        assert deliver(message.id) == "queued", attempt
    assert deliver(message.id) == "failed"
    message = _reload(db, message)
    assert (message.status, message.attempts, message.next_attempt_at) == ("failed", MAX_ATTEMPTS, None)
    assert "554" in message.last_error
    assert smtp.messages == []

    # The family page tells the visitor.
    page = BeautifulSoup(login(visitor).get(f"/families/{family.id}").data, "html.parser")
    row = page.select_one("table.failed-mail tbody tr")
    assert message.subject in row.text and "failed" in row.text and "554" in row.text

    # The mail log shows it to the admin, with a button that tries again.
    browser = login(admin)
    log = BeautifulSoup(browser.get("/mail/log").data, "html.parser")
    [form] = [f for f in log.select("table.mail-log form") if f["action"] == f"/mail/{message.id}/retry"]
    assert form.button.text == "Try again"
    response = browser.post(form["action"], data={"csrf_token": form.find("input", attrs={"name": "csrf_token"})["value"]})
    assert response.status_code == 302
    message = _reload(db, message)
    assert (message.status, message.attempts) == ("queued", 0)

    smtp.recorder.refuse_data = None  # the server accepts mail again
    assert deliver(message.id) == "sent"
    assert len(smtp.recorder.wait_for(1)) == 1


def test_the_reminder_pass_checks_for_existing_reminders_through_an_index(db):
    """The NOT EXISTS of the reminder pass can use ix_outbox_messages_follow_up_id_caregiver_id
    (on PostgreSQL with sequential scans off: its planner prefers a scan on a small table)."""
    statement = due_reminders(TODAY).compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True})
    with db.engine.connect() as conn:
        if TARGET == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(conn.execute(text(f"EXPLAIN {statement}")).scalars())
        else:
            plan = "\n".join(row[-1] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {statement}")))
    assert "ix_outbox_messages_follow_up_id_caregiver_id" in plan, plan
    _db.session.rollback()
