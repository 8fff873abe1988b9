"""The supervisor's caseload report: per home visitor, the work on their desk.

A fixed number of grouped queries (one per measure, GROUP BY visitor), whatever the
number of visitors or families.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, distinct, func, or_, select

from clinic.auth.models import User
from clinic.cases.models import Child, Family, FollowUp
from clinic.extensions import db
from clinic.permissions.scope import overseen_visitors
from clinic.referrals.models import ACTIVE_STATUSES, Referral


@dataclass(frozen=True)
class VisitorCaseload:
    visitor_id: int
    visitor_name: str
    visitor_active: bool
    families: int  # active families
    children: int  # children of those families
    follow_ups_due: int  # scheduled, due from today to today + reminder_days
    follow_ups_overdue: int  # scheduled, due before today
    open_referrals: int  # open or reviewed


def caseload_report(user: User, today: date, reminder_days: int) -> list[VisitorCaseload]:
    """Per visitor ``user`` oversees (admins: every visitor), by name.

    Follow-ups count for active families only, as reminders do (closing a case
    cancels them). Open referrals count whatever the family's status: they wait for
    a supervisor either way. Deactivated visitors are listed only while they still
    have work, so the supervisor sees what must be reassigned.
    """
    visitor_ids = overseen_visitors(user).with_only_columns(User.id)
    active_family = (Family.status == "active", Family.assigned_visitor_id.in_(visitor_ids))

    families: dict[int, tuple[int, int]] = {
        visitor_id: (family_count, child_count)
        for visitor_id, family_count, child_count in db.session.execute(
            select(Family.assigned_visitor_id, func.count(distinct(Family.id)), func.count(Child.id))
            .outerjoin(Child, Child.family_id == Family.id)
            .where(*active_family)
            .group_by(Family.assigned_visitor_id)
        )
    }
    last_due = today + timedelta(days=reminder_days)
    follow_ups: dict[int, tuple[int, int]] = {
        visitor_id: (due or 0, overdue or 0)
        for visitor_id, due, overdue in db.session.execute(
            select(
                Family.assigned_visitor_id,
                func.sum(case((FollowUp.due_on.between(today, last_due), 1), else_=0)),
                func.sum(case((FollowUp.due_on < today, 1), else_=0)),
            )
            .join(Family, Family.id == FollowUp.family_id)
            .where(*active_family, FollowUp.status == "scheduled", FollowUp.due_on <= last_due)
            .group_by(Family.assigned_visitor_id)
        )
    }
    referrals: dict[int, int] = {
        visitor_id: open_count
        for visitor_id, open_count in db.session.execute(
            select(Family.assigned_visitor_id, func.count(Referral.id))
            .join(Family, Family.id == Referral.family_id)
            .where(Family.assigned_visitor_id.in_(visitor_ids), Referral.status.in_(ACTIVE_STATUSES))
            .group_by(Family.assigned_visitor_id)
        )
    }
    with_work = {*families, *follow_ups, *referrals}
    report = []
    for visitor in db.session.scalars(
        overseen_visitors(user)
        .where(or_(User.is_active.is_(True), User.id.in_(with_work)))
        .order_by(User.name, User.id)
    ):
        family_count, child_count = families.get(visitor.id, (0, 0))
        due, overdue = follow_ups.get(visitor.id, (0, 0))
        report.append(
            VisitorCaseload(
                visitor_id=visitor.id,
                visitor_name=visitor.name,
                visitor_active=visitor.is_active,
                families=family_count,
                children=child_count,
                follow_ups_due=due,
                follow_ups_overdue=overdue,
                open_referrals=referrals.get(visitor.id, 0),
            )
        )
    return report
