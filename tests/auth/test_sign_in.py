from tests.conftest import PASSWORD, sign_in
from tests.factories import UserFactory


def test_sign_in_and_out(client, db):
    user = UserFactory()
    browser = sign_in(client, user)
    assert browser.get("/").status_code == 200
    response = browser.submit("/", {}, action="/logout")
    assert response.status_code == 302
    assert browser.get("/").status_code == 302


def test_wrong_password_keeps_email_and_says_so(client, db):
    user = UserFactory()
    page = client.get("/login")
    assert page.status_code == 200
    from tests.conftest import Browser

    response = Browser(client).submit("/login", {"email": user.email, "password": "nope"})
    assert response.status_code == 200
    assert b"Email or password is not right" in response.data
    assert user.email.encode() in response.data


def test_login_without_csrf_token_is_refused(client, db):
    user = UserFactory()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400


def test_sign_in_returns_to_the_page_asked_for_but_never_off_site(app, db):
    user = UserFactory()
    from tests.conftest import Browser

    for target, expected in [
        ("/admin/audit?page=2", "/admin/audit?page=2"),
        # Anything else lands on the start page, the worklist.
        ("//evil.example/x", "/worklist"),
        ("https://evil.example/", "/worklist"),
        ("/\\evil.example", "/worklist"),
    ]:
        browser = Browser(app.test_client())
        response = browser.submit(
            "/login", {"email": user.email, "password": PASSWORD}, action=f"/login?next={target}"
        )
        assert response.status_code == 302
        assert response.headers["Location"] == expected, target
