"""SQLite as web and worker share it: a transaction that reads, then writes, must not
fail because another process wrote in between (rule: never lose a change)."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from clinic.db import make_engine


def _read_then_write_while_another_writes(url: str, immediate: bool) -> None:
    engine = make_engine(url, sqlite_immediate=immediate)
    other_engine = make_engine(url, sqlite_immediate=immediate)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS counters (n INTEGER)"))
    try:
        with engine.connect() as conn:
            with conn.begin():
                conn.execute(text("SELECT count(*) FROM counters")).scalar()  # a request loads its user...

                def other_writer():
                    with other_engine.begin() as other:
                        other.execute(text("INSERT INTO counters VALUES (2)"))

                writer = threading.Thread(target=other_writer)
                writer.start()
                time.sleep(0.3)  # the worker commits meanwhile (or waits for us)
                conn.execute(text("INSERT INTO counters VALUES (1)"))  # ...then writes its audit event
            writer.join()
        with engine.connect() as conn:
            assert sorted(conn.execute(text("SELECT n FROM counters")).scalars()) == [1, 2]
    finally:
        engine.dispose()
        other_engine.dispose()


def test_immediate_transactions_queue_behind_each_other(tmp_path):
    _read_then_write_while_another_writes(f"sqlite:///{tmp_path / 'a.sqlite3'}", immediate=True)


def test_deferred_transactions_would_fail_instead(tmp_path):
    """The failure BEGIN IMMEDIATE prevents (this is why the app uses it)."""
    with pytest.raises(OperationalError, match="locked"):
        _read_then_write_while_another_writes(f"sqlite:///{tmp_path / 'b.sqlite3'}", immediate=False)


def test_a_refused_sign_in_is_audited_with_immediate_transactions(app, tmp_path):
    """The kept security event is written after the request's own transaction: on
    SQLite a second connection meanwhile would wait for the request's write lock."""
    from sqlalchemy import select

    from clinic import create_app
    from clinic.audit import AuditEvent
    from clinic.db import Base
    from clinic.extensions import db, limiter

    production_like = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'c.sqlite3'}", "SECRET_KEY": "x"})
    try:
        assert production_like.config["SQLITE_BEGIN_IMMEDIATE"] is True
        with production_like.app_context():
            Base.metadata.create_all(db.engine)
        started = time.monotonic()
        response = production_like.test_client().post(
            "/api/v1/auth/token", json={"email": "nobody@clinic.test", "password": "wrong"}
        )
        assert response.status_code == 401
        assert time.monotonic() - started < 5  # no wait for a lock
        with production_like.app_context():
            assert db.session.scalars(select(AuditEvent.action)).all() == ["sign_in_failed"]
            db.engine.dispose()
    finally:
        limiter.init_app(app)  # the limiter is shared: give it back to the suite's app
