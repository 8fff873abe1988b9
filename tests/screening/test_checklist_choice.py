"""Issue 13, point 1: the screening form opens on the checklist that can be recorded
today (rule 1's age, rule 2's window) and offers no other.

Windows (milestones-v1): m0_3 0–3, m3_6 3–6, m4_10 4–10, m10_18 10–18, m18_20 18–20,
m24 21–27, m36 33–39 months.
"""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup

from clinic import clock
from clinic.instruments import instruments
from clinic.screening import rules, services
from tests.factories import ChildFactory, FamilyFactory, FollowUpFactory, UserFactory
from tests.screening.test_pages import plain_answers

TODAY = date(2025, 3, 15)


def codes(found) -> list[str]:
    return [instrument.code for instrument in found]


def opens(born: date, administered=(), scheduled=(), weeks=None) -> str | None:
    chosen = rules.checklist_to_open(born, weeks, list(administered), TODAY, instruments(), list(scheduled))
    return chosen.code if chosen else None


# ---- the rule ---------------------------------------------------------------


def test_six_months_old_opens_on_the_first_unscreened_open_window():
    born = date(2024, 9, 10)  # 6 months on 2025-03-10: inside 3–6 and 4–10
    assert codes(rules.recordable_on(born, None, TODAY, instruments())) == ["m3_6", "m4_10"]
    assert opens(born) == "m3_6"


def test_the_scheduled_checklist_comes_first_when_its_window_is_open():
    born = date(2024, 9, 10)
    assert opens(born, scheduled=["m4_10"]) == "m4_10"
    # A scheduled checklist whose window is not open is passed over.
    assert opens(born, scheduled=["m10_18", "m4_10"]) == "m4_10"
    assert opens(born, scheduled=["m10_18"]) == "m3_6"


def test_when_the_next_due_window_is_not_open_yet_the_open_one_is_chosen():
    born = date(2025, 1, 10)  # 2 months old: only 0–3 is open
    # Had m0_3 at one month: rule 2's next due is m3_6, whose window opens on 2025-04-10.
    assert rules.next_due(born, None, [("m0_3", date(2025, 2, 12))], TODAY, instruments()).instrument.code == "m3_6"
    assert opens(born, administered=[("m0_3", date(2025, 2, 12))]) == "m0_3"


def test_a_screened_window_gives_way_to_the_next_open_one():
    born = date(2024, 9, 10)
    assert opens(born, administered=[("m3_6", date(2025, 1, 5))]) == "m4_10"


def test_corrected_age_chooses_for_a_child_born_early():
    # Born 2024-12-01 at 28 weeks: due date 2025-02-23; on 2025-03-15 three months
    # old by the calendar but 0 months corrected, so only 0–3 is open.
    born = date(2024, 12, 1)
    assert codes(rules.recordable_on(born, 28, TODAY, instruments())) == ["m0_3"]
    assert codes(rules.recordable_on(born, None, TODAY, instruments())) == ["m0_3", "m3_6"]


def test_between_windows_none_can_be_recorded_and_the_next_opening_is_known():
    born = date(2022, 9, 15)  # 30 months: after 21–27, before 33–39
    assert opens(born) is None
    upcoming = rules.next_window_opening(born, None, TODAY, instruments())
    assert (upcoming.instrument.code, upcoming.due_on) == ("m36", date(2025, 6, 15))


def test_past_every_window_none_opens_next():
    born = date(2021, 11, 1)  # 40 months
    assert opens(born) is None
    assert rules.next_window_opening(born, None, TODAY, instruments()) is None


# ---- the page ---------------------------------------------------------------


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def visitor(db):
    return UserFactory()


def child_born(visitor, born: date, **kwargs):
    return ChildFactory(family=FamilyFactory(assigned_visitor=visitor), first_name="Ada", date_of_birth=born, **kwargs)


def page_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def test_page_opens_on_the_open_window_not_on_rule_2s_next(login, db, visitor):
    child = child_born(visitor, date(2025, 1, 10))
    services.record_screening(
        visitor, child, instrument_code="m0_3", administered_on=date(2025, 2, 12), responses=plain_answers("m0_3")
    )
    db.session.commit()

    page = page_of(login(visitor).get(f"/children/{child.id}/screenings/new"))

    assert page.find("input", attrs={"name": "instrument"})["value"] == "m0_3"
    # One checklist can be recorded today: nothing else is offered.
    assert page.select("#instrument-choice option") == []


def test_page_offers_only_open_windows_and_opens_on_the_scheduled_one(login, visitor):
    child = child_born(visitor, date(2024, 9, 10))
    FollowUpFactory(
        family=child.family, child=child, kind="screening", instrument_code="m4_10", due_on=date(2025, 3, 20)
    )

    page = page_of(login(visitor).get(f"/children/{child.id}/screenings/new"))

    assert [option["value"] for option in page.select("#instrument-choice option")] == ["m3_6", "m4_10"]
    assert page.select_one("#instrument-choice option[selected]")["value"] == "m4_10"
    assert page.find("input", attrs={"name": "instrument"})["value"] == "m4_10"


def test_asking_for_a_closed_window_says_why_and_opens_the_right_one(login, visitor):
    child = child_born(visitor, date(2024, 9, 10))

    response = login(visitor).get(f"/children/{child.id}/screenings/new?instrument=m10_18")

    page = page_of(response)
    assert page.find("input", attrs={"name": "instrument"})["value"] == "m3_6"
    notice = " ".join(page.select_one(".flash-info").get_text(" ").split())
    assert notice == (
        "10 to 18 months cannot be recorded today: it is for children whose age is 10 to 18 months, and Ada's is 6 months."
    )


def test_the_page_says_why_when_no_checklist_can_be_recorded(login, visitor):
    child = child_born(visitor, date(2022, 9, 15))

    response = login(visitor).get(f"/children/{child.id}/screenings/new")

    assert response.status_code == 200
    page = page_of(response)
    assert page.select_one("form.screening-form") is None
    box = page.select_one(".no-checklist")
    text = " ".join(box.get_text().split())
    assert "No checklist can be recorded today" in text
    assert "Ada's age is 30 months." in text
    assert "The next checklist, 36 months, is for 33 to 39 months: it can be recorded from Sun 15 Jun 2025." in text
    assert box.find("time")["datetime"] == "2025-06-15"


def test_past_the_last_window_the_page_says_so(login, visitor):
    child = child_born(visitor, date(2021, 11, 1))

    text = " ".join(page_of(login(visitor).get(f"/children/{child.id}/screenings/new")).get_text(" ").split())

    assert "Ada's age is 40 months, past the age of the program's last checklist." in text
