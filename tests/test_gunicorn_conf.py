"""gunicorn.conf.py: sync workers, two per CPU the process may use, at most 8, and
WEB_WORKERS when it is set to a number (compose passes an unset one as empty); each
worker's loaded app frozen out of garbage collection."""

from __future__ import annotations

import gc
import os
from pathlib import Path

import pytest

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"


def settings(monkeypatch, web_workers: str | None, cpus: int) -> dict:
    if web_workers is None:
        monkeypatch.delenv("WEB_WORKERS", raising=False)
    else:
        monkeypatch.setenv("WEB_WORKERS", web_workers)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cpus)))
    found: dict = {}
    exec(CONF.read_text(), found)
    return found


@pytest.mark.parametrize(("cpus", "workers"), [(1, 2), (2, 4), (4, 8), (64, 8)])
def test_two_workers_per_cpu_at_most_eight(monkeypatch, cpus, workers):
    for unset in (None, ""):
        found = settings(monkeypatch, unset, cpus)
        assert (found["worker_class"], found["workers"]) == ("sync", workers)


def test_web_workers_says_how_many(monkeypatch):
    assert settings(monkeypatch, "12", 2)["workers"] == 12


def test_a_worker_freezes_its_loaded_app_and_collects_young_objects_less_often(monkeypatch):
    thresholds = gc.get_threshold()
    loaded = []  # a container: tracked by the collector until frozen
    try:
        settings(monkeypatch, None, 2)["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
        assert not any(loaded is found for found in gc.get_objects())  # frozen: no longer tracked
        assert gc.get_threshold() == (10_000, 10, 10)
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
