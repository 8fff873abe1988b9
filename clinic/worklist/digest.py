"""Rule 8's daily digest to each home visitor, built from rule 10's worklist.

The digest lists what is past due on the visitor's families, exactly as their
worklist does: follow-ups past their date, scheduled screenings past their date,
and referrals late for first contact with the service (rule 6's clocks). One
computation of the worklist for every active visitor's families, one look-up of
the digests already written today; the email is links only (no family name, no
health detail), through the outbox with a once-a-day key.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from clinic.auth.models import User
from clinic.cases.models import Family
from clinic.extensions import db
from clinic.mail.links import external_url
from clinic.mail.models import OutboxMessage
from clinic.mail.outbox import email_row
from clinic.mail.reminders import DIGEST_TEMPLATE, digest_key
from clinic.worklist.due import Item, items_in_scope
from clinic.worklist.present import action_target

# What is past due, in rule 10's words: the kinds a digest carries when their date
# has passed (a late referral's date is its contact deadline).
DIGEST_KINDS = ("overdue_follow_up", "screening_due", "late_referral")
DIGEST_LABELS = {"screening_due": "screening", "late_referral": "referral: no contact with the service yet"}


def is_past_due(item: Item, today: date) -> bool:
    return item.kind in DIGEST_KINDS and item.due_on < today


def _label(item: Item) -> str:
    return DIGEST_LABELS.get(item.kind) or item.follow_up_kind or "follow-up"


def visitor_digests(today: date) -> list[dict]:
    """Outbox rows: one digest per active visitor with something past due, unless
    today's was already written."""
    active_visitors = select(User.id).where(User.role == "home_visitor", User.is_active.is_(True))
    by_visitor: dict[int, list[Item]] = defaultdict(list)
    for item in items_in_scope([Family.assigned_visitor_id.in_(active_visitors)], today):
        if is_past_due(item, today):
            by_visitor[item.visitor_id].append(item)
    if not by_visitor:
        return []
    keys = {digest_key(visitor_id, today): visitor_id for visitor_id in by_visitor}
    done = set(db.session.scalars(select(OutboxMessage.key).where(OutboxMessage.key.in_(keys))))
    visitors = {
        user.id: user for user in db.session.scalars(select(User).where(User.id.in_(by_visitor)))
    }
    messages = []
    for key, visitor_id in keys.items():
        if key in done:
            continue
        visitor = visitors[visitor_id]
        context = {
            "visitor_name": visitor.name,
            "today": today.isoformat(),
            "worklist_url": external_url("worklist.index"),
            # Links only: what kind of step and since when, never a family's name.
            "items": [
                {"due_on": item.due_on.isoformat(), "kind": _label(item), "url": _external(item)}
                for item in by_visitor[visitor_id]
            ],
        }
        messages.append(email_row(key, visitor.email, DIGEST_TEMPLATE, "en", context, user_id=visitor_id))
    return messages


def _external(item: Item) -> str:
    endpoint, args, anchor = action_target(item)
    return external_url(endpoint, **args) + anchor
