"""Staff accounts, teams, sign-in and API tokens. Services flush, never commit."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import selectinload

from clinic import audit
from clinic.auth import second_factor, throttle
from clinic.auth.models import ROLES, ApiToken, PasswordLink, Team, User, UserSession
from clinic.auth.passwords import UNUSABLE_HASH, hash_password, password_problem, verify_password
from clinic.db import utcnow
from clinic.errors import ServiceError
from clinic.extensions import db
from clinic.permissions.roles import may_supervise_teams
from clinic.translation import gettext as _


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
        raise ServiceError(_("Give the team a name."), "name")
    if find_team(name):
        raise ServiceError(_("A team with this name already exists."), "name", "conflict")
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
    password: str | None,
    team: Team | None = None,
    supervises: Team | None = None,
    by: User | None,
) -> User:
    if role not in ROLES:
        raise ServiceError(_("Role must be one of %(roles)s.", roles=", ".join(ROLES)), "role")
    if not name.strip():
        raise ServiceError(_("Give the person's name."), "name")
    if "@" not in email or len(email) > 320:
        raise ServiceError(_("Give a valid email address."), "email")
    if find_user_by_email(email):
        raise ServiceError(_("An account with this email already exists."), "email", "conflict")
    if password is not None:
        problem = password_problem(password, email=email, name=name)
        if problem:
            raise ServiceError(problem, "password")
    if team is not None and role != "home_visitor":
        raise ServiceError(_("Only home visitors belong to a team as visitors."), "team")
    if supervises is not None and role != "supervisor":
        raise ServiceError(_("Only supervisors supervise a team."), "supervises")
    user = User(
        email=email.strip(),
        name=name.strip(),
        role=role,
        # Without a password (an admin's new account) nobody can sign in until the
        # person sets one through their one-time link.
        password_hash=hash_password(password) if password is not None else UNUSABLE_HASH,
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
        raise ServiceError(_("You cannot deactivate your own account."), "user")
    if not user.is_active:
        return
    user.is_active = False
    user.deactivated_at = utcnow()
    end_sessions(user)
    revoke_tokens(user)
    audit.change("deactivate", "user", user.id, user=by)


def reactivate_user(user: User, *, by: User | None) -> None:
    if user.is_active:
        return
    user.is_active = True
    user.deactivated_at = None
    audit.change("reactivate", "user", user.id, user=by)


def check_new_password(user: User, password: str) -> None:
    problem = password_problem(password, email=user.email, name=user.name)
    if problem:
        raise ServiceError(problem, "password")


def set_password(user: User, password: str, *, by: User | None) -> None:
    """A new password: every session and API token of the person ends.

    The caller starts a fresh session when the person changed their own password.
    """
    check_new_password(user, password)
    user.password_hash = hash_password(password)
    end_sessions(user)
    revoke_tokens(user)
    audit.change("change_password" if by is not None and by.id == user.id else "reset_password", "user", user.id, user=by)


def change_own_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise ServiceError(_("This is not your current password."), "current_password")
    set_password(user, new, by=user)


def create_password_link(user: User, *, by: User | None) -> str:
    """A one-time link to set the person's password, valid 24 hours; the token to put in it.

    Earlier links of the person stop working: only the newest one handed out counts.
    """
    if not user.is_active:
        raise ServiceError(_("Reactivate the account first."), "user")
    now = utcnow()
    db.session.execute(
        update(PasswordLink)
        .where(PasswordLink.user_id == user.id, PasswordLink.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        PasswordLink(
            user_id=user.id,
            token_hash=token_digest(token),
            created_by_id=by.id if by is not None else None,
            created_at=now,
            expires_at=now + current_app.config["PASSWORD_LINK_LIFETIME"],
        )
    )
    audit.change("password_link", "user", user.id, user=by)
    return token


def password_link(token: str) -> PasswordLink | None:
    """The unused, unexpired link of an active person, or None."""
    return db.session.scalars(
        select(PasswordLink)
        .join(User, User.id == PasswordLink.user_id)
        .where(
            PasswordLink.token_hash == token_digest(token),
            PasswordLink.used_at.is_(None),
            PasswordLink.expires_at > utcnow(),
            User.is_active.is_(True),
        )
    ).first()


def use_password_link(link: PasswordLink, password: str) -> User:
    """Set the password through the link, once; every session of the person ends."""
    user = link.user
    check_new_password(user, password)
    link.used_at = utcnow()
    user.password_hash = hash_password(password)
    end_sessions(user)
    revoke_tokens(user)
    audit.change("set_password_by_link", "user", user.id, user=user)
    return user


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
    if supervisor is not None and not may_supervise_teams(supervisor):
        raise ServiceError(_("Choose an active supervisor."), "supervisor_id")
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
    retry_after: int | None = None  # seconds, when throttled


def _held_back(keys: throttle.Keys, email: str, user_id: int | None) -> SignInResult | None:
    held = throttle.retry_after(keys)
    if held is None:
        return None
    tier, wait = held
    audit.change("sign_in_throttled", "user", user_id, user=None, detail=f"{normalize_email(email)[:200]} by {tier}", kept=True)
    return SignInResult(None, throttled=True, retry_after=wait)


def _failed(keys: throttle.Keys, action: str, email: str, user_id: int | None) -> None:
    audit.change(action, "user", user_id, user=None, detail=normalize_email(email)[:200] if user_id is None else None, kept=True)
    locked = throttle.count_failure(keys)
    if locked is not None:
        tier, wait = locked
        audit.change("sign_in_locked", "user", user_id, user=None, detail=f"{normalize_email(email)[:200]} by {tier} for {wait}s", kept=True)


def authenticate(email: str, password: str, address: str | None) -> SignInResult:
    """Check a sign-in's password, counting failures (see clinic.auth.throttle)."""
    keys = throttle.keys_for(normalize_email(email), address)
    user = find_user_by_email(email)
    held = _held_back(keys, email, user.id if user else None)
    if held is not None:
        return held
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.is_active:
        _failed(keys, "sign_in_failed", email, user.id if user else None)
        return SignInResult(None)
    return SignInResult(user)


