"""Create and edit families, caregivers and children through the real forms (CSRF on)."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from clinic import clock
from clinic.cases.models import Caregiver, Child, Family, FamilyAssignment
from tests.factories import (
    AdminFactory,
    CaregiverFactory,
    ChildFactory,
    FamilyFactory,
    SupervisorFactory,
    TeamFactory,
    UserFactory,
)

TODAY = date(2025, 3, 15)
CHILD = {"first_name": "Maya", "last_name": "Roy", "date_of_birth": "2024-06-01", "gestational_age_weeks": "34"}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def html(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def error_beside(response, field_id: str) -> str:
    error = html(response).find(id=f"{field_id}-error")
    assert error is not None, f"no error beside {field_id}"
    return error.get_text()


def value_of(response, field_id: str) -> str:
    return html(response).find(id=field_id).get("value", "")


def count(db, model) -> int:
    db.session.rollback()  # end the test's read transaction: see what the requests committed
    return db.session.scalar(select(func.count()).select_from(model))


# ---- families ---------------------------------------------------------------


def test_visitor_creates_a_family_with_its_first_caregiver(login, db):
    visitor = UserFactory()
    response = login(visitor).submit(
        "/families/new",
        {
            "name": "  Mensah ",
            "language": "es",
            "address": "4 Oak Road",
            "assigned_visitor_id": visitor.id,
            "caregiver-name": "Efua Mensah",
            "caregiver-relationship": "mother",
            "caregiver-email": "efua@example.org",
            "caregiver-phone": "555-0199",
            "caregiver-is_primary": "y",
            "caregiver-email_opt_in": "y",
        },
    )

    assert response.status_code == 302
    db.session.rollback()
    family = db.session.scalars(select(Family)).one()
    assert response.headers["Location"] == f"/families/{family.id}"
    assert (family.name, family.language, family.address, family.status) == ("Mensah", "es", "4 Oak Road", "active")
    assert family.assigned_visitor_id == visitor.id
    [caregiver] = family.caregivers
    assert (caregiver.name, caregiver.relationship_to_children, caregiver.email, caregiver.phone) == (
        "Efua Mensah",
        "mother",
        "efua@example.org",
        "555-0199",
    )
    assert caregiver.is_primary and caregiver.email_opt_in
    assert [a.visitor_id for a in family.assignments] == [visitor.id]


def test_the_first_caregiver_is_optional(login, db):
    visitor = UserFactory()
    response = login(visitor).submit("/families/new", {"name": "Solo", "language": "en", "caregiver-is_primary": "y"})

    assert response.status_code == 302
    assert count(db, Family) == 1
    assert count(db, Caregiver) == 0


def test_a_half_filled_caregiver_keeps_the_input_and_saves_nothing(login, db):
    visitor = UserFactory()
    response = login(visitor).submit(
        "/families/new",
        {"name": "Half", "language": "en", "caregiver-email": "someone@example.org", "caregiver-phone": "555"},
    )

    assert response.status_code == 422
    assert error_beside(response, "caregiver-name") == "This field is required."
    assert error_beside(response, "caregiver-relationship") == "This field is required."
    assert value_of(response, "name") == "Half"
    assert value_of(response, "caregiver-email") == "someone@example.org"
    assert count(db, Family) == 0


def test_reminders_without_an_email_are_refused_beside_the_checkbox(login, db):
    """A rule of the service (ServiceError), shown beside the caregiver's field."""
    visitor = UserFactory()
    response = login(visitor).submit(
        "/families/new",
        {"name": "Optin", "language": "en", "caregiver-name": "Kofi", "caregiver-relationship": "father",
         "caregiver-email_opt_in": "y"},
    )  # fmt: skip

    assert response.status_code == 422
    assert error_beside(response, "caregiver-email_opt_in") == "Reminders need an email address."
    assert value_of(response, "caregiver-name") == "Kofi"
    assert count(db, Family) == 0
    assert count(db, FamilyAssignment) == 0


def test_a_300_character_name_is_refused_and_kept(login, db):
    visitor = UserFactory()
    long_name = "N" * 300
    response = login(visitor).submit("/families/new", {"name": long_name, "language": "en"})

    assert response.status_code == 422
    assert "200" in error_beside(response, "name")
    assert value_of(response, "name") == long_name
    assert count(db, Family) == 0


def test_an_unknown_language_is_refused(login, db):
    visitor = UserFactory()
    response = login(visitor).submit("/families/new", {"name": "Lang", "language": "xx"})

    assert response.status_code == 422
    assert error_beside(response, "language") == "Not a valid choice."
    assert count(db, Family) == 0


def test_language_choices_come_from_the_model(login, db):
    from clinic.cases.models import LANGUAGES

    page = html(login(UserFactory()).get("/families/new"))
    assert [(o["value"], o.get_text()) for o in page.select("select#language option")] == list(LANGUAGES.items())


