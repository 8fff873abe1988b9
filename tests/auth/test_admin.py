"""Admin pages: staff accounts and teams, through the real forms (CSRF on)."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from sqlalchemy import select

from clinic.audit import AuditEvent
from clinic.auth.models import PasswordLink, Team, User
from clinic.auth.passwords import verify_password
from tests.conftest import PASSWORD, Browser
from tests.factories import AdminFactory, FamilyFactory, SupervisorFactory, TeamFactory, UserFactory

NEW_PASSWORD = "a brand new passphrase"


def html(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def error_beside(response, field_id: str) -> str:
    error = html(response).find(id=f"{field_id}-error")
    assert error is not None, f"no error beside {field_id}"
    return error.get_text()


def fresh(db, model, record_id):
    db.session.rollback()  # end the test's read transaction: see what the requests committed
    return db.session.get(model, record_id)


def can_sign_in(client, email: str, password: str) -> bool:
    return Browser(client).submit("/login", {"email": email, "password": password}).status_code == 302


def link_path(response) -> str:
    """The path of the one-time password link an admin page shows."""
    assert response.status_code == 200, response.data[:300]
    return urlsplit(html(response).find(id="password-link").get_text()).path


def choose_password(client, path: str, password: str):
    return Browser(client).submit(path, {"password": password, "confirm": password})


def staff_row(response, user) -> str:
    return " ".join(html(response).find(id=f"user-{user.id}").get_text(" ").split())


# ---- staff ------------------------------------------------------------------


def test_staff_pages_are_for_admins_only(login, db):
    team = TeamFactory()
    for user in (UserFactory(team=team), SupervisorFactory(supervises=[team])):
        browser = login(user)
        for path in ("/admin/staff", "/admin/staff/new", "/admin/teams", "/admin/teams/new", f"/admin/teams/{team.id}"):
            assert browser.get(path).status_code == 403, (user.role, path)


def test_staff_list_shows_roles_teams_and_caseloads(login, db):
    admin = AdminFactory()
    team = TeamFactory(name="North")
    visitor = UserFactory(name="Val Visitor", team=team)
    supervisor = SupervisorFactory(name="Sam Supervisor", supervises=[team])
    FamilyFactory(assigned_visitor=visitor)
    FamilyFactory(assigned_visitor=visitor)
    FamilyFactory(assigned_visitor=visitor, status="closed")

    response = login(admin).get("/admin/staff")

    assert response.status_code == 200
    assert staff_row(response, visitor).startswith(f"Val Visitor {visitor.email} home visitor North 2 active")
    assert "supervises North" in staff_row(response, supervisor)
    assert "Deactivate" not in staff_row(response, admin)  # no locking yourself out


def test_admin_creates_a_home_visitor_in_a_team(login, db, client):
    admin = AdminFactory()
    team = TeamFactory(name="East")
    browser = login(admin)

    response = browser.submit(
        "/admin/staff/new",
        {"name": "Nia New", "email": "Nia@Example.org", "role": "home_visitor", "team_id": team.id,
         "supervises_id": ""},
    )  # fmt: skip

    path = link_path(response)  # the admin chooses no password: the person does, through the link
    db.session.rollback()
    user = db.session.scalars(select(User).where(User.name == "Nia New")).one()
    assert (user.role, user.team_id, user.is_active) == ("home_visitor", team.id, True)
    assert "Nia New" in html(browser.get("/admin/staff")).get_text()
    assert not can_sign_in(client, "nia@example.org", "")
    assert choose_password(client, path, PASSWORD).status_code == 302
    user = fresh(db, User, user.id)
    assert user.password_hash != PASSWORD and verify_password(user.password_hash, PASSWORD)
    assert can_sign_in(client, "nia@example.org", PASSWORD)


def test_admin_creates_a_supervisor_of_a_team(login, db):
    admin = AdminFactory()
    team = TeamFactory(name="West")
    response = login(admin).submit(
        "/admin/staff/new",
        {"name": "Sol Super", "email": "sol@example.org", "role": "supervisor", "team_id": "",
         "supervises_id": team.id},
    )  # fmt: skip

    assert response.status_code == 200
    team = fresh(db, Team, team.id)
    assert team.supervisor.name == "Sol Super"


def test_creating_staff_refuses_bad_input_beside_the_field(login, db):
    admin = AdminFactory()
    taken = UserFactory(email="taken@example.org")
    team = TeamFactory()
    browser = login(admin)
    good = {"name": "Pat", "email": "pat@example.org", "role": "home_visitor", "team_id": "", "supervises_id": ""}

    duplicate = browser.submit("/admin/staff/new", {**good, "email": "TAKEN@example.org"})
    assert duplicate.status_code == 422
    assert error_beside(duplicate, "email") == "An account with this email already exists."
    assert html(duplicate).find(id="name")["value"] == "Pat"

    wrong_team = browser.submit("/admin/staff/new", {**good, "role": "admin", "team_id": team.id})
    assert wrong_team.status_code == 422
    assert error_beside(wrong_team, "team_id") == "Only home visitors belong to a team as visitors."

    long_name = browser.submit("/admin/staff/new", {**good, "name": "x" * 300})
    assert long_name.status_code == 422
    assert error_beside(long_name, "name") == "Field cannot be longer than 200 characters."

    db.session.rollback()
    assert db.session.scalars(select(User.email).order_by(User.id)).all() == [admin.email, taken.email]


def test_deactivate_ends_sign_in_and_sessions_and_reactivate_restores(login, db, client):
    admin = AdminFactory()
    visitor = UserFactory()
    visitor_browser = login(visitor)
    admin_browser = login(admin)

    response = admin_browser.submit("/admin/staff", {}, action=f"/admin/staff/{visitor.id}/deactivate")

    assert response.status_code == 302
    assert fresh(db, User, visitor.id).is_active is False
    assert visitor_browser.get("/").status_code == 302  # their session has ended
    assert not can_sign_in(client, visitor.email, PASSWORD)
    assert "deactivated" in staff_row(admin_browser.get("/admin/staff"), visitor)

    admin_browser.submit("/admin/staff", {}, action=f"/admin/staff/{visitor.id}/reactivate")
    assert fresh(db, User, visitor.id).is_active is True
    assert can_sign_in(client, visitor.email, PASSWORD)
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.record_type == "user", AuditEvent.record_id == visitor.id)
    ).all()
    assert "deactivate" in actions and "reactivate" in actions


def test_admin_cannot_deactivate_themselves(login, db):
    admin = AdminFactory()
    browser = login(admin)

    response = browser.submit("/admin/staff", {}, action=f"/admin/staff/{admin.id}/deactivate", follow_redirects=True)

    assert "You cannot deactivate your own account." in html(response).get_text()
    assert fresh(db, User, admin.id).is_active is True


def test_deactivate_needs_the_csrf_token(login, db):
    admin = AdminFactory()
    visitor = UserFactory()

    assert login(admin).post(f"/admin/staff/{visitor.id}/deactivate").status_code == 400
    assert fresh(db, User, visitor.id).is_active is True


def test_reset_password_hands_out_a_one_time_link(login, db, client):
    admin = AdminFactory()
    visitor = UserFactory(name="Valentina Visitor", email="valentina@clinic.test")
    visitor_browser = login(visitor)
    browser = login(admin)
    path = f"/admin/staff/{visitor.id}/password"

    assert browser.get(path).status_code == 200
    path_to_use = link_path(browser.submit(path, {}))
    assert visitor_browser.get("/").status_code == 200  # nothing ends until the link is used
    assert can_sign_in(client, visitor.email, PASSWORD)

    form = Browser(client)
    for password, message in [
        ("tiny", "Use 12 to 200 characters."),
        ("qwerty123456", "This password is on a list of common passwords; choose another."),
        ("valentina@clinic.test", "Do not use your email or your name as your password."),
        ("Valentina Visitor", "Do not use your email or your name as your password."),
    ]:
        refused = form.submit(path_to_use, {"password": password, "confirm": password})
        assert refused.status_code == 422
        assert error_beside(refused, "password") == message
    mismatch = form.submit(path_to_use, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert error_beside(mismatch, "confirm") == "The two passwords differ."

    assert choose_password(client, path_to_use, NEW_PASSWORD).status_code == 302
    assert visitor_browser.get("/").status_code == 302  # their sessions have ended
    assert not can_sign_in(client, visitor.email, PASSWORD)
    assert can_sign_in(client, visitor.email, NEW_PASSWORD)
    assert client.get(path_to_use).status_code == 404  # once only
    assert browser.get(f"/admin/staff/{999999}/password").status_code == 404
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.record_type == "user", AuditEvent.record_id == visitor.id)
    ).all()
    assert "password_link" in actions and "set_password_by_link" in actions


def test_a_password_link_expires_after_24_hours_and_a_newer_one_replaces_it(login, db, client):
    admin = AdminFactory()
    visitor = UserFactory()
    browser = login(admin)
    first = link_path(browser.submit(f"/admin/staff/{visitor.id}/password", {}))
    second = link_path(browser.submit(f"/admin/staff/{visitor.id}/password", {}))

    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    db.session.rollback()
    link = db.session.scalars(select(PasswordLink).where(PasswordLink.used_at.is_(None))).one()
    assert link.expires_at - link.created_at == timedelta(hours=24)
    link.expires_at = link.created_at - timedelta(seconds=1)
    db.session.commit()
    assert client.get(second).status_code == 404
    form = Browser(client)
    token = form.csrf_token("/login")
    posted = form.post(second, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, "csrf_token": token})
    assert posted.status_code == 404


def test_the_password_link_is_emailed_when_mail_is_configured(app, login, db):
    from clinic.mail.models import OutboxMessage

    admin = AdminFactory()
    visitor = UserFactory()
    browser = login(admin)
    app.config["MAIL_SERVER"] = "127.0.0.1"
    try:
        path = link_path(browser.submit(f"/admin/staff/{visitor.id}/password", {}))
    finally:
        app.config["MAIL_SERVER"] = None
    db.session.rollback()
    message = db.session.scalars(select(OutboxMessage)).one()
    assert message.recipient == visitor.email
    assert path in message.body_text


def test_changing_ones_own_password_ends_the_other_sessions(login, db, client):
    visitor = UserFactory(email="own@clinic.test")
    other_device = login(visitor)
    browser = login(visitor)
    token = client.post("/api/v1/auth/token", json={"email": visitor.email, "password": PASSWORD}).json["token"]
    path = "/account/password"

    wrong = browser.submit(path, {"current_password": "not it at all", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert wrong.status_code == 422
    assert error_beside(wrong, "current_password") == "This is not your current password."
    common = browser.submit(path, {"current_password": PASSWORD, "password": "qwerty123456", "confirm": "qwerty123456"})
    assert error_beside(common, "password") == "This password is on a list of common passwords; choose another."

    done = browser.submit(path, {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    assert browser.get("/account").status_code == 200
    assert other_device.get("/").status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert can_sign_in(client, visitor.email, NEW_PASSWORD)


# ---- teams ------------------------------------------------------------------


def test_admin_creates_a_team_and_sets_its_supervisor(login, db):
    admin = AdminFactory()
    first = SupervisorFactory(name="First Sup")
    second = SupervisorFactory(name="Second Sup")
    SupervisorFactory(name="Gone Sup", is_active=False)
    browser = login(admin)

    created = browser.submit("/admin/teams/new", {"name": "  South  "})
    assert created.status_code == 302
    db.session.rollback()
    team = db.session.scalars(select(Team)).one()
    assert team.name == "South"
    path = f"/admin/teams/{team.id}"
    assert created.headers["Location"] == path

    options = [o.get_text() for o in html(browser.get(path)).select("select#supervisor_id option")]
    assert options == ["No supervisor", "First Sup", "Second Sup"]
    assert browser.submit(path, {"supervisor_id": first.id}).status_code == 302
    assert fresh(db, Team, team.id).supervisor_id == first.id
    assert browser.submit(path, {"supervisor_id": second.id}).status_code == 302
    assert fresh(db, Team, team.id).supervisor_id == second.id
    assert "Second Sup" in html(browser.get("/admin/teams")).select_one("table.teams").get_text()

    visitor = UserFactory()
    refused = browser.submit(path, {"supervisor_id": visitor.id})
    assert refused.status_code == 422
    assert error_beside(refused, "supervisor_id") == "Not a valid choice."
    assert fresh(db, Team, team.id).supervisor_id == second.id


def test_set_team_supervisor_refuses_someone_who_is_not_an_active_supervisor(db):
    from clinic.auth import services
    from clinic.errors import ServiceError

    team = TeamFactory()
    for person in (UserFactory(), SupervisorFactory(is_active=False)):
        try:
            services.set_team_supervisor(team, person, by=None)
        except ServiceError as exc:
            assert exc.field == "supervisor_id"
        else:
            raise AssertionError(f"{person.role} accepted as supervisor")
    assert team.supervisor_id is None


def test_team_names_are_required_and_unique(login, db):
    admin = AdminFactory()
    TeamFactory(name="Central")
    browser = login(admin)

    duplicate = browser.submit("/admin/teams/new", {"name": "Central"})
    assert duplicate.status_code == 422
    assert error_beside(duplicate, "name") == "A team with this name already exists."
    empty = browser.submit("/admin/teams/new", {"name": "  "})
    assert empty.status_code == 422
    assert error_beside(empty, "name") == "This field is required."
    db.session.rollback()
    assert db.session.scalars(select(Team.name)).all() == ["Central"]
