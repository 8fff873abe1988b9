"""Issue 13, point 8: staff pages follow the browser's language (English and Spanish),
what families read keeps the family's language, and the API stays English.

The Spanish strings asserted here were translated by hand in
clinic/translations/es/LC_MESSAGES/messages.po; the dates are Babel's Spanish
("EEE d MMM y": abbreviated weekday and month, lower case, no dots).
"""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from flask_babel import get_locale

from clinic import clock
from clinic.mail.unsubscribe import make_token
from clinic.screening.chart import milestones_chart_svg
from tests.conftest import Browser
from tests.factories import AdminFactory, CaregiverFactory, ChildFactory, FamilyFactory, SupervisorFactory, UserFactory

TODAY = date(2026, 12, 10)
SPANISH = {"Accept-Language": "es"}


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def page(response, status: int = 200) -> BeautifulSoup:
    assert response.status_code == status, response.data[:500]
    return BeautifulSoup(response.data, "html.parser")


def text_of(soup: BeautifulSoup) -> str:
    return " ".join(soup.get_text(" ").split())


@pytest.fixture
def family_of(db):
    """A visitor's Spanish-speaking family with one child of 14 months (checklist 10–18 open)."""
    visitor = UserFactory(name="Rosa Díaz")
    family = FamilyFactory(assigned_visitor=visitor, name="Ortega", language="es")
    CaregiverFactory(family=family, name="Marta Ortega")
    child = ChildFactory(family=family, first_name="Omar", last_name="Ortega", date_of_birth=date(2025, 10, 1))
    return visitor, family, child


def test_the_sign_in_page_follows_the_browser(client):
    spanish = page(client.get("/login", headers=SPANISH))
    assert spanish.html["lang"] == "es"
    assert spanish.h1.get_text(strip=True) == "Iniciar sesión"
    assert spanish.find("label", attrs={"for": "password"}).get_text(strip=True) == "Contraseña"
    assert spanish.find("button", type="submit").get_text(strip=True) == "Iniciar sesión"

    for headers in ({}, {"Accept-Language": "en-US"}, {"Accept-Language": "fr, de;q=0.8"}):
        english = page(client.get("/login", headers=headers))
        assert english.html["lang"] == "en", headers
        assert english.h1.get_text(strip=True) == "Sign in", headers


