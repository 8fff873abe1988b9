"""Migrations from empty give exactly the models' schema, and walk down and up again."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from clinic.db import Base, make_engine
from clinic.migrations_cli import alembic_config
from tests.conftest import TARGET, fresh_postgres_database

# SQLite cannot reflect the lower(email) index; the last test tries it instead.
pytestmark = [
    pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index"),
    pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index"),
]


@pytest.fixture
def empty_database_url(tmp_path):
    if TARGET == "postgresql":
        with fresh_postgres_database() as url:
            yield url
    else:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


def schema_differences(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": _ours}
            )
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def _ours(name, type_, parent_names):
    return type_ != "table" or name in Base.metadata.tables


def test_single_head():
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1


def test_migration_files_are_named_by_date_revision_and_slug():
    import re

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    for revision in script.walk_revisions():
        name = revision.path.rsplit("/", 1)[-1]
        assert re.fullmatch(r"\d{8}_\d{4}_[0-9a-f]+_[a-z0-9_]+\.py", name), name


def test_upgrade_from_empty_matches_the_models(empty_database_url):
    config = alembic_config(empty_database_url)
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")
    assert schema_differences(empty_database_url) == []


def test_downgrade_to_base_then_upgrade_again(empty_database_url):
    config = alembic_config(empty_database_url)
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")
    command.downgrade(config, "base")
    engine = make_engine(empty_database_url)
    from sqlalchemy import inspect

    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(config, "head")
    assert schema_differences(empty_database_url) == []


def test_migrated_database_enforces_what_autogenerate_cannot_compare(empty_database_url):
    """Expression and partial indexes are invisible to some comparisons: try them."""
    from sqlalchemy import text
    from sqlalchemy.exc import IntegrityError

    config = alembic_config(empty_database_url)
    config.attributes["configure_logging"] = False
    command.upgrade(config, "head")
    engine = make_engine(empty_database_url)
    user = (
        "INSERT INTO users (email, name, role, password_hash, is_active, created_at) "
        "VALUES (:email, 'N', 'home_visitor', 'x', true, CURRENT_TIMESTAMP)"
    )
    try:
        with engine.begin() as conn:
            conn.execute(text(user), {"email": "Ana@Clinic.test"})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(user), {"email": "ana@clinic.TEST"})
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO families (name, language, status, assigned_visitor_id, created_at, updated_at) "
                              "VALUES ('F', 'en', 'active', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"))
            referral = ("INSERT INTO referrals (family_id, status, created_at, updated_at, status_since, "
                        "reasons_revision) VALUES (1, :status, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, "
                        "CURRENT_TIMESTAMP, 1)")
            conn.execute(text(referral), {"status": "open"})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(referral), {"status": "reviewed"})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO teams (name, supervisor_id, created_at) VALUES ('T', 999, CURRENT_TIMESTAMP)"))
    finally:
        engine.dispose()


def test_the_referral_loop_migration_keeps_existing_referrals_working(empty_database_url):
    """Sent and closed referrals made before services were recorded: a null service,
    ``sent_on`` from their move to sent, ``status_since`` from their last move."""
    from datetime import UTC, date, datetime

    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from clinic.referrals.models import Referral

    config = alembic_config(empty_database_url)
    config.attributes["configure_logging"] = False
    command.upgrade(config, "44e0db11398d")
    engine = make_engine(empty_database_url)
    opened = datetime(2025, 3, 1, 9, tzinfo=UTC)
    reviewed_at = datetime(2025, 3, 5, 9, tzinfo=UTC)
    sent_at = datetime(2025, 3, 10, 23, 30, tzinfo=UTC)
    closed_at = datetime(2025, 4, 2, 9, tzinfo=UTC)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO users (email, name, role, password_hash, is_active, session_nonce, created_at) "
                              "VALUES ('v@clinic.test', 'V', 'home_visitor', 'x', true, 'n', CURRENT_TIMESTAMP)"))
            for name in ("A", "B", "C"):
                conn.execute(text("INSERT INTO families (name, language, status, assigned_visitor_id, created_at, "
                                  "updated_at) VALUES (:n, 'en', 'active', 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"),
                             {"n": name})
            referral = text("INSERT INTO referrals (id, family_id, status, outcome, created_at, updated_at, "
                            "reasons_revision) VALUES (:id, :id, :status, :outcome, :at, :at, 1)")
            conn.execute(referral, [
                {"id": 1, "status": "sent", "outcome": None, "at": opened},
                {"id": 2, "status": "closed", "outcome": "completed", "at": opened},
                {"id": 3, "status": "open", "outcome": None, "at": opened},
            ])
            move = text("INSERT INTO referral_transitions (referral_id, from_status, to_status, outcome, by_id, at) "
                        "VALUES (:r, :f, :t, :o, 1, :at)")
            for referral_id in (1, 2):
                conn.execute(move, [
                    {"r": referral_id, "f": "open", "t": "reviewed", "o": None, "at": reviewed_at},
                    {"r": referral_id, "f": "reviewed", "t": "sent", "o": None, "at": sent_at},
                ])
            conn.execute(move, {"r": 2, "f": "sent", "t": "closed", "o": "completed", "at": closed_at})

        command.upgrade(config, "head")

        with Session(engine) as session:
            rows = {r.id: r for r in session.query(Referral).order_by(Referral.id)}
            assert [(r.status, r.service, r.agency, r.sent_on, r.service_contact_on) for r in rows.values()] == [
                ("sent", None, None, date(2025, 3, 10), None),
                ("closed", None, None, date(2025, 3, 10), None),
                ("open", None, None, None, None),
            ]
            assert [rows[i].status_since for i in (1, 2, 3)] == [sent_at, closed_at, opened]
            # The unknown service gets the 30-day clock: March 10 + 30 = April 9.
            assert rows[1].contact_deadline() == date(2025, 4, 9)
            assert (rows[1].is_late(date(2025, 4, 9)), rows[1].is_late(date(2025, 4, 10))) == (False, True)
            assert not rows[2].is_late(date(2025, 4, 10))
            # The loop can still be closed on an old referral.
            rows[1].service_contact_on = date(2025, 3, 20)
            session.commit()
    finally:
        engine.dispose()
    assert schema_differences(empty_database_url) == []
