"""Sessions: cookie flags, a new session on sign-in, idle expiry, deactivation, throttling."""

import time

from clinic.auth import services
from tests.conftest import Browser, sign_in
from tests.factories import UserFactory


def test_session_cookie_is_httponly_and_lax(client):
    user = UserFactory()
    browser = Browser(client)
    response = browser.submit("/login", {"email": user.email, "password": "correct horse battery"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # PUBLIC_URL is http in tests


def test_secure_cookie_when_public_url_is_https(monkeypatch, tmp_path):
    from clinic import create_app

    monkeypatch.setenv("PUBLIC_URL", "https://clinic.example.org")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "x"})
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_sign_in_starts_a_new_session(client):
    user = UserFactory()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    sign_in(client, user)
    with client.session_transaction() as session:
        assert "planted" not in session


def test_idle_session_ends_after_30_minutes(client):
    user = UserFactory()
    browser = sign_in(client, user)
    assert browser.get("/").status_code == 200
    with client.session_transaction() as session:
        session["_last_seen"] = int(time.time()) - 31 * 60
    response = browser.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_recent_activity_keeps_the_session(client):
    user = UserFactory()
    browser = sign_in(client, user)
    with client.session_transaction() as session:
        session["_last_seen"] = int(time.time()) - 29 * 60
    assert browser.get("/").status_code == 200


def test_deactivation_ends_sessions_at_once(client, db):
    user = UserFactory()
    browser = sign_in(client, user)
    assert browser.get("/").status_code == 200
    services.deactivate_user(db.session.get(type(user), user.id), by=None)
    db.session.commit()
    assert browser.get("/").status_code == 302


def test_deactivated_account_cannot_sign_in(client, db):
    user = UserFactory(is_active=False)
    response = Browser(client).submit("/login", {"email": user.email, "password": "correct horse battery"})
    assert response.status_code == 200
    assert b"Email or password is not right" in response.data


def test_password_reset_ends_other_sessions(client, db):
    user = UserFactory()
    browser = sign_in(client, user)
    services.set_password(db.session.get(type(user), user.id), "a brand new password", by=None)
    db.session.commit()
    assert browser.get("/").status_code == 302


def test_failed_sign_ins_are_audited_even_though_nothing_else_is_saved(client, db):
    from sqlalchemy import select

    from clinic.audit import AuditEvent

    user = UserFactory()
    Browser(client).submit("/login", {"email": user.email, "password": "wrong"})
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "sign_in_failed" in actions


def test_emails_are_unique_whatever_their_case(db):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from clinic.auth.models import User

    UserFactory(email="Ana@Clinic.test")
    db.session.add(User(email="ana@clinic.TEST", name="Ana", role="home_visitor", password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_failed_sign_ins_are_counted_in_redis_when_redis_url_is_set(app, monkeypatch, database_url):
    """Several web processes must share the counts: with REDIS_URL they live in Redis."""
    import redis

    from clinic import create_app
    from clinic.extensions import limiter
    from tests.conftest import redis_url

    url = redis_url()
    monkeypatch.setenv("REDIS_URL", url)
    email = f"nobody-{time.time_ns()}@clinic.test"
    client = redis.Redis.from_url(url)
    try:
        with_redis = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "TESTING": True})
        assert with_redis.config["RATELIMIT_STORAGE_URI"] == url
        with with_redis.app_context():
            services.authenticate(email, "wrong", "198.51.100.9")
        assert any(email in key.decode() for key in client.scan_iter(match="*login-pair*"))
    finally:
        for pattern in (f"*{email}*", "*198.51.100.9*"):
            for key in client.scan_iter(match=pattern):
                client.delete(key)
        limiter.init_app(app)  # the limiter is shared: give it back to the suite's app


def test_a_copied_session_cookie_is_dead_after_sign_out(app):
    user = UserFactory()
    browser = sign_in(app.test_client(), user)
    assert browser.get("/").status_code == 200
    stolen = app.test_client()
    stolen.set_cookie("session", browser.client.get_cookie("session").value)
    assert stolen.get("/").status_code == 200
    browser.submit("/", {}, action="/logout")
    assert stolen.get("/").status_code == 302


def _session_rows(db, user):
    from sqlalchemy import select

    from clinic.auth.models import UserSession

    db.session.rollback()
    return db.session.scalars(select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)).all()


def test_a_session_ends_12_hours_after_sign_in_however_active(app, db):
    from datetime import timedelta

    user = UserFactory()
    browser = sign_in(app.test_client(), user)
    (row,) = _session_rows(db, user)
    assert row.expires_at - row.created_at == timedelta(hours=12)
    assert browser.get("/").status_code == 200
    row.expires_at = row.created_at - timedelta(seconds=1)  # twelve hours later
    db.session.commit()
    response = browser.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_person_sees_their_sessions_and_ends_them(app, db):
    from bs4 import BeautifulSoup

    user = UserFactory()
    someone_else = UserFactory()
    laptop = sign_in(app.test_client(), user)
    tablet = sign_in(app.test_client(), user)
    phone = sign_in(app.test_client(), user)
    other_person = sign_in(app.test_client(), someone_else)
    laptop_row, tablet_row, phone_row = _session_rows(db, user)
    (foreign_row,) = _session_rows(db, someone_else)

    page = BeautifulSoup(laptop.get("/account/sessions").data, "html.parser")
    assert [row["id"] for row in page.select("table.sessions tbody tr")] == [
        f"session-{phone_row.id}", f"session-{tablet_row.id}", f"session-{laptop_row.id}"
    ]
    assert "this session" in page.find(id=f"session-{laptop_row.id}").get_text()

    assert laptop.submit("/account/sessions", {}, action=f"/account/sessions/{foreign_row.id}/end").status_code == 404
    assert other_person.get("/").status_code == 200
    assert laptop.submit("/account/sessions", {}, action=f"/account/sessions/{tablet_row.id}/end").status_code == 302
    assert tablet.get("/").status_code == 302
    assert phone.get("/").status_code == 200
    assert laptop.submit("/account/sessions", {}, action="/account/sessions/end-others").status_code == 302
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 200


def test_signing_out_ends_this_session_only(app, db):
    user = UserFactory()
    here = sign_in(app.test_client(), user)
    elsewhere = sign_in(app.test_client(), user)
    here.submit("/", {}, action="/logout")
    assert here.get("/").status_code == 302
    assert elsewhere.get("/").status_code == 200


def test_turning_on_the_second_factor_ends_other_sessions_and_tokens(app, db):
    import pyotp
    from bs4 import BeautifulSoup

    user = UserFactory()
    other = sign_in(app.test_client(), user)
    token = app.test_client().post("/api/v1/auth/token", json={"email": user.email, "password": "correct horse battery"}).json["token"]
    browser = sign_in(app.test_client(), user)
    page = BeautifulSoup(browser.get("/account/second-factor").data, "html.parser")
    secret = page.find(id="totp-secret").get_text().replace(" ", "")
    assert browser.submit("/account/second-factor", {"code": pyotp.TOTP(secret).now()}).status_code == 200
    assert browser.get("/").status_code == 200
    assert other.get("/").status_code == 302
    assert app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
