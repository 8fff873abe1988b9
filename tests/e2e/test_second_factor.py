"""A supervisor sets up the second factor and signs in with it, in Chromium; a replayed code is refused."""

from __future__ import annotations

import time

import pyotp
import pytest
from playwright.sync_api import expect

from tests.factories import PASSWORD, SupervisorFactory

pytestmark = pytest.mark.e2e


def sign_in_with_password(page, user) -> None:
    page.goto("/login")
    page.get_by_label("Email", exact=True).fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_supervisor_sets_up_the_second_factor_and_signs_in_with_it(db, page, team):
    supervisor = SupervisorFactory(name="Sam Supervisor", supervises=[team], totp_secret=None, totp_enabled_at=None)

    sign_in_with_password(page, supervisor)
    page.goto("/")  # any page leads to set-up until it is done
    expect(page).to_have_url("/account/second-factor")
    expect(page.get_by_role("heading", name="Set up your second factor")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)

    page.get_by_label("Code").fill("000000" if totp.now() != "000000" else "111111")
    page.get_by_role("button", name="Turn on").click()
    expect(page.locator("#code-error")).to_contain_text("That code is not right")
    setup_code = totp.now()
    page.get_by_label("Code").fill(setup_code)
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Your second factor is on")).to_be_visible()
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.get_by_role("link", name="Go on").click()
    expect(page.get_by_role("heading", name="Caseload")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # The code used at set-up is spent: replayed at sign-in, it is refused.
    sign_in_with_password(page, supervisor)
    expect(page).to_have_url("/login/code")
    page.get_by_label("Code").fill(setup_code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#code-error")).to_have_text("That code is not right, or it has been used already.")

    # The app's next code (accepted a step early, for clocks that run ahead) signs in.
    next_code = totp.at(time.time() + 30)
    page.get_by_label("Code").fill(next_code)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url("/worklist")
    expect(page.get_by_role("heading", name="Worklist")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    # Replaying that one too, from a fresh sign-in, is refused.
    sign_in_with_password(page, supervisor)
    page.get_by_label("Code").fill(next_code)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator("#code-error")).to_have_text("That code is not right, or it has been used already.")
    page.goto("/")
    expect(page).to_have_url("/login?next=%2F")
