"""Rule 8: which reminders a pass queues, in which language, and only once."""

from __future__ import annotations

import json
from datetime import date, time, timedelta

import pytest
from babel.dates import format_date
from sqlalchemy import func, select

from clinic.cases.models import FollowUp
from clinic.mail.models import OutboxMessage
from clinic.referrals.models import Referral
from clinic.worklist.reminders import run_reminders
from tests.factories import CaregiverFactory, ChildFactory, FamilyFactory, FollowUpFactory, UserFactory

TODAY = date(2025, 6, 16)  # a Monday


def messages(db, template=None):
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    if template:
        query = query.where(OutboxMessage.template == template)
    return list(db.session.scalars(query))


def test_a_family_is_reminded_of_a_visit_with_date_time_and_visitor_only(db):
    visitor = UserFactory(name="Rosa Jiménez")
    family = FamilyFactory(assigned_visitor=visitor)
    caregiver = CaregiverFactory(family=family, name="Ana Flores", email="ana@families.test")
    follow_up = FollowUpFactory(
        family=family,
        kind="screening",
        instrument_code="m18",
        due_on=TODAY + timedelta(days=3),
        due_time=time(14, 30),
        note="Re-screen: not yet walking, speech delay",
    )

    counts = run_reminders(TODAY)
    db.session.commit()

    assert counts.family_reminders == 1
    [message] = messages(db, "follow_up_reminder")
    assert message.key == f"reminder:{follow_up.id}:{caregiver.id}"
    assert message.recipient == "ana@families.test"
    assert message.language == "en"
    assert message.status == "kept"  # no MAIL_SERVER in the tests
    assert message.subject == "Reminder: home visit on Thursday, June 19, 2025"
    for body in (message.body_text, message.body_html):
        assert "Ana Flores" in body
        assert "Rosa Jiménez will visit you at home on Thursday, June 19, 2025 at 2:30" in body
        assert "/unsubscribe/" in body
        # No health information: not what the follow-up is about, nor its note.
        for word in ("screen", "walking", "speech", "m18", "milestone", "referral", "risk"):
            assert word not in body.lower()
    headers = json.loads(message.headers)
    assert headers["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/unsubscribe/")
    assert headers["List-Unsubscribe"].endswith("/one-click>")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_a_spanish_family_gets_its_reminder_in_spanish(db):
    family = FamilyFactory(language="es", assigned_visitor=UserFactory(name="Lucía Fernández"))
    CaregiverFactory(family=family, name="María")
    FollowUpFactory(family=family, kind="call", due_on=TODAY + timedelta(days=1), due_time=time(9, 0))

    run_reminders(TODAY)

    [message] = messages(db, "follow_up_reminder")
    spanish_date = format_date(TODAY + timedelta(days=1), format="full", locale="es")
    assert spanish_date == "martes, 17 de junio de 2025"
    assert message.language == "es"
    assert message.subject == f"Recordatorio: llamada telefónica el {spanish_date}"
    assert message.body_text.startswith("Hola, María:")
    assert f"Lucía Fernández le llamará el {spanish_date} a las 9:00." in message.body_text
    assert "Dejar de recibir recordatorios" in message.body_html
    assert 'lang="es"' in message.body_html


def test_only_scheduled_follow_ups_within_the_window_of_active_families_remind(db):
    family = FamilyFactory()
    reminded = CaregiverFactory(family=family)
    CaregiverFactory(family=family, email_opt_in=False)
    CaregiverFactory(family=family, email=None, email_opt_in=True)
    CaregiverFactory(family=family, email="  ", email_opt_in=True)
    due_today = FollowUpFactory(family=family, due_on=TODAY)
    due_last_day = FollowUpFactory(family=family, due_on=TODAY + timedelta(days=7))
    FollowUpFactory(family=family, due_on=TODAY + timedelta(days=8))
    FollowUpFactory(family=family, due_on=TODAY - timedelta(days=1))
    for status in ("done", "cancelled", "missed"):
        FollowUpFactory(family=family, due_on=TODAY + timedelta(days=2), status=status)
    closed = FamilyFactory(status="closed")
    CaregiverFactory(family=closed)
    FollowUpFactory(family=closed, due_on=TODAY + timedelta(days=2))

    run_reminders(TODAY)

    keys = {m.key for m in messages(db, "follow_up_reminder")}
    assert keys == {f"reminder:{due_today.id}:{reminded.id}", f"reminder:{due_last_day.id}:{reminded.id}"}


def test_each_opted_in_caregiver_gets_their_own_reminder_once(db):
    family = FamilyFactory()
    first, second = CaregiverFactory(family=family), CaregiverFactory(family=family, is_primary=False)
    FollowUpFactory(family=family, due_on=TODAY + timedelta(days=2))

    assert run_reminders(TODAY).family_reminders == 2
    db.session.commit()
    assert run_reminders(TODAY).family_reminders == 0
    assert run_reminders(TODAY + timedelta(days=1)).family_reminders == 0
    db.session.commit()

    assert sorted(m.recipient for m in messages(db)) == sorted([first.email, second.email])


