"""Issue 13, point 8 (in part): the checklist texts a visitor reads aloud come in the
family's language. The Spanish texts are a translation of the same version: items
keep their ids, and a screening still points at one version."""

from __future__ import annotations

import json
from datetime import date

from bs4 import BeautifulSoup
from sqlalchemy import select

from clinic.instruments import DATA_DIR, get_instrument, instruments
from clinic.screening.models import Screening
from tests.factories import ChildFactory, FamilyFactory, UserFactory

BORN = date(2025, 2, 10)  # 4 months on TODAY (2025-06-16): 3 to 6 months


def test_every_milestone_of_version_1_has_its_spanish_text_and_nothing_else():
    spanish = json.loads((DATA_DIR / "milestones-v1.es.json").read_text(encoding="utf-8"))
    english = json.loads((DATA_DIR / "milestones-v1.json").read_text(encoding="utf-8"))

    ids = [item["id"] for instrument in english["instruments"] for item in instrument["items"]]
    assert spanish["version"] == english["version"] == 1
    assert sorted(spanish["items"]) == sorted(ids)
    assert sorted(spanish["domains"]) == sorted(english["domains"])
    assert all(text.strip() and text != english_text for text, english_text in zip(
        (spanish["items"][i] for i in ids),
        (item["text"] for instrument in english["instruments"] for item in instrument["items"]),
        strict=True,
    ))


def _spanish_and_english(stem: str) -> tuple[dict, dict]:
    spanish = json.loads((DATA_DIR / f"{stem}-v1.es.json").read_text(encoding="utf-8"))
    english = json.loads((DATA_DIR / f"{stem}-v1.json").read_text(encoding="utf-8"))
    assert spanish["version"] == english["version"] == 1
    return spanish, english


def _a_translation_of(spanish: dict[str, str], english: dict[str, str]) -> bool:
    """Every key and nothing else, each a written text other than the English one."""
    return list(spanish) == list(english) and all(
        spanish[key].strip() and spanish[key] != english[key] for key in english
    )


def test_every_checklist_has_its_spanish_title_and_nothing_else():
    spanish, english = _spanish_and_english("milestones")
    assert _a_translation_of(spanish["titles"], {i["code"]: i["title"] for i in english["instruments"]})


def test_every_risk_factor_and_category_of_catalog_1_has_its_spanish_label_and_nothing_else():
    spanish, english = _spanish_and_english("risk-factors")
    assert _a_translation_of(spanish["labels"], {entry["code"]: entry["label"] for entry in english["risk_factors"]})
    assert _a_translation_of(spanish["categories"], english["categories"])


def test_every_cue_and_rating_of_observation_1_has_its_spanish_label_and_nothing_else():
    spanish, english = _spanish_and_english("attachment-observation")
    assert _a_translation_of(spanish["cues"], {cue["id"]: cue["label"] for cue in english["cues"]})
    assert _a_translation_of(spanish["attuned"], {cue["id"]: cue["attuned"] for cue in english["cues"]})
    assert _a_translation_of(spanish["ratings"], english["ratings"])


def test_an_instrument_gives_the_text_in_a_language_it_has_else_the_original():
    m3_6 = get_instrument("m3_6")
    joy = m3_6.items[0]
    assert joy.id == "m3_6.joy_interacting"
    assert m3_6.item_text(joy, "es") == "Se pone contento cuando está con usted"
    assert m3_6.item_text(joy, "en") == m3_6.item_text(joy, None) == "Shows joy when interacting with you"
    assert m3_6.item_text(joy, "fr") == "Shows joy when interacting with you"
    assert all(instrument.version == 1 for instrument in instruments())


def test_a_spanish_speaking_familys_checklist_reads_in_spanish_and_records_the_same_items(login, db):
    visitor = UserFactory()
    child = ChildFactory(family=FamilyFactory(assigned_visitor=visitor, language="es"), date_of_birth=BORN)
    browser = login(visitor)
    path = f"/children/{child.id}/screenings/new"

    form = BeautifulSoup(browser.get(path).data, "html.parser")

    row = form.find("input", attrs={"name": "responses-m3_6.joy_interacting"}).find_parent("fieldset")
    assert row.legend["lang"] == "es"
    assert row.legend.get_text(strip=True) == "Se pone contento cuando está con usted"
    assert row.select_one(".hint").get_text(strip=True) == "In English: Shows joy when interacting with you"
    assert "Intercambio social y emocional" in form.select_one("#domain-social").get_text()

    data = {f"responses-{item.id}": "yes" for item in get_instrument("m3_6").items}
    response = browser.submit(path, {"instrument": "m3_6", "administered_on": "2025-06-16", **data})
    assert response.status_code == 302
    screening = db.session.scalars(select(Screening)).one()
    assert (screening.instrument_code, screening.instrument_version) == ("m3_6", 1)
    assert set(screening.answers()) == set(get_instrument("m3_6").item_ids)


def test_an_english_speaking_familys_checklist_is_unchanged(login, db):
    visitor = UserFactory()
    child = ChildFactory(family=FamilyFactory(assigned_visitor=visitor, language="en"), date_of_birth=BORN)

    form = BeautifulSoup(login(visitor).get(f"/children/{child.id}/screenings/new").data, "html.parser")

    row = form.find("input", attrs={"name": "responses-m3_6.joy_interacting"}).find_parent("fieldset")
    assert not row.legend.has_attr("lang")
    assert row.legend.get_text(strip=True) == "Shows joy when interacting with you"
    assert row.select_one(".hint") is None
