"""Declarative base, naming convention, the engine and the scoped session.

Services never commit: the request (see ``clinic.__init__``) or the task commits once.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask.globals import app_ctx
from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, scoped_session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every database (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(UTC)
            if dialect.name == "sqlite":
                value = value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def engine_url(url: str) -> str:
    """psycopg 3 for plain ``postgresql://`` URLs, as deployment guides write them."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, sqlite_immediate: bool = True, **kwargs) -> Engine:
    url = engine_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        _sqlite_transactions(engine, immediate=sqlite_immediate)
    else:
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    return engine


def _sqlite_transactions(engine: Engine, *, immediate: bool) -> None:
    """Real transactions on SQLite: foreign keys on, WAL, explicit BEGIN.

    WAL lets readers and the one writer proceed together (web and worker share the
    file). Every request and task writes (at least an audit event), so each takes
    the write lock when it begins (BEGIN IMMEDIATE) and the busy timeout queues it
    behind the current writer; a transaction that read first and wrote later would
    instead fail at once whenever another process had written in between. Emitting
    BEGIN ourselves also makes SAVEPOINT and transactional DDL work (the pysqlite
    recipe in SQLAlchemy's documentation). SQLite serves the demo and small
    installs; PostgreSQL is the production database.
    """
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()
        # SQLite has no time-zone database; reports ask it for clinic-local dates.
        dbapi_connection.create_function("clinic_local_date", 2, sqlite_local_date, deterministic=True)

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql(begin)


def sqlite_local_date(stored: str | None, zone: str) -> str | None:
    """The local date in ``zone`` of a UTC timestamp as SQLite stores it."""
    if stored is None:
        return None
    moment = datetime.fromisoformat(stored).replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(zone)).date().isoformat()


def _app_context_id() -> int:
    try:
        return id(app_ctx._get_current_object())
    except RuntimeError:
        return threading.get_ident()


class AppSession(Session):
    """A session bound to the engine of the app whose context is active."""

    def get_bind(self, mapper=None, clause=None, **kwargs):
        if self.bind is not None:
            return self.bind
        return current_app.extensions["clinic.db"]


class Database:
    """The scoped session; each app keeps its own engine (bound by ``init_app``)."""

    def __init__(self) -> None:
        # One session per app context (each request, task and CLI command has its own).
        self.session = scoped_session(sessionmaker(class_=AppSession), scopefunc=_app_context_id)

    @property
    def engine(self) -> Engine:
        return current_app.extensions["clinic.db"]

    def init_app(self, app) -> None:
        app.extensions["clinic.db"] = make_engine(
            app.config["DATABASE_URL"], sqlite_immediate=app.config["SQLITE_BEGIN_IMMEDIATE"]
        )

        @app.teardown_appcontext
        def _remove_session(_exc):
            self.session.remove()


def after_commit(session, callback) -> None:
    """Run ``callback`` once the session's current transaction has committed.

    Tasks and emails that a change calls for are queued only after the change is
    durable, so a worker never looks for a row that is not there yet.
    """
    session.info.setdefault("after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session):
    callbacks = session.info.pop("after_commit", [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session):
    session.info.pop("after_commit", None)
