"""Issue 13, point 5: dates as people read them with the ISO date for machines, the
gestational age labelled, languages by name, and the child page never saying that
nothing is due beside an overdue scheduled screening."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import text

from clinic import clock
from clinic.templating import day
from tests.factories import ChildFactory, FamilyFactory, FollowUpFactory, UserFactory

TODAY = date(2026, 12, 2)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def test_the_day_filter_reads_like_a_person_and_keeps_the_iso_date(app):
    with app.test_request_context():
        assert str(day(date(2026, 12, 8))) == '<time datetime="2026-12-08">Tue 8 Dec 2026</time>'
        assert str(day(date(2024, 2, 29))) == '<time datetime="2024-02-29">Thu 29 Feb 2024</time>'
        assert str(day(None)) == ""


def page(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.data, "html.parser")


def test_family_page_names_the_language_and_labels_gestational_age(login, db):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor, language="es")
    ChildFactory(family=family, first_name="Lia", date_of_birth=date(2026, 6, 8), gestational_age_weeks=33)

    shown = page(login(visitor).get(f"/families/{family.id}"))

    text = " ".join(shown.get_text(" ").split())
    assert "Preferred language Spanish" in text
    assert "(gestational age at birth 33 weeks)" in text
    born = shown.select_one("table.children time")
    assert (born["datetime"], born.get_text()) == ("2026-06-08", "Mon 8 Jun 2026")


def test_child_page_lists_an_overdue_scheduled_screening_as_due(login, db):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    # 14 months old: inside 10–18; its re-screen was due two weeks ago.
    child = ChildFactory(family=family, first_name="Omar", date_of_birth=date(2025, 10, 1))
    FollowUpFactory(family=family, child=child, kind="screening", instrument_code="m10_18", due_on=date(2026, 11, 18))

    shown = page(login(visitor).get(f"/children/{child.id}"))

    to_do = shown.select_one("dd.due")
    assert "Nothing due" not in to_do.get_text()
    item = to_do.select_one("[data-kind]")
    assert (item["data-kind"], item["data-due-on"]) == ("screening_due", "2026-11-18")
    assert "Wed 18 Nov 2026" in to_do.get_text()


def test_sessions_show_moments_in_the_clinics_time_like_every_other_page(login, db, app, monkeypatch):
    monkeypatch.setitem(app.config, "CLINIC_TIMEZONE", "America/Chicago")
    visitor = UserFactory()
    browser = login(visitor)
    with db.engine.begin() as connection:
        connection.execute(
            text("UPDATE user_sessions SET created_at = :at WHERE user_id = :id"),
            {"at": datetime(2026, 12, 8, 20, 5, tzinfo=UTC), "id": visitor.id},
        )
    signed_in = page(browser.get("/account/sessions")).select_one("tr[id^=session-] td time")
    # 20:05 UTC is 14:05 in Chicago (UTC-6 in December).
    assert signed_in.get_text() == "Tue 8 Dec 2026, 14:05"
    assert signed_in["datetime"] == "2026-12-08T14:05-06:00"
