"""The ``clinic`` console script: users, teams, migrations."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from clinic.auth.models import Team, User
from clinic.auth.passwords import verify_password
from tests.conftest import TARGET
from tests.factories import UserFactory


def test_teams_and_users_create(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["teams", "create", "East"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=["users", "create", "--email", "Sup@Clinic.test", "--name", "Sam Sup", "--role", "supervisor", "--supervises", "East"],
        input="a long enough password\n",
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        args=["users", "create", "--email", "hv@clinic.test", "--name", "Hana V", "--role", "home_visitor", "--team", "East"],
        input="another long password\n",
    )
    assert result.exit_code == 0, result.output
    team = db.session.scalars(select(Team).where(Team.name == "East")).one()
    supervisor = db.session.scalars(select(User).where(User.role == "supervisor")).one()
    visitor = db.session.scalars(select(User).where(User.role == "home_visitor")).one()
    assert team.supervisor_id == supervisor.id
    assert visitor.team_id == team.id
    assert verify_password(visitor.password_hash, "another long password")


def test_users_create_refuses_bad_input_with_the_field_named(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "--email", "x@clinic.test", "--name", "X", "--role", "home_visitor"],
        input="short\n",
    )
    assert result.exit_code != 0
    assert "password" in result.output
    result = runner.invoke(
        args=["users", "create", "--email", "x@clinic.test", "--name", "X", "--role", "home_visitor", "--team", "Nope"],
        input="long enough password\n",
    )
    assert result.exit_code != 0 and "--team" in result.output
    assert db.session.scalars(select(User)).all() == []


def test_users_deactivate(app, db):
    user = UserFactory()
    result = app.test_cli_runner().invoke(args=["users", "deactivate", user.email.upper()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(User, user.id).is_active is False


@pytest.mark.skipif(TARGET != "sqlite", reason="checks the script's wiring; migrations on PostgreSQL are in test_migrations")
def test_console_script_migrates_an_empty_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "x"}
    clinic = Path(sys.executable).parent / "clinic"
    subprocess.run([str(clinic), "db", "upgrade"], check=True, env=env, capture_output=True, cwd=tmp_path)
    import sqlite3

    with sqlite3.connect(tmp_path / "cli.sqlite3") as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"users", "families", "children", "audit_events", "alembic_version"} <= tables
