"""Rule 12's second factor: set-up, sign-in with a code used once, recovery codes, resets, the API."""

from __future__ import annotations

import pyotp
from bs4 import BeautifulSoup
from sqlalchemy import select

from clinic.audit import AuditEvent
from clinic.auth.models import RecoveryCode, User
from clinic.auth.second_factor import matching_step
from tests.conftest import PASSWORD, Browser, fresh_totp_code
from tests.factories import AdminFactory, SupervisorFactory, UserFactory

# RFC 6238, appendix B: the SHA-1 secret "12345678901234567890" and its codes.
RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"


def html(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def actions_for(db, user) -> list[str]:
    db.session.rollback()
    return db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.record_type == "user", AuditEvent.record_id == user.id)
        .order_by(AuditEvent.id)
    ).all()


def password_step(client, user) -> Browser:
    browser = Browser(client)
    response = browser.submit("/login", {"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return browser


def test_codes_follow_rfc_6238():
    # The RFC's 8-digit values 94287082 and 07081804; authenticator apps show the last 6.
    assert matching_step(RFC_SECRET, "287082", now=59) == 1
    assert matching_step(RFC_SECRET, "081804", now=1111111109) == 37037036
    assert matching_step(RFC_SECRET, "081804", now=1111111109 + 30) == 37037036  # one step of drift
    assert matching_step(RFC_SECRET, "081804", now=1111111109 + 60) is None
    assert matching_step(RFC_SECRET, "08 18 04", now=1111111109) == 37037036
    assert matching_step(RFC_SECRET, "81804", now=1111111109) is None


def test_a_supervisor_without_a_second_factor_is_led_to_set_it_up(client, db, team):
    supervisor = SupervisorFactory(supervises=[team], totp_secret=None, totp_enabled_at=None)
    other_device = password_step(Browser(client.application.test_client()).client, supervisor)
    browser = password_step(client, supervisor)

    for path in ("/", "/account", "/referrals"):
        response = browser.get(path)
        assert response.status_code == 302 and response.headers["Location"] == "/account/second-factor", path
    page = browser.get("/account/second-factor")
    assert page.status_code == 200
    svg = html(page).select_one(".qr svg")
    assert svg is not None and svg.find("path") is not None  # drawn by the app, no outside service
    secret = html(page).find(id="totp-secret").get_text().replace(" ", "")
    assert len(secret) == 32

    wrong = browser.submit("/account/second-factor", {"code": "000000"})
    assert wrong.status_code == 422
    assert "That code is not right" in html(wrong).find(id="code-error").get_text()

    done = browser.submit("/account/second-factor", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = [li.get_text() for li in html(done).select("#recovery-codes code")]
    assert len(codes) == 10 and len(set(codes)) == 10
    assert browser.get("/").status_code == 200
    assert other_device.get("/").status_code == 302  # other sessions ended
    user = db.session.get(User, supervisor.id)
    assert user.totp_secret == secret and user.totp_enabled_at is not None
    assert "second_factor_enabled" in actions_for(db, supervisor)
    # The codes are stored hashed: no column holds them as shown.
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert not set(codes) & set(stored) and len(stored) == 10


def test_signing_in_with_a_code_that_works_once(app, db, team):
    supervisor = SupervisorFactory(supervises=[team])
    first = password_step(app.test_client(), supervisor)
    assert first.get("/").status_code == 302  # not signed in before the code
    code = fresh_totp_code(supervisor)

    wrong = first.submit("/login/code", {"code": "123456" if code != "123456" else "654321"})
    assert wrong.status_code == 422
    assert first.submit("/login/code", {"code": code}).status_code == 302
    assert first.get("/").status_code == 200

    replay = password_step(app.test_client(), supervisor)
    refused = replay.submit("/login/code", {"code": code})
    assert refused.status_code == 422
    assert "used already" in html(refused).find(id="code-error").get_text()
    assert replay.get("/").status_code == 302
    assert {"sign_in", "second_factor_failed"} <= set(actions_for(db, supervisor))


def test_a_recovery_code_signs_in_once(app, client, db, team):
    supervisor = SupervisorFactory(supervises=[team], totp_secret=None, totp_enabled_at=None)
    browser = password_step(client, supervisor)
    secret = html(browser.get("/account/second-factor")).find(id="totp-secret").get_text().replace(" ", "")
    done = browser.submit("/account/second-factor", {"code": pyotp.TOTP(secret).now()})
    code = html(done).select("#recovery-codes code")[3].get_text()

    first = password_step(app.test_client(), supervisor)
    assert first.submit("/login/code", {"code": code.upper()}).status_code == 302
    again = password_step(app.test_client(), supervisor)
    assert again.submit("/login/code", {"code": code}).status_code == 422
    assert "recovery_code_used" in actions_for(db, supervisor)
    assert "9 recovery codes left" in html(first.get("/account")).find(id="second-factor-status").get_text()


def test_the_code_step_needs_the_password_step_first(client, db):
    response = Browser(client).submit("/login", {"email": "nobody@clinic.test", "password": PASSWORD})
    assert response.status_code == 200
    assert client.get("/login/code").status_code == 302


def test_visitors_may_turn_it_on_and_then_need_it(client, app, db):
    visitor = UserFactory()
    browser = password_step(client, visitor)
    assert browser.get("/").status_code == 200  # optional for visitors
    assert "Off." in html(browser.get("/account")).find(id="second-factor-status").get_text()
    secret = html(browser.get("/account/second-factor")).find(id="totp-secret").get_text().replace(" ", "")
    assert browser.submit("/account/second-factor", {"code": pyotp.TOTP(secret).now()}).status_code == 200

    response = Browser(app.test_client()).submit("/login", {"email": visitor.email, "password": PASSWORD})
    assert response.headers["Location"] == "/login/code"


def test_an_admin_resets_a_second_factor(login, app, db, team):
    admin = AdminFactory()
    supervisor = SupervisorFactory(supervises=[team])
    supervisor_browser = login(supervisor)
    browser = login(admin)

    response = browser.submit("/admin/staff", {}, action=f"/admin/staff/{supervisor.id}/second-factor/reset")
    assert response.status_code == 302
    assert supervisor_browser.get("/").status_code == 302  # sessions ended
    assert db.session.get(User, supervisor.id).totp_secret is None
    assert "reset_second_factor" in actions_for(db, supervisor)
    again = password_step(app.test_client(), supervisor)
    assert again.get("/").headers["Location"] == "/account/second-factor"
    assert browser.post(f"/admin/staff/{supervisor.id}/second-factor/reset").status_code == 400  # CSRF


def test_api_token_needs_the_otp(app, db, team):
    client = app.test_client()
    supervisor = SupervisorFactory(supervises=[team])
    visitor = UserFactory(team=team)
    bare = SupervisorFactory(totp_secret=None, totp_enabled_at=None)

    def token(user, **extra):
        return client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD, **extra})

    missing = token(supervisor)
    assert missing.status_code == 401 and missing.json["error"]["code"] == "otp_required"
    wrong = token(supervisor, otp="000000" if fresh_totp_code(supervisor) != "000000" else "111111")
    assert wrong.status_code == 401 and wrong.json["error"]["code"] == "otp_required"
    code = fresh_totp_code(supervisor)
    assert token(supervisor, otp=code).status_code == 201
    replay = token(supervisor, otp=code)
    assert replay.status_code == 401 and replay.json["error"]["code"] == "otp_required"

    setup = token(bare)
    assert setup.status_code == 401 and setup.json["error"]["code"] == "otp_setup_required"
    assert token(visitor).status_code == 201
    assert token(visitor, otp="123456").status_code == 201  # no second factor: otp not looked at
