"""Real parts: Celery worker processes on a real Redis and on the embedded filesystem
broker, mail to a real SMTP server, and the faults rule 8 must survive.

These start processes, so they are few and bounded in time (each waits at most
~30 s for what it expects; together they take well under a minute).
"""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from clinic import clock
from clinic.db import utcnow
from clinic.dispatch import queue
from clinic.extensions import db as _db
from clinic.mail.models import OutboxMessage
from clinic.mail.outbox import queue_email
from clinic.referrals.models import Referral, ReferralSummary
from tests.factories import (
    CaregiverFactory,
    FamilyFactory,
    FollowUpFactory,
    SupervisorFactory,
    TeamFactory,
    UserFactory,
)
from tests.mail.smtp import SmtpServer, free_port
from tests.worker.processes import ROOT, broker, wait_until
from worker.celery_app import celery_for

pytestmark = pytest.mark.services


def app_config(database_url: str, **overrides) -> dict:
    """The configuration a worker process runs with (as JSON for tests/worker/celery_entry.py)."""
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "RATELIMIT_STORAGE_URI": "memory://",
        "MAIL_SERVER": None,
        **overrides,
    }


def run_task(app, name: str, *args, timeout: float = 30):
    """Send a task to the worker and wait for its result (through the Redis result store)."""
    return celery_for(app).send_task(name, args=args).get(timeout=timeout)


def outbox_row(message_id: int) -> OutboxMessage:
    return _db.session.get(OutboxMessage, message_id, populate_existing=True)


def queue_test_email() -> OutboxMessage:
    message = queue_email(
        "test:worker",
        "ana@families.test",
        "referral_summary_ready",
        "en",
        {"supervisor_name": "Grace", "referral_id": 1, "summary_url": "http://127.0.0.1:5000/referrals/1/summary"},
    )
    _db.session.commit()  # the row, then (after the commit) its task on the broker
    return message


def test_a_worker_on_redis_delivers_once_when_the_smtp_server_comes_back(app, db, database_url, redis_queue, workers):
    port = free_port()
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port}
    workers(app_config(database_url, **redis_queue, **mail))
    with broker(app, **redis_queue, **mail):
        message = queue_test_email()
        failed = wait_until(
            lambda: (row := outbox_row(message.id)).attempts == 1 and row.status == "queued" and row,
            what="the first attempt to fail",
        )
        assert "ConnectionRefusedError" in failed.last_error

        server = SmtpServer(port=port).start()
        try:
            # The backoff is over; the beat's sweep finds the row and queues it again.
            db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()
            assert run_task(app, "clinic.mail.tasks.sweep_outbox") == 1
            sent = wait_until(lambda: (row := outbox_row(message.id)).status == "sent" and row, what="the send")
            assert sent.attempts == 2 and sent.sent_at is not None
            [received] = server.recorder.wait_for(1)
            assert received["Subject"] == "Referral 1: summary ready"

            # A late copy of the task (a broker redelivery) and another sweep send nothing.
            assert run_task(app, "clinic.mail.tasks.deliver_email", message.id) == "skipped"
            assert run_task(app, "clinic.mail.tasks.sweep_outbox") == 0
            assert len(server.messages) == 1
        finally:
            server.stop()


def test_a_worker_killed_mid_send_loses_nothing_and_sends_nothing_twice(app, db, database_url, redis_queue, workers):
    server = SmtpServer().start()
    server.recorder.hold.set()  # the server answers EHLO only when released
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port}
    try:
        first = workers(app_config(database_url, **redis_queue, **mail), name="first")
        with broker(app, **redis_queue, **mail):
            message = queue_test_email()
            assert server.recorder.greeted.wait(30), first.output()
            wait_until(lambda: outbox_row(message.id).status == "sending", what="the claim")

            first.kill()  # SIGKILL, mid-conversation with the SMTP server
            server.recorder.hold.clear()
            row = outbox_row(message.id)
            assert (row.status, row.attempts, server.messages) == ("sending", 1, [])

            workers(app_config(database_url, **redis_queue, **mail), name="second")
            # The dead sender's claim lapses; the sweep hands the row to the live worker.
            db.session.execute(update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1)))
            db.session.commit()
            assert run_task(app, "clinic.mail.tasks.sweep_outbox") == 1
            sent = wait_until(lambda: (row := outbox_row(message.id)).status == "sent" and row, what="the send")
            assert sent.attempts == 2
            assert len(server.recorder.wait_for(1)) == 1

            # The killed task's message, redelivered by the broker, sends nothing.
            assert run_task(app, "clinic.mail.tasks.deliver_email", message.id) == "skipped"
            assert len(server.messages) == 1
    finally:
        server.stop()


