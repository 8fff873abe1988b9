"""Staff pages show the instruments' own labels (risk factors and their categories,
the observation's cues and ratings, checklist titles, domain names) in the page's
language; the API keeps English. The Spanish expected here is copied by hand from
clinic/instruments/data/*.es.json."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup

from clinic.instruments import label_in, labels_in
from clinic.screening import services
from tests.factories import CaregiverFactory, ChildFactory, FamilyFactory, UserFactory

TODAY = date(2025, 6, 16)  # tests/screening/conftest.py fixes the clinic's today
BORN = date(2025, 2, 10)  # 4 months on TODAY: "3 to 6 months" is the checklist offered
SPANISH = {"Accept-Language": "es"}


def page(response, status: int = 200) -> BeautifulSoup:
    assert response.status_code == status, response.data[:500]
    return BeautifulSoup(response.data, "html.parser")


def text_of(soup) -> str:
    return " ".join(soup.get_text(" ").split())


def an_english_family(db):
    """The family speaks English: what the pages show follows the browser, not the family."""
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor, language="en")
    caregiver = CaregiverFactory(family=family, name="Ana Ruiz")
    child = ChildFactory(family=family, first_name="Leo", date_of_birth=BORN)
    return visitor, family, caregiver, child


def test_a_label_in_a_language_falls_back_to_english():
    assert label_in("risk_factor", "adopted", "es") == "Adoptado(a)"
    assert label_in("risk_factor", "adopted", "en") == label_in("risk_factor", "adopted", None) == "Adopted"
    assert label_in("risk_factor", "adopted", "fr") == "Adopted"
    # An older catalog's English wording is kept where the language has no label.
    assert label_in("risk_factor", "adopted", "en", "Adopted (old wording)") == "Adopted (old wording)"
    assert label_in("risk_factor", "adopted", "es", "Adopted (old wording)") == "Adoptado(a)"
    assert label_in("cue", "no_such_cue", "es") == "no_such_cue"
    assert label_in("checklist_title", "m10_18", "es") == "De 10 a 18 meses"
    assert list(labels_in("rating", "es").items()) == [
        ("attuned", "En sintonía"),
        ("partly", "En parte en sintonía"),
        ("not_attuned", "Sin sintonía"),
        ("not_observed", "No observado"),
    ]


def test_the_risk_factor_form_lists_the_catalog_in_the_pages_language(login, db):
    visitor, _family, _caregiver, child = an_english_family(db)
    browser = login(visitor)
    path = f"/children/{child.id}/risk-factors/new"

    spanish = page(browser.get(path, headers=SPANISH))
    option = spanish.find("option", attrs={"value": "adopted"})
    assert option.get_text(strip=True) == "Adoptado(a)"
    assert option.find_parent("optgroup")["label"] == "El bienestar del bebé"
    assert spanish.find("option", attrs={"value": "maltreatment"}).get_text(strip=True) == (
        "Maltratado(a) o víctima de abuso"
    )

    english = page(browser.get(path))
    option = english.find("option", attrs={"value": "adopted"})
    assert option.get_text(strip=True) == "Adopted"
    assert option.find_parent("optgroup")["label"] == "The infant's well-being"


def test_the_family_page_shows_risk_factors_cues_and_ratings_in_the_pages_language(login, db):
    visitor, family, caregiver, child = an_english_family(db)
    services.record_risk_factor(visitor, code="adopted", noted_on=TODAY, note=None, child=child)
    services.record_risk_factor(visitor, code="caregiver_anxiety", noted_on=TODAY, note=None, caregiver=caregiver)
    ratings = {cue: "attuned" for cue in ("eye_contact", "facial_expression", "tone_of_voice", "touch")}
    ratings |= {"body_language": "partly", "pacing_timing_intensity": "not_attuned", "repair": "not_observed"}
    services.record_observation(visitor, family, observed_on=TODAY, ratings=ratings, cue_notes={}, notes=None)
    db.session.commit()
    browser = login(visitor)

    spanish = text_of(page(browser.get(f"/families/{family.id}", headers=SPANISH)))
    for shown in ("Adoptado(a)", "Se siente ansioso(a) con frecuencia", "Contacto visual", "Reparación"):
        assert shown in spanish, shown
    for shown in ("En sintonía", "En parte en sintonía", "Sin sintonía", "No observado"):
        assert shown in spanish, shown
    assert "Frequently anxious" not in spanish and "Eye contact" not in spanish

    english = text_of(page(browser.get(f"/families/{family.id}")))
    for shown in ("Adopted", "Frequently anxious", "Eye contact", "Partly attuned", "Not observed"):
        assert shown in english, shown
    assert "Adoptado(a)" not in english and "Contacto visual" not in english

    timeline = text_of(page(browser.get(f"/children/{child.id}", headers=SPANISH)))
    assert "Adoptado(a)" in timeline
    assert "Sin sintonía: 1" in timeline


def test_the_observation_form_offers_cues_and_ratings_in_the_pages_language(login, db):
    visitor, family, _caregiver, _child = an_english_family(db)
    browser = login(visitor)
    path = f"/families/{family.id}/observations/new"

    spanish = page(browser.get(path, headers=SPANISH))
    row = spanish.find(id="ratings-eye_contact")
    assert row.legend.get_text(strip=True) == "Contacto visual"
    assert row.select_one(".hint").get_text(strip=True) == (
        "En sintonía: Mira al niño o niña con cariño y mantiene el contacto visual durante el intercambio"
    )
    assert [label.get_text(strip=True) for label in row.select("label.choice")] == [
        "En sintonía",
        "En parte en sintonía",
        "Sin sintonía",
        "No observado",
    ]
    assert spanish.find("label", attrs={"for": "cue_notes-tone_of_voice"}).get_text(strip=True) == (
        "Nota sobre tono de voz (opcional)"
    )

    english = page(browser.get(path))
    row = english.find(id="ratings-eye_contact")
    assert row.legend.get_text(strip=True) == "Eye contact"
    assert [label.get_text(strip=True) for label in row.select("label.choice")] == [
        "Attuned",
        "Partly attuned",
        "Not attuned",
        "Not observed",
    ]


def test_a_refused_observation_names_the_cue_in_the_pages_language(login, db):
    visitor, family, _caregiver, _child = an_english_family(db)
    browser = login(visitor)
    path = f"/families/{family.id}/observations/new"
    browser.get(path, headers=SPANISH)

    response = browser.submit(path, {"observed_on": TODAY.isoformat()}, headers=SPANISH)

    summary = text_of(page(response, 422).select_one(".error-summary"))
    assert "Contacto visual" in summary and "Eye contact" not in summary


def test_the_screening_form_shows_the_checklist_title_and_domains_in_the_pages_language(login, db):
    visitor, _family, _caregiver, child = an_english_family(db)
    browser = login(visitor)
    path = f"/children/{child.id}/screenings/new?instrument=m3_6"

    spanish = page(browser.get(path, headers=SPANISH))
    assert spanish.select_one("h2.instrument-title").contents[0].strip() == "De 3 a 6 meses"
    social = spanish.select_one("#domain-social")
    assert social.contents[0].strip() == "Intercambio social y emocional"
    # The family's wording beside it: the visitor reads the items to the family in it.
    assert social.small["lang"] == "en"
    assert social.small.get_text(strip=True) == "· Social and emotional exchange"
    # The items themselves stay in the family's language (English here).
    row = spanish.find("input", attrs={"name": "responses-m3_6.joy_interacting"}).find_parent("fieldset")
    assert row.legend.get_text(strip=True) == "Shows joy when interacting with you"

    english = page(browser.get(path))
    assert english.select_one("h2.instrument-title").contents[0].strip() == "3 to 6 months"
    assert english.select_one("#domain-social").get_text(strip=True) == "Social and emotional exchange"


def test_the_child_page_names_the_next_checklist_in_the_pages_language(login, db):
    visitor, _family, _caregiver, child = an_english_family(db)
    browser = login(visitor)

    spanish = text_of(page(browser.get(f"/children/{child.id}", headers=SPANISH)).select_one(".next-due"))
    english = text_of(page(browser.get(f"/children/{child.id}")).select_one(".next-due"))

    assert "De 3 a 6 meses" in spanish
    assert "3 to 6 months" in english


def test_the_api_answers_the_english_labels_whatever_the_client_asks(api, db):
    visitor, _family, caregiver, child = an_english_family(db)
    client = api(visitor)
    services.record_risk_factor(visitor, code="caregiver_anxiety", noted_on=TODAY, note=None, caregiver=caregiver)
    db.session.commit()

    instruments = client.get("/instruments", headers=SPANISH).json
    assert [i["title"] for i in instruments if i["code"] in ("m3_6", "m24")] == ["3 to 6 months", "24 months"]
    catalog = client.get("/risk-factors", headers=SPANISH).json
    assert catalog[2]["label"] == "Adopted"
    family = client.get(f"/families/{child.family_id}/risk-factors", headers=SPANISH).json
    assert family[0]["label"] == "Frequently anxious"
