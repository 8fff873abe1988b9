"""The worklist package's Celery task (see worker/celery_app.py): the daily reminder pass."""

from __future__ import annotations

from celery import shared_task

from clinic import clock
from clinic.worklist import reminders


@shared_task
def send_reminders() -> dict | None:
    """Rule 8, for today's clinic date; the beat runs it every morning at 07:00."""
    return reminders.run_reminders_locked(clock.today())
