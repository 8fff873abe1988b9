"""Run docker-compose.yml for real and check what a program's IT lead would.

Called by deploy/check.sh (``make deploy-check``), which has the Docker engine and
the images ready. Everything is reached the way a deployment is: the app only
through nginx's port published on 127.0.0.1, accounts through the ``clinic`` CLI
in a container, the database through ``psql`` in its own container. Steps:

1. build the app image and bring the stack up with 2 web and 2 mail-worker
   containers; the migration step ran before the web; only 127.0.0.1 ports;
2. create the first admin (and a team, its supervisor and a home visitor) with
   the CLI; sign in through the proxy; requests are spread over both web
   containers;
3. as the home visitor, record a screening that opens a referral, and fetch the
   summary PDF once a worker has compiled it (its email reaches the catcher);
4. a reminder pass for 40 families, started twice at once as two beats would;
   one worker is killed (SIGKILL) in the middle of sending, while the drain goes
   on, and a second beat is started: every reminder arrives exactly once;
5. a backup with pg_dump, restored into an empty database: every row is there;
6. an upgrade as the README describes it (build, migrate, recreate) keeps the data;
7. ``down -v``: nothing of the check is left.

Standard library only: it runs with the machine's python3, outside the app's venv.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections import Counter
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "clinic-deploy-check"
REMINDER_FAMILIES = 40
HOLD_PREFIX = "hold-"
# The held row is claimed for delivery.CLAIM_LEASE (5 minutes) before a sweep may
# hand it to another worker; beat sweeps every minute.
RECOVERY_TIMEOUT = 9 * 60


class CheckFailed(Exception):
    pass


def say(text: str) -> None:
    print(f"deploy-check: {text}", flush=True)


CHECKED: list[str] = []


def checked(text: str) -> None:
    CHECKED.append(text)
    print(f"  ok  {text}", flush=True)


def require(condition: bool, text: str) -> None:
    if not condition:
        raise CheckFailed(text)


def wait_for(what: str, probe, timeout: float, interval: float = 1.0):
    """probe() until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise CheckFailed(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(*args: str, input: bytes | None = None, check: bool = True, timeout: float = 900) -> subprocess.CompletedProcess:
    result = subprocess.run(args, input=input, capture_output=True, timeout=timeout)
    if check and result.returncode != 0:
        raise CheckFailed(
            f"`{' '.join(args)}` exited {result.returncode}:\n"
            + (result.stdout + result.stderr).decode(errors="replace")[-3000:]
        )
    return result


class Stack:
    """docker compose (v2) or docker-compose (1.29) on this project, plus docker itself."""

    def __init__(self, env_file: Path):
        v2 = subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0
        self.compose_cmd = ["docker", "compose"] if v2 else ["docker-compose"]
        self.base = [*self.compose_cmd, "--env-file", str(env_file), "-p", PROJECT, "-f", str(ROOT / "docker-compose.yml")]

    def compose(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return run(*self.base, *args, **kwargs)

    def containers(self, service: str, all: bool = False) -> list[str]:
        args = ["docker", "ps", "-q", "--no-trunc", "--filter", f"label=com.docker.compose.project={PROJECT}"]
        args += ["--filter", f"label=com.docker.compose.service={service}"]
        if all:
            args.append("-a")
        return sorted(run(*args).stdout.decode().split())

    def inspect(self, container: str) -> dict:
        return json.loads(run("docker", "inspect", container).stdout)[0]

    def exec(self, service: str, *command: str, input: bytes | None = None, check: bool = True) -> str:
        container = self.containers(service)[0]
        interactive = ["-i"] if input is not None else []
        return run("docker", "exec", *interactive, container, *command, input=input, check=check).stdout.decode()

    def logs(self, container: str) -> str:
        result = run("docker", "logs", container)
        return (result.stdout + result.stderr).decode(errors="replace")

    def sql(self, statement: str) -> list[list[str]]:
        out = self.exec("postgres", "psql", "-U", "clinic", "-d", "clinic", "-v", "ON_ERROR_STOP=1", "-AtF", "\t", "-c", statement)
        return [line.split("\t") for line in out.splitlines() if line]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Http:
    """Requests to 127.0.0.1 only: the one way into the stack."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"
        self.cookies = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect())

    def request(self, method: str, path: str, *, body=None, token: str | None = None, form: dict | None = None):
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            data = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.base + path, data=data, headers=headers, method=method)
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, dict(response.headers), response.read()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read()

    def json(self, method: str, path: str, expect: int, **kwargs):
        status, _, content = self.request(method, path, **kwargs)
        if status != expect:
            raise CheckFailed(f"{method} {path} answered {status}, not {expect}: {content[:500]!r}")
        return json.loads(content) if content else None

    def up(self) -> bool:
        try:
            return self.request("GET", "/login")[0] == 200
        except OSError:
            return False


class Catcher:
    """The mail catcher's Mailpit-shaped API, on its 127.0.0.1 port."""

    def __init__(self, port: int):
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path: str):
        with urllib.request.urlopen(self.base + path, timeout=30) as response:
            return json.loads(response.read())

    def messages(self) -> list[dict]:
        return self.get("/api/v1/messages?limit=0")["messages"]

    def held(self) -> list[dict]:
        return self.get("/api/v1/held")

    def raw(self, message_id: str) -> bytes:
        with urllib.request.urlopen(f"{self.base}/api/v1/message/{message_id}/raw", timeout=30) as response:
            return response.read()

    def up(self) -> bool:
        try:
            self.messages()
            return True
        except OSError:
            return False


def recipients(message: dict) -> list[str]:
    return [to["Address"] for to in message["To"]]


class DeployCheck:
    def __init__(self, workdir: Path):
        self.port = free_port()
        self.mail_port = free_port()
        self.env_file = workdir / "clinic.env"
        self.env_file.write_text(self.env_text())
        self.env_file.chmod(0o600)
        self.stack = Stack(self.env_file)
        self.http = Http(self.port)
        self.catcher = Catcher(self.mail_port)
        self.passwords = {}
        self.today = datetime.now(UTC).date()

    def env_text(self) -> str:
        """The deployment's env file, as an operator writes it from deploy/env.example."""
        values = {
            "SECRET_KEY": secrets.token_hex(32),
            "AUDIT_KEY": secrets.token_hex(32),
            "POSTGRES_PASSWORD": secrets.token_urlsafe(24),
            "PUBLIC_URL": f"http://127.0.0.1:{self.port}",
            "CLINIC_BIND": "127.0.0.1",
            "CLINIC_PORT": str(self.port),
            "MAILPIT_PORT": str(self.mail_port),
            "MAIL_DEFAULT_SENDER": "clinic@clinic.example.org",
            "CLINIC_IMAGE": f"{PROJECT}:latest",
            # One process per worker container, so that killing the container
            # that holds the catcher's held message interrupts exactly that send.
            "MAIL_WORKER_CONCURRENCY": "1",
            "SUMMARY_WORKER_CONCURRENCY": "1",
            "MAILCATCHER_DELAY": "0.05",
            "MAILCATCHER_HOLD_PREFIX": HOLD_PREFIX,
        }
        for image in ("PYTHON_IMAGE", "POSTGRES_IMAGE", "REDIS_IMAGE", "NGINX_IMAGE", "MAILPIT_IMAGE"):
            if os.environ.get(image):
                values[image] = os.environ[image]
        return "".join(f"{name}={value}\n" for name, value in values.items())

    # 1 ---------------------------------------------------------------------------
    def build_and_start(self) -> None:
        say(f"building the app image ({' '.join(self.stack.compose_cmd)})")
        self.stack.compose("build", "migrate")
        say("starting the stack: 2 web, 2 mail workers, 1 summary worker, 1 beat")
        self.stack.compose("up", "-d", "--scale", "web=2", "--scale", "worker-mail=2")
        wait_for("the app through the proxy", self.http.up, timeout=240, interval=2)
        wait_for("the mail catcher", self.catcher.up, timeout=60)
        counts = {s: len(self.stack.containers(s)) for s in ("web", "worker-mail", "worker-summaries", "beat", "proxy", "postgres", "redis")}
        require(counts["web"] == 2 and counts["worker-mail"] == 2 and counts["beat"] == 1, f"containers running: {counts}")
        checked(f"stack up: {', '.join(f'{n} {s}' for s, n in counts.items())}")

        migrate = self.stack.inspect(self.stack.containers("migrate", all=True)[0])
        web_started = min(self.stack.inspect(c)["State"]["StartedAt"] for c in self.stack.containers("web"))
        require(migrate["State"]["ExitCode"] == 0, "the migrate step failed")
        require(migrate["State"]["FinishedAt"] <= web_started, "a web container started before the migrations ended")
        revision = self.stack.sql("SELECT version_num FROM alembic_version")
        checked(f"migrations ran to {revision[0][0]} (exit 0) before the first web container started")

        published = []
        for service in ("web", "worker-mail", "worker-summaries", "beat", "proxy", "postgres", "redis", "mailpit"):
            for container in self.stack.containers(service):
                for port, bindings in (self.stack.inspect(container)["NetworkSettings"]["Ports"] or {}).items():
                    for binding in bindings or []:
                        published.append((service, port, binding["HostIp"]))
        require({(s, p) for s, p, _ in published} == {("proxy", "80/tcp"), ("mailpit", "8025/tcp")}, f"published: {published}")
        require(all(ip == "127.0.0.1" for _, _, ip in published), f"published beyond loopback: {published}")
        checked("only nginx (and the mail catcher's API) are published, on 127.0.0.1; PostgreSQL and Redis are not")

    # 2 ---------------------------------------------------------------------------
    def create_accounts(self) -> None:
        self.stack.exec("web", "clinic", "teams", "create", "North")
        for email, name, role, team in (
            ("admin@clinic.example.org", "Program Admin", "admin", ()),
            ("grace@clinic.example.org", "Grace Supervisor", "supervisor", ("--supervises", "North")),
            ("lucia@clinic.example.org", "Lucia Visitor", "home_visitor", ("--team", "North")),
        ):
            password = secrets.token_urlsafe(18)
            self.passwords[email] = password
            out = self.stack.exec(
                "web", "clinic", "users", "create", "--email", email, "--name", name, "--role", role, *team,
                input=f"{password}\n".encode(),
            )
            require("Created" in out, out)
        checked("`clinic users create` made the first admin (and a team, its supervisor and a home visitor)")

    def sign_in(self) -> None:
        admin = "admin@clinic.example.org"
        status, _, content = self.http.request(
            "POST", "/api/v1/auth/token", body={"email": admin, "password": self.passwords[admin]}
        )
        if status == 201:
            token = json.loads(content)["token"]
            me = self.http.json("GET", "/api/v1/me", 200, token=token)
            require(me["role"] == "admin", f"/me says {me}")
            checked("the admin signed in through the proxy (API token, then GET /api/v1/me)")
        else:
            # A second factor (SPEC rule 12) is set up on the web after the first
            # sign-in: the token call then answers 401 otp_setup_required. The web
            # sign-in shows the password was right and the session works.
            code = json.loads(content).get("error", {}).get("code")
            require(status == 401 and code in ("otp_setup_required", "otp_required"), f"token: {status} {content[:300]!r}")
            page = self.http.request("GET", "/login")[2].decode()
            csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
            require(csrf is not None, "no CSRF token on the sign-in page")
            status, headers, _ = self.http.request(
                "POST", "/login", form={"email": admin, "password": self.passwords[admin], "csrf_token": csrf.group(1)}
            )
            require(status in (302, 303), f"web sign-in answered {status}")
            # Signed in, the session leads (through the start page) to setting up the second factor.
            path = ""
            for _ in range(5):
                path = headers["Location"].replace(self.http.base, "")
                status, headers, _ = self.http.request("GET", path)
                if status not in (302, 303):
                    break
            require(status == 200 and not path.startswith("/login"), f"after signing in, {path} answered {status}")
            checked(
                f"the admin signed in on the web through the proxy and was led to {path} "
                f"(the API token answered 401 {code}, as the SPEC says until the second factor is set up)"
            )

        visitor = "lucia@clinic.example.org"
        self.token = self.http.json(
            "POST", "/api/v1/auth/token", 201, body={"email": visitor, "password": self.passwords[visitor]}
        )["token"]
        for _ in range(20):
            self.http.json("GET", "/api/v1/me", 200, token=self.token)
        served = [self.stack.logs(c).count("GET /api/v1/me") for c in self.stack.containers("web")]
        require(len(served) == 2 and all(served), f"/api/v1/me served per web container: {served}")
        checked(f"nginx spread 20 requests of one bearer token over both web containers ({' + '.join(map(str, served))})")

    # 3 ---------------------------------------------------------------------------
    def screening_opens_referral(self) -> None:
        instrument = next(i for i in self.http.json("GET", "/api/v1/instruments", 200, token=self.token) if i["code"] == "m10_18")
        missed = next(item["id"] for item in instrument["items"] if item["domain"] == "communication")
        responses = {item["id"]: "not_yet" if item["id"] == missed else "yes" for item in instrument["items"]}
        family = self.http.json(
            "POST", "/api/v1/families", 201, token=self.token,
            body={
                "name": "Deploy Check Family",
                "caregivers": [{"name": "Ana Check", "relationship": "mother", "email": "ana@families.example.org",
                                "email_opt_in": True, "is_primary": True}],
            },
        )
        # 14 months old: inside m10_18's window [10, 18] both today and 40 days ago.
        child = self.http.json(
            "POST", f"/api/v1/families/{family['id']}/children", 201, token=self.token,
            body={"first_name": "Leo", "last_name": "Check", "date_of_birth": str(self.today - timedelta(days=430))},
        )
        first = self.http.json(
            "POST", f"/api/v1/children/{child['id']}/screenings", 201, token=self.token,
            body={"instrument": "m10_18", "administered_on": str(self.today - timedelta(days=40)), "responses": responses},
        )
        require(first["result"] == "concern" and not first.get("referral_id"), f"first screening: {first}")
        second = self.http.json(
            "POST", f"/api/v1/children/{child['id']}/screenings", 201, token=self.token,
            body={"instrument": "m10_18", "administered_on": str(self.today), "responses": responses},
        )
        require(second.get("referral_id"), f"second screening opened no referral: {second}")
        self.referral_id = second["referral_id"]
        checked(f"a screening missing {missed} (communication) again opened referral {self.referral_id} (rule 4)")

        wait_for(
            "the referral summary",
            lambda: self.http.json("GET", f"/api/v1/referrals/{self.referral_id}", 200, token=self.token)["summary_ready"],
            timeout=180,
        )
        status, headers, pdf = self.http.request("GET", f"/api/v1/referrals/{self.referral_id}/summary.pdf", token=self.token)
        require(status == 200 and pdf.startswith(b"%PDF-"), f"summary.pdf: {status} {pdf[:40]!r}")
        checked(f"a worker compiled the summary; its PDF came through the proxy ({len(pdf):,} bytes)")

        note = wait_for(
            "the supervisor's email about the summary",
            lambda: [m for m in self.catcher.messages() if "grace@clinic.example.org" in recipients(m)],
            timeout=120,
        )
        checked(f"the supervisor's email reached the mail catcher: {note[0]['Subject']!r}")

    # 4 ---------------------------------------------------------------------------
    def reminders_survive_a_killed_worker_and_two_beats(self) -> None:
        tomorrow = str(self.today + timedelta(days=1))
        addresses = set()
        for n in range(1, REMINDER_FAMILIES + 1):
            # The catcher holds the first delivery to the hold- address: the
            # worker sending it is the one killed, mid-send.
            email = f"{HOLD_PREFIX if n == 12 else ''}family{n}@families.example.org"
            addresses.add(email)
            family = self.http.json(
                "POST", "/api/v1/families", 201, token=self.token,
                body={"name": f"Reminder Family {n}", "caregivers": [
                    {"name": f"Caregiver {n}", "relationship": "father", "email": email, "email_opt_in": True}]},
            )
            self.http.json(
                "POST", f"/api/v1/families/{family['id']}/follow-ups", 201, token=self.token,
                body={"kind": "visit", "due_on": tomorrow},
            )
        held_address = f"{HOLD_PREFIX}family12@families.example.org"

        # Two reminder passes at the same moment, as two beats would send them at 07:00.
        passes = subprocess.Popen(
            ["docker", "exec", self.stack.containers("web")[0], "python3", "-c",
             "import json; from worker import app; from worker.celery_app import BEAT_SCHEDULE\n"
             "task = BEAT_SCHEDULE['send-reminders']['task']\n"
             "sent = [app.send_task(task) for _ in range(2)]\n"
             "print(json.dumps([s.get(timeout=300) for s in sent]))"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )
        held = wait_for("a worker sending the held reminder", self.catcher.held, timeout=120, interval=0.2)[0]
        workers = {
            c: service for service in ("worker-mail", "worker-summaries") for c in self.stack.containers(service)
        }
        victim = next(
            (c for c in workers
             if any(n["IPAddress"] == held["peer"] for n in self.stack.inspect(c)["NetworkSettings"]["Networks"].values())),
            None,
        )
        require(victim is not None, f"no worker container has address {held['peer']}")
        arrived = len([m for m in self.catcher.messages() if set(recipients(m)) & addresses])
        run("docker", "kill", "--signal", "KILL", victim)
        victim_name = self.stack.inspect(victim)["Name"].lstrip("/")
        checked(
            f"killed {victim_name} (SIGKILL) while it was sending to {held['recipient']}, "
            f"{arrived} of {REMINDER_FAMILIES} reminders delivered so far"
        )

        self.stack.compose("up", "-d", "--no-deps", "--no-recreate", "--scale", "beat=2", "beat")
        require(len(self.stack.containers("beat")) == 2, "the second beat did not start")
        second_beat_at = time.monotonic()
        checked("a second beat is running beside the first")

        out, err = passes.communicate(timeout=300)
        require(passes.returncode == 0, f"reminder passes: {err.decode()[-2000:]}")
        results = json.loads(out)
        done = [r for r in results if r]
        queued = sum(r["family_reminders"] for r in done)
        require(queued == REMINDER_FAMILIES, f"the two passes queued {queued} reminders: {results}")
        checked(
            "two reminder passes at once queued each reminder once: "
            + " and ".join("skipped (the other held the lease)" if r is None else f"{r['family_reminders']} queued" for r in results)
        )

        say(f"waiting for the drain; the killed send's claim lapses after 5 minutes (at most {RECOVERY_TIMEOUT // 60} min)")

        last = {}

        def drained():
            rows = self.stack.sql(
                "SELECT status, count(*) FROM outbox_messages WHERE template = 'follow_up_reminder'"
                " AND recipient LIKE '%family%@families.example.org' GROUP BY status ORDER BY 1"
            )
            last.update(statuses={status: int(count) for status, count in rows})
            statuses = last["statuses"]
            return statuses if set(statuses) == {"sent"} and statuses["sent"] >= REMINDER_FAMILIES else None

        try:
            statuses = wait_for("every reminder to be sent", drained, timeout=RECOVERY_TIMEOUT, interval=5)
        except CheckFailed as exc:
            held_row = self.stack.sql(
                f"SELECT status, attempts, next_attempt_at, last_error FROM outbox_messages WHERE recipient = '{held_address}'"
            )
            raise CheckFailed(f"{exc}; outbox rows by status: {last.get('statuses')}; the interrupted one: {held_row}") from exc
        messages = [m for m in self.catcher.messages() if set(recipients(m)) & addresses]
        per_address = Counter(a for m in messages for a in recipients(m))
        per_message_id = Counter(m["MessageID"] for m in messages)
        require(set(per_address) == addresses, f"no reminder for {sorted(addresses - set(per_address))}")
        require(max(per_address.values()) == 1, f"sent twice: {[a for a, n in per_address.items() if n > 1]}")
        require(max(per_message_id.values()) == 1 and len(messages) == REMINDER_FAMILIES, "duplicate Message-IDs")
        require(statuses == {"sent": REMINDER_FAMILIES}, f"outbox: {statuses}")
        attempts = self.stack.sql(f"SELECT attempts FROM outbox_messages WHERE recipient = '{held_address}'")
        checked(
            f"all {REMINDER_FAMILIES} reminders arrived exactly once (by recipient and Message-ID), every outbox row "
            f"'sent'; the interrupted one on attempt {attempts[0][0]}, after its claim lapsed"
        )

        raw = self.catcher.raw(next(m["ID"] for m in messages if held_address in recipients(m))).decode(errors="replace")
        require("List-Unsubscribe:" in raw, "the reminder has no List-Unsubscribe header")
        checked(f"a reminder as received: {messages[0]['Subject']!r}, with a List-Unsubscribe link")

        # What the two beats did meanwhile: both sent the minutely sweeps.
        wait_for("a sweep from each beat", lambda: time.monotonic() - second_beat_at > 65, timeout=120)
        sent_by_beat = [self.stack.logs(c).count("Sending due task sweep-outbox") for c in self.stack.containers("beat")]
        worker_logs = "".join(self.stack.logs(c) for c in self.stack.containers("worker-mail") + self.stack.containers("worker-summaries"))
        sweeps = re.findall(r"\.sweep_outbox\[[^\]]+\] succeeded in [0-9.]+s: (\w+)", worker_logs)
        require(all(sent_by_beat), f"sweeps sent per beat: {sent_by_beat}")
        rerun = self.stack.exec("web", "clinic", "reminders", "run")
        require(" 0 to families" in rerun, rerun)
        time.sleep(3)
        again = [m for m in self.catcher.messages() if set(recipients(m)) & addresses]
        require(len(again) == REMINDER_FAMILIES, "a reminder went out twice after the second beat started")
        checked(
            f"two beats sent the outbox sweep {' + '.join(map(str, sent_by_beat))} times; the workers ran it "
            f"{len(sweeps)} times, one run at a time under its lease in worker_locks ({sweeps.count('None')} found "
            "the other's run holding it); another reminder pass queued nothing: no email twice"
        )

        run("docker", "start", victim)
        require(self.stack.inspect(victim)["State"]["Running"], "the killed worker did not start again")
        self.stack.compose("up", "-d", "--no-deps", "--scale", "beat=1", "beat")
        require(len(self.stack.containers("beat")) == 1, "the second beat is still running")
        checked("the killed worker started again; back to exactly one beat")

    # 5 ---------------------------------------------------------------------------
    def backup_and_restore(self, workdir: Path) -> None:
        dump = workdir / "clinic.dump"
        container = self.stack.containers("postgres")[0]
        with dump.open("wb") as out:
            subprocess.run(["docker", "exec", container, "pg_dump", "-U", "clinic", "-d", "clinic", "-Fc"], stdout=out, check=True)
        self.stack.exec("postgres", "createdb", "-U", "clinic", "restored")
        run("docker", "exec", "-i", container, "pg_restore", "-U", "clinic", "-d", "restored", "--no-owner", input=dump.read_bytes())
        # The restored audit log still proves itself unchanged (with the deployment's AUDIT_KEY).
        web = self.stack.containers("web")[0]
        database_url = next(v for v in self.stack.inspect(web)["Config"]["Env"] if v.startswith("DATABASE_URL="))
        restored_url = database_url.rsplit("/", 1)[0] + "/restored"
        verified = run("docker", "exec", "-e", restored_url, web, "clinic", "audit", "verify").stdout.decode().strip()
        tables = [r[0] for r in self.stack.sql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        counts = "SELECT " + ", ".join(f"(SELECT count(*) FROM {t})" for t in tables)
        original = self.stack.sql(counts)[0]
        restored = self.stack.exec(
            "postgres", "psql", "-U", "clinic", "-d", "restored", "-AtF", "\t", "-c", counts
        ).split()
        self.stack.exec("postgres", "dropdb", "-U", "clinic", "restored")
        require(original == restored, f"restored counts differ: {dict(zip(tables, zip(original, restored, strict=False), strict=False))}")
        rows = sum(map(int, original))
        checked(
            f"pg_dump backup ({dump.stat().st_size:,} bytes) restored into an empty database: all {rows} rows of "
            f"{len(tables)} tables; `clinic audit verify` on it: {verified}"
        )

    # 6 ---------------------------------------------------------------------------
    def upgrade(self) -> None:
        families_before = self.http.json("GET", "/api/v1/families", 200, token=self.token)["total"]
        self.stack.compose("build", "migrate")
        self.stack.compose("run", "--rm", "migrate")
        self.stack.compose(
            "up", "-d", "--force-recreate", "--no-deps", "--scale", "web=2", "--scale", "worker-mail=2",
            "web", "worker-mail", "worker-summaries", "beat",
        )
        self.stack.compose("up", "-d", "--no-deps", "--force-recreate", "proxy")
        wait_for("the app after the upgrade", self.http.up, timeout=240, interval=2)
        families_after = self.http.json("GET", "/api/v1/families", 200, token=self.token)["total"]
        current = self.stack.exec("web", "clinic", "db", "current")
        require(families_after == families_before == REMINDER_FAMILIES + 1, f"families {families_before} -> {families_after}")
        require("(head)" in current, f"clinic db current: {current}")
        checked(f"upgrade (build, migrate, recreate): schema at head, {families_after} families, the old token still works")

    # 7 ---------------------------------------------------------------------------
    def down(self) -> None:
        self.stack.compose("down", "-v", "--remove-orphans", "--timeout", "20")
        volumes = run("docker", "volume", "ls", "-q", "--filter", f"label=com.docker.compose.project={PROJECT}").stdout.split()
        left = run("docker", "ps", "-aq", "--filter", f"label=com.docker.compose.project={PROJECT}").stdout.split()
        require(not volumes and not left, f"left behind: {volumes + left}")


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="clinic-deploy-check-") as tmp:
        workdir = Path(tmp)
        check = DeployCheck(workdir)
        say(f"app on http://127.0.0.1:{check.port}, mail catcher on http://127.0.0.1:{check.mail_port}")
        # A stack left by an interrupted run would hold the names and volumes.
        check.stack.compose("down", "-v", "--remove-orphans", check=False)
        failed = None
        try:
            check.build_and_start()
            check.create_accounts()
            check.sign_in()
            check.screening_opens_referral()
            check.reminders_survive_a_killed_worker_and_two_beats()
            check.backup_and_restore(workdir)
            check.upgrade()
        except (CheckFailed, subprocess.TimeoutExpired, OSError) as exc:
            failed = exc
            say(f"FAILED: {exc}")
            logs = run(*check.stack.base, "logs", "--no-color", "--tail", "40", check=False)
            print((logs.stdout + logs.stderr).decode(errors="replace")[-20000:], file=sys.stderr)
        finally:
            try:
                check.down()
                if failed is None:
                    checked("`down -v` removed every container and volume of the check")
            except CheckFailed as exc:
                failed = failed or exc
                say(f"FAILED: {exc}")
    minutes = (time.monotonic() - started) / 60
    if failed is not None:
        say(f"failed after {minutes:.1f} min; {len(CHECKED)} check(s) passed before")
        return 1
    say(f"{len(CHECKED)} checks passed in {minutes:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
