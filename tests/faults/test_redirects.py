"""Sign-in returns only to a path on this site (issue: ``/%09/evil.example``)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.conftest import PASSWORD, Browser
from tests.factories import UserFactory

# As a browser would follow them: it drops tabs and line breaks and reads "\" as "/".
LEAVING = [
    "/\t/evil.example",
    "/\n/x",
    "/\r\n/evil.example",
    "//x",
    "///evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "javascript:alert(1)",
    "/\x00/evil.example",
    "/ok\x1b",
    "http:/evil.example",
    " /families",
    "evil.example",
]


@pytest.mark.parametrize("target", LEAVING)
def test_a_next_that_could_leave_the_site_falls_back_to_the_start_page(app, db, target):
    user = UserFactory()
    browser = Browser(app.test_client())
    response = browser.submit(
        "/login", {"email": user.email, "password": PASSWORD}, action=f"/login?next={quote(target, safe='')}"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", ["/families?q=Rivera&page=2", "/children/7#screenings", "/%2F%2Fevil.example"])
def test_a_path_on_this_site_is_where_sign_in_returns(app, db, target):
    user = UserFactory()
    browser = Browser(app.test_client())
    response = browser.submit(
        "/login", {"email": user.email, "password": PASSWORD}, action=f"/login?next={quote(target, safe='')}"
    )
    assert response.status_code == 302
    assert response.headers["Location"] == target


def test_the_sign_in_page_itself_answers_with_a_bad_next(app, db):
    response = Browser(app.test_client()).get("/login?next=/%0a/x")
    assert response.status_code == 200
