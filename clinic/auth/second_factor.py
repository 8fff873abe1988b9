"""The second factor (rule 12): TOTP (RFC 6238) with one-time recovery codes.

Each code works once: the time step of the last accepted code is stored, and a code
is accepted only for a later step, by one conditional UPDATE, so two requests racing
with the same code cannot both win. Services flush, never commit.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, datetime

import pyotp
import segno
from sqlalchemy import delete, or_, select, update

from clinic import audit
from clinic.auth.models import RecoveryCode, User
from clinic.db import utcnow
from clinic.errors import ServiceError
from clinic.extensions import db
from clinic.translation import gettext as _

ISSUER = "Clinic"
RECOVERY_CODES = 10
# A code of the step before or after the current one is accepted too (clock drift).
DRIFT_STEPS = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as inline SVG, drawn here: the secret never leaves the app."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=4, light="#fff", title="TOTP set-up code")


def _normalized(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose TOTP is ``code`` (within the drift allowed), or None."""
    code = _normalized(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(_datetime(now))
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _datetime(now: float | None) -> datetime:
    return datetime.fromtimestamp(time.time() if now is None else now, UTC)


def _claim_step(user: User, step: int) -> bool:
    """Mark ``step`` used, unless it (or a later one) was used already."""
    result = db.session.execute(
        update(User)
        .where(User.id == user.id, or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    user.totp_last_step = step
    return True


def _digest(code: str) -> str:
    return hashlib.sha256(_normalized(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    """Ten fresh recovery codes (the old ones stop working); shown once, stored hashed."""
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(RECOVERY_CODES)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_digest(code)) for code in codes)
    return codes


def enable(user: User, secret: str, code: str) -> list[str]:
    """Turn the second factor on once the person proves their app has ``secret``.

    Returns the recovery codes to show once. The caller ends the person's other
    sessions and tokens (``services.enable_second_factor``).
    """
    step = matching_step(secret, code)
    if step is None:
        raise ServiceError(_("That code is not right; enter the 6 digits your app shows now."), "code")
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    audit.change("second_factor_enabled", "user", user.id, user=user)
    return codes


def verify(user: User, code: str) -> bool:
    """Check a sign-in's second factor: a TOTP code not used before, or an unused recovery code."""
    if not user.has_second_factor:
        return False
    step = matching_step(user.totp_secret, code)
    if step is not None:
        return _claim_step(user, step)
    return _use_recovery_code(user, code)


def _use_recovery_code(user: User, code: str) -> bool:
    if len(_normalized(code)) != 12:
        return False
    found = db.session.scalar(
        select(RecoveryCode.id).where(
            RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _digest(code), RecoveryCode.used_at.is_(None)
        )
    )
    if found is None:
        return False
    claimed = db.session.execute(
        update(RecoveryCode)
        .where(RecoveryCode.id == found, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        return False
    audit.change("recovery_code_used", "user", user.id, user=user)
    return True


def recovery_codes_left(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
        ).all()
    )


def reset(user: User, *, by: User | None) -> None:
    """An admin takes the second factor away (a lost phone): the person sets it up again.

    Supervisors and admins are led to set-up at their next sign-in.
    """
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.change("reset_second_factor", "user", user.id, user=by)
