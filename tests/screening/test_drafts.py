"""Issue 13, point 2: no lost work. A half-filled screening is kept server-side for
the person who typed it (never in a URL), comes back after signing in again, and goes
once saved; a double submission saves one screening."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from clinic.screening.drafts import ScreeningDraft
from clinic.screening.models import Screening
from tests.factories import ChildFactory, FamilyFactory, SupervisorFactory, UserFactory

BORN = date(2025, 2, 10)  # 4 months on TODAY (2025-06-16): 3 to 6 months is today's checklist


@pytest.fixture
def child(visitor):
    return ChildFactory(family=FamilyFactory(assigned_visitor=visitor), first_name="Ada", date_of_birth=BORN)


def page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def checked(soup: BeautifulSoup, name: str) -> str | None:
    chosen = soup.find("input", attrs={"name": name, "checked": True})
    return chosen["value"] if chosen else None


def half_filled(browser, child) -> dict:
    form = page(browser.get(f"/children/{child.id}/screenings/new"))
    return {
        "csrf_token": form.find("input", attrs={"name": "csrf_token"})["value"],
        "instrument": "m3_6",
        "form_token": form.find("input", attrs={"name": "form_token"})["value"],
        "administered_on": "2025-06-15",
        "notes": "Tired after a short nap",
        "responses-m3_6.joy_interacting": "sometimes",
    }


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_half_filled_screening_comes_back_after_signing_in_again(login, db, visitor, child):
    first = login(visitor)
    data = half_filled(first, child)

    kept = first.post(f"/children/{child.id}/screenings/draft", data=data)
    assert kept.status_code == 204

    # Idle sign-out ends that session; signing in again is a new one.
    again = login(visitor)
    response = again.get(f"/children/{child.id}/screenings/new")
    assert response.status_code == 200
    form = page(response)
    assert "Your unsaved answers from" in form.select_one(".draft-restored").get_text()
    assert checked(form, "responses-m3_6.joy_interacting") == "sometimes"
    assert checked(form, "responses-m3_6.smiles_playtime") is None
    assert form.find("input", attrs={"name": "administered_on"})["value"] == "2025-06-15"
    assert form.find("textarea", attrs={"name": "notes"}).get_text().strip() == "Tired after a short nap"
    assert form.find("input", attrs={"name": "instrument"})["value"] == "m3_6"
    # Nothing of it travels in a URL: the form posts to plain paths.
    assert all("?" not in f["action"] for f in form.select("form[method=post]"))

    # Finish and save: the screening is recorded and the draft is gone.
    token = form.find("input", attrs={"name": "form_token"})["value"]
    finished = {
        "csrf_token": form.find("input", attrs={"name": "csrf_token"})["value"], "instrument": "m3_6",
        "form_token": token, "administered_on": "2025-06-15", "notes": "Tired after a short nap",
        "responses-m3_6.joy_interacting": "sometimes", "responses-m3_6.smiles_playtime": "yes",
        "responses-m3_6.sounds_happy_unhappy": "yes",
    }  # fmt: skip
    saved = again.post(f"/children/{child.id}/screenings/new", data=finished)
    assert saved.status_code == 302
    assert count(db, Screening) == 1 and count(db, ScreeningDraft) == 0
    assert page(again.get(f"/children/{child.id}/screenings/new")).select_one(".draft-restored") is None


def test_a_draft_is_its_authors_only(login, db, team, visitor, child):
    browser = login(visitor)
    browser.post(f"/children/{child.id}/screenings/draft", data=half_filled(browser, child))
    supervisor = SupervisorFactory(supervises=[team])  # sees the child, not the visitor's draft

    form = page(login(supervisor).get(f"/children/{child.id}/screenings/new"))

    assert form.select_one(".draft-restored") is None
    assert checked(form, "responses-m3_6.joy_interacting") is None
    # And nobody outside the family's scope may write one.
    outsider = login(UserFactory())
    data = {"csrf_token": outsider.csrf_token("/worklist"), "responses-m3_6.joy_interacting": "yes"}
    assert outsider.post(f"/children/{child.id}/screenings/draft", data=data).status_code == 404
    assert count(db, ScreeningDraft) == 1


def test_a_draft_can_be_discarded(login, db, visitor, child):
    browser = login(visitor)
    browser.post(f"/children/{child.id}/screenings/draft", data=half_filled(browser, child))

    response = browser.submit(
        f"/children/{child.id}/screenings/new", {}, action=f"/children/{child.id}/screenings/draft/discard"
    )

    assert response.status_code == 302
    assert count(db, ScreeningDraft) == 0


def test_a_double_submission_saves_one_screening(login, db, visitor, child):
    browser = login(visitor)
    data = half_filled(browser, child) | {
        "responses-m3_6.smiles_playtime": "yes", "responses-m3_6.sounds_happy_unhappy": "yes"
    }

    first = browser.post(f"/children/{child.id}/screenings/new", data=data)
    second = browser.post(f"/children/{child.id}/screenings/new", data=data)

    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert count(db, Screening) == 1
    assert "This screening was already saved; it is not saved twice." in page(
        browser.get(second.headers["Location"])
    ).get_text()


def test_signed_in_pages_carry_the_idle_limit_and_a_stay_signed_in_button(login, db, visitor):
    browser = login(visitor)
    shown = page(browser.get("/worklist"))

    assert shown.body["data-idle-seconds"] == "1800"
    warning = shown.select_one("#idle-warning")
    assert warning.has_attr("hidden") and warning.find("button").get_text(strip=True) == "Stay signed in"
    assert shown.find("script")["src"] == "/static/clinic.js"
    stay = warning.find("form")
    assert stay["action"] == "/session/keep-alive"
    token = stay.find("input", attrs={"name": "csrf_token"})["value"]
    assert browser.post("/session/keep-alive", data={"csrf_token": token}).status_code == 204
    assert browser.post("/session/keep-alive").status_code == 400  # without the token: refused
