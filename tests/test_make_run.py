"""``make run`` stops cleanly: Ctrl-C or SIGTERM ends every process it started.

The test takes the command line ``make run`` ends with (``make -n run``), starts it
as a terminal would (its own process group), waits until the web app answers and
the worker is ready, interrupts it, and then looks for every process that was
running under it: none may be left. Like ``make run`` it uses the file broker and
beat schedule in the checkout's ``instance/`` folder (on a database of its own).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.mail.smtp import free_port

ROOT = Path(__file__).resolve().parents[1]


def run_command_line(port: int) -> str:
    lines = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", f"PORT={port}"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()
    return lines[-1]


def descendants(pid: int) -> set[tuple[int, str]]:
    """(pid, start time) of every process below ``pid``, found through /proc."""
    children: dict[int, list[int]] = {}
    starts: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        children.setdefault(int(fields[1]), []).append(int(entry.name))
        starts[int(entry.name)] = fields[19]
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), ()):
            found.add((child, starts[child]))
            todo.append(child)
    return found


def still_running(processes: set[tuple[int, str]]) -> list[str]:
    left = []
    for pid, start in processes:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[19] == start and fields[0] != "Z":
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            left.append(f"{pid}: {command[:200]}")
    return left


def wait_for(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}:\n{log.read_text(errors='replace')[-4000:]}")
        time.sleep(0.2)


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.parametrize("how", ["ctrl-c", "sigterm"])
def test_make_run_stops_every_process_it_started(tmp_path, how):
    port = free_port()
    database = f"sqlite:///{tmp_path / 'run.sqlite3'}"
    env = {**os.environ, "DATABASE_URL": database, "SECRET_KEY": "run-test", "PYTHONUNBUFFERED": "1"}
    env.pop("REDIS_URL", None)
    subprocess.run([str(ROOT / ".venv/bin/clinic"), "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    log = tmp_path / "run.log"
    with open(log, "wb") as output:
        # As a terminal starts it: a process group of its own, which Ctrl-C signals whole.
        shell = subprocess.Popen(
            ["/bin/sh", "-c", run_command_line(port)], cwd=ROOT, env=env,
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )
    running: set[tuple[int, str]] = set()
    try:
        wait_for(lambda: answers(port), 60, "the web app", log)
        wait_for(lambda: b" ready." in log.read_bytes(), 60, "the worker", log)
        running = descendants(shell.pid)
        assert len(running) >= 5  # the script, gunicorn and its workers, celery and its pool

        if how == "ctrl-c":
            os.killpg(shell.pid, signal.SIGINT)
        else:
            [script] = [pid for pid, _ in running if b"bin/run.py" in Path(f"/proc/{pid}/cmdline").read_bytes()]
            os.kill(script, signal.SIGTERM)
        shell.wait(timeout=40)

        assert still_running(running) == []
        assert not answers(port)
        assert b"run: stopped" in log.read_bytes()
    finally:
        # A failed test leaves nothing behind either (the children have sessions of their own).
        for pid, start in running:
            if still_running({(pid, start)}):
                os.kill(pid, signal.SIGKILL)
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGKILL)
            shell.wait()
