"""Read models for lists: a fixed number of queries, whatever the page size."""

from __future__ import annotations

from sqlalchemy import func, literal_column, select, union
from sqlalchemy.orm import joinedload, selectinload

from clinic.auth.models import User
from clinic.cases.models import Child, Family, FollowUp
from clinic.extensions import db
from clinic.pagination import Page, paginate
from clinic.permissions.scope import family_scope, one_of


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def child_full_name():
    """``first_name || ' ' || last_name``, with the space as a literal so the expression
    is the one the trigram index is built on (a bound parameter would not match it)."""
    return Child.first_name.concat(literal_column("' '")).concat(Child.last_name)


def search_families(
    user: User,
    q: str = "",
    page: int = 1,
    per_page: int = 25,
    status: str | None = None,
    visitor_id: int | None = None,
) -> Page[Family]:
    """Families in the user's scope, matching ``q`` on the family or a child's name,
    optionally only one visitor's (the list behind a dashboard number).

    A fixed number of queries: the count, the page of families with their visitor
    (joined: one each), and their children, loaded for the whole page with
    ``selectinload``. No caregivers: neither the caseload nor the API's list shows
    them (a family's own page and the API's family do, loaded there).
    """
    conditions = [family_scope(user)]
    if status:
        conditions.append(Family.status == status)
    if visitor_id is not None:
        conditions.append(Family.assigned_visitor_id == visitor_id)
    q = (q or "").strip()
    if q:
        pattern = f"%{_escape_like(q.lower())}%"
        # Both matches only among the families in scope (never every child of the
        # program), as one set of ids: a union lets PostgreSQL answer each half from
        # its trigram index (see the pg_trgm migration) where an OR would filter
        # every family in scope. The full name covers a match on the first or the
        # last name alone. Not correlated: each half stands on its own. ``one_of``:
        # PostgreSQL then reads the few matches through the primary key instead of
        # hashing them against every family in scope (the admin's count 11.5 → 5 ms).
        by_family_name = select(Family.id).where(family_scope(user), func.lower(Family.name).like(pattern, escape="\\"))
        by_child_name = (
            select(Child.family_id)
            .join(Family, Child.family_id == Family.id)
            .where(family_scope(user), func.lower(child_full_name()).like(pattern, escape="\\"))
        )
        conditions.append(one_of(Family.id, union(by_family_name.correlate(None), by_child_name.correlate(None))))
    return paginate(
        "families",
        conditions,
        lambda: select(Family)
        .where(*conditions)
        .options(selectinload(Family.children), joinedload(Family.assigned_visitor, innerjoin=True))
        .order_by(Family.name, Family.id),
        lambda: select(func.count(Family.id)).where(*conditions),
        page,
        per_page,
    )


def active_family_counts() -> dict[int, int]:
    """Home visitor id → number of active families assigned to them (one query)."""
    rows = db.session.execute(
        select(Family.assigned_visitor_id, func.count(Family.id))
        .where(Family.status == "active")
        .group_by(Family.assigned_visitor_id)
    )
    return {visitor_id: count for visitor_id, count in rows}


def scheduled_follow_up_count(family_id: int) -> int:
    """How many of the family's follow-ups are still scheduled (closing cancels them)."""
    return db.session.scalar(
        select(func.count(FollowUp.id)).where(FollowUp.family_id == family_id, FollowUp.status == "scheduled")
    )
