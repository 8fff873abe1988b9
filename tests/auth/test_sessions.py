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


def test_failed_sign_ins_are_throttled_per_account(app):
    user = UserFactory()
    for _ in range(5):
        response = Browser(app.test_client()).submit("/login", {"email": user.email, "password": "wrong"})
        assert response.status_code == 200
    # Even the right password is refused while the account is throttled.
    response = Browser(app.test_client()).submit(
        "/login", {"email": user.email.upper(), "password": "correct horse battery"}
    )
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.data


def test_failed_sign_ins_are_throttled_per_address(app):
    users = UserFactory.create_batch(21)

    def attempt(user, address):
        browser = Browser(app.test_client())
        browser.client.environ_base["REMOTE_ADDR"] = address
        return browser.submit("/login", {"email": user.email, "password": "wrong"}).status_code

    statuses = [attempt(user, "203.0.113.7") for user in users]
    assert statuses[:20] == [200] * 20  # one failure per account: only the address adds up
    assert statuses[20] == 429
    assert attempt(users[0], "198.51.100.1") == 200  # another address is not held back


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
        assert any(email in key.decode() for key in client.scan_iter(match="*login-account*"))
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
