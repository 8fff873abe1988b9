"""The audit log: who did what to which record, when, from where.

Two verbs, used by the services of every package: :func:`read` for reads of health
records (one event per record, one INSERT per list) and :func:`change` for every
write. Views and API endpoints never write audit rows themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from flask import g, has_request_context, request
from sqlalchemy import ForeignKey, Index, String, insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.db import Base, utcnow
from clinic.extensions import db

if TYPE_CHECKING:
    from clinic.auth.models import User


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_record", "record_type", "record_id"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    action: Mapped[str] = mapped_column(String(50))
    record_type: Mapped[str] = mapped_column(String(50))
    record_id: Mapped[int | None]
    family_id: Mapped[int | None] = mapped_column(index=True)
    ip_address: Mapped[str | None] = mapped_column(String(45))
    # What changed, by field name only: the log must not become a second copy of
    # the health record.
    detail: Mapped[str | None] = mapped_column(String(1000))

    # By name: the audit log is core and knows no package above it.
    user: Mapped[User | None] = relationship("User")


def change(
    action: str,
    record_type: str,
    record_id: int | None,
    *,
    user: User | None,
    family_id: int | None = None,
    detail: str | None = None,
    kept: bool = False,
) -> AuditEvent | None:
    """A change (or a security event): added to the current transaction, so it
    commits with the change it describes.

    ``kept`` events (failed and throttled sign-ins) are written even though the
    request answers with an error and rolls back: they are held until the request's
    transaction has ended and then written in one of their own (see
    :func:`write_kept_events`). Not a second connection meanwhile: on SQLite it
    would wait for the write lock its own request holds.
    """
    if kept:
        _keep(action, record_type, record_id, detail)
        return None
    event = AuditEvent(
        action=action,
        record_type=record_type,
        record_id=record_id,
        user_id=user.id if user is not None else None,
        family_id=family_id,
        ip_address=request.remote_addr if has_request_context() else None,
        detail=detail[:1000] if detail else None,
    )
    db.session.add(event)
    return event


def read(
    user: User,
    record_type: str,
    records: Iterable[tuple[int, int | None]],
    *,
    action: str = "view",
    detail: str | None = None,
) -> None:
    """Reads of health records: one event per record, all in a single INSERT.

    ``records`` holds (record id, family id) pairs. The ORM would send one INSERT per
    event on SQLite; lists must not cost more statements as they grow.
    """
    records = list(records)
    if not records:
        return
    address = request.remote_addr if has_request_context() else None
    db.session.execute(
        insert(AuditEvent),
        [
            {
                "occurred_at": utcnow(),
                "action": action,
                "record_type": record_type,
                "record_id": record_id,
                "family_id": family_id,
                "user_id": user.id,
                "ip_address": address,
                "detail": detail,
            }
            for record_id, family_id in records
        ],
    )


def _keep(action: str, record_type: str, record_id: int | None, detail: str | None) -> None:
    event = {
        "occurred_at": utcnow(),
        "action": action,
        "record_type": record_type,
        "record_id": record_id,
        "ip_address": request.remote_addr if has_request_context() else None,
        "detail": detail[:1000] if detail else None,
    }
    if has_request_context():
        g.setdefault("kept_audit_events", []).append(event)
    else:
        db.session.execute(insert(AuditEvent), [event])


def write_kept_events() -> None:
    """Write the request's kept security events, after its own transaction ended.

    Called by the request boundary (``clinic.__init__``), which owns this commit."""
    events = g.pop("kept_audit_events", None)
    if events:
        db.session.execute(insert(AuditEvent), events)
        db.session.commit()