def test_a_browser_preferring_spanish_of_a_region_gets_spanish(client):
    shown = page(client.get("/login", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"}))
    assert shown.html["lang"] == "es"
    shown = page(client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9,es;q=0.5"}))
    assert shown.html["lang"] == "en"


def test_the_worklist_in_spanish(login, family_of):
    visitor, _family, _child = family_of
    shown = page(login(visitor).get("/worklist", headers=SPANISH))
    assert shown.html["lang"] == "es"
    assert shown.h1.get_text(strip=True) == "Pendientes"
    text = text_of(shown)
    assert "Atrasados" in text and "Hoy" in text and "Esta semana" in text
    # The navigation and the idle warning are translated too.
    nav = text_of(shown.nav)
    assert "Casos" in nav and "Derivaciones" in nav and "Cerrar sesión (Rosa Díaz)" in nav
    assert "Su sesión se cerrará en unos minutos" in text_of(shown.find(id="idle-warning"))


def test_the_caseload_in_spanish_and_in_english(login, family_of):
    visitor, _family, _child = family_of
    browser = login(visitor)

    spanish = page(browser.get("/", headers=SPANISH))
    assert spanish.html["lang"] == "es"
    assert spanish.h1.get_text(strip=True) == "Casos"
    text = text_of(spanish)
    assert "Agregar una familia" in text
    assert "1 familia." in text
    assert "Próxima lista de hitos según la edad:" in text
    assert [o.get_text() for o in spanish.select("select#status option")] == [
        "Familias activas",
        "Familias cerradas",
        "Todas las familias",
    ]

    for headers in ({}, {"Accept-Language": "en-US"}):
        english = page(browser.get("/", headers=headers))
        assert english.html["lang"] == "en"
        assert english.h1.get_text(strip=True) == "Caseload"
        assert "1 family." in text_of(english)


def test_the_family_page_in_spanish_names_languages_and_reads_dates_in_spanish(login, db):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor, language="es")
    ChildFactory(family=family, first_name="Lia", date_of_birth=date(2026, 12, 8), gestational_age_weeks=33)

    shown = page(login(visitor).get(f"/families/{family.id}", headers=SPANISH))

    assert shown.html["lang"] == "es"
    text = text_of(shown)
    assert "Idioma preferido Español" in text
    assert "Cuidadores" in text and "Agregar un(a) cuidador(a)" in text
    assert "(edad gestacional al nacer: 33 semanas)" in text
    assert "Historial de asignaciones" in text
    # Tuesday 8 December 2026, as Babel's Spanish abbreviates it; the ISO date stays.
    born = shown.select_one("table.children time")
    assert (born["datetime"], born.get_text()) == ("2026-12-08", "mar 8 dic 2026")
    # The edit form names each language in Spanish.
    form = page(login(visitor).get(f"/families/{family.id}/edit", headers=SPANISH))
    options = {o["value"]: o.get_text() for o in form.select("select#language option")}
    assert options == {"en": "Inglés", "es": "Español"}


def test_the_screening_form_in_spanish_keeps_the_checklist_in_the_family_language(login, family_of):
    visitor, _family, child = family_of
    shown = page(login(visitor).get(f"/children/{child.id}/screenings/new", headers=SPANISH))

    assert shown.html["lang"] == "es"
    text = text_of(shown)
    assert "Guardar la evaluación" in text
    assert "Fecha de la evaluación" in text
    assert "Los hitos están en español, el idioma de la familia, para leerlos en voz alta" in text
    # Items are read aloud in the family's language, the English original beneath.
    first = shown.select_one("fieldset.choice-row")
    assert first.legend["lang"] == "es"
    assert first.select_one("p.hint").get_text().startswith("En inglés: ")
    assert [label.get_text() for label in first.select("label.choice")] == ["Sí", "A veces", "Todavía no"]

    english = page(login(visitor).get(f"/children/{child.id}/screenings/new"))
    assert english.html["lang"] == "en"
    assert "Save screening" in text_of(english)
    assert english.select_one("fieldset.choice-row p.hint").get_text().startswith("In English: ")


def test_a_refused_form_in_spanish_names_the_field(login, family_of):
    visitor, family, _child = family_of
    browser = login(visitor)
    refused = browser.submit(
        f"/families/{family.id}/children/new",
        {"first_name": "", "last_name": "Ortega", "date_of_birth": "2026-02-30"},
        headers=SPANISH,
    )

    shown = page(refused, 422)
    summary = shown.select_one("#error-summary")
    assert summary.h2.get_text(strip=True) == "Hay 2 problemas"
    assert "No se guardó nada. Lo que escribió se conserva abajo." in text_of(summary)
    problems = [li.get_text(" ", strip=True) for li in summary.select("li")]
    assert "Nombre: Este campo es obligatorio." in problems
    assert "Fecha de nacimiento: Escriba una fecha que exista (AAAA-MM-DD)." in problems
    # The input stays on the form.
    assert shown.find("input", attrs={"name": "last_name"})["value"] == "Ortega"


def test_a_flash_message_in_spanish(login, family_of):
    visitor, family, _child = family_of
    browser = login(visitor)
    saved = browser.submit(
        f"/families/{family.id}/caregivers/new", {"name": "Luis Ortega", "relationship": "padre"}, headers=SPANISH
    )
    assert saved.status_code == 302
    shown = page(browser.get(saved.headers["Location"], headers=SPANISH))
    assert shown.select_one("p.flash").get_text(strip=True) == "Se agregó el/la cuidador(a)."


def test_the_error_pages_in_spanish(login, family_of):
    visitor, _family, _child = family_of
    shown = page(login(visitor).get("/families/999999", headers=SPANISH), 404)
    assert shown.h1.get_text(strip=True) == "No encontrado"
    assert "Esta página no existe, o usted no tiene acceso a ella." in text_of(shown)


def test_the_unsubscribe_page_keeps_the_family_language_whatever_the_browser_asks(client, db):
    english_family = FamilyFactory(language="en")
    caregiver = CaregiverFactory(family=english_family, email="ana@example.org", email_opt_in=True)

    shown = page(client.get(f"/unsubscribe/{make_token(caregiver.id)}", headers=SPANISH))

    assert shown.html["lang"] == "en"
    assert shown.h1.get_text(strip=True) == "Stop reminder emails"


def test_the_api_answers_in_english_whatever_the_browser_asks(client, db):
    response = client.get("/api/v1/families", headers=SPANISH)
    assert response.status_code == 401
    assert response.get_json()["error"]["message"] == "Sign in with a bearer token."


def test_the_locale_of_a_request_is_english_under_the_api_only(app):
    # Each in its own app context, as each request has: Flask-Babel keeps the
    # locale it chose for the context.
    with app.app_context(), app.test_request_context("/api/v1/families", headers=SPANISH):
        assert str(get_locale()) == "en"
    with app.app_context(), app.test_request_context("/families/1", headers=SPANISH):
        assert str(get_locale()) == "es"


def test_the_supervisor_and_admin_pages_in_spanish(login, db, team):
    supervisor = SupervisorFactory(supervises=[team])
    UserFactory(team=team, name="Rosa Díaz")
    dashboard = page(login(supervisor).get("/team", headers=SPANISH))
    assert dashboard.h1.get_text(strip=True) == "Panel del equipo"
    assert "Derivaciones abiertas" in text_of(dashboard.thead)

    staff = page(login(AdminFactory()).get("/admin/staff", headers=SPANISH))
    assert staff.h1.get_text(strip=True) == "Personal"
    assert "visitador(a)" in [cell.get_text(strip=True) for cell in staff.select("table.staff td")]


def test_a_service_refusal_reads_in_the_page_language_and_in_english_on_the_api(login, api, family_of):
    visitor, family, _child = family_of
    future = {"first_name": "Ana", "last_name": "Ortega", "date_of_birth": "2026-12-11"}

    refused = login(visitor).submit(f"/families/{family.id}/children/new", future, headers=SPANISH)
    problems = [li.get_text(" ", strip=True) for li in page(refused, 422).select("#error-summary li")]
    assert problems == ["Fecha de nacimiento: La fecha de nacimiento no puede estar en el futuro."]

    answer = api(visitor).post(f"/families/{family.id}/children", json=future, headers=SPANISH)
    assert answer.status_code == 422
    assert answer.get_json()["error"]["fields"] == {"date_of_birth": "The date of birth cannot be in the future."}


def test_an_unanswered_milestone_in_spanish(login, family_of):
    visitor, _family, child = family_of
    refused = login(visitor).submit(
        f"/children/{child.id}/screenings/new",
        {"instrument": "m10_18", "administered_on": "2026-12-10"},
        headers=SPANISH,
    )
    shown = page(refused, 422)
    first = shown.select_one("fieldset.choice-row p.error")
    assert first.get_text(strip=True) == "Responda este hito: sí, a veces o todavía no."


def test_a_refused_sign_in_in_spanish(client, db):
    person = UserFactory()
    refused = Browser(client).submit("/login", {"email": person.email, "password": "not it"}, headers=SPANISH)
    shown = page(refused)
    assert "El correo o la contraseña no son correctos." in text_of(shown.select_one("#error-summary"))


def test_the_development_chart_in_spanish(app):
    with app.app_context(), app.test_request_context("/children/1", headers=SPANISH):
        svg = milestones_chart_svg([(12, "social", 2, 3)], {"social": "Social"})
    assert "<title id=\"milestones-chart-title\">Hitos logrados por área, según la edad</title>" in svg
    assert "Edad en la evaluación (meses)" in svg
    assert "<title>Social: 2 de 3 logrados a los 12 meses</title>" in svg


def test_a_page_that_needs_signing_in_says_so_in_spanish(client, db):
    turned_away = client.get("/worklist", headers=SPANISH)
    assert turned_away.status_code == 302
    shown = page(client.get(turned_away.headers["Location"], headers=SPANISH))
    assert shown.select_one("p.flash").get_text(strip=True) == "Por favor, inicie sesión para continuar."
    assert shown.h1.get_text(strip=True) == "Iniciar sesión"
