"""Issue 13, point 6: cancelling a follow-up, closing a family and deactivating staff
take a second step (a plain HTML page, no script), and can be undone where it makes
sense: a cancelled follow-up is restored from the family's history until its date, a
family is reopened, a person reactivated."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from clinic import clock
from clinic.auth.models import User
from clinic.cases.models import Family, FollowUp
from tests.factories import AdminFactory, ChildFactory, FamilyFactory, FollowUpFactory, UserFactory

TODAY = date(2026, 12, 2)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.data, "html.parser")


def text(soup: BeautifulSoup) -> str:
    return " ".join(soup.get_text(" ").split())


def status_of(db, model, record_id) -> str:
    db.session.expire_all()
    return db.session.get(model, record_id).status


def confirm_form(soup: BeautifulSoup) -> dict:
    form = soup.select_one("section.confirm form")
    return {"action": form["action"], **{i["name"]: i["value"] for i in form.select("input[type=hidden]")}}


@pytest.fixture
def visitor(db):
    return UserFactory()


@pytest.fixture
def family(visitor):
    return FamilyFactory(name="Okafor", assigned_visitor=visitor)


def test_cancelling_a_follow_up_asks_first_and_can_be_undone(login, db, visitor, family):
    child = ChildFactory(family=family, first_name="Ada", last_name="Okafor")
    follow_up = FollowUpFactory(family=family, child=child, kind="call", due_on=date(2026, 12, 8), note="Sleep")
    browser = login(visitor)
    family_path = f"/families/{family.id}"

    # The family page offers no one-step cancel: a link to the second step.
    shown = page(browser.get(family_path))
    assert shown.select("form input[name=status][value=cancelled]") == []
    link = shown.select_one(f"a[href='/follow-ups/{follow_up.id}/cancel']")
    assert link.get_text() == "Cancel… the phone call of Tue 8 Dec 2026"
    assert link["href"] == f"/follow-ups/{follow_up.id}/cancel"

    step = page(browser.get(link["href"]))
    assert step.h1.get_text(strip=True) == "Cancel the phone call of Tue 8 Dec 2026?"
    assert "Phone call for Ada Okafor, family Okafor: Sleep" in text(step)
    assert "Undo: restore it from the family's done and cancelled follow-ups, until its date." in text(step)
    assert step.find("a", string="Keep it")["href"] == f"{family_path}#follow-ups"
    assert status_of(db, FollowUp, follow_up.id) == "scheduled"  # looking changed nothing

    fields = confirm_form(step)
    assert fields == {"action": f"/follow-ups/{follow_up.id}/status", "csrf_token": fields["csrf_token"],
                      "status": "cancelled"}  # fmt: skip
    response = browser.post(fields.pop("action"), data=fields)
    assert response.status_code == 302
    assert status_of(db, FollowUp, follow_up.id) == "cancelled"

    # Undo, from the history of done and cancelled follow-ups.
    history = page(browser.get(family_path)).select_one("details.past-follow-ups")
    restore = history.select_one("form input[name=status][value=scheduled]").find_parent("form")
    assert restore["action"] == f"/follow-ups/{follow_up.id}/status"
    browser.submit(family_path, {"status": "scheduled"}, action=restore["action"])
    assert status_of(db, FollowUp, follow_up.id) == "scheduled"


def test_a_cancelled_follow_up_whose_date_passed_is_not_restored(login, db, visitor, family):
    follow_up = FollowUpFactory(family=family, kind="visit", due_on=date(2026, 12, 1), status="cancelled")
    browser = login(visitor)

    history = page(browser.get(f"/families/{family.id}")).select_one("details.past-follow-ups")
    assert history.select("input[value=scheduled]") == []
    response = browser.submit(
        f"/families/{family.id}", {"status": "scheduled"}, action=f"/follow-ups/{follow_up.id}/status",
        follow_redirects=True,
    )
    assert "Its date has passed: schedule a new follow-up instead of restoring this one." in text(page(response))
    assert status_of(db, FollowUp, follow_up.id) == "cancelled"


def test_closing_a_family_asks_first_says_what_it_cancels_and_can_be_reopened(login, db, visitor, family):
    FollowUpFactory(family=family, kind="visit", due_on=date(2026, 12, 8))
    FollowUpFactory(family=family, kind="call", due_on=date(2026, 12, 9))
    browser = login(visitor)
    family_path = f"/families/{family.id}"

    shown = page(browser.get(family_path))
    assert shown.select("form input[name=status][value=closed]") == []
    step = page(browser.get(shown.find("a", string="Close family…")["href"]))
    assert step.h1.get_text(strip=True) == "Close the family Okafor?"
    assert "Its 2 scheduled follow-ups will be cancelled, and no reminder will be sent for them." in text(step)
    assert "Undo: reopen the family from its page" in text(step)
    assert status_of(db, Family, family.id) == "active"

    fields = confirm_form(step)
    browser.post(fields.pop("action"), data=fields)
    assert status_of(db, Family, family.id) == "closed"
    assert db.session.scalars(select(FollowUp.status).where(FollowUp.family_id == family.id)).all() == [
        "cancelled", "cancelled"
    ]
    reopen = page(browser.get(family_path)).find("button", string="Reopen family")
    assert reopen is not None


def test_deactivating_staff_asks_first_and_can_be_undone(login, db, visitor, family):
    admin = AdminFactory()
    browser = login(admin)

    staff = page(browser.get("/admin/staff"))
    row = staff.select_one(f"#user-{visitor.id}")
    assert row.select(f"form[action='/admin/staff/{visitor.id}/deactivate']") == []
    step = page(browser.get(row.find("a", string="Deactivate…")["href"]))
    assert step.h1.get_text(strip=True) == f"Deactivate {visitor.name}?"
    assert "Their 1 active family stays assigned to them until reassigned" in text(step)
    assert "Undo: reactivate them from the staff list" in text(step)
    assert db.session.get(User, visitor.id).is_active

    fields = confirm_form(step)
    browser.post(fields.pop("action"), data=fields)
    db.session.expire_all()
    assert not db.session.get(User, visitor.id).is_active
    reactivate = page(browser.get("/admin/staff")).select_one(f"#user-{visitor.id}").find("button", string="Reactivate")
    assert reactivate is not None
