"""The transactional outbox: idempotent queueing, one claim per send, backoff, sweep."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from clinic.db import utcnow
from clinic.mail import delivery
from clinic.mail.delivery import MAX_ATTEMPTS, backoff, claim, deliver, message_id_header
from clinic.mail.models import OutboxMessage
from clinic.mail.outbox import LOST_TASK_AFTER, queue_email, retry_failed, sweep
from clinic.worklist.reminders import run_reminders
from tests.factories import CaregiverFactory, FamilyFactory, FollowUpFactory

TODAY = date(2025, 6, 16)


def queue(key="test:1", recipient="someone@families.test"):
    return queue_email(
        key,
        recipient,
        "referral_summary_ready",
        "en",
        {"supervisor_name": "Grace", "referral_id": 7, "summary_url": "http://127.0.0.1:5000/referrals/7/summary"},
    )


def count(db) -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)))


def test_queueing_the_same_key_twice_adds_nothing(db):
    first = queue()
    db.session.commit()
    assert queue() is None
    db.session.commit()
    assert first is not None and count(db) == 1


def test_without_a_mail_server_an_email_is_kept_not_queued(db):
    message = queue()
    db.session.commit()
    assert message.status == "kept"
    assert message.next_attempt_at is None
    assert deliver(message.id) == "skipped"


def test_a_queued_email_goes_out_once_with_a_message_id_from_its_key(db, smtp, app):
    message = queue()
    db.session.commit()
    assert message.status == "queued"

    assert deliver(message.id) == "sent"
    assert deliver(message.id) == "skipped"

    [received] = smtp.recorder.wait_for(1)
    assert received["To"] == "someone@families.test"
    assert received["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert received["Subject"] == "Referral 7: summary ready"
    assert received["Message-ID"] == message_id_header("test:1", app.config["MAIL_DEFAULT_SENDER"])
    assert received["Auto-Submitted"] == "auto-generated"
    assert received.get_content_type() == "multipart/alternative"
    assert "http://127.0.0.1:5000/referrals/7/summary" in received.get_body(("plain",)).get_content()
    assert 'href="http://127.0.0.1:5000/referrals/7/summary"' in received.get_body(("html",)).get_content()
    db.session.refresh(message)
    assert (message.status, message.attempts, message.last_error) == ("sent", 1, None)
    assert message.sent_at is not None
    assert len(smtp.messages) == 1


def test_a_reminder_carries_its_one_click_unsubscribe_headers(db, smtp):
    family = FamilyFactory()
    CaregiverFactory(family=family)
    FollowUpFactory(family=family, due_on=TODAY + timedelta(days=1))
    run_reminders(TODAY)
    db.session.commit()
    [message] = db.session.scalars(select(OutboxMessage)).all()

    assert deliver(message.id) == "sent"

    [received] = smtp.recorder.wait_for(1)
    assert received["List-Unsubscribe"].strip().startswith("<http://127.0.0.1:5000/unsubscribe/")
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_backoff_doubles_from_a_minute_up_to_four_hours():
    assert [backoff(n) for n in (1, 2, 3, 4)] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert backoff(9) == backoff(20) == timedelta(hours=4)


def test_a_failing_server_is_retried_with_backoff_then_the_email_fails(db, smtp_down):
    message = queue()
    db.session.commit()

    for attempt in range(1, MAX_ATTEMPTS):
        before = utcnow()
        assert deliver(message.id) == "queued"
        db.session.refresh(message)
        assert message.attempts == attempt
        assert "ConnectionRefusedError" in message.last_error
        assert before + backoff(attempt) <= message.next_attempt_at <= utcnow() + backoff(attempt)

    assert deliver(message.id) == "failed"
    db.session.refresh(message)
    assert (message.status, message.attempts, message.next_attempt_at) == ("failed", MAX_ATTEMPTS, None)
    assert deliver(message.id) == "skipped"


def test_a_refused_recipient_fails_at_once(db, smtp):
    smtp.recorder.refuse.add("gone@families.test")
    message = queue(recipient="gone@families.test")
    db.session.commit()

    assert deliver(message.id) == "failed"
    db.session.refresh(message)
    assert message.attempts == 1
    assert "550" in message.last_error


def test_two_senders_never_claim_the_same_row(db, smtp_down):
    message = queue()
    db.session.commit()
    now = utcnow()
    assert claim(message.id, now) is True
    assert claim(message.id, now) is False
    db.session.commit()
    db.session.refresh(message)
    assert (message.status, message.attempts) == ("sending", 1)
    assert message.next_attempt_at == now + delivery.CLAIM_LEASE


def _row(db, key, status, next_attempt_at):
    row = OutboxMessage(
        key=key, recipient="x@families.test", template="t", subject="s", body_text="b",
        status=status, next_attempt_at=next_attempt_at,
    )
    db.session.add(row)
    return row


def test_the_sweep_queues_lost_tasks_and_lapsed_claims_again_once(db, smtp_down):
    now = utcnow()
    lost = _row(db, "lost", "queued", now - timedelta(seconds=1))
    fresh = _row(db, "fresh", "queued", now + timedelta(minutes=1))
    lapsed = _row(db, "lapsed", "sending", now - timedelta(seconds=1))
    sending = _row(db, "sending", "sending", now + timedelta(minutes=3))
    _row(db, "sent", "sent", None)
    _row(db, "failed", "failed", None)
    db.session.commit()

    assert sorted(sweep(now)) == sorted([lost.id, lapsed.id])
    db.session.commit()
    assert sweep(now) == []
    assert sorted(sweep(now + LOST_TASK_AFTER)) == sorted([lost.id, lapsed.id, fresh.id])

    db.session.refresh(lapsed)
    db.session.refresh(sending)
    assert lapsed.status == "queued" and sending.status == "sending"


@pytest.mark.parametrize("change", ["done", "cancelled", "family closed", "opted out", "new address"])
def test_a_reminder_no_longer_wanted_by_send_time_is_cancelled_not_sent(db, smtp, change):
    family = FamilyFactory()
    caregiver = CaregiverFactory(family=family)
    follow_up = FollowUpFactory(family=family, due_on=TODAY + timedelta(days=1))
    run_reminders(TODAY)
    db.session.commit()
    if change in ("done", "cancelled"):
        follow_up.status = change
    elif change == "family closed":
        family.status = "closed"
    elif change == "opted out":
        caregiver.email_opt_in = False
    else:
        caregiver.email = "someone.else@families.test"
    db.session.commit()
    [message] = db.session.scalars(select(OutboxMessage)).all()

    assert deliver(message.id) == "cancelled"
    assert smtp.messages == []


def test_an_admin_can_give_a_failed_email_a_new_round(db, smtp_down):
    message = queue()
    message.status, message.attempts = "failed", MAX_ATTEMPTS
    db.session.commit()

    assert retry_failed(message) is True
    db.session.commit()
    assert (message.status, message.attempts) == ("queued", 0)
    assert retry_failed(message) is False
