"""What the worker runs and when: the task modules and the beat schedule.

A leaf, as in Flask's own Celery example: it builds on the app's Celery instance
(``clinic.dispatch.celery_for``) and nothing under ``clinic/`` imports it. Tasks live
in the domain packages as ``@shared_task``; the web app queues them by name.
"""

from __future__ import annotations

from celery import Celery
from celery.schedules import crontab
from flask import Flask

from clinic import dispatch

TASK_MODULES = ("clinic.mail.tasks", "clinic.referrals.tasks", "clinic.worklist.tasks")

BEAT_SCHEDULE = {
    # Rule 8: every morning at 07:00 clinic time (the app's ``timezone`` setting).
    "send-reminders": {
        "task": "clinic.worklist.tasks.send_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "sweep-outbox": {"task": "clinic.mail.tasks.sweep_outbox", "schedule": 60.0},
    "sweep-referral-summaries": {
        "task": "clinic.referrals.tasks.sweep_referral_summaries",
        "schedule": 60.0,
    },
}


def celery_for(flask_app: Flask) -> Celery:
    """The app's Celery instance, with the tasks a worker imports and the beat schedule."""
    celery = dispatch.celery_for(flask_app)
    celery.conf.update(include=list(TASK_MODULES), beat_schedule=BEAT_SCHEDULE)
    return celery
