"""The audit log: who did what to which record, when, from where."""

from __future__ import annotations

from datetime import datetime

from flask import g, has_request_context, request
from sqlalchemy import ForeignKey, Index, String, insert
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.auth.models import User
from clinic.db import Base, utcnow
from clinic.extensions import db


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

    user: Mapped[User | None] = relationship()


def record(
    action: str,
    record_type: str,
    record_id: int | None,
    *,
    user: User | None,
    family_id: int | None = None,
    detail: str | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (commits with the change)."""
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


def record_views(user: User, record_type: str, records: list[tuple[int, int | None]]) -> None:
    """Reads of many records (a list page): one event each, in a single INSERT.

    ``records`` holds (record id, family id) pairs. The ORM would send one INSERT per
    event on SQLite; lists must not cost more statements as they grow.
    """
    if not records:
        return
    address = request.remote_addr if has_request_context() else None
    db.session.execute(
        insert(AuditEvent),
        [
            {
                "occurred_at": utcnow(),
                "action": "view",
                "record_type": record_type,
                "record_id": record_id,
                "family_id": family_id,
                "user_id": user.id,
                "ip_address": address,
            }
            for record_id, family_id in records
        ],
    )


def record_now(action: str, record_type: str, record_id: int | None, *, detail: str | None = None) -> None:
    """A security event that is kept even when the request's changes are not.

    Failed and throttled sign-ins answer with an error, which rolls the request
    back; the event is written in a transaction of its own once the request's has
    ended (see :func:`write_kept_events`). Not a second connection meanwhile: on
    SQLite it would wait for the write lock its own request holds.
    """
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
    """Write the request's kept security events, after its own transaction ended."""
    events = g.pop("kept_audit_events", None)
    if events:
        db.session.execute(insert(AuditEvent), events)
        db.session.commit()
