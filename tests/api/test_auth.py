"""Bearer tokens, sign-in throttling and the API's error shape for routing."""

from __future__ import annotations

from datetime import datetime, timedelta

from limits import parse, parse_many
from sqlalchemy import select, update

from clinic.auth import services
from clinic.auth.models import ApiToken, User
from clinic.db import utcnow
from tests.api.conftest import error_of
from tests.factories import PASSWORD, AdminFactory, UserFactory


def token_for(client, user, password: str = PASSWORD):
    return client.post("/api/v1/auth/token", json={"email": user.email, "password": password})


def me(client, token: str):
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def test_a_token_signs_the_user_in(client, db):
    user = UserFactory(name="Dana Cruz")
    response = token_for(client, user)

    assert response.status_code == 201
    expires_at = datetime.fromisoformat(response.json["expires_at"])
    assert timedelta(hours=7) < expires_at.replace(tzinfo=None) - utcnow().replace(tzinfo=None) <= timedelta(hours=8)
    assert me(client, response.json["token"]).json == {
        "id": user.id, "email": user.email, "name": "Dana Cruz", "role": "home_visitor"
    }


def test_wrong_password_and_missing_token_answer_401(client, db):
    user = UserFactory()
    error_of(token_for(client, user, "not the password"), 401)
    error_of(client.get("/api/v1/me"), 401)
    error_of(me(client, "made-up-token"), 401)
    error_of(client.get("/api/v1/me", headers={"Authorization": "Basic dXNlcjpwdw=="}), 401)


def test_an_expired_token_answers_401(client, db):
    token = token_for(client, UserFactory()).json["token"]
    assert me(client, token).status_code == 200
    db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    error_of(me(client, token), 401)


def test_a_deactivated_users_token_stops_working_at_once(client, db):
    user = UserFactory()
    token = token_for(client, user).json["token"]
    assert me(client, token).status_code == 200

    services.deactivate_user(db.session.get(User, user.id), by=AdminFactory())
    db.session.commit()

    error_of(me(client, token), 401)
    assert db.session.scalar(select(ApiToken.revoked_at)) is not None
    error_of(token_for(client, user), 401)


def test_an_inactive_user_is_refused_even_with_a_live_token_row(client, db):
    """Belt and braces: the token lookup checks the account too, not only revocation."""
    user = UserFactory()
    token = token_for(client, user).json["token"]
    db.session.execute(update(User).where(User.id == user.id).values(is_active=False))
    db.session.commit()
    error_of(me(client, token), 401)


def test_a_password_reset_kills_tokens(client, db):
    user = UserFactory()
    token = token_for(client, user).json["token"]
    services.set_password(db.session.get(User, user.id), "a brand new password", by=None)
    db.session.commit()
    error_of(me(client, token), 401)
    fresh = token_for(client, user, "a brand new password").json["token"]
    assert me(client, fresh).status_code == 200


def test_tokens_are_stored_hashed(client, db):
    token = token_for(client, UserFactory()).json["token"]
    [row] = db.session.execute(select(ApiToken.__table__)).all()
    assert all(token not in str(value) for value in row)
    assert row.token_hash != token and len(row.token_hash) == 64


def test_a_cookie_session_alone_does_not_authenticate_an_api_call(login, db):
    browser = login(UserFactory())
    assert browser.get("/").status_code == 200  # the session works for pages
    error_of(browser.get("/api/v1/me"), 401)
    error_of(browser.get("/api/v1/families"), 401)


def test_repeated_failed_sign_ins_answer_429_per_account_and_address(app, client, db):
    user = UserFactory()
    allowed = parse_many(app.config["LOGIN_FAILURES_PER_PAIR"])[0].amount
    for _ in range(allowed):
        error_of(token_for(client, user, "wrong"), 401)
    # Even the right password waits while the account is throttled from this address.
    held = token_for(client, user)
    error_of(held, 429)
    assert int(held.headers["Retry-After"]) >= 1


def test_repeated_failed_sign_ins_answer_429_per_address(app, db):
    allowed = parse(app.config["LOGIN_FAILURES_PER_ADDRESS"]).amount
    users = UserFactory.create_batch(allowed + 1)

    def attempt(user, address: str):
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = address
        return token_for(client, user, "wrong")

    for user in users[:allowed]:
        error_of(attempt(user, "203.0.113.9"), 401)
    error_of(attempt(users[-1], "203.0.113.9"), 429)
    error_of(attempt(users[-1], "198.51.100.2"), 401)  # another address is not held back


def test_token_request_fields_are_checked(client, db):
    error = error_of(client.post("/api/v1/auth/token", json={"email": "a@b.c"}), 422)
    assert "password" in error["fields"]
    error_of(client.post("/api/v1/auth/token", data="email=a", content_type="text/plain"), 400)


# ---- routing under /api answers in the API's shape ------------------------------


def test_unknown_api_urls_answer_a_json_404(client, db):
    error_of(client.get("/api/v1/no-such-thing"), 404)
    error_of(client.get("/api/v2/families"), 404)


def test_a_wrong_method_answers_a_json_405(client, db):
    response = client.delete("/api/v1/me")
    error_of(response, 405)
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_unknown_pages_keep_the_html_404(client, db):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
