"""Load test: home visitors recording screenings and risk factors at once.

    .venv/bin/python bench/load.py [--visitors 20] [--duration 300]

Makes a PostgreSQL database of its own (dropped at the end), migrates it, creates a
team of visitors with three families each (a child of each instrument's target
age), starts gunicorn on a free loopback port as production runs it, and lets every
visitor work for ``--duration`` seconds through the JSON API in two "tabs" at once
(two threads on the same families, so referrals are opened concurrently): record a
screening for a child with random answers, or note a random risk factor. Then it
checks what was promised, straight in the database:

- no answer was a 5xx (nor a dropped connection);
- every screening answered 201 is stored exactly once, and no other;
- every screening's result is the SPEC's for its answers (concern, monitor, on track);
- every risk factor answered 201 is a reason of a referral of its family (rule 5);
- no family has two referrals open or reviewed (rule 6).

It prints the figures (requests, rate, latency percentiles per call) and exits 1
when a check fails. Loopback only; every loop is bounded by the duration.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PASSWORD = "bench password 2026"
FAMILIES_PER_VISITOR = 3
REQUEST_TIMEOUT = 30


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Api:
    """A bearer-token client of one visitor; records every call's status and time."""

    def __init__(self, base: str, stats: Stats):
        self.base = base
        self.stats = stats
        self.token = None

    def call(self, method: str, path: str, body: dict | None = None, label: str | None = None):
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=REQUEST_TIMEOUT) as response:
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        except OSError as error:
            self.stats.record(label or path, 0, time.perf_counter() - started, f"{type(error).__name__}: {error}")
            return 0, None
        self.stats.record(label or path, status, time.perf_counter() - started, payload[:300] if status >= 500 else None)
        return status, json.loads(payload) if payload and payload[:1] in (b"{", b"[") else None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: Counter = Counter()
        self.errors: list[str] = []

    def record(self, label: str, status: int, seconds: float, error=None) -> None:
        with self.lock:
            self.times[label].append(seconds)
            self.statuses[status] += 1
            if status == 0 or status >= 500:
                self.errors.append(f"{label}: {status} {error!r}")


