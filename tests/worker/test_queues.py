"""Email is never stuck behind summaries: mail, summaries and the periodic sweeps
have queues of their own, and one worker consumes them all."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from clinic import clock
from clinic.dispatch import queue_names
from clinic.extensions import db as _db
from clinic.mail.models import OutboxMessage
from clinic.mail.outbox import email_row, insert_emails
from clinic.referrals.models import Referral, ReferralSummary
from clinic.screening import services as screening
from tests.factories import CaregiverFactory, FamilyFactory, SupervisorFactory, TeamFactory, UserFactory
from tests.mail.smtp import SmtpServer
from tests.worker.processes import broker, wait_until
from tests.worker.test_processes import app_config, outbox_row
from worker.celery_app import celery_for

pytestmark = pytest.mark.services

SUMMARIES = 100
CONTEXT = {"supervisor_name": "Grace", "referral_id": 100000, "summary_url": "http://127.0.0.1:5000/referrals/100000/summary"}


def test_every_task_has_its_queue_and_a_worker_consumes_them_all(app):
    conf = celery_for(app).conf
    assert [queue.name for queue in conf.task_queues] == ["clinic", "clinic.mail", "clinic.summaries", "clinic.periodic"]
    assert queue_names() == ["clinic", "clinic.mail", "clinic.summaries", "clinic.periodic"]
    routes = {name: route["queue"] for name, route in conf.task_routes.items()}
    assert routes == {
        "clinic.mail.tasks.deliver_email": "clinic.mail",
        "clinic.referrals.tasks.compile_referral_summary": "clinic.summaries",
        "clinic.worklist.tasks.send_reminders": "clinic.periodic",
        "clinic.mail.tasks.sweep_outbox": "clinic.periodic",
        "clinic.referrals.tasks.sweep_referral_summaries": "clinic.periodic",
    }
    # Every task the worker knows, and every task of the beat schedule, has a route.
    worker_tasks = {name for name in celery_for(app).tasks if name.startswith("clinic.")}
    assert worker_tasks <= set(routes)
    assert {entry["task"] for entry in conf.beat_schedule.values()} <= set(routes)


def test_an_email_goes_out_within_seconds_while_100_summaries_wait(app, db, database_url, redis_queue, workers):
    server = SmtpServer().start()
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port}
    try:
        with broker(app, **redis_queue, **mail):
            team = TeamFactory()
            SupervisorFactory(supervises=[team])
            visitor = UserFactory(team=team)
            for _ in range(SUMMARIES):
                caregiver = CaregiverFactory(family=FamilyFactory(assigned_visitor=visitor))
                screening.record_risk_factor(visitor, code="caregiver_stress", noted_on=clock.today(), caregiver=caregiver)
            _db.session.commit()  # 100 referrals: their compiles go to the summaries queue
            assert _db.session.scalar(select(func.count()).select_from(Referral)) == SUMMARIES
            # One worker, one task at a time (started now: on SQLite the test could not
            # write beside it): the summaries alone keep it busy for a while.
            workers(app_config(database_url, **redis_queue, **mail))
            wait_until(
                lambda: _db.session.scalar(select(func.count()).select_from(ReferralSummary)) >= 1,
                timeout=60,
                what="the worker to be busy with summaries",
            )

            # The insert is its transaction's first statement: on SQLite a transaction
            # that read first could not write beside the busy worker.
            _db.session.commit()
            insert_emails([email_row("test:queues", "ana@families.test", "referral_summary_ready", "en", CONTEXT)])
            _db.session.commit()
            queued_at = time.monotonic()
            message = _db.session.scalars(select(OutboxMessage).where(OutboxMessage.key == "test:queues")).one()
            wait_until(lambda: outbox_row(message.id).status == "sent", timeout=30, what="the email")
            took = time.monotonic() - queued_at
            compiled = _db.session.scalar(select(func.count()).select_from(ReferralSummary))

            assert took < 15
            assert compiled < SUMMARIES / 2, "the email waited for the summaries"
            assert [m for m in server.messages if m["Subject"] == "Referral 100000: summary ready"]
            assert _db.session.scalar(select(OutboxMessage.attempts).where(OutboxMessage.id == message.id)) == 1
    finally:
        server.stop()
