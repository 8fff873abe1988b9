"""Follow-ups: dated next steps, scheduled by hand or by rule 3 after a screening.

Reminders are sent only for ``scheduled`` follow-ups of ``active`` families (the
reminder query filters on both). Besides, when a family is closed its scheduled
follow-ups are cancelled (:func:`cancel_scheduled`), so the family page, the
caseload counts and the visitor's digest stop showing steps nobody will take;
reopening a family does not bring them back (staff schedule anew).
"""

from __future__ import annotations

import datetime as dt
from datetime import date, datetime

from sqlalchemy import bindparam, select

from clinic import audit, clock
from clinic.auth.models import User
from clinic.cases.models import FOLLOW_UP_KINDS, FOLLOW_UP_STATUSES, Child, Family, FollowUp
from clinic.db import utcnow
from clinic.errors import ServiceError
from clinic.extensions import db
from clinic.instruments import get_instrument
from clinic.translation import gettext as _

DUE_STATUS = "scheduled"  # the only status rule 10 lists (past_due)
OPEN_STATUSES = ("scheduled", "missed")
# done is final; missed may still be done (late) or cancelled; a cancellation may be
# undone (back to scheduled) while the follow-up's date has not passed.
ALLOWED_MOVES = {
    "scheduled": {"done", "cancelled", "missed"},
    "missed": {"done", "cancelled", "scheduled"},
    "done": set(),
    "cancelled": {"scheduled"},
}


def past_due(follow_up: FollowUp, today: date) -> bool:
    """Rule 10's past-due follow-up: still scheduled, its date gone by. A missed one
    stays open (it may yet be done late, or cancelled) but the visitor has recorded
    that it did not happen: it is not due, so neither the worklist nor a page calls
    it overdue."""
    return follow_up.status == DUE_STATUS and follow_up.due_on < today


def can_restore(follow_up: FollowUp, today: date) -> bool:
    """Whether a cancelled follow-up can be scheduled again (undoing the cancellation)."""
    return follow_up.status == "cancelled" and follow_up.due_on >= today and follow_up.family.status == "active"


def schedule_follow_up(
    by: User | None,
    family: Family,
    *,
    kind: str,
    due_on: date,
    time: dt.time | None = None,
    note: str | None = None,
    child: Child | None = None,
    instrument_code: str | None = None,
) -> FollowUp:
    """A new scheduled follow-up; ``by`` None means the system scheduled it (rule 3)."""
    if kind not in FOLLOW_UP_KINDS:
        raise ServiceError(_("The kind must be one of %(kinds)s.", kinds=", ".join(FOLLOW_UP_KINDS)), "kind")
    if not isinstance(due_on, date) or isinstance(due_on, datetime):
        raise ServiceError(_("Give the due date as YYYY-MM-DD."), "due_on")
    if time is not None and not isinstance(time, dt.time):
        raise ServiceError(_("Give the time as HH:MM."), "time")
    if by is not None and due_on < clock.today():
        raise ServiceError(_("A follow-up is a next step: its date cannot be in the past."), "due_on")
    if family.status != "active":
        raise ServiceError(_("The family's case is closed."), "family")
    if child is not None and child.family_id != family.id:
        raise ServiceError(_("The child is not in this family."), "child_id")
    if instrument_code is not None:
        if kind != "screening":
            raise ServiceError(_("Only a screening follow-up names an instrument."), "instrument")
        try:
            get_instrument(instrument_code)
        except KeyError:
            raise ServiceError(_("Unknown instrument."), "instrument") from None
    follow_up = FollowUp(
        family_id=family.id,
        child_id=child.id if child is not None else None,
        kind=kind,
        instrument_code=instrument_code,
        due_on=due_on,
        due_time=time,
        note=(note or "").strip() or None,
        status="scheduled",
        created_by_id=by.id if by is not None else None,
    )
    db.session.add(follow_up)
    db.session.flush()
    audit.change(
        "create", "follow_up", follow_up.id, user=by, family_id=family.id, detail=f"kind={kind},due_on={due_on}"
    )
    return follow_up


def set_follow_up_status(by: User | None, follow_up: FollowUp, status: str) -> FollowUp:
    """Mark a follow-up done, cancelled or missed, or restore a cancelled one (done is final)."""
    if status not in FOLLOW_UP_STATUSES:
        raise ServiceError(_("The status must be one of %(statuses)s.", statuses=", ".join(FOLLOW_UP_STATUSES)), "status")
    if status == follow_up.status:
        return follow_up
    if status not in ALLOWED_MOVES[follow_up.status]:
        raise ServiceError(
            _("A follow-up that is %(now)s cannot become %(then)s.", now=follow_up.status, then=status), "status", "conflict"
        )
    if status == "scheduled" and follow_up.family.status != "active":
        raise ServiceError(_("The family's case is closed."), "status", "conflict")
    if follow_up.status == "cancelled" and follow_up.due_on < clock.today():
        raise ServiceError(
            _("Its date has passed: schedule a new follow-up instead of restoring this one."), "status", "conflict"
        )
    previous = follow_up.status
    follow_up.status = status
    follow_up.completed_at = utcnow() if status == "done" else None
    db.session.flush()
    audit.change(
        "status",
        "follow_up",
        follow_up.id,
        user=by,
        family_id=follow_up.family_id,
        detail=f"{previous}->{status}",
    )
    return follow_up


# The case pages' statements, built once with the record's id as a parameter: building
# one and its cache key cost more than its round trip.
_OPEN_SCREENING_FOLLOW_UPS = (
    select(FollowUp)
    .where(FollowUp.child_id == bindparam("child_id"), FollowUp.kind == "screening", FollowUp.status.in_(OPEN_STATUSES))
    .order_by(FollowUp.due_on, FollowUp.id)
)
_FAMILY_FOLLOW_UPS = (
    select(FollowUp)
    .where(FollowUp.family_id == bindparam("family_id"))
    .order_by(FollowUp.due_on, FollowUp.due_time, FollowUp.id)
)


def open_screening_follow_ups(child: Child) -> list[FollowUp]:
    """The child's screening follow-ups that are still scheduled or missed."""
    return list(db.session.scalars(_OPEN_SCREENING_FOLLOW_UPS, {"child_id": child.id}))


def cancel_scheduled(by: User | None, family: Family) -> int:
    """Cancel the family's scheduled and missed follow-ups (call when closing a case)."""
    cancelled = 0
    for follow_up in list(
        db.session.scalars(
            select(FollowUp).where(FollowUp.family_id == family.id, FollowUp.status.in_(OPEN_STATUSES))
        )
    ):
        set_follow_up_status(by, follow_up, "cancelled")
        cancelled += 1
    return cancelled


def family_follow_ups(family: Family) -> list[FollowUp]:
    """Every follow-up of the family, soonest first."""
    return list(db.session.scalars(_FAMILY_FOLLOW_UPS, {"family_id": family.id}))


def read_family_follow_ups(by: User, family: Family) -> list[FollowUp]:
    """The family's follow-ups for ``by``, the read audited."""
    audit.read(by, "family", [(family.id, family.id)], detail="follow_ups")
    return family_follow_ups(family)
