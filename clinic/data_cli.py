"""``clinic export-family ID``, ``clinic backup PATH``, ``clinic audit verify``: a family's
record, the program's data, the audit log's integrity.

Both work on the tables themselves (``Base.metadata``), not on any package's models,
so a table added later is exported and backed up without a change here.
"""

from __future__ import annotations

import base64
import json
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import Table, select

from clinic import audit
from clinic.db import Base, utcnow
from clinic.extensions import db

# Large id lists are read in slices (PostgreSQL and SQLite cap bound parameters).
_CHUNK = 500


def family_record(family_id: int) -> dict | None:
    """Every row held about the family: its own, and every row that refers to one of
    those (caregivers, children, screenings and their answers, risk factors, referrals
    and their summaries, follow-ups, emails…), following foreign keys down; plus the
    audit events about the family. None when there is no such family."""
    families = Base.metadata.tables["families"]
    first = db.session.execute(select(families).where(families.c.id == family_id)).mappings().first()
    if first is None:
        return None
    rows: dict[str, dict[object, dict]] = {"families": {family_id: dict(first)}}
    pending = ["families"]
    while pending:
        parent = pending.pop()
        parent_ids = list(rows[parent])
        for table in Base.metadata.sorted_tables:
            for fk in table.foreign_keys:
                if fk.column.table.name != parent or table.name in ("users", "teams"):
                    continue
                found = rows.setdefault(table.name, {})
                before = len(found)
                for row in _rows_where(table, fk.parent, parent_ids):
                    found.setdefault(_key(table, row), row)
                if len(found) > before:
                    pending.append(table.name)
    events = Base.metadata.tables["audit_events"]
    rows["audit_events"] = {
        row["id"]: dict(row)
        for row in db.session.execute(select(events).where(events.c.family_id == family_id).order_by(events.c.id)).mappings()
    }
    return {
        "family_id": family_id,
        "exported_at": utcnow().isoformat(),
        "tables": {
            name: [_jsonable(row) for _, row in sorted(found.items(), key=lambda item: str(item[0]).zfill(20))]
            for name, found in sorted(rows.items())
            if found
        },
    }


def _rows_where(table: Table, column, ids: list) -> Iterable[dict]:
    for start in range(0, len(ids), _CHUNK):
        statement = select(table).where(column.in_(ids[start : start + _CHUNK]))
        yield from (dict(row) for row in db.session.execute(statement).mappings())


def _key(table: Table, row: dict):
    primary = [column.name for column in table.primary_key.columns]
    return row[primary[0]] if len(primary) == 1 else tuple(row[name] for name in primary)


def _jsonable(row: dict) -> dict:
    return {name: _value(value) for name, value in row.items()}


def _value(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return {"base64": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, Decimal):
        return str(value)
    return value


def backup(path: Path) -> None:
    """A consistent copy of the whole database at ``path`` (which must not exist).

    SQLite: the online backup API (a snapshot, while the app keeps running).
    PostgreSQL: ``pg_dump`` in its custom format (one snapshot transaction).
    """
    if path.exists():
        raise click.ClickException(f"{path} exists already; give a new file name")
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(url.database)
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
        return
    if url.get_backend_name() != "postgresql":
        raise click.ClickException(f"backups of {url.get_backend_name()} databases are not supported")
    pg_dump = shutil.which("pg_dump")
    if pg_dump is None:
        raise click.ClickException("pg_dump is not installed (Debian: apt-get install postgresql-client)")
    libpq_url = url.set(drivername="postgresql").render_as_string(hide_password=False)
    result = subprocess.run(
        [pg_dump, "--format=custom", "--no-owner", f"--file={path}", f"--dbname={libpq_url}"],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        path.unlink(missing_ok=True)
        raise click.ClickException(f"pg_dump failed: {result.stderr.strip()}")


@click.command("export-family")
@click.argument("family_id", type=int)
@with_appcontext
def export_family(family_id: int) -> None:
    """Everything held about one family, as JSON on standard output."""
    record = family_record(family_id)
    if record is None:
        raise click.ClickException(f"no family with id {family_id}")
    audit.change("export", "family", family_id, user=None, family_id=family_id)
    db.session.commit()
    click.echo(json.dumps(record, ensure_ascii=False, indent=2))


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(path: Path) -> None:
    """A consistent copy of the database at PATH (see the README to restore it)."""
    backup(path)
    click.echo(f"Backed up the database to {path}.")


audit_cli = AppGroup("audit", help="The audit log.")


@audit_cli.command("verify")
def verify_audit() -> None:
    """Check the audit log's hash chain; exit 1 naming the first event changed, inserted or removed."""
    checked, problem = audit.verify()
    if problem is not None:
        click.echo(f"Audit log NOT intact after {checked} good events: {problem.message}.", err=True)
        raise SystemExit(1)
    click.echo(f"Audit log intact: {checked} events in the chain.")
