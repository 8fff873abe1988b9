"""A visitor whose browser asks for Spanish: the pages are in Spanish, the checklist is
read aloud in the family's language, and every page check passes (axe included)."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from clinic import clock
from tests.e2e.checks import check_page
from tests.e2e.conftest import SIZES, open_tab
from tests.factories import PASSWORD, CaregiverFactory, ChildFactory, FamilyFactory, UserFactory

pytestmark = pytest.mark.e2e

TODAY = date(2026, 12, 10)


@pytest.fixture(params=sorted(SIZES))
def spanish_page(request, browser, live_server):
    """A fresh tab of a browser set to Spanish, at tablet then phone size."""
    page = open_tab(browser, live_server, request.param, "es")
    yield page
    page.context.close()


def test_a_visitor_works_in_spanish(db, monkeypatch, spanish_page):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    page = spanish_page
    visitor = UserFactory(name="Rosa Díaz")
    family = FamilyFactory(name="Ortega", assigned_visitor=visitor, language="es")
    CaregiverFactory(family=family, name="Marta Ortega")
    child = ChildFactory(family=family, first_name="Omar", last_name="Ortega", date_of_birth=date(2025, 10, 1))

    page.goto("/login")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    check_page(page, "Spanish sign-in")
    page.get_by_label("Correo electrónico").fill(visitor.email)
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Iniciar sesión").click()
    page.wait_for_url("/worklist")
    expect(page.get_by_role("heading", name="Pendientes", exact=True)).to_be_visible()

    page.goto(f"/families/{family.id}")
    expect(page.get_by_role("heading", name="Cuidadores")).to_be_visible()
    expect(page.get_by_text("Idioma preferido")).to_be_visible()
    check_page(page, "Spanish family page")

    page.goto(f"/children/{child.id}/screenings/new")
    expect(page.get_by_role("button", name="Guardar la evaluación")).to_be_visible()
    expect(page.locator("fieldset.choice-row legend").first).to_have_attribute("lang", "es")
    expect(page.locator("fieldset.choice-row p.hint").first).to_contain_text("En inglés: ")
    check_page(page, "Spanish screening form")
