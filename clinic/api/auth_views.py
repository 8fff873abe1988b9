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
    otp: Annotated[str, StringConstraints(max_length=20)] | None = None


class TokenOut(Out):
    token: str
    expires_at: datetime


class MeOut(Out):
    id: int
    email: str
    name: str
    role: str


@endpoint(
    "/auth/token", "POST", summary="Exchange email, password and (with a second factor) otp for a bearer token",
    body=TokenRequest, response=TokenOut, status=201, rule_access=PUBLIC,
)
def create_token(body: TokenRequest):
    result = services.authenticate(body.email, body.password, request.remote_addr)
    if result.throttled:
        raise _too_many(result)
    if result.user is None:
        raise ApiError(401, "Email or password is not right.")
    user = result.user
    if user.has_second_factor:
        if not body.otp:
            raise ApiError(401, "Send the code of your authenticator app as otp.", code="otp_required")
        checked = services.check_second_factor(user, body.otp, request.remote_addr)
        if checked.throttled:
            raise _too_many(checked)
        if checked.user is None:
            raise ApiError(401, "The otp is not right, or it has been used already.", code="otp_required")
    elif user.needs_second_factor:
        raise ApiError(
            401, "Set up your second factor by signing in on the web first.", code="otp_setup_required"
        )
    services.record_sign_in(user)
    token, expires_at = services.issue_token(user)
    return TokenOut(token=token, expires_at=expires_at).model_dump(mode="json")


def _too_many(result: services.SignInResult) -> ApiError:
    return ApiError(
        429,
        f"Too many failed sign-ins; try again in {result.retry_after} seconds.",
        headers={"Retry-After": str(result.retry_after)},
    )


@endpoint("/me", summary="The signed-in user", response=MeOut)
def me():
    return MeOut.model_validate(g.user).model_dump(mode="json")
