"""The Celery app's configuration, its task base class, queueing and the periodic lock."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from celery.schedules import crontab
from sqlalchemy import func, select, update

from clinic.cases.models import Family
from clinic.db import utcnow
from clinic.dispatch import queue
from clinic.locks import WorkerLock, periodic_lock
from tests.factories import FamilyFactory
from tests.worker.processes import broker
from worker.celery_app import BEAT_SCHEDULE, celery_for


def test_tasks_are_json_only_acknowledged_late_and_requeued_when_their_worker_dies(app):
    conf = celery_for(app).conf
    assert conf.task_serializer == conf.result_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1


def test_without_redis_the_broker_is_the_filesystem_under_the_instance_folder(app):
    conf = celery_for(app).conf
    folder = Path(app.config["CELERY_BROKER_FOLDER"])
    assert conf.broker_url.startswith("filesystem://")
    options = conf.broker_transport_options
    assert options["data_folder_in"] == options["data_folder_out"] == str(folder / "queue")
    assert (folder / "queue").is_dir() and (folder / "control").is_dir()
    assert conf.result_backend is None and conf.task_ignore_result is True


def test_with_redis_the_broker_and_the_result_store_are_redis(app):
    with broker(app, CELERY_BROKER_URL="redis://127.0.0.1:6379/3", CELERY_RESULT_BACKEND="redis://127.0.0.1:6379/3"):
        conf = celery_for(app).conf
        assert conf.broker_url == conf.result_backend == "redis://127.0.0.1:6379/3"
        assert conf.task_ignore_result is False


def test_the_beat_sends_reminders_at_seven_clinic_time_and_sweeps_every_minute(app):
    with broker(app, CLINIC_TIMEZONE="America/Chicago"):
        conf = celery_for(app).conf
        assert conf.timezone == "America/Chicago"
        assert conf.beat_schedule == BEAT_SCHEDULE
    reminders = BEAT_SCHEDULE["send-reminders"]
    assert reminders["task"] == "clinic.worklist.tasks.send_reminders"
    assert reminders["schedule"] == crontab(hour=7, minute=0)
    assert BEAT_SCHEDULE["sweep-outbox"]["schedule"] == 60.0
    assert BEAT_SCHEDULE["sweep-referral-summaries"]["schedule"] == 60.0
    celery = celery_for(app)
    celery.loader.import_default_modules()  # what a worker does as it starts
    for entry in BEAT_SCHEDULE.values():
        assert entry["task"] in celery.tasks


def test_a_task_commits_when_it_returns_and_rolls_back_when_it_raises(app, db):
    celery = celery_for(app)
    family = FamilyFactory(name="Before")

    @celery.task(name="tests.rename_family", autoretry_for=())
    def rename(family_id, name, fail=False):
        db.session.get(Family, family_id).name = name
        if fail:
            raise RuntimeError("boom")

    try:
        rename.apply(args=(family.id, "Committed")).get()
        failed = rename.apply(args=(family.id, "Rolled back", True))
        assert isinstance(failed.result, RuntimeError)
    finally:
        celery.tasks.pop("tests.rename_family")
    db.session.commit()
    assert db.session.scalar(select(Family.name).where(Family.id == family.id)) == "Committed"


def test_a_broker_that_is_down_is_logged_not_raised(app, caplog):
    with broker(app, CELERY_BROKER_URL="redis://127.0.0.1:9/0"), caplog.at_level(logging.WARNING):
        assert queue("clinic.mail.tasks.deliver_email", 1) is False
    assert "the periodic sweep will queue it again" in caplog.text


def test_two_runs_never_hold_the_lock_at_once_and_a_dead_runs_lock_lapses(db):
    with periodic_lock("reminders", timedelta(minutes=5)) as first:
        with periodic_lock("reminders", timedelta(minutes=5)) as second:
            assert (first, second) == (True, False)
        with periodic_lock("sweep-outbox", timedelta(minutes=5)) as other:
            assert other is True
    with periodic_lock("reminders", timedelta(minutes=5)) as again:
        assert again is True
        # The holder dies: its lease runs out.
        db.session.execute(update(WorkerLock).values(expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        with periodic_lock("reminders", timedelta(minutes=5)) as taken_over:
            assert taken_over is True
    assert db.session.scalar(select(func.count()).select_from(WorkerLock)) == 0
