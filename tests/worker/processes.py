"""Real worker processes for the tests: start, wait until ready, stop or kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from clinic.extensions import db

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 40


def wait_until(predicate: Callable[[], object], timeout: float = 30, what: str = "condition"):
    """Poll ``predicate`` (each time in a fresh transaction) until it is truthy."""
    deadline = time.monotonic() + timeout
    while True:
        db.session.commit()  # end the test's snapshot, so the worker's writes show
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.1)


class WorkerProcess:
    """``celery -A tests.worker.celery_entry worker``, in its own process group."""

    def __init__(self, config: dict, log_path: Path, name: str = "worker", extra_args: tuple[str, ...] = ()):
        self.config = config
        self.log_path = log_path
        self.name = name
        self.extra_args = extra_args
        self.process: subprocess.Popen | None = None

    def start(self) -> WorkerProcess:
        env = {
            **os.environ,
            "CLINIC_TEST_APP_CONFIG": json.dumps(self.config),
            "SECRET_KEY": self.config["SECRET_KEY"],
            "PYTHONUNBUFFERED": "1",
        }
        env.pop("REDIS_URL", None)
        self.log = open(self.log_path, "ab")  # noqa: SIM115 - the worker writes to it until stop()
        self.process = subprocess.Popen(
            [
                sys.executable, "-m", "celery", "-A", "tests.worker.celery_entry", "worker",
                "--loglevel=INFO", "--concurrency=1", "--without-gossip", "--without-mingle",
                "--without-heartbeat", "-n", f"{self.name}-{os.getpid()}@%h", *self.extra_args,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill takes the pool with it
        )
        deadline = time.monotonic() + START_TIMEOUT
        while b" ready." not in self.log_path.read_bytes():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise AssertionError(f"the worker did not start:\n{self.output()}")
            time.sleep(0.1)
        return self

    def output(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]

    def kill(self) -> None:
        """SIGKILL the worker and its pool: no shutdown, no acknowledgement, nothing."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        """The test is over: nothing to wind down, so the quickest way out."""
        self.kill()
        self.log.close()


@contextmanager
def broker(app: Flask, **config):
    """Point the test's app at another broker (and mail server) for a while."""
    saved = {key: app.config[key] for key in config if key in app.config}
    previous = app.extensions.pop("celery", None)
    app.config.update(config)
    try:
        yield
    finally:
        current = app.extensions.pop("celery", None)
        if current is not None:
            current.close()
        for key in config:
            app.config.pop(key, None)
        app.config.update(saved)
        if previous is not None:
            app.extensions["celery"] = previous