def check_second_factor(user: User, code: str, address: str | None) -> SignInResult:
    """The sign-in's second step; a wrong code counts like a wrong password."""
    keys = throttle.keys_for(normalize_email(user.email), address)
    held = _held_back(keys, user.email, user.id)
    if held is not None:
        return held
    if second_factor.verify(user, code):
        return SignInResult(user)
    _failed(keys, "second_factor_failed", user.email, user.id)
    return SignInResult(None)


def unlock_sign_in(user: User, *, by: User | None) -> None:
    """An admin lifts the account's lock (addresses that failed stay held back)."""
    throttle.unlock_account(normalize_email(user.email))
    audit.change("unlock_sign_in", "user", user.id, user=by)


def enable_second_factor(user: User, secret: str, code: str) -> list[str]:
    """Turn on the person's second factor; their other sessions and tokens end. The recovery codes."""
    codes = second_factor.enable(user, secret, code)
    end_sessions(user)
    revoke_tokens(user)
    return codes


def reset_second_factor(user: User, *, by: User | None) -> None:
    """An admin takes a person's second factor away; their sessions and tokens end."""
    second_factor.reset(user, by=by)
    end_sessions(user)
    revoke_tokens(user)


def record_sign_in(user: User) -> None:
    """Audit a completed sign-in (password, and the second factor when the person has one)."""
    audit.change("sign_in", "user", user.id, user=user)



def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# ---- browser sessions (server-side rows; clinic.auth.sessions handles the cookie) ----


def open_session(user: User, address: str | None, user_agent: str) -> str:
    """A new session row for a completed sign-in; the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        UserSession(
            user_id=user.id,
            token_hash=token_digest(token),
            created_at=now,
            last_seen_at=now,
            expires_at=now + current_app.config["SESSION_ABSOLUTE_LIFETIME"],
            ip_address=address,
            user_agent=user_agent[:300] or None,
        )
    )
    db.session.flush()
    return token


def live_sessions(user: User) -> list[UserSession]:
    """The person's sessions that have not ended or expired, newest first (a person has few)."""
    return list(
        db.session.scalars(
            select(UserSession)
            .where(UserSession.user_id == user.id, UserSession.ended_at.is_(None), UserSession.expires_at > utcnow())
            .order_by(UserSession.created_at.desc(), UserSession.id.desc())
            .limit(100)
        )
    )


def end_sessions(user: User, *, only: UserSession | None = None, keep: UserSession | None = None) -> None:
    """End the person's sessions: every one, ``only`` one, or all but ``keep``."""
    statement = update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if only is not None:
        statement = statement.where(UserSession.id == only.id)
    if keep is not None:
        statement = statement.where(UserSession.id != keep.id)
    db.session.execute(statement.values(ended_at=utcnow()).execution_options(synchronize_session=False))


def issue_token(user: User) -> tuple[str, datetime]:
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + current_app.config["API_TOKEN_LIFETIME"]
    db.session.add(ApiToken(user_id=user.id, token_hash=token_digest(token), expires_at=expires_at))
    return token, expires_at


def live_credential(entities: tuple, credential: type[ApiToken] | type[UserSession], ended) -> Select:
    """``entities`` of a live credential (an API token, a browser session) of an active
    user, by its token's hash: bind ``token_hash`` and ``now``.

    Each request runs one: the statement is built once by its caller (building it and
    its cache key cost more than its round trip)."""
    return (
        select(*entities)
        .select_from(credential)
        .join(User, User.id == credential.user_id)
        .where(
            credential.token_hash == bindparam("token_hash"),
            ended.is_(None),
            credential.expires_at > bindparam("now"),
            User.is_active.is_(True),
        )
    )


_LIVE_TOKEN_USER = live_credential((User,), ApiToken, ApiToken.revoked_at)


def user_for_token(token: str) -> User | None:
    """The active user a live token belongs to, or None."""
    return db.session.scalars(_LIVE_TOKEN_USER, {"token_hash": token_digest(token), "now": utcnow()}).first()
