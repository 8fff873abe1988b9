"""What each role may do: the access rules routes declare, and the role predicates.

Functions of the user's role only (no query), so any package may ask them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from clinic.auth.models import User

F = TypeVar("F", bound=Callable)


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


def can_reassign(user: User) -> bool:
    return user.role in ("supervisor", "admin")


def can_transition_referrals(user: User) -> bool:
    return user.role in ("supervisor", "admin")


def assigns_own_families(user: User) -> bool:
    """A home visitor's new families are their own; others choose the visitor."""
    return user.role == "home_visitor"


def may_supervise_teams(user: User) -> bool:
    """Whether ``user`` can be made a team's supervisor."""
    return user.role == "supervisor" and user.is_active


def can_see_other_caseloads(user: User) -> bool:
    """Whether the user sees families of several visitors (and so needs their names)."""
    return user.role in ("supervisor", "admin")
