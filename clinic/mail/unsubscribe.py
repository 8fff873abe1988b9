"""One-click unsubscribe from reminder emails: a signed token per caregiver.

The token carries the caregiver's id, signed with the app's secret. It does not
expire: a link in an old email must keep working, and all it can do is stop emails.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from clinic import audit
from clinic.cases.models import Caregiver
from clinic.db import utcnow
from clinic.extensions import db

SALT = "clinic.mail.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def make_token(caregiver_id: int) -> str:
    return _serializer().dumps(caregiver_id)


def caregiver_for_token(token: str) -> Caregiver | None:
    """The caregiver a token was made for; None for a forged or mangled token."""
    try:
        caregiver_id = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(caregiver_id, int):
        return None
    return db.session.get(Caregiver, caregiver_id)


def unsubscribe(caregiver: Caregiver) -> bool:
    """Stop reminder emails to the caregiver; False when they had stopped already."""
    if not caregiver.email_opt_in:
        return False
    caregiver.email_opt_in = False
    caregiver.opted_out_at = utcnow()
    audit.change(
        "unsubscribe", "caregiver", caregiver.id, user=None, family_id=caregiver.family_id, detail="email_opt_in"
    )
    db.session.flush()
    return True
