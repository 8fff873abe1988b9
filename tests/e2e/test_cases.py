"""Signing in and out, finding a family, and the family and child forms, in Chromium."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from clinic import clock
from clinic.cases.ages import add_months, corrected_age_months
from clinic.cases.models import Caregiver, Child, Family
from clinic.templating import months_label
from tests.factories import PASSWORD, ChildFactory, FamilyFactory, UserFactory

pytestmark = pytest.mark.e2e


def test_sign_in_find_a_family_by_a_childs_name_and_sign_out(db, page):
    visitor = UserFactory(name="Vera Visitor")
    okafor = FamilyFactory(name="Okafor", assigned_visitor=visitor)
    ChildFactory(family=okafor, first_name="Zanele", last_name="Okafor")
    FamilyFactory(name="Lindqvist", assigned_visitor=visitor)

    page.goto("/")
    expect(page).to_have_url("/login?next=%2F")
    page.get_by_label("Email").fill(visitor.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_url("/")
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
    expect(page.get_by_role("link", name="Lindqvist")).to_be_visible()

    page.get_by_role("searchbox", name="Family or child name").fill("zanele")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("1 family matching “zanele”.")).to_be_visible()
    expect(page.get_by_role("link", name="Lindqvist")).to_have_count(0)
    page.get_by_role("link", name="Okafor", exact=True).click()

    expect(page).to_have_url(f"/families/{okafor.id}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Okafor")
    expect(page.locator("table.children").get_by_role("link", name="Zanele Okafor")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    page.goto("/")
    expect(page).to_have_url("/login?next=%2F")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_add_a_family_with_its_first_caregiver_then_a_child(db, page, sign_in):
    visitor = UserFactory(name="Vera Visitor")
    sign_in(visitor)

    page.get_by_role("link", name="All families").click()
    page.get_by_role("link", name="Add a family").click()
    page.get_by_label("Family name").fill("Mensah")
    page.get_by_label("Preferred language").select_option(label="English")
    page.get_by_label("Name", exact=True).fill("Abena Mensah")
    page.get_by_label("Relationship to the children").fill("mother")
    page.get_by_label("Email", exact=True).fill("abena@example.org")
    page.get_by_label("Agrees to reminder emails").check()
    page.get_by_role("button", name="Add family").click()

    expect(page.get_by_role("status")).to_have_text("Family Mensah added.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mensah")
    caregiver_row = page.locator("table.caregivers tbody tr")
    expect(caregiver_row).to_have_count(1)
    expect(caregiver_row).to_contain_text("Abena Mensah")
    expect(caregiver_row).to_contain_text("primary")
    expect(caregiver_row).to_contain_text("Accepts reminders")

    page.get_by_role("link", name="Add a child").click()
    page.get_by_label("First name").fill("Kofi")
    page.get_by_label("Last name").fill("Mensah")
    page.get_by_label("Gestational age at birth (weeks)").fill("34")
    tomorrow = clock.today() + timedelta(days=1)
    page.get_by_label("Date of birth").fill(tomorrow.isoformat())
    page.get_by_role("button", name="Add child").click()

    # Refused: the message sits beside the date, and what was typed is still there.
    date_field = page.locator(".field.has-error")
    expect(date_field).to_have_count(1)
    expect(date_field.get_by_label("Date of birth")).to_have_value(tomorrow.isoformat())
    expect(date_field.locator(".error")).to_have_text("The date of birth cannot be in the future.")
    expect(page.get_by_label("First name")).to_have_value("Kofi")
    expect(page.get_by_label("Last name")).to_have_value("Mensah")
    expect(page.get_by_label("Gestational age at birth (weeks)")).to_have_value("34")
    assert db.session.scalar(select(func.count(Child.id))) == 0
    db.session.rollback()

    born = add_months(clock.today(), -3)
    page.get_by_label("Date of birth").fill(born.isoformat())
    page.get_by_role("button", name="Add child").click()

    expect(page.get_by_role("status")).to_have_text("Kofi Mensah added.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kofi Mensah")
    expect(page.locator("dd.age")).to_have_text("3 months")
    corrected = corrected_age_months(born, 34, clock.today())
    expect(page.locator("dd.age-corrected")).to_contain_text(months_label(corrected))

    family = db.session.scalars(select(Family)).one()
    assert family.assigned_visitor_id == visitor.id
    assert [(c.name, c.email, c.is_primary, c.email_opt_in) for c in db.session.scalars(select(Caregiver))] == [
        ("Abena Mensah", "abena@example.org", True, True)
    ]
    assert [(c.first_name, c.date_of_birth, c.gestational_age_weeks) for c in family.children] == [
        ("Kofi", born, 34)
    ]
