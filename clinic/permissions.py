"""The one place that decides who may see and do what.

Every route declares an access rule with :func:`access`; ``create_app`` enforces it
before the view runs and a test fails for any route that declares none. Records are
loaded through the ``get_*_or_404`` helpers, which scope the query to the families
the user may see: a record out of scope is indistinguishable from one that does not
exist.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import abort
from sqlalchemy import ColumnElement, Select, false, select, true

from clinic.auth.models import Team, User
from clinic.cases.models import Caregiver, Child, Family, FollowUp
from clinic.extensions import db

F = TypeVar("F", bound=Callable)
T = TypeVar("T")

# Access rules a route can declare.
PUBLIC = "public"  # no sign-in (sign-in page, unsubscribe, static files)
STAFF = "staff"  # any signed-in staff member; records are scoped by the helpers below
SUPERVISOR = "supervisor"  # supervisors and admins
ADMIN = "admin"  # admins only
RULES = (PUBLIC, STAFF, SUPERVISOR, ADMIN)


def access(rule: str) -> Callable[[F], F]:
    """Declare who may call a view."""
    if rule not in RULES:
        raise ValueError(f"unknown access rule {rule!r}")

    def decorate(view: F) -> F:
        view.access_rule = rule  # type: ignore[attr-defined]
        return view

    return decorate


def role_allows(user: User, rule: str) -> bool:
    if rule in (PUBLIC, STAFF):
        return True
    if rule == SUPERVISOR:
        return user.role in ("supervisor", "admin")
    return user.role == "admin"


def supervised_visitor_ids(user: User) -> Select:
    """Ids of the visitors in the teams ``user`` supervises, as a subquery."""
    return (
        select(User.id)
        .join(Team, User.team_id == Team.id)
        .where(Team.supervisor_id == user.id)
    )


def family_scope(user: User) -> ColumnElement[bool]:
    """SQL condition on ``Family`` selecting the families ``user`` may see."""
    if not user.is_active:
        return false()
    if user.role == "admin":
        return true()
    if user.role == "supervisor":
        return Family.assigned_visitor_id.in_(supervised_visitor_ids(user))
    return Family.assigned_visitor_id == user.id


def visible_families(user: User) -> Select:
    return select(Family).where(family_scope(user))


def visible_family_ids(user: User) -> Select:
    return select(Family.id).where(family_scope(user))


def _scoped_or_404(user: User, model: type[T], record_id: int) -> T:
    if model is Family:
        query = select(Family).where(Family.id == record_id, family_scope(user))
    else:
        query = (
            select(model)
            .join(Family, model.family_id == Family.id)  # type: ignore[attr-defined]
            .where(model.id == record_id, family_scope(user))  # type: ignore[attr-defined]
        )
    record = db.session.scalars(query).first()
    if record is None:
        abort(404)
    return record


def get_family_or_404(user: User, family_id: int) -> Family:
    return _scoped_or_404(user, Family, family_id)


def get_child_or_404(user: User, child_id: int) -> Child:
    return _scoped_or_404(user, Child, child_id)


def get_caregiver_or_404(user: User, caregiver_id: int) -> Caregiver:
    return _scoped_or_404(user, Caregiver, caregiver_id)


def get_follow_up_or_404(user: User, follow_up_id: int) -> FollowUp:
    return _scoped_or_404(user, FollowUp, follow_up_id)


def get_in_family_scope_or_404(user: User, model: type[T], record_id: int) -> T:
    """Any record with a ``family_id`` (screenings go through their child)."""
    return _scoped_or_404(user, model, record_id)


def assignable_visitors(user: User) -> Select:
    """Home visitors to whom ``user`` may assign a family."""
    query = select(User).where(User.role == "home_visitor", User.is_active.is_(True))
    if user.role == "admin":
        return query.order_by(User.name)
    if user.role == "supervisor":
        return query.where(User.id.in_(supervised_visitor_ids(user))).order_by(User.name)
    return query.where(User.id == user.id)


def can_reassign(user: User) -> bool:
    return user.role in ("supervisor", "admin")


def can_transition_referrals(user: User) -> bool:
    return user.role in ("supervisor", "admin")


def can_manage_staff(user: User) -> bool:
    return user.role == "admin"


def can_see_other_caseloads(user: User) -> bool:
    """Whether the user sees families of several visitors (and so needs their names)."""
    return user.role in ("supervisor", "admin")


def get_screening_or_404(user: User, screening_id: int):
    """A screening, scoped through its child's family (screenings have no family_id)."""
    from clinic.screening.models import Screening

    record = db.session.scalars(
        select(Screening)
        .join(Child, Screening.child_id == Child.id)
        .join(Family, Child.family_id == Family.id)
        .where(Screening.id == screening_id, family_scope(user))
    ).first()
    if record is None:
        abort(404)
    return record


def outbox_scope(user: User) -> ColumnElement[bool]:
    """SQL condition on ``OutboxMessage``: the emails ``user`` may read in the mail viewer.

    Admins read every email; other staff those about families in their scope and
    those sent to themselves (their overdue digests).
    """
    from clinic.mail.models import OutboxMessage

    if not user.is_active:
        return false()
    if user.role == "admin":
        return true()
    return OutboxMessage.family_id.in_(visible_family_ids(user)) | (OutboxMessage.user_id == user.id)


def get_outbox_message_or_404(user: User, message_id: int):
    from clinic.mail.models import OutboxMessage

    record = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.id == message_id, outbox_scope(user))
    ).first()
    if record is None:
        abort(404)
    return record


def overseen_visitors(user: User) -> Select:
    """Home visitors (deactivated ones too) whose caseloads ``user`` oversees."""
    query = select(User).where(User.role == "home_visitor")
    if user.role == "admin":
        return query
    if user.role == "supervisor":
        return query.where(User.id.in_(supervised_visitor_ids(user)))
    return query.where(false())
