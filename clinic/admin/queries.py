"""Read models of the admin pages."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from clinic.audit import AuditEvent
from clinic.pagination import Page, paginate


def audit_events(
    record_type: str | None = None, user_id: int | None = None, page: int = 1, per_page: int = 50
) -> Page[AuditEvent]:
    """The audit log, newest first: a count and one query for the page (users joined)."""
    conditions = []
    if record_type:
        conditions.append(AuditEvent.record_type == record_type)
    if user_id is not None:
        conditions.append(AuditEvent.user_id == user_id)
    query = (
        select(AuditEvent)
        .where(*conditions)
        .options(joinedload(AuditEvent.user))
        .order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    )
    return paginate(query, select(func.count(AuditEvent.id)).where(*conditions), page, per_page)
