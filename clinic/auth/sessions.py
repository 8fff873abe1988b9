"""Browser sessions: server-side rows behind the cookie, a fresh one on sign-in, idle
and absolute expiry, the second step of signing in."""

from __future__ import annotations

import time

from flask import current_app, g, request, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from clinic.auth import services
from clinic.auth.models import User, UserSession
from clinic.db import utcnow
from clinic.extensions import db, login_manager
from clinic.translation import lazy_gettext as _l

login_manager.login_view = "auth.login"
login_manager.login_message = _l("Please sign in to continue.")
# Flashed as text in the language of the request that was turned away.
login_manager.localize_callback = str
login_manager.session_protection = "strong"

_LAST_SEEN = "_last_seen"
_PENDING = "_pending_second_factor"
# Time between the right password and the second factor's code.
PENDING_LIMIT_SECONDS = 5 * 60
# What a supervisor or admin without a second factor may reach: its set-up, signing out.
SETUP_ENDPOINTS = frozenset({"auth.second_factor_setup", "auth.logout", "static"})
# How often a session's "last seen" is written (it is for display; the idle limit is
# checked on every request from the signed cookie).
LAST_SEEN_EVERY_SECONDS = 60


_LIVE_SESSION = services.live_credential((UserSession, User), UserSession, UserSession.ended_at)


@login_manager.user_loader
def load_user(token: str) -> User | None:
    """The cookie holds a session token: a live row of an active user, or nobody."""
    row = db.session.execute(_LIVE_SESSION, {"token_hash": services.token_digest(token), "now": utcnow()}).first()
    if row is None:
        return None
    user_session, user = row
    g.user_session = user_session
    return user


def start_session(user: User) -> None:
    """Sign in with a brand-new session (no fixation of a pre-sign-in session)."""
    token = services.open_session(
        user, request.remote_addr, request.headers.get("User-Agent", "")
    )
    session.clear()
    login_user(user, remember=False)
    session["_user_id"] = token  # Flask-Login loads the user from this (load_user)
    session.permanent = True
    session[_LAST_SEEN] = int(time.time())


def current_user_session() -> UserSession | None:
    return g.get("user_session")


def await_second_factor(user: User, target: str | None) -> None:
    """The password was right; the person is not signed in until their code is too."""
    session.clear()
    session[_PENDING] = {"user_id": user.id, "since": int(time.time()), "next": target}


def pending_second_factor() -> tuple[User | None, str | None]:
    """The person whose password was right a moment ago in this browser, and where they were going."""
    pending = session.get(_PENDING)
    if not isinstance(pending, dict) or int(time.time()) - pending.get("since", 0) > PENDING_LIMIT_SECONDS:
        return None, None
    user = db.session.scalars(
        select(User).where(User.id == pending.get("user_id"), User.is_active.is_(True))
    ).first()
    return user, (pending.get("next") if user is not None else None)


def second_factor_setup_required(user: User | None, endpoint: str | None) -> bool:
    """Rule 12: a supervisor or admin without a second factor may only set one up."""
    return (
        user is not None
        and user.needs_second_factor
        and not user.has_second_factor
        and endpoint not in SETUP_ENDPOINTS
    )


def end_session() -> None:
    logout_user()
    session.clear()


def sign_out(user: User) -> None:
    """Sign out for real: the session's row ends, so a copy of the cookie stops working too."""
    user_session = current_user_session()
    if user_session is not None:
        services.end_sessions(user, only=user_session)
    end_session()


def current_session_user() -> User | None:
    """The signed-in user, or None after 30 minutes without a request or 12 hours in all."""
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    idle_limit = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    if now - session.get(_LAST_SEEN, 0) > idle_limit:
        end_session()
        return None
    session[_LAST_SEEN] = now
    user_session = current_user_session()
    if user_session is not None and (utcnow() - user_session.last_seen_at).total_seconds() > LAST_SEEN_EVERY_SECONDS:
        user_session.last_seen_at = utcnow()
    return current_user._get_current_object()