def test_supervisor_assigns_a_new_family_within_their_team_only(login, db):
    team = TeamFactory()
    supervisor = SupervisorFactory(supervises=[team])
    in_team = UserFactory(team=team, name="In Team")
    UserFactory(team=team, name="Also In")
    outsider = UserFactory(name="Out Side")
    browser = login(supervisor)

    choices = [o.get_text() for o in html(browser.get("/families/new")).select("select#assigned_visitor_id option")]
    assert choices == ["Choose a home visitor", "Also In", "In Team"]

    refused = browser.submit("/families/new", {"name": "Away", "language": "en", "assigned_visitor_id": outsider.id})
    assert refused.status_code == 422
    assert error_beside(refused, "assigned_visitor_id") == "Not a valid choice."
    assert value_of(refused, "name") == "Away"
    assert count(db, Family) == 0

    # The service's refusal (ServiceError), shown beside the field.
    missing = browser.submit("/families/new", {"name": "Nobody", "language": "en", "assigned_visitor_id": ""})
    assert missing.status_code == 422
    assert error_beside(missing, "assigned_visitor_id") == "Choose the home visitor for this family."
    assert value_of(missing, "name") == "Nobody"

    accepted = browser.submit("/families/new", {"name": "Home", "language": "en", "assigned_visitor_id": in_team.id})
    assert accepted.status_code == 302
    db.session.rollback()
    assert db.session.scalars(select(Family)).one().assigned_visitor_id == in_team.id


def test_a_visitors_new_family_is_always_their_own(login, db):
    visitor = UserFactory()
    other = UserFactory()
    browser = login(visitor)
    response = browser.submit("/families/new", {"name": "Mine", "language": "en", "assigned_visitor_id": other.id})

    assert response.status_code == 422  # only themselves is offered
    assert count(db, Family) == 0
    options = html(browser.get("/families/new")).select("select#assigned_visitor_id option")
    assert [o["value"] for o in options] == [str(visitor.id)]


def test_edit_a_family(login, db):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor, name="Old", language="en")
    browser = login(visitor)
    path = f"/families/{family.id}/edit"

    assert value_of(browser.get(path), "name") == "Old"
    refused = browser.submit(path, {"name": "", "language": "es", "address": "Kept"})
    assert refused.status_code == 422
    assert error_beside(refused, "name") == "This field is required."
    assert html(refused).find(id="address").get_text().strip() == "Kept"

    saved = browser.submit(path, {"name": "New", "language": "es", "address": "1 Main St"})
    assert saved.status_code == 302
    db.session.rollback()
    family = db.session.get(Family, family.id)
    assert (family.name, family.language, family.address) == ("New", "es", "1 Main St")


def test_a_form_without_its_csrf_token_is_refused(login, db):
    visitor = UserFactory()
    response = login(visitor).post("/families/new", data={"name": "Forged", "language": "en"})

    assert response.status_code == 400
    assert count(db, Family) == 0


def test_forms_of_families_out_of_scope_answer_404(login, db):
    child = ChildFactory(first_name="Kept")
    caregiver = CaregiverFactory(family=child.family, name="Kept")
    family_id = child.family_id
    browser = login(UserFactory())
    data = {"name": "X", "relationship": "x", "status": "closed", **CHILD, "first_name": "X"}

    for action in (
        f"/families/{family_id}/edit",
        f"/families/{family_id}/status",
        f"/families/{family_id}/caregivers/new",
        f"/families/{family_id}/children/new",
        f"/caregivers/{caregiver.id}/edit",
        f"/children/{child.id}/edit",
    ):
        assert browser.submit("/families/new", data, action=action).status_code == 404, action
    db.session.rollback()
    family = db.session.get(Family, family_id)
    assert (family.name, family.status) != ("X", "closed")
    assert [c.name for c in family.caregivers] == ["Kept"]
    assert [c.first_name for c in family.children] == ["Kept"]


# ---- caregivers -------------------------------------------------------------


def test_add_and_edit_a_caregiver(login, db):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    browser = login(visitor)

    added = browser.submit(
        f"/families/{family.id}/caregivers/new",
        {"name": "Grace", "relationship": "grandmother", "email": "grace@example.org", "email_opt_in": "y"},
    )
    assert added.status_code == 302
    db.session.rollback()
    caregiver = db.session.scalars(select(Caregiver)).one()
    assert caregiver.relationship_to_children == "grandmother"
    assert (caregiver.is_primary, caregiver.email_opt_in) == (False, True)

    path = f"/caregivers/{caregiver.id}/edit"
    form = browser.get(path)
    assert value_of(form, "relationship") == "grandmother"
    assert html(form).find(id="email_opt_in").has_attr("checked")

    bad_email = browser.submit(path, {"name": "Grace", "relationship": "grandmother", "email": "not-an-email"})
    assert bad_email.status_code == 422
    assert error_beside(bad_email, "email") == "Invalid email address."
    assert value_of(bad_email, "email") == "not-an-email"

    saved = browser.submit(path, {"name": "Grace A.", "relationship": "grandmother", "email": "", "phone": "555-0123"})
    assert saved.status_code == 302
    db.session.rollback()
    caregiver = db.session.get(Caregiver, caregiver.id)
    # An unticked box withdraws consent; an emptied email is removed.
    assert (caregiver.name, caregiver.email, caregiver.phone) == ("Grace A.", None, "555-0123")
    assert caregiver.email_opt_in is False


