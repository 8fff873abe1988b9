"""Bearer-token authentication for the API (cookies are never accepted here)."""

from __future__ import annotations

from flask import request

from clinic.auth.models import User
from clinic.auth.services import user_for_token


def authenticate_request() -> User | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return user_for_token(token.strip())
