"""Read models of the admin pages."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from clinic import clock
from clinic.audit import AuditEvent, about_record
from clinic.extensions import db


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    record_type: str | None = None
    record_id: int | None = None
    on_or_after: date | None = None  # clinic dates, both ends included
    on_or_before: date | None = None

    def conditions(self) -> list:
        found = []
        if self.user_id is not None:
            found.append(AuditEvent.user_id == self.user_id)
        if self.record_type and self.record_id is not None:
            found.append(about_record(self.record_type, self.record_id))
        elif self.record_type:
            found.append(AuditEvent.record_type == self.record_type)
        elif self.record_id is not None:
            found.append(AuditEvent.record_id == self.record_id)
        if self.on_or_after is not None:
            found.append(AuditEvent.occurred_at >= _start_of(self.on_or_after))
        if self.on_or_before is not None:
            found.append(AuditEvent.occurred_at < _start_of(self.on_or_before + timedelta(days=1)))
        return found


def _start_of(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=clock.clinic_timezone())


@dataclass
class AuditPage:
    items: list[AuditEvent]
    older: int | None  # cursor for the next (older) page
    newer: int | None  # cursor for the previous (newer) page


def audit_events(
    where: AuditFilter, *, before: int | None = None, after: int | None = None, per_page: int = 50
) -> AuditPage:
    """One page of the log, newest first, by keyset on the id (no count, no offset):
    the same cost on page 1 and page 10,000, however large the table. One query, the
    users joined."""
    query = select(AuditEvent).where(*where.conditions()).options(joinedload(AuditEvent.user))
    if after is not None:
        rows = list(
            reversed(
                db_rows(query.where(AuditEvent.id > after).order_by(AuditEvent.id.asc()).limit(per_page + 1))
            )
        )
        more_newer = len(rows) > per_page
        items = rows[-per_page:] if more_newer else rows
        return AuditPage(items, items[-1].id if items else None, items[0].id if more_newer and items else None)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    rows = db_rows(query.order_by(AuditEvent.id.desc()).limit(per_page + 1))
    items = rows[:per_page]
    return AuditPage(
        items,
        items[-1].id if len(rows) > per_page else None,
        items[0].id if before is not None and items else None,
    )


def db_rows(query) -> list[AuditEvent]:
    return list(db.session.scalars(query).unique())


def all_audit_events(where: AuditFilter, batch: int = 1000) -> Iterator[AuditEvent]:
    """Every matching event, newest first, a batch at a time (for the CSV export)."""
    before = None
    while True:
        page = audit_events(where, before=before, per_page=batch)
        yield from page.items
        if page.older is None:
            return
        before = page.older