def test_each_visitor_gets_one_digest_a_day_of_their_overdue_follow_ups_as_links(db):
    visitor = UserFactory(name="Tom Becker", email="tom@clinic.test")
    first, second = FamilyFactory(assigned_visitor=visitor, name="Abara"), FamilyFactory(assigned_visitor=visitor, name="Bauer")
    late = FollowUpFactory(family=first, due_on=TODAY - timedelta(days=3), kind="call")
    later = FollowUpFactory(family=second, due_on=TODAY - timedelta(days=1))
    FollowUpFactory(family=second, due_on=TODAY)  # due today: not overdue
    FollowUpFactory(family=second, due_on=TODAY - timedelta(days=2), status="done")
    FollowUpFactory(family=FamilyFactory(assigned_visitor=visitor, status="closed"), due_on=TODAY - timedelta(days=5))
    FollowUpFactory(family=FamilyFactory(assigned_visitor=UserFactory(is_active=False)), due_on=TODAY - timedelta(days=5))

    counts = run_reminders(TODAY)
    db.session.commit()

    assert counts.visitor_digests == 1
    [digest] = messages(db, "overdue_digest")
    assert digest.key == f"digest:{visitor.id}:2025-06-16"
    assert digest.recipient == "tom@clinic.test"
    assert digest.user_id == visitor.id and digest.family_id is None
    assert digest.subject == "2 items past due"
    for body in (digest.body_text, digest.body_html):
        assert f"http://127.0.0.1:5000/families/{first.id}#follow-ups" in body
        assert f"http://127.0.0.1:5000/families/{second.id}#follow-ups" in body
        assert "call, due 2025-06-13" in body and "visit, due 2025-06-15" in body
        assert "http://127.0.0.1:5000/worklist" in body
        assert "Abara" not in body and "Bauer" not in body  # links only
    assert late.status == later.status == "scheduled"

    assert run_reminders(TODAY).visitor_digests == 0
    assert run_reminders(TODAY + timedelta(days=1)).visitor_digests == 1


def test_the_digest_carries_late_referrals_and_past_due_screenings(db):
    """Rule 10's past-due items: a community referral sent 31 days ago without
    contact (deadline 2025-06-15), a screening follow-up past its date."""
    visitor = UserFactory(email="tom@clinic.test")
    family = FamilyFactory(assigned_visitor=visitor, name="Abara")
    child = ChildFactory(family=family, date_of_birth=date(2023, 12, 1))
    FollowUpFactory(family=family, child=child, kind="screening", instrument_code="m18_20", due_on=date(2025, 6, 1))
    referral = Referral(family_id=family.id, status="sent", service="community_service", sent_on=date(2025, 5, 16))
    on_time = Referral(family_id=FamilyFactory(assigned_visitor=visitor).id, status="sent",
                       service="early_intervention", sent_on=date(2025, 5, 16))  # fmt: skip
    db.session.add_all([referral, on_time])
    db.session.commit()

    run_reminders(TODAY)
    db.session.commit()

    [digest] = messages(db, "overdue_digest")
    assert digest.subject == "2 items past due"
    assert f"screening, due 2025-06-01: http://127.0.0.1:5000/children/{child.id}/screenings/new?instrument=m18_20" in (
        digest.body_text
    )
    assert f"referral: no contact with the service yet, due 2025-06-15: http://127.0.0.1:5000/referrals/{referral.id}" in (
        digest.body_text
    )
    assert f"/referrals/{on_time.id}" not in digest.body_text  # Early Intervention: 45 days, not late yet


def _clinic(families: int) -> None:
    for index in range(families):
        family = FamilyFactory(language="es" if index % 2 else "en")
        CaregiverFactory(family=family)
        CaregiverFactory(family=family, is_primary=False)
        FollowUpFactory(family=family, due_on=TODAY + timedelta(days=index % 7))
        FollowUpFactory(family=family, due_on=TODAY - timedelta(days=1 + index % 5))


@pytest.mark.parametrize("families", [1, 12])
def test_a_pass_takes_the_same_few_queries_whatever_the_number_of_families(db, count_queries, families):
    _clinic(families)
    with count_queries() as statements:
        counts = run_reminders(TODAY)
    assert counts.family_reminders == 2 * families
    # Select the reminders, rule 10's fixed set of queries for the digests, look up
    # today's digests and their visitors, insert the new rows in one batch.
    assert len(statements) <= 13, "\n".join(s[:90] for s in statements)


def test_the_command_runs_a_pass_for_the_given_day_and_repeats_nothing(app, db):
    family = FamilyFactory()
    CaregiverFactory(family=family)
    FollowUpFactory(family=family, due_on=TODAY + timedelta(days=2))
    FollowUpFactory(family=family, due_on=TODAY - timedelta(days=2))
    runner = app.test_cli_runner()

    first = runner.invoke(args=["reminders", "run", "--today", "2025-06-16"])
    second = runner.invoke(args=["reminders", "run", "--today", "2025-06-16"])

    assert first.exit_code == 0, first.output
    assert "1 to families, 1 digests to home visitors" in first.output
    assert second.exit_code == 0, second.output
    assert "0 to families, 0 digests" in second.output
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 2
    assert db.session.scalar(select(func.count(FollowUp.id))) == 2