def test_caregiver_opt_in_without_email_is_shown_beside_the_checkbox(login, db):
    visitor = UserFactory()
    caregiver = CaregiverFactory(family=FamilyFactory(assigned_visitor=visitor), email_opt_in=False)
    response = login(visitor).submit(
        f"/caregivers/{caregiver.id}/edit", {"name": "Ray", "relationship": "father", "email": "", "email_opt_in": "y"}
    )

    assert response.status_code == 422
    assert error_beside(response, "email_opt_in") == "Reminders need an email address."
    db.session.rollback()
    assert db.session.get(Caregiver, caregiver.id).email_opt_in is False


# ---- children -----------------------------------------------------------------


def test_add_a_child(login, db):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    response = login(visitor).submit(f"/families/{family.id}/children/new", CHILD)

    assert response.status_code == 302
    db.session.rollback()
    child = db.session.scalars(select(Child)).one()
    assert response.headers["Location"] == f"/children/{child.id}"
    assert (child.family_id, child.full_name, child.date_of_birth, child.gestational_age_weeks) == (
        family.id,
        "Maya Roy",
        date(2024, 6, 1),
        34,
    )


def test_gestational_age_is_optional(login, db):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    response = login(visitor).submit(f"/families/{family.id}/children/new", {**CHILD, "gestational_age_weeks": ""})

    assert response.status_code == 302
    db.session.rollback()
    assert db.session.scalars(select(Child)).one().gestational_age_weeks is None


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("date_of_birth", "2024-02-30", "Give a real date (YYYY-MM-DD)."),
        ("date_of_birth", "yesterday", "Give a real date (YYYY-MM-DD)."),
        ("date_of_birth", "", "This field is required."),
        ("date_of_birth", "2025-03-16", "The date of birth cannot be in the future."),
        ("date_of_birth", "2015-01-01", "The program serves children under 6; check the year."),
        ("gestational_age_weeks", "50", "Number must be between 20 and 45."),
        ("first_name", "A" * 300, "Field cannot be longer than 200 characters."),
        ("last_name", "   ", "This field is required."),
    ],
)
def test_a_refused_child_keeps_the_input_and_saves_nothing(login, db, field, value, message):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    response = login(visitor).submit(f"/families/{family.id}/children/new", {**CHILD, field: value})

    assert response.status_code == 422
    assert error_beside(response, field) == message
    assert value_of(response, field) == value
    assert value_of(response, "first_name" if field != "first_name" else "last_name") == CHILD[
        "first_name" if field != "first_name" else "last_name"
    ]
    assert count(db, Child) == 0


def test_edit_a_child(login, db):
    visitor = UserFactory()
    child = ChildFactory(family=FamilyFactory(assigned_visitor=visitor), date_of_birth=date(2024, 1, 1))
    browser = login(visitor)
    path = f"/children/{child.id}/edit"

    assert value_of(browser.get(path), "date_of_birth") == "2024-01-01"
    future = browser.submit(path, {**CHILD, "date_of_birth": "2030-01-01"})
    assert future.status_code == 422
    assert error_beside(future, "date_of_birth") == "The date of birth cannot be in the future."
    db.session.rollback()
    assert db.session.get(Child, child.id).date_of_birth == date(2024, 1, 1)

    saved = browser.submit(path, {**CHILD, "gestational_age_weeks": "30"})
    assert saved.status_code == 302
    db.session.rollback()
    child = db.session.get(Child, child.id)
    assert (child.first_name, child.date_of_birth, child.gestational_age_weeks) == ("Maya", date(2024, 6, 1), 30)


def test_admin_may_assign_any_active_visitor(login, db):
    admin = AdminFactory()
    visitor = UserFactory()
    UserFactory(is_active=False, name="Gone Visitor")
    browser = login(admin)

    options = [o.get_text() for o in html(browser.get("/families/new")).select("select#assigned_visitor_id option")]
    assert "Gone Visitor" not in options
    response = browser.submit(
        "/families/new", {"name": "Anywhere", "language": "en", "assigned_visitor_id": visitor.id}
    )
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.scalars(select(Family)).one().assigned_visitor_id == visitor.id
