"""The referrals package's Celery tasks (ids in, JSON only; see worker/celery_app.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task

from clinic.dispatch import queue
from clinic.locks import periodic_lock
from clinic.referrals import summary, summary_document

log = logging.getLogger(__name__)

SWEEP_LEASE = timedelta(minutes=5)


@shared_task(name=summary.COMPILE_TASK)
def compile_referral_summary(referral_id: int) -> bool:
    """Rule 7; safe to run twice or late (a compile stores over older revisions only)."""
    return summary_document.compile_summary(referral_id)


@shared_task
def sweep_referral_summaries() -> int | None:
    """Queue again the compiles the broker lost (missing or stale summaries)."""
    with periodic_lock("sweep-referral-summaries", SWEEP_LEASE) as acquired:
        if not acquired:
            return None
        referral_ids = summary.stale_summaries()
        for referral_id in referral_ids:
            queue(summary.COMPILE_TASK, referral_id)
    if referral_ids:
        log.info("queued %d referral summary compile(s) again", len(referral_ids))
    return len(referral_ids)
