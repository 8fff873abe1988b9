"""Recording a screening on a tablet, in Chromium: big answer buttons, errors in place."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from clinic import clock
from clinic.cases.ages import add_months
from clinic.instruments import get_instrument
from clinic.screening.models import Screening
from tests.factories import ChildFactory, FamilyFactory, UserFactory

pytestmark = pytest.mark.e2e

MIN_TAP_TARGET_PX = 44  # WCAG 2.5.5 / Apple HIG smallest comfortable touch target


def assert_fits_tablet_width(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


def test_record_a_screening_by_tapping_the_answers(db, page, sign_in):
    visitor = UserFactory(name="Vera Visitor")
    family = FamilyFactory(name="Okafor", assigned_visitor=visitor)
    # Five months and a few days old: the 3-to-6-months checklist is the one due.
    born = add_months(clock.today(), -5) - timedelta(days=5)
    child = ChildFactory(family=family, first_name="Ada", last_name="Okafor", date_of_birth=born)
    missed, answered, forgotten = get_instrument("m3_6").items
    sign_in(visitor)

    page.goto(f"/children/{child.id}")
    page.get_by_role("link", name="Record a screening").click()
    expect(page).to_have_url(f"/children/{child.id}/screenings/new")
    expect(page.locator("h2.instrument-title")).to_contain_text("3 to 6 months")

    choices = page.locator("label.choice")
    expect(choices).to_have_count(3 * 3)
    for box in (choice.bounding_box() for choice in choices.all()):
        assert box["height"] >= MIN_TAP_TARGET_PX and box["width"] >= MIN_TAP_TARGET_PX, box
    assert_fits_tablet_width(page)

    def row(item):
        return page.get_by_role("group", name=item.text)

    row(missed).get_by_text("Not yet", exact=True).tap()
    row(answered).get_by_text("Yes", exact=True).tap()
    expect(row(missed).get_by_role("radio", name="Not yet")).to_be_checked()
    page.get_by_role("button", name="Save screening").click()

    # Refused: the message sits on the unanswered row; the answers given are kept.
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    expect(page.locator("fieldset.has-error")).to_have_count(1)
    expect(row(forgotten).locator(".error")).to_have_text("Answer this milestone: yes, sometimes or not yet.")
    expect(row(forgotten).get_by_role("radio", name="Yes")).to_have_attribute("aria-invalid", "true")
    expect(row(missed).get_by_role("radio", name="Not yet")).to_be_checked()
    expect(row(answered).get_by_role("radio", name="Yes")).to_be_checked()
    expect(row(answered).locator(".error")).to_have_count(0)
    assert_fits_tablet_width(page)
    assert db.session.scalar(select(func.count(Screening.id))) == 0
    db.session.rollback()

    row(forgotten).get_by_text("Yes", exact=True).tap()
    page.get_by_role("button", name="Save screening").click()

    page.wait_for_url("/screenings/*")
    screening = db.session.scalars(select(Screening)).one()
    expect(page).to_have_url(f"/screenings/{screening.id}")
    expect(page.get_by_text("Screening saved.")).to_be_visible()
    expect(page.locator(".screening-result .badge.result")).to_have_text("Concern")
    expect(page.locator("dl.missed dd")).to_have_text([missed.text])
    assert screening.answers() == {missed.id: "not_yet", answered.id: "yes", forgotten.id: "yes"}
    assert screening.administered_by_id == visitor.id
