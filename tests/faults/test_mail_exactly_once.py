"""No email twice, and none lost, while the database fails the worker.

A real Celery worker drains 1,000 outbox rows to a real SMTP server (aiosmtpd)
while the database fails it in two ways:

- every few seconds, at whatever moment it comes: PostgreSQL terminates the
  worker's connections (``pg_terminate_backend``); SQLite's write lock is held
  longer than the worker waits for it;
- each time another third of the emails has gone, while the worker is writing a
  step down: PostgreSQL makes its UPDATE wait for a lock and terminates it while it
  waits; SQLite holds the write lock until the worker's write has failed. These are
  made to happen, not left to the timing of the first kind.

Every message must arrive exactly once.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections import Counter
from contextlib import closing
from datetime import timedelta
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from clinic.db import utcnow
from clinic.extensions import db as _db
from clinic.mail.delivery import message_id_header
from clinic.mail.models import OutboxMessage
from clinic.mail.outbox import LOST_TASK_AFTER, email_row, insert_emails, sweep
from tests.conftest import TARGET
from tests.mail.smtp import SmtpServer
from tests.worker.processes import broker, wait_until
from tests.worker.test_processes import app_config

MESSAGES = 1000
FAULT_EVERY = 3.0  # seconds
FAILED_WRITES_AT = (0, MESSAGES // 3, 2 * MESSAGES // 3)  # emails sent
FAILED_WRITE = "outbox: the database failed a write"
WORKER_APPLICATION = "clinic-exactly-once-worker"
SENT = text("SELECT count(*) FROM outbox_messages WHERE status = 'sent'")


class Faults(threading.Thread):
    """The database failing the worker, from ``with`` to its end (bounded: ten
    minutes at most)."""

    def __init__(self, database_url: str, worker_log: Path):
        super().__init__(daemon=True)
        self.database_url = database_url
        self.worker_log = worker_log
        self.stop = threading.Event()
        self.failed_writes = 0  # faults of the second kind, each seen in the worker's log

    def __enter__(self) -> Faults:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.join(timeout=60)

    def run(self) -> None:
        deadline = time.monotonic() + 600
        if TARGET == "postgresql":
            self.engine = create_engine(self.database_url, isolation_level="AUTOCOMMIT")
        next_fault = time.monotonic() + FAULT_EVERY
        writes_to_fail = list(FAILED_WRITES_AT)
        try:
            while not self.stop.wait(0.05) and time.monotonic() < deadline:
                if writes_to_fail and self._sent() >= writes_to_fail[0]:
                    writes_to_fail.pop(0)
                    self.failed_writes += self._fail_a_write()
                if time.monotonic() >= next_fault:
                    self._fail_now()
                    next_fault = time.monotonic() + FAULT_EVERY
        finally:
            if TARGET == "postgresql":
                self.engine.dispose()

    def _sent(self) -> int:
        if TARGET == "postgresql":
            with self.engine.connect() as conn:
                return conn.scalar(SENT)
        with closing(self._sqlite()) as conn:
            return conn.execute(SENT.text).fetchone()[0]

    def _sqlite(self) -> sqlite3.Connection:
        return sqlite3.connect(self.database_url.removeprefix("sqlite:///"), isolation_level=None)

    def _fail_now(self) -> None:
        if TARGET == "postgresql":
            with self.engine.connect() as conn:
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = :name"),
                    {"name": WORKER_APPLICATION},
                )
            return
        holder = self._sqlite()
        holder.execute("BEGIN IMMEDIATE")  # the worker gives up after 0.2 s
        time.sleep(1.0)
        holder.execute("ROLLBACK")
        holder.close()

    def _fail_a_write(self) -> int:
        """1 once the worker has logged a write the database failed, else 0 (30 s)."""
        logged = self._failed_writes_logged()
        if TARGET == "postgresql":
            holder = create_engine(self.database_url).connect()
            try:
                # The worker's UPDATEs wait for this lock; its reads do not.
                holder.execute(text("LOCK TABLE outbox_messages IN SHARE MODE"))
                if self._poll(self._waiting_for_the_lock):
                    with self.engine.connect() as conn:
                        conn.execute(
                            text(
                                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                                " WHERE application_name = :name AND wait_event_type = 'Lock'"
                            ),
                            {"name": WORKER_APPLICATION},
                        )
                failed = self._poll(lambda: self._failed_writes_logged() > logged)
            finally:
                holder.rollback()
                holder.close()
                holder.engine.dispose()
        else:
            holder = self._sqlite()
            holder.execute("BEGIN IMMEDIATE")  # until the worker's write has given up
            try:
                failed = self._poll(lambda: self._failed_writes_logged() > logged)
            finally:
                holder.execute("ROLLBACK")
                holder.close()
        return 1 if failed else 0

    def _waiting_for_the_lock(self) -> bool:
        with self.engine.connect() as conn:
            return conn.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE application_name = :name AND wait_event_type = 'Lock'"
                ),
                {"name": WORKER_APPLICATION},
            ) > 0

    def _failed_writes_logged(self) -> int:
        return self.worker_log.read_text(errors="replace").count(FAILED_WRITE)

    def _poll(self, predicate, timeout: float = 30):
        deadline = time.monotonic() + timeout
        while not (value := predicate()) and time.monotonic() < deadline:
            time.sleep(0.02)
        return value


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


def test_a_worker_drains_1000_emails_while_the_database_fails_it(app, db, database_url, redis_queue, workers):
    server = SmtpServer().start()
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port}
    if TARGET == "postgresql":
        worker_database = f"{database_url}?application_name={WORKER_APPLICATION}"
        faults_on = {}
    else:
        worker_database = database_url
        faults_on = {"SQLITE_BUSY_TIMEOUT": 0.2}
    try:
        worker = workers(app_config(worker_database, **redis_queue, **mail, **faults_on))
        with broker(app, **redis_queue, **mail):
            keys = _queue_messages()
            with Faults(database_url, worker.log_path) as faults:
                last_sweep = time.monotonic()

                def drained():
                    nonlocal last_sweep
                    counts = _status_counts()
                    if counts.get("sent") == MESSAGES:
                        return counts
                    # What the beat would do: queue again rows whose task gave up.
                    if time.monotonic() - last_sweep > 20:
                        _db.session.commit()  # the sweep writes first (SQLite: no stale snapshot)
                        sweep(utcnow() + LOST_TASK_AFTER + timedelta(seconds=1))
                        _db.session.commit()
                        last_sweep = time.monotonic()
                    return None

                counts = wait_until(drained, timeout=420, what=f"all {MESSAGES} emails sent ({worker.output()[-2000:]})")

            assert counts == {"sent": MESSAGES}
            assert faults.failed_writes == len(FAILED_WRITES_AT), worker.output()[-2000:]
            received = Counter(message["Message-ID"] for message in server.recorder.wait_for(MESSAGES, timeout=10))
            sender = app.config["MAIL_DEFAULT_SENDER"]
            assert received == Counter({message_id_header(key, sender): 1 for key in keys})
            time.sleep(1)  # a late duplicate would show now
            assert len(server.messages) == MESSAGES
    finally:
        server.stop()
