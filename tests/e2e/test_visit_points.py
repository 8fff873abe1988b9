"""Issue 13 in Chromium at tablet and phone size: the right checklist first, dates and
labels people read, the chart with its values, and destructive steps confirmed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from clinic import clock
from clinic.cases.ages import add_months
from clinic.instruments import get_instrument
from clinic.screening import services
from tests.e2e.checks import check_page
from tests.factories import PASSWORD, ChildFactory, FamilyFactory, FollowUpFactory, UserFactory

pytestmark = pytest.mark.e2e


def test_a_visit_from_the_child_page_to_a_confirmed_cancel(db, sized_page):
    page = sized_page
    today = clock.today()
    visitor = UserFactory(name="Vera Visitor")
    family = FamilyFactory(name="Okafor", assigned_visitor=visitor, language="es")
    # Two months old, screened at one month: rule 2's next (3 to 6 months) is not open
    # yet, so the form opens on the one that is.
    child = ChildFactory(family=family, first_name="Ada", last_name="Okafor", date_of_birth=add_months(today, -2))
    services.record_screening(
        visitor, child, instrument_code="m0_3", administered_on=add_months(today, -1),
        responses={item.id: "yes" for item in get_instrument("m0_3").items},
    )
    follow_up = FollowUpFactory(family=family, kind="call", due_on=today + timedelta(days=6))
    db.session.commit()
    due = follow_up.due_on
    db.session.rollback()

    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(visitor.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("/worklist")

    page.goto(f"/families/{family.id}")
    expect(page.get_by_text("Preferred language")).to_be_visible()
    expect(page.locator("dd", has_text="Spanish")).to_be_visible()
    page.locator("table.children").get_by_role("link", name="Ada Okafor").click()
    born = page.locator("dl.details time").first
    expect(born).to_have_attribute("datetime", add_months(today, -2).isoformat())
    expect(born).to_have_text(add_months(today, -2).strftime("%a %-d %b %Y"))
    expect(page.locator("table.chart-values tbody tr")).to_have_count(1)
    check_page(page, "child with chart")

    page.get_by_role("link", name="Record a screening").click()
    expect(page.locator("h2.instrument-title")).to_contain_text("Birth to 3 months")
    expect(page.locator("#instrument-choice")).to_have_count(0)

    page.goto(f"/families/{family.id}")
    page.get_by_role("link", name="Cancel… the phone call").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Cancel the phone call of {due.strftime('%a %-d %b %Y')}?")
    check_page(page, "confirm cancel")
    page.get_by_role("button", name="Cancel the follow-up").click()
    expect(page.get_by_role("status").first).to_contain_text("Follow-up cancelled.")
    page.get_by_text("Done and cancelled (1)").click()
    page.get_by_role("button", name="Restore").click()
    expect(page.get_by_role("status").first).to_have_text("Follow-up restored: it is scheduled again.")
    check_page(page, "family after restore")
