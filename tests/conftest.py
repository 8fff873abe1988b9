"""Test harness: the same tests on SQLite and on PostgreSQL.

``CLINIC_TEST_DB=postgresql`` runs the suite on a fresh PostgreSQL database made for
this run (and dropped after it); the default is a fresh SQLite file. Each test starts
with empty tables: the app commits for real (as in production, and so worker
processes can see the data) and the tables are emptied after the test.

When a server is not answering, the tests that need it are skipped with a reason,
unless ``CLINIC_REQUIRE_SERVICES=1`` (set by .ci/run), which makes that a failure.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
from contextlib import contextmanager

import pyotp
import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from clinic import create_app
from clinic.db import Base
from clinic.extensions import db as _db
from clinic.extensions import limiter
from tests.factories import SupervisorFactory, TeamFactory, UserFactory

PG_ADMIN_URL = os.environ.get("CLINIC_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_TEST_URL = os.environ.get("CLINIC_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
REQUIRE_SERVICES = os.environ.get("CLINIC_REQUIRE_SERVICES") == "1"
TARGET = os.environ.get("CLINIC_TEST_DB", "sqlite")

PASSWORD = "correct horse battery"


def service_unavailable(name: str, reason: str):
    """Skip (or, in CI, fail) when a real server the test needs is not answering."""
    message = f"{name} is not answering ({reason})"
    if REQUIRE_SERVICES:
        pytest.fail(message + " and CLINIC_REQUIRE_SERVICES=1", pytrace=False)
    pytest.skip(message)


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def redis_url() -> str:
    match = re.match(r"redis://([^:/]+):(\d+)", REDIS_TEST_URL)
    if not match or not port_open(match.group(1), int(match.group(2))):
        service_unavailable("Redis", REDIS_TEST_URL)
    return REDIS_TEST_URL


@contextmanager
def fresh_postgres_database():
    """A new, empty PostgreSQL database for this run; dropped afterwards."""
    name = f"clinic_test_{secrets.token_hex(4)}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to connect means "not answering"
        service_unavailable("PostgreSQL", f"{PG_ADMIN_URL}: {exc.__class__.__name__}")
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if TARGET == "postgresql":
        with fresh_postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'clinic.sqlite3'}"


class AppContextClient(FlaskClient):
    """Each request in an app context of its own, as in production.

    Without this, a request made while the test holds an app context would share
    the test's ``g`` and database session. The test's own transaction ends first, as
    a user's previous request would have: it cannot hold a stale snapshot (or a lock)
    while the request writes, and what it reads afterwards is fresh.
    """

    def open(self, *args, **kwargs):
        _db.session.commit()
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret-key",
            "RATELIMIT_STORAGE_URI": "memory://",
            "CELERY_BROKER_FOLDER": str(instance / "broker"),
            "MAIL_SERVER": None,
            # A test keeps its own session open across requests and while worker
            # processes or the live server write, which no production process does;
            # deferred BEGIN lets it read without taking SQLite's write lock.
            "SQLITE_BEGIN_IMMEDIATE": False,
        }
    )
    app.test_client_class = AppContextClient
    with app.app_context():
        Base.metadata.create_all(_db.engine)
    yield app
    with app.app_context():
        _db.engine.dispose()


def empty_all_tables() -> None:
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")  # users and teams refer to each other
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture(autouse=True)
def app_ctx(app):
    """Every test runs in an app context and ends with empty tables."""
    with app.app_context():
        yield
        _db.session.remove()
    limiter.reset()
    with app.app_context():
        empty_all_tables()


@pytest.fixture
def db(app_ctx):
    return _db


@pytest.fixture
def team(db):
    return TeamFactory()


@pytest.fixture
def visitor(team):
    """A home visitor of ``team``."""
    return UserFactory(team=team)


@pytest.fixture
def supervisor(team):
    """The supervisor of ``team``."""
    return SupervisorFactory(supervises=[team])


@pytest.fixture
def client(app):
    return app.test_client()


class Browser:
    """A signed-in test client that submits forms with their CSRF token."""

    def __init__(self, client: FlaskClient):
        self.client = client

    def csrf_token(self, path: str) -> str:
        page = self.client.get(path)
        match = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data) or re.search(
            rb'name="csrf_token" value="([^"]+)"', page.data
        )
        assert match, f"no CSRF token on {path} ({page.status_code})"
        return match.group(1).decode()

    def submit(self, form_path: str, data: dict, action: str | None = None, **kwargs):
        """GET ``form_path``, then POST ``data`` with the page's CSRF token."""
        data = {**data, "csrf_token": self.csrf_token(form_path)}
        return self.client.post(action or form_path, data=data, **kwargs)

    def get(self, *args, **kwargs):
        return self.client.get(*args, **kwargs)

    def post(self, *args, **kwargs):
        return self.client.post(*args, **kwargs)


def fresh_totp_code(user) -> str:
    """The user's current TOTP code, made usable again.

    Codes work once (rule 12), and tests sign the same person in many times within
    one 30-second step; each sign-in stands for a new code, so the record of the
    last code used is cleared first. Replays are tested on their own, in
    tests/auth/test_second_factor.py.
    """
    with _db.engine.begin() as conn:
        conn.execute(text("UPDATE users SET totp_last_step = NULL WHERE id = :id"), {"id": user.id})
    return pyotp.TOTP(user.totp_secret).now()


def sign_in(client: FlaskClient, user, password: str = PASSWORD) -> Browser:
    """Sign in through the form, with the second factor's code when the person has one."""
    browser = Browser(client)
    response = browser.submit("/login", {"email": user.email, "password": password})
    assert response.status_code == 302, response.data[:500]
    if response.headers["Location"] == "/login/code":
        response = browser.submit("/login/code", {"code": fresh_totp_code(user)})
        assert response.status_code == 302, response.data[:500]
    return browser


@pytest.fixture
def login(app):
    """``login(user)`` → a Browser signed in as ``user`` with its own cookie jar."""

    def _login(user, password: str = PASSWORD) -> Browser:
        return sign_in(app.test_client(), user, password)

    return _login


@pytest.fixture
def api(app):
    """``api(user)`` → a test client whose requests carry the user's bearer token."""

    class Api:
        def __init__(self, token: str | None):
            self.client = app.test_client()
            self.headers = {"Authorization": f"Bearer {token}"} if token else {}

        def __getattr__(self, method):
            def call(path, **kwargs):
                headers = {**self.headers, **kwargs.pop("headers", {})}
                return getattr(self.client, method)("/api/v1" + path, headers=headers, **kwargs)

            return call

    def _api(user=None, password: str = PASSWORD) -> Api:
        if user is None:
            return Api(None)
        credentials = {"email": user.email, "password": password}
        if user.totp_secret:
            credentials["otp"] = fresh_totp_code(user)
        response = app.test_client().post("/api/v1/auth/token", json=credentials)
        assert response.status_code == 201, response.json
        return Api(response.json["token"])

    return _api


@pytest.fixture
def count_queries(app_ctx):
    """``with count_queries() as statements: ...``: the SQL statements run inside.

    Counts every statement sent to the database (requests made by test clients
    included), so list pages can prove their query count does not grow with rows.
    """
    from sqlalchemy import event

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(_conn, _cursor, statement, _parameters, _context, _executemany):
            statements.append(statement)

        engine = _db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting
