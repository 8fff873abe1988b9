"""The pages need nothing but the clinic's own server: no CDN, no blocked inline code.

Home visitors work on patchy connections and the pages hold health information, so
every asset comes from the app itself, and the Content-Security-Policy (which
forbids inline scripts and styles) must not have to block anything the pages carry.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import ConsoleMessage, expect

from clinic import clock
from clinic.cases.ages import add_months
from clinic.instruments import get_instrument
from clinic.screening import services
from tests.factories import CaregiverFactory, ChildFactory, FamilyFactory, UserFactory

pytestmark = pytest.mark.e2e


def test_pages_request_only_their_own_origin(db, page, live_server, sign_in):
    visitor = UserFactory(name="Vera Visitor")
    family = FamilyFactory(name="Okafor", assigned_visitor=visitor)
    CaregiverFactory(family=family, name="Ngozi Okafor")
    born = add_months(clock.today(), -5) - timedelta(days=5)
    child = ChildFactory(family=family, first_name="Ada", last_name="Okafor", date_of_birth=born)
    outcome = services.record_screening(
        visitor,
        child,
        instrument_code="m3_6",
        administered_on=clock.today(),
        responses={item.id: "yes" for item in get_instrument("m3_6").items},
    )
    db.session.commit()

    requested: list[str] = []
    failed: list[str] = []
    console_errors: list[ConsoleMessage] = []
    page.on("request", lambda request: requested.append(request.url))
    page.on("requestfailed", lambda request: failed.append(f"{request.url} {request.failure}"))
    page.on("console", lambda message: message.type == "error" and console_errors.append(message))

    sign_in(visitor)
    for path in (
        "/",
        "/families/new",
        f"/families/{family.id}",
        f"/children/{child.id}",
        f"/children/{child.id}/screenings/new",
        f"/screenings/{outcome.screening.id}",
    ):
        response = page.goto(path)
        assert response.status == 200, path
        # The stylesheet loaded and applied: the top bar is laid out as a flex row.
        expect(page.locator("header.topbar")).to_have_css("display", "flex")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), path

    assert any(url.endswith("/static/clinic.css") for url in requested)
    assert [url for url in requested if not url.startswith(live_server + "/")] == []
    assert failed == []
    # Anything logged, a CSP refusal included, is a fault.
    assert [m.text for m in console_errors] == []
