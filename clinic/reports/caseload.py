"""The supervisor's dashboard: per home visitor, the work on their desk.

What is due comes from rule 10's one computation (``clinic.worklist.due``), counted
per visitor, and so do the active families, their children and the open referrals
(rule 10 reads them). A fixed number of queries whatever the number of visitors or
families.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, or_, select

from clinic.auth.models import User
from clinic.cases.models import Family
from clinic.extensions import db
from clinic.permissions.scope import family_scope, overseen_visitors
from clinic.worklist.due import Item, due_in_scope

# Dashboard column → the worklist kind it counts.
COUNTED_KINDS = {
    "follow_ups_due": "due_follow_up",
    "follow_ups_overdue": "overdue_follow_up",
    "screenings_due": "screening_due",
    "late_referrals": "late_referral",
    "not_seen": "not_seen",
}


@dataclass(frozen=True)
class VisitorCaseload:
    visitor_id: int
    visitor_name: str
    visitor_active: bool
    families: int  # active families
    children: int  # children of those families
    follow_ups_due: int  # rule 10's due_follow_up: scheduled, today to 7 days ahead
    follow_ups_overdue: int  # overdue_follow_up
    screenings_due: int  # screening_due
    open_referrals: int  # open or reviewed
    oldest_open_referral_days: int | None  # days since the oldest of those opened
    late_referrals: int  # late_referral
    not_seen: int  # not_seen: active families with no contact in 90 days


def dashboard_scope(user: User, team_id: int | None = None) -> list[ColumnElement[bool]]:
    """SQL conditions on ``Family``: the user's scope, narrowed to one team's visitors."""
    scope = [family_scope(user)]
    if team_id is not None:
        scope.append(Family.assigned_visitor_id.in_(select(User.id).where(User.team_id == team_id)))
    return scope


def caseload_report(user: User, today: date, team_id: int | None = None) -> list[VisitorCaseload]:
    """Per visitor ``user`` oversees (admins: every visitor, or one team's), by name.

    Open referrals count whatever the family's status: they wait for a supervisor
    either way. Deactivated visitors are listed only while they still have work, so
    the supervisor sees what must be reassigned.
    """
    scope = dashboard_scope(user, team_id)
    due = due_in_scope(scope, today)
    families = Counter(family.visitor_id for family in due.families.values() if family.active)
    children: Counter = Counter()
    for family_id, count in due.children.items():
        children[due.families[family_id].visitor_id] += count
    opened: dict[int, list[date]] = defaultdict(list)
    for referral in due.waiting:
        opened[due.families[referral.family_id].visitor_id].append(referral.opened_on)
    counts = count_items(due.items)
    with_work = {*families, *opened, *(visitor_id for visitor_id, _kind in counts)}
    visitors = overseen_visitors(user).where(or_(User.is_active.is_(True), User.id.in_(with_work)))
    if team_id is not None:
        visitors = visitors.where(User.team_id == team_id)
    report = []
    for visitor in db.session.scalars(visitors.order_by(User.name, User.id)):
        waiting = opened.get(visitor.id, [])
        report.append(
            VisitorCaseload(
                visitor_id=visitor.id,
                visitor_name=visitor.name,
                visitor_active=visitor.is_active,
                families=families[visitor.id],
                children=children[visitor.id],
                open_referrals=len(waiting),
                oldest_open_referral_days=(today - min(waiting)).days if waiting else None,
                **{column: counts[(visitor.id, kind)] for column, kind in COUNTED_KINDS.items()},
            )
        )
    return report


def count_items(items: list[Item]) -> Counter:
    """(visitor id, kind) → number of items."""
    return Counter((item.visitor_id, item.kind) for item in items)
