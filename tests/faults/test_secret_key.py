"""The generated SECRET_KEY: many processes starting at once on an empty instance
folder all end up with the same key, and none fails (issue: FileExistsError)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

PROCESSES = 16

# Each process waits for the start signal, then reads (or makes) the key at once.
CHILD = """
import os, sys, time
from pathlib import Path
go = Path(sys.argv[2])
Path(sys.argv[3]).touch()  # ready
deadline = time.monotonic() + 60
while not go.exists() and time.monotonic() < deadline:
    time.sleep(0.001)
from clinic.config import from_environment
print(from_environment(Path(sys.argv[1]))["SECRET_KEY"])
"""


def test_processes_starting_together_on_an_empty_instance_folder_share_one_key(tmp_path):
    instance = tmp_path / "instance"  # not even the folder exists yet
    go = tmp_path / "go"
    env = {key: value for key, value in os.environ.items() if key != "SECRET_KEY"}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    # The import of clinic.config happens before the signal, so all are ready to race.
    child = "from clinic import config\n" + CHILD
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", child, str(instance), str(go), str(tmp_path / f"ready-{number}")],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for number in range(PROCESSES)
    ]
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("ready-*"))) < PROCESSES and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    results = [process.communicate(timeout=120) for process in processes]
    failures = [err for process, (_out, err) in zip(processes, results, strict=True) if process.returncode != 0]
    assert failures == []
    keys = {out.strip() for out, _err in results}
    assert len(keys) == 1
    (key,) = keys
    assert len(key) == 64 and int(key, 16) >= 0
    assert (instance / "secret_key").read_text().strip() == key
    assert sorted(p.name for p in instance.iterdir() if p.name.startswith(".secret_key")) == []
    assert (instance / "secret_key").stat().st_mode & 0o777 == 0o600


def test_a_key_in_the_environment_wins_and_nothing_is_written(tmp_path, monkeypatch):
    from clinic.config import from_environment

    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert from_environment(tmp_path)["SECRET_KEY"] == "from-the-environment"
    assert not (tmp_path / "secret_key").exists()
