"""Issue 13, point 2 in Chromium, at tablet and phone size: the idle warning with its
"Stay signed in" button, a half-filled screening back after an idle sign-out, and a
double tap on Save that saves once.

Time is the test's own on both sides, so nothing here races a loaded machine: the
browser runs on Playwright's clock (``page.clock``) and the server's idle check on
``ServerClock``; ``advance`` moves both by the same amount, at the real 30-minute
limit."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from clinic import clock
from clinic.auth import sessions
from clinic.cases.ages import add_months
from clinic.instruments import get_instrument
from clinic.screening.drafts import ScreeningDraft
from clinic.screening.models import Screening
from tests.e2e.checks import check_page
from tests.factories import PASSWORD, ChildFactory, FamilyFactory, UserFactory

pytestmark = pytest.mark.e2e

IDLE = timedelta(minutes=30)
WARNING_AT = IDLE - timedelta(minutes=5)  # the warning shows five minutes before the end


class ServerClock:
    """Stands in for the ``time`` module in the server's session check."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def time(self) -> float:
        return time.time() + self.ahead


@pytest.fixture
def server_clock(app, monkeypatch) -> ServerClock:
    monkeypatch.setitem(app.config, "SESSION_IDLE_TIMEOUT", IDLE)
    server_clock = ServerClock()
    monkeypatch.setattr(sessions, "time", server_clock)
    return server_clock


def advance(page, server_clock: ServerClock, by: timedelta) -> None:
    """The tablet left alone for ``by``: the server's clock first, so that what the
    browser's timers do then meets a server that has seen the same time pass."""
    server_clock.ahead += by.total_seconds()
    page.clock.fast_forward(int(by.total_seconds() * 1000))


def sign_in(page, user) -> None:
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_half_filled_screening_survives_idle_sign_out_and_saves_once(db, sized_page, server_clock):
    page = sized_page
    visitor = UserFactory(name="Vera Visitor")
    child = ChildFactory(
        family=FamilyFactory(assigned_visitor=visitor), first_name="Ada", last_name="Okafor",
        date_of_birth=add_months(clock.today(), -5) - timedelta(days=5),
    )
    first, second, third = get_instrument("m3_6").items
    form_path = f"/children/{child.id}/screenings/new"
    db.session.rollback()  # hold no read transaction while the live server writes (SQLite)
    page.clock.install()
    page.goto(form_path)
    sign_in(page, visitor)
    expect(page).to_have_url(form_path)

    def row(item):
        return page.get_by_role("group", name=item.text)

    # The warning comes before the limit; "Stay signed in" keeps the session.
    warning = page.get_by_role("alertdialog")
    page.wait_for_load_state()  # the page's script has set its timers
    advance(page, server_clock, WARNING_AT - timedelta(seconds=1))
    expect(warning).to_be_hidden()
    advance(page, server_clock, timedelta(seconds=1))
    expect(warning).to_be_visible()
    check_page(page, "idle warning")
    warning.get_by_role("button", name="Stay signed in").click()
    expect(warning).to_be_hidden()

    # The draft is kept once the typing stops; its answer restarts the idle clock.
    with page.expect_response(
        lambda response: response.url.endswith(f"{form_path[:-len('new')]}draft")
        and "Tired after a short nap" in (response.request.post_data or "")
    ) as kept:
        row(first).get_by_text("Sometimes", exact=True).tap()
        page.get_by_label("Notes (optional)").fill("Tired after a short nap")
    assert kept.value.ok

    # Left alone to the limit: signed out, sent to sign in, and back to the form.
    advance(page, server_clock, IDLE + timedelta(seconds=1))
    expect(page).to_have_url(f"/login?next={form_path.replace('/', '%2F')}")
    sign_in(page, visitor)
    expect(page).to_have_url(form_path)
    expect(page.locator(".draft-restored")).to_contain_text("Your unsaved answers from")
    check_page(page, "screening draft restored")
    expect(row(first).get_by_role("radio", name="Sometimes")).to_be_checked()
    expect(page.get_by_label("Notes (optional)")).to_have_value("Tired after a short nap")

    row(second).get_by_text("Yes", exact=True).tap()
    row(third).get_by_text("Not yet", exact=True).tap()
    save = page.get_by_role("button", name="Save screening")
    save.dblclick()
    page.wait_for_url("/screenings/*")
    expect(page.get_by_text("Screening saved.")).to_be_visible()
    page.wait_for_load_state("networkidle")
    db.session.rollback()  # read afresh what the live server wrote
    assert db.session.scalar(select(func.count(Screening.id))) == 1
    screening = db.session.scalars(select(Screening)).one()
    assert screening.notes == "Tired after a short nap"
    assert screening.answers() == {first.id: "sometimes", second.id: "yes", third.id: "not_yet"}
    assert db.session.scalar(select(func.count(ScreeningDraft.id))) == 0  # saved: the draft is gone
