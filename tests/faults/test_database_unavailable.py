"""A database that fails a request (a dropped PostgreSQL connection, a SQLite write
lock held past the busy timeout) answers 503 with Retry-After, saves nothing, and
the next request succeeds.

The faults are real: ``pg_terminate_backend`` on the app's own connection just
before it writes, and a second SQLite connection holding the write lock.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import create_engine, event, func, select, text

from clinic import create_app
from clinic.cases.models import Family
from clinic.extensions import db as _db
from tests.conftest import PG_ADMIN_URL, TARGET, AppContextClient, sign_in
from tests.factories import FamilyFactory


@pytest.fixture
def fault_app(app, database_url):
    """An app of its own on the test database, whose SQLite writers give up after
    half a second (production waits 30 s) so a held lock shows quickly."""
    fault_app = create_app(
        {
            **{key: app.config[key] for key in ("TESTING", "SECRET_KEY", "RATELIMIT_STORAGE_URI", "CELERY_BROKER_FOLDER")},
            "DATABASE_URL": database_url,
            "MAIL_SERVER": None,
            "SQLITE_BUSY_TIMEOUT": 0.5,
        }
    )
    fault_app.test_client_class = AppContextClient
    yield fault_app
    with fault_app.app_context():
        _db.engine.dispose()


@contextmanager
def database_fails(fault_app):
    """While inside, the app's next write fails the way production saw it."""
    if TARGET == "postgresql":
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with fault_app.app_context():
            engine = _db.engine
        killed = []

        def terminate_before_write(conn, _cursor, statement, *_args):
            if killed or not statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
                return
            pid = conn.connection.dbapi_connection.info.backend_pid
            with admin.connect() as admin_conn:
                admin_conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
                deadline = time.monotonic() + 10
                while time.monotonic() < deadline and admin_conn.scalar(
                    text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}
                ):
                    time.sleep(0.02)
            killed.append(pid)

        event.listen(engine, "before_cursor_execute", terminate_before_write)
        try:
            yield
        finally:
            event.remove(engine, "before_cursor_execute", terminate_before_write)
            admin.dispose()
        assert killed, "the request never wrote"
    else:
        with fault_app.app_context():
            path = _db.engine.url.database
        holder = sqlite3.connect(path, isolation_level=None, timeout=5)
        holder.execute("BEGIN IMMEDIATE")  # the write lock, held until the block ends
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()


def _families(db) -> int:
    db.session.commit()
    return db.session.scalar(select(func.count()).select_from(Family))


def test_a_form_posted_while_the_database_fails_comes_back_unsaved_then_saves(fault_app, visitor, db):
    browser = sign_in(fault_app.test_client(), visitor)
    form = {"name": "Rivera", "language": "es", "address": "12 Elm St\r\nApt 3"}
    token = browser.csrf_token("/families/new")
    before = _families(db)

    with database_fails(fault_app):
        response = browser.post("/families/new", data={**form, "csrf_token": token})

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    page = BeautifulSoup(response.data, "html.parser")
    assert page.h1.text == "Not saved, please try again"
    kept = {field["name"]: field.text for field in page.find_all("textarea")}
    assert kept == form
    assert _families(db) == before

    # The page's own form posts the entries again: saved once.
    again = {field["name"]: field.text for field in page.find_all("textarea")}
    again["csrf_token"] = page.find("input", attrs={"name": "csrf_token"})["value"]
    response = browser.post(page.form["action"], data=again)
    assert response.status_code == 302
    assert _families(db) == before + 1
    assert db.session.scalar(select(Family.address).where(Family.name == "Rivera")) == "12 Elm St\r\nApt 3"


def test_an_api_call_while_the_database_fails_answers_503_then_succeeds(fault_app, visitor, db):
    token = fault_app.test_client().post(
        "/api/v1/auth/token", json={"email": visitor.email, "password": "correct horse battery"}
    ).json["token"]
    client = fault_app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    before = _families(db)

    with database_fails(fault_app):
        response = client.post("/api/v1/families", json={"name": "Okafor"}, headers=headers)

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert response.json["error"]["code"] == "unavailable"
    assert set(response.json["error"]) == {"code", "message"}
    assert _families(db) == before

    response = client.post("/api/v1/families", json={"name": "Okafor"}, headers=headers)
    assert response.status_code == 201
    assert _families(db) == before + 1


def test_a_page_read_while_the_database_fails_answers_503(fault_app, visitor, db):
    family = FamilyFactory(assigned_visitor=visitor)
    db.session.commit()
    browser = sign_in(fault_app.test_client(), visitor)
    with database_fails(fault_app):
        response = browser.get(f"/families/{family.id}")  # a read that writes its audit event
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "Nothing you entered was saved" in response.get_data(as_text=True)
    assert browser.get(f"/families/{family.id}").status_code == 200
