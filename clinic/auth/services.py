"""Staff accounts, teams, sign-in and API tokens. Services flush, never commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from limits import parse
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from clinic import audit
from clinic.auth.models import ROLES, ApiToken, Team, User
from clinic.auth.passwords import hash_password, password_problem, verify_password
from clinic.db import utcnow
from clinic.errors import ServiceError
from clinic.extensions import db, limiter


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalars(
        select(User).where(func.lower(User.email) == normalize_email(email))
    ).first()


def find_team(name: str) -> Team | None:
    return db.session.scalars(select(Team).where(Team.name == name.strip())).first()


def create_team(name: str, *, by: User | None) -> Team:
    name = name.strip()
    if not name:
        raise ServiceError("Give the team a name.", "name")
    if find_team(name):
        raise ServiceError("A team with this name already exists.", "name", "conflict")
    team = Team(name=name)
    db.session.add(team)
    db.session.flush()
    audit.change("create", "team", team.id, user=by)
    return team


def create_user(
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    team: Team | None = None,
    supervises: Team | None = None,
    by: User | None,
) -> User:
    if role not in ROLES:
        raise ServiceError(f"Role must be one of {', '.join(ROLES)}.", "role")
    if not name.strip():
        raise ServiceError("Give the person's name.", "name")
    if "@" not in email or len(email) > 320:
        raise ServiceError("Give a valid email address.", "email")
    if find_user_by_email(email):
        raise ServiceError("An account with this email already exists.", "email", "conflict")
    problem = password_problem(password)
    if problem:
        raise ServiceError(problem, "password")
    if team is not None and role != "home_visitor":
        raise ServiceError("Only home visitors belong to a team as visitors.", "team")
    if supervises is not None and role != "supervisor":
        raise ServiceError("Only supervisors supervise a team.", "supervises")
    user = User(
        email=email.strip(),
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
        team=team,
    )
    db.session.add(user)
    db.session.flush()
    if supervises is not None:
        supervises.supervisor = user
    audit.change("create", "user", user.id, user=by, detail=f"role={role}")
    return user


def deactivate_user(user: User, *, by: User | None) -> None:
    """Ends the account at once: sign-in refused, sessions and tokens dead."""
    if by is not None and by.id == user.id:
        # An admin locking themselves out could leave the clinic with no admin.
        raise ServiceError("You cannot deactivate your own account.", "user")
    if not user.is_active:
        return
    user.is_active = False
    user.deactivated_at = utcnow()
    user.rotate_sessions()
    revoke_tokens(user)
    audit.change("deactivate", "user", user.id, user=by)


def reactivate_user(user: User, *, by: User | None) -> None:
    if user.is_active:
        return
    user.is_active = True
    user.deactivated_at = None
    audit.change("reactivate", "user", user.id, user=by)


def set_password(user: User, password: str, *, by: User | None) -> None:
    problem = password_problem(password)
    if problem:
        raise ServiceError(problem, "password")
    user.password_hash = hash_password(password)
    user.rotate_sessions()
    revoke_tokens(user)
    audit.change("reset_password", "user", user.id, user=by)


def list_staff() -> list[User]:
    """Every account (active first), with its team and supervised teams: three queries."""
    return list(
        db.session.scalars(
            select(User)
            .options(selectinload(User.team), selectinload(User.supervised_teams))
            .order_by(User.is_active.desc(), User.name, User.id)
        )
    )


def list_teams() -> list[Team]:
    """Every team with its supervisor and visitors: three queries."""
    return list(
        db.session.scalars(
            select(Team).options(selectinload(Team.supervisor), selectinload(Team.visitors)).order_by(Team.name)
        )
    )


def set_team_supervisor(team: Team, supervisor: User | None, *, by: User | None) -> None:
    """Give the team its one supervisor (None leaves it without one)."""
    if supervisor is not None and (supervisor.role != "supervisor" or not supervisor.is_active):
        raise ServiceError("Choose an active supervisor.", "supervisor_id")
    if team.supervisor_id == (supervisor.id if supervisor else None):
        return
    team.supervisor = supervisor
    db.session.flush()
    audit.change("set_supervisor", "team", team.id, user=by, detail=f"supervisor={supervisor.id if supervisor else None}")


def revoke_tokens(user: User) -> None:
    db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


@dataclass
class SignInResult:
    user: User | None
    throttled: bool = False


def _throttle_keys(email: str, address: str | None) -> list[tuple]:
    config = current_app.config
    return [
        (parse(config["LOGIN_FAILURES_PER_ACCOUNT"]), "login-account", normalize_email(email)),
        (parse(config["LOGIN_FAILURES_PER_ADDRESS"]), "login-address", address or "unknown"),
    ]


def authenticate(email: str, password: str, address: str | None) -> SignInResult:
    """Check a sign-in, counting failures per account and per address.

    Only failures count against the limits, so a visitor who signs in many times a
    day is never locked out, while guessing stops after a handful of tries.
    """
    keys = _throttle_keys(email, address)
    strategy = limiter.limiter
    if any(not strategy.test(limit, *ids) for limit, *ids in keys):
        audit.change("sign_in_throttled", "user", None, user=None, detail=normalize_email(email)[:200], kept=True)
        return SignInResult(None, throttled=True)
    user = find_user_by_email(email)
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        for limit, *ids in keys:
            strategy.hit(limit, *ids)
        audit.change("sign_in_failed", "user", user.id if user else None, user=None, kept=True)
        return SignInResult(None)
    audit.change("sign_in", "user", user.id, user=user)
    return SignInResult(user)


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + current_app.config["API_TOKEN_LIFETIME"]
    db.session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token), expires_at=expires_at))
    return token, expires_at


def user_for_token(token: str) -> User | None:
    """The active user a live token belongs to, or None."""
    return db.session.scalars(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(
            ApiToken.token_hash == _token_digest(token),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > utcnow(),
            User.is_active.is_(True),
        )
    ).first()
