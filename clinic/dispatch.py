"""Background tasks, queued by name: the one way the app reaches the worker.

The app's Celery instance (``celery_for``) is built from the Flask configuration and
kept in ``app.extensions["celery"]``; the web process uses it only to send task
messages by name, so nothing under ``clinic/`` imports ``worker/`` (the worker and
the beat schedule are a leaf, as in Flask's own Celery example). Tasks run in an app
context with one transaction each (:class:`FlaskTask` in :func:`celery_init_app`).

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
from functools import partial
from pathlib import Path

from celery import Celery, Task
from flask import Flask, current_app
from kombu import Queue
from sqlalchemy.exc import InterfaceError, OperationalError

from clinic.db import after_commit
from clinic.extensions import db

log = logging.getLogger(__name__)

DEFAULT_QUEUE = "clinic"

# Each kind of work has a queue of its own, so an email is never stuck behind a
# burst of summary compiles (2–6 s each) and the sweeps always run. A worker
# consumes all of them by default (``task_queues``); ``-Q`` can split them across
# workers. Queues are named after the default queue: ``clinic.mail`` and so on.
MAIL, SUMMARIES, PERIODIC = "mail", "summaries", "periodic"
TASK_QUEUES = {
    "clinic.mail.tasks.deliver_email": MAIL,
    "clinic.referrals.tasks.compile_referral_summary": SUMMARIES,
    "clinic.worklist.tasks.send_reminders": PERIODIC,
    "clinic.mail.tasks.sweep_outbox": PERIODIC,
    "clinic.referrals.tasks.sweep_referral_summaries": PERIODIC,
}


def queue_names(default: str = DEFAULT_QUEUE) -> list[str]:
    """Every queue a worker consumes: the default one, then mail, summaries, periodic."""
    return [default] + [f"{default}.{kind}" for kind in (MAIL, SUMMARIES, PERIODIC)]

_init_lock = threading.Lock()


def queue(task_name: str, *args) -> bool:
    """Send ``task_name(*args)`` to the current app's broker now; False when the broker failed.

    A broker that is unreachable is logged, not raised: the change that called for
    the task is committed already, and the periodic sweeps pick up what is still to
    do (queued outbox rows, stale referral summaries).
    """
    try:
        celery_for(current_app._get_current_object()).send_task(task_name, args=args)
    except Exception as exc:  # noqa: BLE001 - any broker failure; the sweep recovers
        log.warning("could not queue %s%r (%s); the periodic sweep will queue it again", task_name, args, exc)
        return False
    return True


def queue_after_commit(task_name: str, *args) -> None:
    """Queue the task once the current transaction commits (never for a rollback),
    so a worker never looks for a row that is not there yet."""
    after_commit(db.session, partial(queue, task_name, *args))


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

    celery = Celery(flask_app.import_name, task_cls=FlaskTask)
    celery.conf.update(celery_settings(flask_app))
    flask_app.extensions["celery"] = celery
    return celery


def celery_settings(flask_app: Flask) -> dict:
    config = flask_app.config
    broker_url = config["CELERY_BROKER_URL"]
    if broker_url == "filesystem://":
        broker_url = "filesystem://localhost/"  # the host is ignored; naming one stops kombu warning
    result_backend = config.get("CELERY_RESULT_BACKEND")
    default_queue = config.get("CELERY_TASK_DEFAULT_QUEUE") or DEFAULT_QUEUE
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
        "task_default_queue": default_queue,
        "task_queues": [Queue(name) for name in queue_names(default_queue)],
        "task_routes": {name: {"queue": f"{default_queue}.{kind}"} for name, kind in TASK_QUEUES.items()},
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