def setup_database(url: str, visitors: int) -> None:
    """Schema, a team and its visitors, through the app's own services."""
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "bench"}
    subprocess.run([str(BIN / "clinic"), "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    script = f"""
from clinic import create_app
from clinic.auth import services
from clinic.extensions import db
app = create_app({{"DATABASE_URL": {url!r}, "SECRET_KEY": "bench"}})
with app.app_context():
    team = services.create_team("Bench", by=None)
    for n in range({visitors}):
        services.create_user(email=f"visitor{{n}}@bench.test", name=f"Visitor {{n}}", role="home_visitor",
                             password={PASSWORD!r}, team=team, by=None)
    db.session.commit()
"""
    subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, check=True)


def start_gunicorn(url: str, port: int, redis_url: str | None) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(16), "PYTHONUNBUFFERED": "1"}
    env.pop("MAIL_SERVER", None)
    if redis_url:
        env["REDIS_URL"] = redis_url
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "--config", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "clinic:create_app()"],
        cwd=ROOT, env=env, start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    os.killpg(process.pid, signal.SIGKILL)
    raise SystemExit("gunicorn did not start")


def prepare_visitor(api: Api, number: int, instruments: list[dict], today: date) -> list[dict]:
    """Sign in; three families, each with a child of an instrument's target age."""
    status, body = api.call("POST", "/auth/token", {"email": f"visitor{number}@bench.test", "password": PASSWORD})
    assert status == 201, (status, body)
    api.token = body["token"]
    children = []
    for f in range(FAMILIES_PER_VISITOR):
        instrument = random.choice(instruments)
        status, family = api.call(
            "POST", "/families",
            {"name": f"Family {number}-{f}", "caregivers": [{"name": f"Caregiver {number}-{f}", "relationship": "mother"}]},
        )
        assert status == 201, (status, family)
        born = today - timedelta(days=round(instrument["target_age_months"] * 30.44) + 3)
        status, child = api.call(
            "POST", f"/families/{family['id']}/children",
            {"first_name": "Child", "last_name": f"{number}-{f}", "date_of_birth": born.isoformat()},
        )
        assert status == 201, (status, child)
        children.append({"id": child["id"], "family_id": family["id"], "instrument": instrument,
                         "caregiver_id": family["caregivers"][0]["id"]})
    return children


def work(api: Api, children: list[dict], codes: dict[str, list[str]], until: float, today: date, saved: dict) -> None:
    """One tab of a visitor: screenings (3 in 4) and risk factors, until the time is up."""
    while time.monotonic() < until:
        child = random.choice(children)
        if random.random() < 0.75:
            instrument = child["instrument"]
            answers = {item["id"]: random.choices(["yes", "sometimes", "not_yet"], [8, 1, 1])[0]
                       for item in instrument["items"]}
            status, body = api.call(
                "POST", f"/children/{child['id']}/screenings",
                {"instrument": instrument["code"], "administered_on": today.isoformat(), "responses": answers},
                label="POST /children/{id}/screenings",
            )
            if status == 201:
                # The result as the SPEC defines it, worked out here.
                values = set(answers.values())
                expected = "concern" if "not_yet" in values else "monitor" if "sometimes" in values else "on_track"
                with saved["lock"]:
                    saved["screenings"].append((body["id"], body["result"] == expected))
        else:
            on_child = random.random() < 0.5
            path = f"/children/{child['id']}/risk-factors" if on_child else f"/caregivers/{child['caregiver_id']}/risk-factors"
            code = random.choice(codes["child" if on_child else "caregiver"])
            status, body = api.call(
                "POST", path, {"code": code, "noted_on": today.isoformat()},
                label="POST /children/{id}/risk-factors" if on_child else "POST /caregivers/{id}/risk-factors",
            )
            if status == 201:  # 422: already noted and unresolved for that person
                with saved["lock"]:
                    saved["risk_factors"].append((body["id"], child["family_id"], code))


def check(url: str, saved: dict) -> list[str]:
    problems = []
    engine = create_engine(url)
    with engine.connect() as conn:
        stored = Counter(conn.execute(text("SELECT id FROM screenings")).scalars())
        answered = Counter(screening_id for screening_id, _ in saved["screenings"])
        if stored != answered:
            problems.append(f"screenings stored {sum(stored.values())} != answered 201 {sum(answered.values())}")
        wrong = [screening_id for screening_id, right in saved["screenings"] if not right]
        if wrong:
            problems.append(f"{len(wrong)} screenings answered a result other than the SPEC's")
        reasons = set(
            conn.execute(
                text(
                    "SELECT r.family_id, rr.code FROM referral_reasons rr JOIN referrals r ON r.id = rr.referral_id"
                    " WHERE rr.kind = 'risk_factor'"
                )
            ).all()
        )
        missing = [rf for rf in saved["risk_factors"] if (rf[1], rf[2]) not in reasons]
        if missing:
            problems.append(f"{len(missing)} risk factors are no referral's reason")
        doubled = conn.execute(
            text(
                "SELECT family_id, count(*) FROM referrals WHERE status IN ('open', 'reviewed')"
                " GROUP BY family_id HAVING count(*) > 1"
            )
        ).all()
        if doubled:
            problems.append(f"{len(doubled)} families have two open referrals")
        counts = {
            table: conn.scalar(text(f"SELECT count(*) FROM {table}"))
            for table in ("screenings", "risk_factors", "referrals", "referral_reasons", "follow_ups", "audit_events")
        }
    engine.dispose()
    print("stored:", ", ".join(f"{table} {n}" for table, n in counts.items()))
    return problems


def report(stats: Stats, seconds: float, visitors: int) -> None:
    total = sum(stats.statuses.values())
    print(f"{visitors} visitors x 2 tabs for {seconds:.0f} s: {total} requests, {total / seconds:.1f}/s")
    print("statuses:", dict(sorted(stats.statuses.items())))
    print(f"{'call':40} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for label, times in sorted(stats.times.items()):
        if len(times) < 2:
            continue
        q = statistics.quantiles(times, n=100, method="inclusive")
        print(f"{label:40} {len(times):6d} {q[49] * 1000:8.0f} {q[94] * 1000:8.0f} {q[98] * 1000:8.0f} {max(times) * 1000:8.0f}")


def main() -> int:
    parser = argparse.ArgumentParser(description="Load test on gunicorn + PostgreSQL (see the module's docstring).")
    parser.add_argument("--visitors", type=int, default=20)
    parser.add_argument("--duration", type=float, default=300)
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis-url", default=None, help="broker for the summary tasks (default: the file broker)")
    options = parser.parse_args()

    name = f"clinic_bench_{secrets.token_hex(4)}"
    admin = create_engine(options.pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = options.pg_admin_url.rsplit("/", 1)[0] + "/" + name
    gunicorn = None
    try:
        setup_database(url, options.visitors)
        port = free_port()
        gunicorn = start_gunicorn(url, port, options.redis_url)
        base = f"http://127.0.0.1:{port}/api/v1"
        stats = Stats()
        today = date.today()
        apis = [Api(base, stats) for _ in range(options.visitors)]
        status, body = apis[0].call("POST", "/auth/token", {"email": "visitor0@bench.test", "password": PASSWORD})
        apis[0].token = body["token"]
        _, instruments = apis[0].call("GET", "/instruments")
        _, catalog = apis[0].call("GET", "/risk-factors")
        codes = {"child": [], "caregiver": []}
        for entry in catalog:
            codes[entry["applies_to"]].append(entry["code"])
        children = [prepare_visitor(api, n, instruments, today) for n, api in enumerate(apis)]
        saved = {"lock": threading.Lock(), "screenings": [], "risk_factors": []}
        stats.times.clear()
        stats.statuses.clear()

        started = time.monotonic()
        until = started + options.duration
        threads = [
            threading.Thread(target=work, args=(api, kids, codes, until, today, saved), daemon=True)
            for api, kids in zip(apis, children, strict=True)
            for _tab in range(2)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=options.duration + REQUEST_TIMEOUT + 30)
        elapsed = time.monotonic() - started

        report(stats, elapsed, options.visitors)
        problems = [f"{len(stats.errors)} answers were 5xx or no answer: {stats.errors[:5]}"] if stats.errors else []
        problems += check(url, saved)
        print("screenings answered 201:", len(saved["screenings"]), "risk factors answered 201:", len(saved["risk_factors"]))
        for problem in problems:
            print("FAILED:", problem)
        if not problems:
            print("all checks passed")
        return 1 if problems else 0
    finally:
        if gunicorn is not None:
            os.killpg(gunicorn.pid, signal.SIGTERM)
            try:
                gunicorn.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(gunicorn.pid, signal.SIGKILL)
                gunicorn.wait()
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()
        if options.redis_url:
            import redis

            client = redis.Redis.from_url(options.redis_url)
            client.delete("clinic", "clinic.mail", "clinic.summaries", "clinic.periodic")
            client.close()


if __name__ == "__main__":
    sys.exit(main())
