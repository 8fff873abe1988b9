"""Browser sessions: Flask-Login's loader, a fresh session on sign-in, idle expiry."""

from __future__ import annotations

import time

from flask import current_app, session
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from clinic.auth.models import User
from clinic.extensions import db, login_manager

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.session_protection = "strong"

_LAST_SEEN = "_last_seen"
_PENDING = "_pending_second_factor"
# Time between the right password and the second factor's code.
PENDING_LIMIT_SECONDS = 5 * 60
# What a supervisor or admin without a second factor may reach: its set-up, signing out.
SETUP_ENDPOINTS = frozenset({"auth.second_factor_setup", "auth.logout", "static"})


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """Sessions carry ``<id>.<nonce>``; a rotated nonce or a deactivation ends them."""
    user_id, _, nonce = session_id.partition(".")
    if not user_id.isdigit() or not nonce:
        return None
    user = db.session.scalars(
        select(User).where(User.id == int(user_id), User.is_active.is_(True))
    ).first()
    if user is None or user.session_nonce != nonce:
        return None
    return user


def start_session(user: User) -> None:
    """Sign in with a brand-new session (no fixation of a pre-sign-in session)."""
    session.clear()
    login_user(user, remember=False)
    session.permanent = True
    session[_LAST_SEEN] = int(time.time())


def await_second_factor(user: User, target: str | None) -> None:
    """The password was right; the person is not signed in until their code is too."""
    session.clear()
    session[_PENDING] = {"user_id": user.id, "nonce": user.session_nonce, "since": int(time.time()), "next": target}


def pending_second_factor() -> tuple[User | None, str | None]:
    """The person whose password was right a moment ago in this browser, and where they were going."""
    pending = session.get(_PENDING)
    if not isinstance(pending, dict) or int(time.time()) - pending.get("since", 0) > PENDING_LIMIT_SECONDS:
        return None, None
    user = db.session.scalars(
        select(User).where(User.id == pending.get("user_id"), User.is_active.is_(True))
    ).first()
    if user is None or user.session_nonce != pending.get("nonce"):
        return None, None
    return user, pending.get("next")


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
    """Sign out for real: a copy of the session cookie stops working too.

    Sessions are signed cookies, so clearing this browser's is not enough; changing
    the user's nonce ends every session of theirs (other devices sign in again).
    """
    user.rotate_sessions()
    end_session()


def current_session_user() -> User | None:
    """The signed-in user, or None after 30 minutes without a request."""
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    idle_limit = current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds()
    if now - session.get(_LAST_SEEN, 0) > idle_limit:
        end_session()
        return None
    session[_LAST_SEEN] = now
    return current_user._get_current_object()
