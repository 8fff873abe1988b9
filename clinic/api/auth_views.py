"""POST /auth/token and GET /me."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from flask import g, request
from pydantic import StringConstraints

from clinic.api.blueprint import endpoint
from clinic.api.errors import ApiError
from clinic.api.schemas import Body, Out
from clinic.auth import services
from clinic.permissions.roles import PUBLIC


class TokenRequest(Body):
    email: Annotated[str, StringConstraints(max_length=320)]
    password: Annotated[str, StringConstraints(max_length=200)]


class TokenOut(Out):
    token: str
    expires_at: datetime


class MeOut(Out):
    id: int
    email: str
    name: str
    role: str


@endpoint(
    "/auth/token", "POST", summary="Exchange email and password for a bearer token",
    body=TokenRequest, response=TokenOut, status=201, rule_access=PUBLIC,
)
def create_token(body: TokenRequest):
    result = services.authenticate(body.email, body.password, request.remote_addr)
    if result.throttled:
        raise ApiError(429, "Too many failed sign-ins; try again later.")
    if result.user is None:
        raise ApiError(401, "Email or password is not right.")
    token, expires_at = services.issue_token(result.user)
    return TokenOut(token=token, expires_at=expires_at).model_dump(mode="json")


@endpoint("/me", summary="The signed-in user", response=MeOut)
def me():
    return MeOut.model_validate(g.user).model_dump(mode="json")
