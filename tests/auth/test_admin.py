"""Admin pages: staff accounts and teams, through the real forms (CSRF on)."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from clinic.audit import AuditEvent
from clinic.auth.models import Team, User
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
         "supervises_id": "", "password": PASSWORD},
    )  # fmt: skip

    assert response.status_code == 302
    db.session.rollback()
    user = db.session.scalars(select(User).where(User.name == "Nia New")).one()
    assert (user.role, user.team_id, user.is_active) == ("home_visitor", team.id, True)
    assert user.password_hash != PASSWORD and verify_password(user.password_hash, PASSWORD)
    assert "Nia New" in html(browser.get("/admin/staff")).get_text()
    assert can_sign_in(client, "nia@example.org", PASSWORD)


def test_admin_creates_a_supervisor_of_a_team(login, db):
    admin = AdminFactory()
    team = TeamFactory(name="West")
    response = login(admin).submit(
        "/admin/staff/new",
        {"name": "Sol Super", "email": "sol@example.org", "role": "supervisor", "team_id": "",
         "supervises_id": team.id, "password": PASSWORD},
    )  # fmt: skip

    assert response.status_code == 302
    team = fresh(db, Team, team.id)
    assert team.supervisor.name == "Sol Super"


def test_creating_staff_refuses_bad_input_beside_the_field(login, db):
    admin = AdminFactory()
    taken = UserFactory(email="taken@example.org")
    team = TeamFactory()
    browser = login(admin)
    good = {"name": "Pat", "email": "pat@example.org", "role": "home_visitor", "team_id": "", "supervises_id": "",
            "password": PASSWORD}  # fmt: skip

    duplicate = browser.submit("/admin/staff/new", {**good, "email": "TAKEN@example.org"})
    assert duplicate.status_code == 422
    assert error_beside(duplicate, "email") == "An account with this email already exists."
    assert html(duplicate).find(id="name")["value"] == "Pat"

    wrong_team = browser.submit("/admin/staff/new", {**good, "role": "admin", "team_id": team.id})
    assert wrong_team.status_code == 422
    assert error_beside(wrong_team, "team_id") == "Only home visitors belong to a team as visitors."

    short = browser.submit("/admin/staff/new", {**good, "password": "short"})
    assert short.status_code == 422
    assert "Use 10 to 200 characters." == error_beside(short, "password")

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


def test_reset_password(login, db, client):
    admin = AdminFactory()
    visitor = UserFactory()
    visitor_browser = login(visitor)
    browser = login(admin)
    path = f"/admin/staff/{visitor.id}/password"

    short = browser.submit(path, {"password": "tiny"})
    assert short.status_code == 422
    assert "Use 10 to 200 characters." == error_beside(short, "password")

    assert browser.submit(path, {"password": NEW_PASSWORD}).status_code == 302
    assert visitor_browser.get("/").status_code == 302  # their sessions have ended
    assert not can_sign_in(client, visitor.email, PASSWORD)
    assert can_sign_in(client, visitor.email, NEW_PASSWORD)
    assert browser.get(f"/admin/staff/{999999}/password").status_code == 404


def test_admin_resetting_their_own_password_stays_signed_in(login, db, client):
    admin = AdminFactory()
    browser = login(admin)

    assert browser.submit(f"/admin/staff/{admin.id}/password", {"password": NEW_PASSWORD}).status_code == 302
    assert browser.get("/admin/staff").status_code == 200
    assert can_sign_in(client, admin.email, NEW_PASSWORD)


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
