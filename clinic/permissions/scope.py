"""Which records a user may see: SQL conditions on families and the scoped loaders.

A visitor sees their own families, a supervisor those of the visitors in the teams
they supervise, an admin all; a deactivated account nothing. Anything else answers
404, so nobody learns that a record exists.
"""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from sqlalchemy import Boolean, ColumnElement, CompoundSelect, Select, false, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm.interfaces import ORMOption
from sqlalchemy.sql.expression import True_
from sqlalchemy.sql.visitors import InternalTraversal

from clinic import audit
from clinic.auth.models import Team, User
from clinic.cases.models import Caregiver, Child, Family, FollowUp
from clinic.extensions import db

T = TypeVar("T")


def supervised_visitor_ids(user: User) -> Select:
    """Ids of the visitors in the teams ``user`` supervises, as a subquery."""
    return (
        select(User.id)
        .join(Team, User.team_id == Team.id)
        .where(Team.supervisor_id == user.id)
    )


class one_of(ColumnElement[bool]):  # noqa: N801 - used like SQLAlchemy's own constructs
    """``column IN (subquery)``, written ``column = ANY(ARRAY(subquery))`` on PostgreSQL.

    Both mean the same. PostgreSQL sizes an array from a subquery as a short list,
    where it guesses the rows of the subquery itself from join statistics: a
    supervisor's 10 visitors were taken for ~200, and a count of the team's
    referrals read every family of the program instead of the team's through the
    visitor index (bench/results.md)."""

    inherit_cache = True
    type = Boolean()
    _is_implicitly_boolean = True  # a condition: SQLite would otherwise add "= 1"
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement), ("subquery", InternalTraversal.dp_clauseelement)]

    def __init__(self, column: ColumnElement, subquery: Select | CompoundSelect) -> None:
        self.column = column
        self.subquery = subquery.scalar_subquery()


@compiles(one_of)
def _in_subquery(element: one_of, compiler, **kw) -> str:
    return f"{compiler.process(element.column, **kw)} IN {compiler.process(element.subquery, **kw)}"


@compiles(one_of, "postgresql")
def _any_of_array(element: one_of, compiler, **kw) -> str:
    return f"{compiler.process(element.column, **kw)} = ANY(ARRAY{compiler.process(element.subquery, **kw)})"


def of_families(family_id: ColumnElement, conditions: list[ColumnElement[bool]]) -> ColumnElement[bool]:
    """``family_id`` (a column) names one of the families matching ``conditions``,
    as ``one_of`` their ids: PostgreSQL then finds their children (or other rows)
    through the family index. Joined to the families instead, a team's thousand
    families were matched by reading every child of the program (30,000) and
    hashing them against the families."""
    return one_of(family_id, select(Family.id).where(*conditions))


def family_scope(user: User) -> ColumnElement[bool]:
    """SQL condition on ``Family`` selecting the families ``user`` may see."""
    if not user.is_active:
        return false()
    if user.role == "admin":
        return true()
    if user.role == "supervisor":
        return one_of(Family.assigned_visitor_id, supervised_visitor_ids(user))
    return Family.assigned_visitor_id == user.id


def restricts(conditions: list[ColumnElement[bool]]) -> bool:
    """Whether ``conditions`` on ``Family`` may leave out a family: an admin's scope is
    ``true()``, and then a join that would only apply it can be left out (on the large
    program, joining rows to their families only to keep them all was half the time
    of a report's counts, and most of the admin's referral count)."""
    return not all(isinstance(condition, True_) for condition in conditions)


def in_families(family_id: ColumnElement, scope: list[ColumnElement[bool]], *more: ColumnElement[bool]) -> ColumnElement[bool]:
    """``family_id`` (a column) names a family matching ``scope`` (a user's, on
    ``Family``) and ``more``.

    When the scope leaves families out (a visitor's hundred, a team's thousand, one
    family), as ``of_families``: their rows found through the family index. Joined to
    the families instead, PostgreSQL read every scheduled follow-up (or visit done) of
    the program and hashed them against a team's families (rule 10's follow-ups 3.2 →
    2.0 ms, its visits done 1.7 → 1.0, psql, best of 3). Over the whole program (an
    admin's scope, ``restricts``) a plain ``IN``, which PostgreSQL hashes: reading the
    rows of 18,000 families by the family index took twice as long (the follow-ups,
    21 against 11.5 ms)."""
    conditions = [*scope, *more]
    if restricts(scope):
        return of_families(family_id, conditions)
    return family_id.in_(select(Family.id).where(*conditions))


