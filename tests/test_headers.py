"""Security headers: no caching of anything personal, HSTS behind https."""

from __future__ import annotations

from clinic import create_app
from tests.factories import UserFactory


def test_every_api_answer_is_no_store(api, db):
    user = UserFactory()
    signed_in = api(user)
    for response in (signed_in.get("/me"), signed_in.get("/families"), api().get("/me"), signed_in.get("/families/999999")):
        assert response.headers["Cache-Control"] == "no-store", response.status_code
    token = signed_in.client.post(
        "/api/v1/auth/token", json={"email": user.email, "password": "correct horse battery"}
    )
    assert token.status_code == 201 and token.headers["Cache-Control"] == "no-store"


def test_the_unsubscribe_page_is_no_store(client, db):
    from clinic.mail.unsubscribe import make_token
    from tests.factories import CaregiverFactory

    caregiver = CaregiverFactory()
    response = client.get(f"/unsubscribe/{make_token(caregiver.id)}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/unsubscribe/not-a-token").headers["Cache-Control"] == "no-store"


def test_the_sign_in_page_may_be_cached_but_has_no_hsts_over_http(client, db):
    response = client.get("/login")
    assert "Strict-Transport-Security" not in response.headers


def test_hsts_when_public_url_is_https(monkeypatch, tmp_path):
    monkeypatch.setenv("PUBLIC_URL", "https://clinic.example.org")
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "x"})
    response = app.test_client().get("/login")
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
