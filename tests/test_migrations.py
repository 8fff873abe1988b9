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
            referral = ("INSERT INTO referrals (family_id, status, created_at, updated_at, reasons_revision) "
                        "VALUES (1, :status, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 1)")
            conn.execute(text(referral), {"status": "open"})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text(referral), {"status": "reviewed"})
        with pytest.raises(IntegrityError), engine.begin() as conn:
            conn.execute(text("INSERT INTO teams (name, supervisor_id, created_at) VALUES ('T', 999, CURRENT_TIMESTAMP)"))
    finally:
        engine.dispose()