def visible_family_ids(user: User) -> Select:
    return select(Family.id).where(family_scope(user))


def _scoped_or_404(user: User, model: type[T], record_id: int, options: tuple[ORMOption, ...] = ()) -> T:
    """The record if it is in ``user``'s scope, loaded with ``options`` (what the page
    shows of it, in the same statement), else 404."""
    if model is Family:
        query = select(Family).where(Family.id == record_id, family_scope(user))
    elif hasattr(model, "family_id"):
        query = select(model).join(Family, model.family_id == Family.id)  # type: ignore[attr-defined]
    else:
        # Records of a child that carry no family_id of their own (screenings).
        query = (
            select(model)
            .join(Child, model.child_id == Child.id)  # type: ignore[attr-defined]
            .join(Family, Child.family_id == Family.id)
        )
    if model is not Family:
        query = query.where(model.id == record_id, family_scope(user))  # type: ignore[attr-defined]
    # unique(): a collection joined by ``options`` gives the record a row per member.
    record = db.session.scalars(query.options(*options)).unique().one_or_none()
    if record is None:
        if db.session.get(model, record_id) is not None:
            # Someone reached for a record outside their scope: answered 404 like a
            # missing one, but written down (kept although the request rolls back).
            audit.change("denied", _record_type(model), record_id, user=user, kept=True)
        abort(404)
    return record


def _record_type(model) -> str:
    table = model.__tablename__
    return {"families": "family", "children": "child"}.get(table, table.removesuffix("s"))


def first_or_404(query: Select[tuple[T]]) -> T:
    """The first row of an already scoped query, or 404."""
    record = db.session.scalars(query).first()
    if record is None:
        abort(404)
    return record


def get_family_or_404(user: User, family_id: int, *options: ORMOption) -> Family:
    return _scoped_or_404(user, Family, family_id, options)


def get_child_or_404(user: User, child_id: int) -> Child:
    return _scoped_or_404(user, Child, child_id)


def get_caregiver_or_404(user: User, caregiver_id: int) -> Caregiver:
    return _scoped_or_404(user, Caregiver, caregiver_id)


def get_follow_up_or_404(user: User, follow_up_id: int) -> FollowUp:
    return _scoped_or_404(user, FollowUp, follow_up_id)


def get_in_family_scope_or_404(user: User, model: type[T], record_id: int) -> T:
    """Any record with a ``family_id``, or with a ``child_id`` (scoped through the child)."""
    return _scoped_or_404(user, model, record_id)


def assignable_visitors(user: User) -> Select:
    """Home visitors to whom ``user`` may assign a family."""
    query = select(User).where(User.role == "home_visitor", User.is_active.is_(True))
    if user.role == "admin":
        return query.order_by(User.name)
    if user.role == "supervisor":
        return query.where(User.id.in_(supervised_visitor_ids(user))).order_by(User.name)
    return query.where(User.id == user.id)


def family_or_own_scope(user: User, family_id: ColumnElement, user_id: ColumnElement) -> ColumnElement[bool]:
    """SQL condition on a record that belongs to a family or to a member of staff (an
    email: a reminder about a family, or a visitor's own digest).

    Admins see every such record; other staff those about families in their scope
    and those addressed to themselves.
    """
    if not user.is_active:
        return false()
    if user.role == "admin":
        return true()
    return family_id.in_(visible_family_ids(user)) | (user_id == user.id)


def overseen_visitors(user: User) -> Select:
    """Home visitors (deactivated ones too) whose caseloads ``user`` oversees."""
    query = select(User).where(User.role == "home_visitor")
    if user.role == "admin":
        return query
    if user.role == "supervisor":
        return query.where(User.id.in_(supervised_visitor_ids(user)))
    return query.where(false())


def get_overseen_visitor_or_404(user: User, visitor_id: int) -> User:
    """A home visitor whose caseload ``user`` oversees (404 for anyone else)."""
    return first_or_404(overseen_visitors(user).where(User.id == visitor_id))
