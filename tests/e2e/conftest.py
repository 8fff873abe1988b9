"""Browser tests: Debian's Chromium driven by Playwright against a live server.

The server runs the test ``app`` (tests/conftest.py) in a background thread, so the
browser sees the same database the factories write to; tables are still emptied
after every test. Never ``playwright install``: the browser is the system's
``chromium`` package (.ci/run installs it when it is missing).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.conftest import fresh_totp_code, service_unavailable
from tests.factories import PASSWORD

CHROMIUM = "/usr/bin/chromium"
# Without the networking switches Chromium tries to reach Google's services, which
# this closed network refuses; the sandbox needs user namespaces CI does not give.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A 10.9" tablet held upright, the device home visitors carry, and a phone.
TABLET = {"viewport": {"width": 820, "height": 1180}, "is_mobile": False, "has_touch": True}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
SIZES = {"tablet": TABLET, "phone": PHONE}
TIMEOUT_MS = 5_000  # a local page answers in milliseconds: fail fast, not after 30 s


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The test app served on a free local port; yields its origin."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        service_unavailable("Chromium", f"{CHROMIUM} is missing: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def page(browser, live_server):
    """A fresh tablet-sized tab (its own cookies) whose relative URLs go to the live server."""
    page = open_tab(browser, live_server, "tablet", "en-US")
    yield page
    page.context.close()


def open_tab(browser, live_server: str, size: str, locale: str):
    """A tab in a fresh browser context at ``size`` (a key of SIZES) and in
    ``locale``; ``page.size`` names the size (screenshots are filed under it)."""
    context = browser.new_context(base_url=live_server, locale=locale, **SIZES[size])
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.size = size
    return page


@pytest.fixture(params=sorted(SIZES))
def sized_page(request, browser, live_server):
    """A fresh tab at tablet, then phone size (the test runs once for each)."""
    page = open_tab(browser, live_server, request.param, "en-US")
    yield page
    page.context.close()


def sign_in_on(page, user, password: str = PASSWORD, before_submit=None) -> None:
    """Sign in through the form, as a person does (with the second factor when the
    person has one); ends on the worklist. ``before_submit(page)`` runs on each form."""
    page.goto("/login")
    if before_submit:
        before_submit(page)
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    if user.totp_secret:
        page.wait_for_url("/login/code")
        if before_submit:
            before_submit(page)
        page.get_by_label("Code").fill(fresh_totp_code(user))
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("/worklist")


@pytest.fixture
def sign_in(page):
    """``sign_in(user)`` on the tablet-sized ``page``."""

    def _sign_in(user, password: str = PASSWORD) -> None:
        sign_in_on(page, user, password)

    return _sign_in
