"""Failed sign-ins are throttled per account and address first, then per account and per address."""

from __future__ import annotations

from limits import parse
from sqlalchemy import select

from clinic.audit import AuditEvent
from clinic.extensions import limiter
from tests.conftest import PASSWORD, Browser, fresh_totp_code
from tests.factories import AdminFactory, SupervisorFactory, UserFactory


def attempt(app, user, address: str, password: str = "wrong password"):
    browser = Browser(app.test_client())
    browser.client.environ_base["REMOTE_ADDR"] = address
    return browser, browser.submit("/login", {"email": user.email, "password": password})


def actions(db) -> list[str]:
    db.session.rollback()
    return db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()


def test_three_failures_from_one_address_hold_that_address_back_a_minute(app, db):
    user = UserFactory()
    for _ in range(3):
        assert attempt(app, user, "203.0.113.7")[1].status_code == 200
    _, held = attempt(app, user, "203.0.113.7", PASSWORD)  # even the right password waits
    assert held.status_code == 429
    assert 1 <= int(held.headers["Retry-After"]) <= 60
    assert b"Too many failed sign-ins. Wait" in held.data
    assert attempt(app, user, "198.51.100.1", PASSWORD)[1].status_code == 302  # the person elsewhere gets in
    assert "sign_in_locked" in actions(db) and "sign_in_throttled" in actions(db)


def test_the_waits_grow(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_PAIR", "1 per minute; 2 per hour")
    user = UserFactory()
    assert attempt(app, user, "203.0.113.7")[1].status_code == 200
    first = attempt(app, user, "203.0.113.7")[1]
    assert int(first.headers["Retry-After"]) <= 60
    # The minute passes (its count is cleared as its window would end).
    limiter.limiter.clear(parse("1 per minute"), "login-pair", user.email, "203.0.113.7")
    assert attempt(app, user, "203.0.113.7")[1].status_code == 200
    second = attempt(app, user, "203.0.113.7")[1]
    assert second.status_code == 429 and int(second.headers["Retry-After"]) > 60


def test_an_account_under_attack_still_lets_its_owner_in_from_an_address_that_has_not_failed(app, db, team):
    supervisor = SupervisorFactory(supervises=[team])
    attackers = [f"203.0.113.{n}" for n in range(1, 21)]
    for address in attackers:  # 20 addresses, one failure each: the account's threshold
        assert attempt(app, supervisor, address)[1].status_code == 200

    _, held = attempt(app, supervisor, attackers[0], PASSWORD)
    assert held.status_code == 429  # an address that failed is held back, right password or not
    assert attempt(app, supervisor, "203.0.113.99")[1].status_code == 200  # a new one gets one try
    assert attempt(app, supervisor, "203.0.113.99")[1].status_code == 429

    owner, response = attempt(app, supervisor, "192.0.2.10", PASSWORD)
    assert response.headers["Location"] == "/login/code"
    assert owner.submit("/login/code", {"code": fresh_totp_code(supervisor)}).status_code == 302
    assert owner.get("/").status_code == 200


def test_one_address_failing_across_many_accounts_is_held_back(app, db, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_FAILURES_PER_ADDRESS", "5 per hour")
    users = UserFactory.create_batch(6)
    statuses = [attempt(app, user, "203.0.113.7")[1].status_code for user in users[:5]]
    assert statuses == [200] * 5
    assert attempt(app, users[5], "203.0.113.7", PASSWORD)[1].status_code == 429
    assert attempt(app, users[5], "198.51.100.1", PASSWORD)[1].status_code == 302


def test_wrong_second_factor_codes_count_too(app, db, team):
    supervisor = SupervisorFactory(supervises=[team])
    browser, response = attempt(app, supervisor, "203.0.113.7", PASSWORD)
    wrong = "000000" if fresh_totp_code(supervisor) != "000000" else "111111"
    for _ in range(3):
        assert browser.submit("/login/code", {"code": wrong}).status_code == 422
    held = browser.submit("/login/code", {"code": fresh_totp_code(supervisor)})
    assert held.status_code == 429 and "Retry-After" in held.headers


def test_the_api_answers_429_with_retry_after(app, db):
    user = UserFactory()
    client = app.test_client()
    for _ in range(3):
        assert client.post("/api/v1/auth/token", json={"email": user.email, "password": "wrong"}).status_code == 401
    held = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD})
    assert held.status_code == 429
    assert held.json["error"]["code"] == "too_many_requests"
    assert 1 <= int(held.headers["Retry-After"]) <= 60


def test_an_admin_unlocks_an_account_and_it_is_audited(app, login, db, team):
    supervisor = SupervisorFactory(supervises=[team])
    for n in range(20):
        attempt(app, supervisor, f"203.0.113.{n}")
    assert attempt(app, supervisor, "203.0.113.0", PASSWORD)[1].status_code == 429
    browser = login(AdminFactory())
    assert browser.submit("/admin/staff", {}, action=f"/admin/staff/{supervisor.id}/unlock").status_code == 302
    assert "unlock_sign_in" in actions(db)
    # The account's count is gone; the pair's own (one failure) does not hold it back.
    assert attempt(app, supervisor, "203.0.113.0", PASSWORD)[1].status_code == 302
