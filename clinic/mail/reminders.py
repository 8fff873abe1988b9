"""Rule 8's family reminders: an email to each opted-in caregiver about each
follow-up due within REMINDER_DAYS, once per follow-up.

One query selects every (follow-up, caregiver) pair still to remind; the outbox key
makes each email once-only, so a second pass on the same day, a retried task or an
overlapping pass adds nothing. The whole daily pass (these reminders and the
visitors' digests, which take their overdue items from rule 10's worklist) is run
by ``clinic.worklist.reminders``.
"""

from __future__ import annotations

from datetime import date, timedelta

from babel.dates import format_date, format_time
from flask import current_app
from sqlalchemy import Select, func, select

from clinic.auth.models import User
from clinic.cases.models import Caregiver, Family, FollowUp
from clinic.extensions import db
from clinic.mail.links import external_url
from clinic.mail.models import OutboxMessage
from clinic.mail.outbox import email_language, email_row
from clinic.mail.unsubscribe import make_token

REMINDER_TEMPLATE = "follow_up_reminder"
DIGEST_TEMPLATE = "overdue_digest"


def reminder_key(follow_up_id: int, caregiver_id: int) -> str:
    return f"reminder:{follow_up_id}:{caregiver_id}"


def digest_key(user_id: int, today: date) -> str:
    return f"digest:{user_id}:{today.isoformat()}"


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
