"""Rule 8: reminder emails to families about upcoming follow-ups, digests to visitors.

One pass is a handful of queries whatever the number of families: one selects every
(follow-up, caregiver) pair still to remind, one the overdue follow-ups per visitor,
one the digests already written today, and the new outbox rows go in as one batch.
The outbox keys make each email once-only: a second pass on the same day, a retried
task or a pass that overlaps another adds nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from itertools import groupby

from babel.dates import format_date, format_time
from flask import current_app
from sqlalchemy import Select, func, select

from clinic.auth.models import User
from clinic.cases.models import Caregiver, Family, FollowUp
from clinic.extensions import db
from clinic.locks import periodic_lock
from clinic.mail.links import external_url
from clinic.mail.models import OutboxMessage
from clinic.mail.outbox import email_language, email_row, insert_emails
from clinic.mail.unsubscribe import make_token

REMINDER_TEMPLATE = "follow_up_reminder"
DIGEST_TEMPLATE = "overdue_digest"
RUN_LEASE = timedelta(hours=1)


@dataclass
class ReminderCounts:
    family_reminders: int = 0
    visitor_digests: int = 0


def reminder_key(follow_up_id: int, caregiver_id: int) -> str:
    return f"reminder:{follow_up_id}:{caregiver_id}"


def digest_key(user_id: int, today: date) -> str:
    return f"digest:{user_id}:{today.isoformat()}"


def run_reminders(today: date) -> ReminderCounts:
    """One reminder pass for the clinic date ``today``; the caller commits."""
    reminders = family_reminders(today)
    digests = visitor_digests(today)
    insert_emails(reminders + digests)
    return ReminderCounts(family_reminders=len(reminders), visitor_digests=len(digests))


def run_reminders_locked(today: date) -> dict | None:
    """A committed pass, unless another pass is running (then None)."""
    with periodic_lock("reminders", RUN_LEASE) as acquired:
        if not acquired:
            return None
        counts = run_reminders(today)
    return asdict(counts)


def due_reminders(today: date) -> Select:
    """Every (follow-up, caregiver) to remind: scheduled, due within REMINDER_DAYS,
    family active, caregiver opted in with an address, not reminded yet."""
    last_day = today + timedelta(days=current_app.config["REMINDER_DAYS"])
    already_queued = (
        select(OutboxMessage.id)
        .where(OutboxMessage.follow_up_id == FollowUp.id, OutboxMessage.caregiver_id == Caregiver.id)
        .exists()
    )
    return (
        select(
            FollowUp.id.label("follow_up_id"),
            FollowUp.family_id,
            FollowUp.kind,
            FollowUp.due_on,
            FollowUp.due_time,
            Family.language,
            Caregiver.id.label("caregiver_id"),
            Caregiver.name.label("caregiver_name"),
            Caregiver.email,
            User.name.label("visitor_name"),
            User.email.label("visitor_email"),
        )
        .join(Family, Family.id == FollowUp.family_id)
        .join(Caregiver, Caregiver.family_id == FollowUp.family_id)
        .join(User, User.id == Family.assigned_visitor_id)
        .where(
            FollowUp.status == "scheduled",
            FollowUp.due_on >= today,
            FollowUp.due_on <= last_day,
            Family.status == "active",
            Caregiver.email_opt_in.is_(True),
            Caregiver.email.is_not(None),
            func.trim(Caregiver.email) != "",
            ~already_queued,
        )
        .order_by(FollowUp.due_on, FollowUp.id, Caregiver.id)
    )


def family_reminders(today: date) -> list[dict]:
    messages = []
    for row in db.session.execute(due_reminders(today)):
        language = email_language(row.language)
        token = make_token(row.caregiver_id)
        one_click_url = external_url("mail.unsubscribe_one_click", token=token)
        context = {
            "caregiver_name": row.caregiver_name,
            "visitor_name": row.visitor_name,
            "visitor_email": row.visitor_email,
            # What the family is told: a visit or a call, never what it is about.
            "kind": "call" if row.kind == "call" else "visit",
            "date": format_date(row.due_on, format="full", locale=language),
            "time": format_time(row.due_time, format="short", locale=language) if row.due_time else None,
            "unsubscribe_url": external_url("mail.unsubscribe", token=token),
        }
        messages.append(
            email_row(
                reminder_key(row.follow_up_id, row.caregiver_id),
                row.email.strip(),
                REMINDER_TEMPLATE,
                language,
                context,
                family_id=row.family_id,
                follow_up_id=row.follow_up_id,
                caregiver_id=row.caregiver_id,
                headers={
                    "List-Unsubscribe": f"<{one_click_url}>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
        )
    return messages


def overdue_follow_ups(today: date) -> Select:
    """Scheduled follow-ups past due in active families, by their family's visitor."""
    return (
        select(
            FollowUp.id,
            FollowUp.family_id,
            FollowUp.kind,
            FollowUp.due_on,
            User.id.label("visitor_id"),
            User.name.label("visitor_name"),
            User.email.label("visitor_email"),
        )
        .join(Family, Family.id == FollowUp.family_id)
        .join(User, User.id == Family.assigned_visitor_id)
        .where(
            FollowUp.status == "scheduled",
            FollowUp.due_on < today,
            Family.status == "active",
            User.is_active.is_(True),
        )
        .order_by(User.id, FollowUp.due_on, FollowUp.id)
    )


def visitor_digests(today: date) -> list[dict]:
    by_visitor = {
        visitor_id: list(rows)
        for visitor_id, rows in groupby(db.session.execute(overdue_follow_ups(today)), key=lambda r: r.visitor_id)
    }
    if not by_visitor:
        return []
    keys = {digest_key(visitor_id, today): visitor_id for visitor_id in by_visitor}
    done = set(db.session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys))))
    messages = []
    for key, visitor_id in keys.items():
        if key in done:
            continue
        rows = by_visitor[visitor_id]
        context = {
            "visitor_name": rows[0].visitor_name,
            "today": today.isoformat(),
            "caseload_url": external_url("cases.caseload"),
            # Links only: the due date and kind, never a family's name or health detail.
            "items": [
                {
                    "due_on": row.due_on.isoformat(),
                    "kind": row.kind,
                    "url": external_url("cases.family", family_id=row.family_id),
                }
                for row in rows
            ],
        }
        messages.append(
            email_row(key, rows[0].visitor_email, DIGEST_TEMPLATE, "en", context, user_id=visitor_id)
        )
    return messages
