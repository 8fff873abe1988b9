"""No email twice, and none lost, while the database drops the worker's connections.

A real Celery worker drains 1,000 outbox rows to a real SMTP server (aiosmtpd)
while, every few seconds, the test terminates the worker's PostgreSQL connections
(``pg_terminate_backend``) or, on SQLite, holds the write lock longer than the
worker waits for it. Every message must arrive exactly once.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from datetime import timedelta

from sqlalchemy import create_engine, func, select, text

from clinic.db import utcnow
from clinic.extensions import db as _db
from clinic.mail.delivery import message_id_header
from clinic.mail.models import OutboxMessage
from clinic.mail.outbox import LOST_TASK_AFTER, email_row, insert_emails, sweep
from tests.conftest import PG_ADMIN_URL, TARGET
from tests.mail.smtp import SmtpServer
from tests.worker.processes import broker, wait_until
from tests.worker.test_processes import app_config

MESSAGES = 1000
FAULT_EVERY = 3.0  # seconds
WORKER_APPLICATION = "clinic-exactly-once-worker"


class Faults(threading.Thread):
    """Every few seconds, the database fails the worker (bounded: stops when told or
    after ten minutes)."""

    def __init__(self, database_url: str):
        super().__init__(daemon=True)
        self.database_url = database_url
        self.stop = threading.Event()
        self.count = 0

    def run(self) -> None:
        deadline = time.monotonic() + 600
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT") if TARGET == "postgresql" else None
        try:
            while not self.stop.wait(FAULT_EVERY) and time.monotonic() < deadline:
                if admin is not None:
                    with admin.connect() as conn:
                        killed = conn.scalar(
                            text(
                                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                                " WHERE application_name = :name"
                            ),
                            {"name": WORKER_APPLICATION},
                        )
                    self.count += killed
                else:
                    holder = sqlite3.connect(self.database_url.removeprefix("sqlite:///"), isolation_level=None)
                    holder.execute("BEGIN IMMEDIATE")  # the worker gives up after 0.2 s
                    time.sleep(1.0)
                    holder.execute("ROLLBACK")
                    holder.close()
                    self.count += 1
        finally:
            if admin is not None:
                admin.dispose()


def _queue_messages() -> list[str]:
    rows = [
        email_row(
            f"exactly-once:{n}",
            f"family{n}@families.test",
            "referral_summary_ready",
            "en",
            {"supervisor_name": "Grace", "referral_id": n, "summary_url": f"http://127.0.0.1:5000/referrals/{n}/summary"},
        )
        for n in range(MESSAGES)
    ]
    insert_emails(rows)
    _db.session.commit()  # the rows, then (after the commit) their tasks on the broker
    return [row["key"] for row in rows]


def _status_counts() -> dict[str, int]:
    return dict(_db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())


def test_a_worker_drains_1000_emails_while_its_connections_are_terminated(app, db, database_url, redis_queue, workers):
    server = SmtpServer().start()
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port}
    if TARGET == "postgresql":
        worker_database = f"{database_url}?application_name={WORKER_APPLICATION}"
        faults_on = {}
    else:
        worker_database = database_url
        faults_on = {"SQLITE_BUSY_TIMEOUT": 0.2}
    faults = Faults(database_url)
    try:
        worker = workers(app_config(worker_database, **redis_queue, **mail, **faults_on))
        with broker(app, **redis_queue, **mail):
            keys = _queue_messages()
            faults.start()
            last_sweep = time.monotonic()

            def drained():
                nonlocal last_sweep
                counts = _status_counts()
                if counts.get("sent") == MESSAGES:
                    return counts
                # What the beat would do: queue again rows whose task gave up.
                if time.monotonic() - last_sweep > 20:
                    sweep(utcnow() + LOST_TASK_AFTER + timedelta(seconds=1))
                    _db.session.commit()
                    last_sweep = time.monotonic()
                return None

            counts = wait_until(drained, timeout=420, what=f"all {MESSAGES} emails sent ({worker.output()[-2000:]})")
            faults.stop.set()
            faults.join(timeout=30)

            assert counts == {"sent": MESSAGES}
            assert faults.count >= 3, "the database never failed the worker"
            # It failed the worker while it was writing a step down, too (not only between tasks).
            assert "outbox: the database failed a write" in worker.log_path.read_text(errors="replace")
            received = Counter(message["Message-ID"] for message in server.recorder.wait_for(MESSAGES, timeout=10))
            sender = app.config["MAIL_DEFAULT_SENDER"]
            assert received == Counter({message_id_header(key, sender): 1 for key in keys})
            time.sleep(1)  # a late duplicate would show now
            assert len(server.messages) == MESSAGES
    finally:
        faults.stop.set()
        server.stop()
