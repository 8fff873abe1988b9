"""Rule 7: the referral summary for the child-development specialist.

Whenever a referral opens or gains a reason, :func:`request_compile` queues the
compile task after the commit; the task (``summary_document.compile_summary``)
renders the summary as HTML and PDF, stores it replacing the previous one, and
emails the team's supervisor a link (no health detail).

``Referral.reasons_revision`` counts the reasons that joined; the stored summary
records the revision it covers. A compile stores only over an older revision, so a
stale compile never replaces a newer one and two compiles of the same revision leave
one summary and one email. A compile lost by the broker is found by
:func:`stale_summaries` (the periodic sweep) and queued again.

This module is imported by the referral services, so it stays light: the document
and its rendering live in ``summary_document``.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import Response
from sqlalchemy import or_, select

from clinic import audit
from clinic.auth.models import User
from clinic.db import utcnow
from clinic.dispatch import queue_after_commit
from clinic.extensions import db
from clinic.referrals.models import Referral, ReferralSummary

# A referral changed this long ago without a summary of its revision has lost its
# compile task (the broker was down, or dropped it); the sweep queues it again.
LOST_COMPILE_AFTER = timedelta(minutes=2)
# The Celery task that compiles one referral's summary (``clinic.referrals.tasks``).
COMPILE_TASK = "clinic.referrals.tasks.compile_referral_summary"


def request_compile(referral: Referral) -> None:
    """Ask the worker to compile the referral's summary once this transaction commits."""
    queue_after_commit(COMPILE_TASK, referral.id)


def read_summary(user: User, referral: Referral) -> ReferralSummary | None:
    """The stored summary (None until compiled); the read is audited."""
    stored = db.session.get(ReferralSummary, referral.id)
    if stored is not None:
        audit.read(user, "referral", [(referral.id, referral.family_id)], action="view_summary")
    return stored


def pdf_response(referral: Referral, stored: ReferralSummary) -> Response:
    return Response(
        stored.pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="referral-{referral.id}-summary.pdf"',
            "Cache-Control": "no-store",
        },
    )


def stale_summaries(now: datetime | None = None, limit: int = 100) -> list[int]:
    """Referrals whose summary is missing or older than their reasons, and whose
    change is old enough that its own compile task should have run by now."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Referral.id)
            .outerjoin(ReferralSummary, ReferralSummary.referral_id == Referral.id)
            .where(
                or_(ReferralSummary.referral_id.is_(None), ReferralSummary.reasons_revision < Referral.reasons_revision),
                Referral.updated_at <= now - LOST_COMPILE_AFTER,
            )
            .order_by(Referral.id)
            .limit(limit)
        )
    )
