"""The mail package's Celery tasks (ids in, JSON only; see worker/celery_app.py)."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task

from clinic.locks import periodic_lock
from clinic.mail import delivery, outbox

log = logging.getLogger(__name__)

SWEEP_LEASE = timedelta(minutes=5)


@shared_task(name=outbox.DELIVER_TASK)
def deliver_email(message_id: int) -> str:
    return delivery.deliver(message_id)


@shared_task
def sweep_outbox() -> int | None:
    with periodic_lock("sweep-outbox", SWEEP_LEASE) as acquired:
        if not acquired:
            return None
        ids = outbox.sweep()
    if ids:
        log.info("outbox sweep queued %d message(s) again", len(ids))
    return len(ids)
