"""``make run``'s processes: the web app (gunicorn), a Celery worker and the beat,
started together and stopped together.

Each child runs in a session of its own, so the terminal's Ctrl-C reaches only this
script, which then stops them in order (:func:`stop`). On the file broker Celery's
warm shutdown can wait for good, which is what left workers behind before; a cold
shutdown follows it after a few seconds. When one child dies on its own the others
are stopped too. Nothing is left running.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

GRACE = 8.0  # seconds a child has to stop after SIGTERM
QUIT_GRACE = 4.0  # and then after SIGQUIT
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def commands(bind: str, queues: str) -> dict[str, list[str]]:
    return {
        "worker": [
            str(BIN / "celery"), "-A", "worker", "worker", "-Q", queues, "--loglevel=INFO", "--concurrency=2",
        ],
        # Not embedded in the worker (--beat): the embedded one kept the worker in
        # "Warm shutdown" on the file broker.
        "beat": [str(BIN / "celery"), "-A", "worker", "beat", "--loglevel=INFO"],
        "web": [
            str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), "--bind", bind,
            "--access-logfile", "-", "clinic:create_app()",
        ],
    }


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def stop(children: dict[str, subprocess.Popen]) -> None:
    """SIGTERM every child (its leader: gunicorn and celery stop their own pools and
    finish what is in hand), then SIGQUIT (celery's cold shutdown: a task still in
    hand goes back to the broker, or to the outbox sweep), then SIGKILL whatever of
    their process groups is left."""
    for signum, grace in ((signal.SIGTERM, GRACE), (signal.SIGQUIT, QUIT_GRACE)):
        running = {name: child for name, child in children.items() if child.poll() is None}
        for child in running.values():
            child.send_signal(signum)
        deadline = time.monotonic() + grace
        for name, child in running.items():
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                print(f"run: {name} did not stop within {grace:.0f} s of {signum.name}", file=sys.stderr)
    # The group, not only the leader: pool processes too.
    for child in children.values():
        if group_alive(child.pid):
            signal_group(child.pid, signal.SIGKILL)
        child.wait()
    deadline = time.monotonic() + GRACE
    while any(group_alive(child.pid) for child in children.values()) and time.monotonic() < deadline:
        time.sleep(0.05)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bind", default="127.0.0.1:5000")
    parser.add_argument("--queues", required=True)
    options = parser.parse_args()

    stopping: list[int] = []

    def on_signal(signum, _frame):
        stopping.append(signum)

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)

    children: dict[str, subprocess.Popen] = {}
    try:
        for name, command in commands(options.bind, options.queues).items():
            children[name] = subprocess.Popen(command, start_new_session=True)
        while not stopping and all(child.poll() is None for child in children.values()):
            time.sleep(0.2)
    finally:
        stop(children)
    if stopping:
        print("run: stopped", file=sys.stderr)
        return 0
    died = [name for name, child in children.items() if child.returncode not in (0, None)]
    print(f"run: {', '.join(died) or 'a process'} exited; everything is stopped", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