def test_a_risk_factor_saved_while_redis_is_down_is_summarised_once_it_is_back(
    app, db, api, database_url, redis_queue, workers
):
    team = TeamFactory()
    SupervisorFactory(supervises=[team])
    visitor = UserFactory(team=team)
    caregiver = CaregiverFactory(family=FamilyFactory(assigned_visitor=visitor))
    client = api(visitor)
    down = {**redis_queue, "CELERY_BROKER_URL": f"redis://127.0.0.1:{free_port()}/0"}

    with broker(app, **down):
        response = client.post(
            f"/caregivers/{caregiver.id}/risk-factors",
            json={"code": "caregiver_stress", "noted_on": clock.today().isoformat()},
        )
    assert response.status_code == 201, response.json
    referral_id = response.json["referral_id"]
    assert db.session.get(ReferralSummary, referral_id) is None

    workers(app_config(database_url, **redis_queue))
    with broker(app, **redis_queue):
        # Minutes later, the beat's sweep finds the referral without its summary.
        db.session.execute(update(Referral).values(updated_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
        assert run_task(app, "clinic.referrals.tasks.sweep_referral_summaries") == 1
        document = wait_until(lambda: _db.session.get(ReferralSummary, referral_id), what="the summary")
    assert document.pdf.startswith(b"%PDF-") and "Overly stressed" in document.html
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(OutboxMessage.template == "referral_summary_ready")) == 1


def test_the_embedded_broker_carries_tasks_between_processes(app, db, database_url, case, workers, tmp_path):
    server = SmtpServer().start()
    embedded = {
        "CELERY_BROKER_URL": "filesystem://",
        "CELERY_BROKER_FOLDER": str(tmp_path / "broker"),
        "CELERY_RESULT_BACKEND": None,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": server.port,
    }
    try:
        workers(app_config(database_url, **embedded))
        with broker(app, **embedded):
            assert queue("clinic.referrals.tasks.compile_referral_summary", case.referral.id) is True  # a file this process writes
            document = wait_until(lambda: _db.session.get(ReferralSummary, case.referral.id), what="the summary")
            assert document.reasons_revision == 2 and document.pdf.startswith(b"%PDF-")
            # The worker queued the supervisor's email through the same broker, then sent it.
            [received] = server.recorder.wait_for(1)
            assert received["Subject"] == f"Referral {case.referral.id}: summary ready"
            assert received["To"] == "grace@clinic.test"
    finally:
        server.stop()


def clinic_command(database_url: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key"}
    for name in ("REDIS_URL", "MAIL_SERVER"):
        env.pop(name, None)
    return subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "clinic"), *args],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )


def test_two_reminder_runs_at_once_queue_each_reminder_once(db, database_url):
    today = clock.today()
    for _ in range(3):
        family = FamilyFactory()
        CaregiverFactory(family=family)
        CaregiverFactory(family=family, is_primary=False)
        FollowUpFactory(family=family, due_on=today + timedelta(days=2))
        FollowUpFactory(family=family, due_on=today - timedelta(days=2))

    day = today.isoformat()
    runs = [clinic_command(database_url, "reminders", "run", "--today", day) for _ in range(2)]
    outputs = [run.communicate(timeout=60)[0] for run in runs]
    assert min(run.returncode for run in runs) == 0, outputs
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0 or "Another reminder run is in progress" in output, output

    keys = list(db.session.scalars(select(OutboxMessage.key)))
    assert len(keys) == len(set(keys)) == 3 * 2 + 3  # a reminder per caregiver, a digest per visitor


def test_celery_finds_the_app_in_the_worker_package(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'clinic.sqlite3'}",
        "SECRET_KEY": "test-secret-key",
        "REDIS_URL": "redis://127.0.0.1:9/0",
        "CLINIC_TIMEZONE": "America/Chicago",
    }
    report = subprocess.run(
        [sys.executable, "-m", "celery", "-A", "worker", "report"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
    )
    assert report.returncode == 0, report.stderr
    assert "timezone: 'America/Chicago'" in report.stdout
    assert "send-reminders" in report.stdout and "clinic.mail.tasks.sweep_outbox" in report.stdout
