"""Issue 13, point 3: a refused form opens on a summary that counts the problems and
links to each field, and every field error is tied to its input (the shared macros
in ``clinic/templates/_form.html``, used by every form)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from bs4 import BeautifulSoup

from clinic import clock
from tests.conftest import Browser
from tests.factories import ChildFactory, FamilyFactory, UserFactory

TODAY = date(2025, 3, 15)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def summary_links(page: BeautifulSoup) -> list[tuple[str, str]]:
    summary = page.select_one(".error-summary")
    assert summary is not None
    return [(a["href"], " ".join(a.get_text().split())) for a in summary.select("a")]


def assert_tied(page: BeautifulSoup, control_id: str, message: str) -> None:
    """The control is marked invalid and described by an element holding the message."""
    control = page.find(id=control_id)
    assert control is not None, control_id
    inputs = [control] if control.name in ("input", "select", "textarea") else control.find_all("input")
    for element in inputs:
        assert element["aria-invalid"] == "true"
        described = [page.find(id=ref) for ref in element["aria-describedby"].split()]
        assert any(ref is not None and message in ref.get_text() for ref in described)


def test_a_refused_screening_counts_its_problems_and_links_to_each(login, db):
    visitor = UserFactory()
    child = ChildFactory(family=FamilyFactory(assigned_visitor=visitor), date_of_birth=date(2024, 9, 10))
    path = f"/children/{child.id}/screenings/new"
    data = {
        "instrument": "m3_6",
        "administered_on": "2025-02-30",
        "responses-m3_6.sounds_happy_unhappy": "yes",  # two of three milestones left unanswered
    }

    response = login(visitor).submit(path, data)

    assert response.status_code == 422
    page = BeautifulSoup(response.data, "html.parser")
    summary = page.select_one(".error-summary")
    # Focus moves to it when the page opens (a focusable element with autofocus).
    assert summary.has_attr("autofocus") and summary["tabindex"] == "-1" and summary["role"] == "alert"
    assert summary.h2.get_text(strip=True) == "There are 3 problems"
    links = summary_links(page)
    assert links[0] == ("#administered_on", "Date of the screening: Give a real date (YYYY-MM-DD).")
    assert [href for href, _ in links[1:]] == ["#responses-m3_6.joy_interacting", "#responses-m3_6.smiles_playtime"]
    for href, text in links[1:]:
        assert text.endswith(": Answer this milestone: yes, sometimes or not yet.")
        assert page.find(id=href[1:]) is not None  # each link has a target on the page
    assert_tied(page, "administered_on", "Give a real date (YYYY-MM-DD).")
    assert_tied(page, "responses-m3_6.joy_interacting", "Answer this milestone")


def test_every_form_of_the_shared_macros_gets_the_summary(login, db):
    visitor = UserFactory()

    response = login(visitor).submit("/families/new", {"name": "", "language": "en"})

    assert response.status_code == 422
    page = BeautifulSoup(response.data, "html.parser")
    assert page.select_one(".error-summary h2").get_text(strip=True) == "There is a problem"
    assert summary_links(page) == [("#name", "Family name: This field is required.")]
    assert_tied(page, "name", "This field is required.")
    # A field without errors is not marked.
    assert not page.find(id="address").has_attr("aria-invalid")


def without_token(html: bytes) -> str:
    return re.sub(r'value="[^"]*" name="csrf_token"|name="csrf_token" [^>]*>', "", html.decode())


def test_sign_in_error_does_not_tell_whether_the_email_exists(client, db):
    user = UserFactory(email="vera@example.org")
    browser = Browser(client)

    known = browser.submit("/login", {"email": "vera@example.org", "password": "wrong password 1"})
    unknown = browser.submit("/login", {"email": "nobody@example.org", "password": "wrong password 1"})

    for response in (known, unknown):
        page = BeautifulSoup(response.data, "html.parser")
        summary = page.select_one(".error-summary")
        assert summary.h2.get_text(strip=True) == "There is a problem"
        assert "Email or password is not right." in summary.get_text()
    assert without_token(known.data).replace("vera@example.org", "X") == without_token(unknown.data).replace(
        "nobody@example.org", "X"
    )
    assert user.email == "vera@example.org"
