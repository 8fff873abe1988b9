"""The Celery application, configured from the Flask app (SPEC environment table).

One Celery app per Flask app, kept in ``flask_app.extensions["celery"]``: the web
process uses it to queue tasks, the worker and beat processes to run them. Tasks
live in the domain packages as ``@shared_task`` and run in an app context with one
transaction each (see :class:`FlaskTask` in :func:`celery_init_app`).

Without ``REDIS_URL`` the broker is kombu's ``filesystem://`` transport in the
instance folder: it needs no server and works across processes, but it drops a
message whose worker dies (it removes the file on delivery). Nothing depends on
the broker keeping a message: every email is an outbox row and every summary a
revision check, and the periodic sweeps re-queue what is still to do.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from pathlib import Path

from celery import Celery, Task
from celery.schedules import crontab
from flask import Flask, current_app
from sqlalchemy.exc import InterfaceError, OperationalError

from clinic.extensions import db

log = logging.getLogger(__name__)

TASK_MODULES = ("clinic.mail.tasks", "clinic.referrals.tasks")
DEFAULT_QUEUE = "clinic"

BEAT_SCHEDULE = {
    # Rule 8: every morning at 07:00 clinic time (the app's ``timezone`` setting).
    "send-reminders": {
        "task": "clinic.mail.tasks.send_reminders",
        "schedule": crontab(hour=7, minute=0),
    },
    "sweep-outbox": {"task": "clinic.mail.tasks.sweep_outbox", "schedule": 60.0},
    "sweep-referral-summaries": {
        "task": "clinic.referrals.tasks.sweep_referral_summaries",
        "schedule": 60.0,
    },
}

_init_lock = threading.Lock()


def celery_for(flask_app: Flask) -> Celery:
    """The Celery app of ``flask_app``, created on first use."""
    celery = flask_app.extensions.get("celery")
    if celery is None:
        with _init_lock:
            celery = flask_app.extensions.get("celery")
            if celery is None:
                celery = celery_init_app(flask_app)
    return celery


def celery_init_app(flask_app: Flask) -> Celery:
    class FlaskTask(Task):
        """Runs in an app context: commit when the task returns, roll back when it raises."""

        # A lost database connection or a locked SQLite file is worth another try;
        # a bug is not (it would fail the same way five times).
        autoretry_for = (OperationalError, InterfaceError)
        retry_backoff = 5
        retry_backoff_max = 600
        retry_jitter = True
        max_retries = 5

        def __call__(self, *args, **kwargs):
            with flask_app.app_context():
                try:
                    result = self.run(*args, **kwargs)
                    db.session.commit()
                except BaseException:
                    db.session.rollback()
                    raise
                return result

    celery = Celery(flask_app.import_name, task_cls=FlaskTask, include=list(TASK_MODULES))
    celery.conf.update(celery_settings(flask_app))
    flask_app.extensions["celery"] = celery
    return celery


def celery_settings(flask_app: Flask) -> dict:
    config = flask_app.config
    broker_url = config["CELERY_BROKER_URL"]
    if broker_url == "filesystem://":
        broker_url = "filesystem://localhost/"  # the host is ignored; naming one stops kombu warning
    result_backend = config.get("CELERY_RESULT_BACKEND")
    settings = {
        "broker_url": broker_url,
        "result_backend": result_backend,
        "task_ignore_result": result_backend is None,
        "result_expires": timedelta(days=1),
        # JSON only: a task message never carries code (no pickle).
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        # A message is acknowledged when its task is done, and handed to another
        # worker when the one running it dies.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_always_eager": config.get("CELERY_TASK_ALWAYS_EAGER", False),
        "task_default_queue": config.get("CELERY_TASK_DEFAULT_QUEUE") or DEFAULT_QUEUE,
        # A broker that is down must not hold a web request for long: the sweep
        # re-sends what could not be queued.
        "task_publish_retry_policy": {
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.5,
            "interval_max": 1,
        },
        "broker_connection_retry_on_startup": True,
        "timezone": config["CLINIC_TIMEZONE"],
        "enable_utc": True,
        "beat_schedule": BEAT_SCHEDULE,
        "beat_schedule_filename": str(Path(flask_app.instance_path) / "celerybeat-schedule"),
        "worker_hijack_root_logger": False,
    }
    if broker_url.startswith("filesystem://"):
        folder = Path(config["CELERY_BROKER_FOLDER"])
        queue_folder, control_folder = folder / "queue", folder / "control"
        queue_folder.mkdir(parents=True, exist_ok=True)
        control_folder.mkdir(parents=True, exist_ok=True)
        settings["broker_transport_options"] = {
            # The same folder in and out: what one process writes, another reads.
            "data_folder_in": str(queue_folder),
            "data_folder_out": str(queue_folder),
            "control_folder": str(control_folder),
            "store_processed": False,
        }
        # Remote control (inspect, ping) would leave a queue folder per worker
        # that ever ran; nothing here needs it.
        settings["worker_enable_remote_control"] = False
    else:
        settings["broker_transport_options"] = {"socket_connect_timeout": 5}
        settings["redis_socket_connect_timeout"] = 5
    return settings


def enqueue(task: Task, *args) -> bool:
    """Queue ``task(*args)`` on the current Flask app's broker; False when the broker failed.

    A broker that is unreachable is logged, not raised: the change that called for
    the task is committed already, and the periodic sweeps pick up what is still to
    do (queued outbox rows, stale referral summaries).
    """
    try:
        celery_for(current_app._get_current_object()).tasks[task.name].apply_async(args=args)
    except Exception as exc:  # noqa: BLE001 - any broker failure; the sweep recovers
        log.warning("could not queue %s%r (%s); the periodic sweep will queue it again", task.name, args, exc)
        return False
    return True
