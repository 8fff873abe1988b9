"""``clinic export-family`` and ``clinic backup``: a family's whole record; a copy that restores whole."""

from __future__ import annotations

import json
import subprocess

import pytest
from sqlalchemy import func, select, text

from clinic import clock
from clinic.audit import AuditEvent
from clinic.cases.models import Caregiver, Child, Family
from clinic.db import Base, make_engine
from clinic.demo import load_demo
from clinic.referrals.models import Referral
from clinic.screening.models import Screening
from tests.conftest import TARGET, fresh_postgres_database


@pytest.fixture
def demo_clinic(db, monkeypatch):
    from clinic.referrals import summary

    monkeypatch.setattr(summary, "request_compile", lambda referral: None)
    load_demo(clock.today())
    db.session.commit()


def ids(rows) -> list[int]:
    return sorted(row["id"] for row in rows)


def test_export_family_holds_every_row_of_that_family_and_none_of_another(app, db, demo_clinic):
    family_id = db.session.scalar(select(Referral.family_id).order_by(Referral.id).limit(1))
    result = app.test_cli_runner().invoke(args=["export-family", str(family_id)])
    assert result.exit_code == 0, result.output
    tables = json.loads(result.output)["tables"]

    family = db.session.get(Family, family_id)
    assert [row["name"] for row in tables["families"]] == [family.name]
    child_ids = db.session.scalars(select(Child.id).where(Child.family_id == family_id)).all()
    assert ids(tables["children"]) == sorted(child_ids)
    assert ids(tables["caregivers"]) == sorted(
        db.session.scalars(select(Caregiver.id).where(Caregiver.family_id == family_id)).all()
    )
    screening_ids = db.session.scalars(select(Screening.id).where(Screening.child_id.in_(child_ids))).all()
    assert screening_ids and ids(tables["screenings"]) == sorted(screening_ids)
    responses = db.session.execute(
        text(f"SELECT COUNT(*) FROM screening_responses WHERE screening_id IN ({','.join(map(str, screening_ids))})")
    ).scalar()
    assert len(tables["screening_responses"]) == responses > 0
    assert ids(tables["referrals"]) == sorted(
        db.session.scalars(select(Referral.id).where(Referral.family_id == family_id)).all()
    )
    assert {row["referral_id"] for row in tables["referral_reasons"]} <= {row["id"] for row in tables["referrals"]}
    assert "users" not in tables and "teams" not in tables
    assert {row["family_id"] for row in tables["follow_ups"]} == {family_id}
    db.session.rollback()
    assert db.session.scalar(
        select(func.count()).where(AuditEvent.action == "export", AuditEvent.record_id == family_id)
    ) == 1


def test_export_of_an_unknown_family_fails(app, db):
    result = app.test_cli_runner().invoke(args=["export-family", "999999"])
    assert result.exit_code == 1 and "no family with id 999999" in result.output


def every_row(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(tuple(row) for row in conn.execute(select(table)))
            for table in Base.metadata.sorted_tables
        }


def test_a_backup_restores_into_an_empty_database_with_every_row(app, db, demo_clinic, tmp_path):
    path = tmp_path / "clinic.backup"
    result = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    original = every_row(db.engine)
    assert sum(len(rows) for rows in original.values()) > 1000

    if TARGET == "postgresql":
        with fresh_postgres_database() as url:
            libpq = url.replace("postgresql+psycopg://", "postgresql://")
            subprocess.run(["pg_restore", "--no-owner", f"--dbname={libpq}", str(path)], check=True)
            restored_engine = make_engine(url)
            try:
                assert every_row(restored_engine) == original
            finally:
                restored_engine.dispose()
    else:
        # Restoring a SQLite backup is putting the file in place of the database.
        restored_engine = make_engine(f"sqlite:///{path}")
        try:
            assert every_row(restored_engine) == original
        finally:
            restored_engine.dispose()

    again = app.test_cli_runner().invoke(args=["backup", str(path)])
    assert again.exit_code == 1 and "exists already" in again.output
