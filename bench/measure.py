"""Measure a running Clinic server on the large program; write bench/results.md.

    python bench/measure.py --base-url URL --large-url DB --demo-url DB [--duration 10]

``bench/run`` starts the server and calls this. Each page is loaded by ``wrk`` (10
connections, ``--duration`` seconds) with a Lua script that sends the signed-in
user's session cookie or bearer token, and right after it the trivial route
``/healthz`` of the same server for as long, so the ratio compares the two under
the same machine load. SQL statements per request are counted in-process (an
SQLAlchemy event on a second app on the same database), on the large program and
on the demo clinic, with the time the statements took (the fastest of
``IN_PROCESS_RUNS`` requests).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pyotp
from sqlalchemy import event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import instructions  # noqa: E402
from generate import BENCH_PASSWORD, BENCH_TOTP_SECRET  # noqa: E402

from clinic import create_app  # noqa: E402
from clinic.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET  # noqa: E402
from clinic.extensions import db  # noqa: E402
from clinic.instruments import instruments  # noqa: E402
from clinic.screening import rules  # noqa: E402

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results.md"
README = HERE.parent / "README.md"
P95_TARGET_MS = 150
RATIO_TARGET = 0.25
IN_PROCESS_RUNS = 5
TRIVIAL_API = "/api/v1/me"


@dataclass
class Account:
    email: str
    password: str
    totp: str | None = None
    cookie: str = ""
    token: str = ""


@dataclass
class Page:
    name: str
    who: str  # the key of an Account
    path: str  # may hold {ids} filled from the database
    api: bool = False
    paths: dict[str, str] = field(default_factory=dict)  # per database, filled in


PAGES = [
    Page("visitor's worklist", "visitor", "/worklist"),
    Page("visitor's caseload", "visitor", "/"),
    Page("caseload search (visitor)", "visitor", "/?q={search}"),
    Page("caseload search (admin)", "admin", "/?q={search}"),
    Page("family page", "visitor", "/families/{family}"),
    Page("child page", "visitor", "/children/{child}"),
    Page("supervisor's dashboard", "supervisor", "/team"),
    Page("dashboard list: a visitor's screenings due", "supervisor", "/worklist/visitors/{visitor}?kind=screening_due"),
    Page("referral queue", "supervisor", "/referrals"),
    Page("referral queue (admin: every referral)", "admin", "/referrals"),
    Page("program report (last fiscal year)", "supervisor", "/reports/program?from=2025-10-01&to=2026-09-30"),
    Page("program report (admin: every team)", "admin", "/reports/program?from=2025-10-01&to=2026-09-30"),
    Page("admin audit log", "admin", "/admin/audit"),
    Page("API family list (admin)", "admin", "/api/v1/families", api=True),
]


# ---- the databases ----------------------------------------------------------------


def plain_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def ids_for(url: str, visitor_email: str, supervisor_email: str) -> dict[str, int]:
    """A family of the visitor with two children (or the most), one of its children,
    a visitor the supervisor oversees, and a search: the first four letters of the
    visitor's first family's name, so the search finds families of the visitor's own
    (and more across the program) on any generated program."""
    with psycopg.connect(plain_url(url)) as connection:
        # The same shape on both programs: two children, a referral, screenings.
        family, child = connection.execute(
            "SELECT f.id, min(c.id) FROM families f JOIN users u ON u.id = f.assigned_visitor_id "
            "JOIN children c ON c.family_id = f.id WHERE lower(u.email) = %s AND f.status = 'active' "
            "AND EXISTS (SELECT 1 FROM screenings s WHERE s.child_id = c.id) "
            "GROUP BY f.id ORDER BY EXISTS (SELECT 1 FROM referrals r WHERE r.family_id = f.id) DESC, "
            "count(c.id) DESC, f.id LIMIT 1",
            (visitor_email,),
        ).fetchone()
        (visitor,) = connection.execute(
            "SELECT v.id FROM users v JOIN teams t ON t.id = v.team_id JOIN users s ON s.id = t.supervisor_id "
            "WHERE lower(s.email) = %s AND v.role = 'home_visitor' ORDER BY v.id LIMIT 1",
            (supervisor_email,),
        ).fetchone()
        (search,) = connection.execute(
            "SELECT lower(left(f.name, 4)) FROM families f JOIN users u ON u.id = f.assigned_visitor_id "
            "WHERE lower(u.email) = %s ORDER BY f.id LIMIT 1",
            (visitor_email,),
        ).fetchone()
    return {"family": family, "child": child, "visitor": visitor, "search": urllib.parse.quote(search)}


def demo_accounts(url: str) -> dict[str, Account]:
    with psycopg.connect(plain_url(url)) as connection:
        (visitor,) = connection.execute(
            "SELECT email FROM users WHERE role = 'home_visitor' ORDER BY id LIMIT 1"
        ).fetchone()
        (supervisor,) = connection.execute("SELECT email FROM users WHERE role = 'supervisor' ORDER BY id LIMIT 1").fetchone()
        (admin,) = connection.execute("SELECT email FROM users WHERE role = 'admin' ORDER BY id LIMIT 1").fetchone()
    return {
        "visitor": Account(visitor, DEMO_PASSWORD),
        "supervisor": Account(supervisor, DEMO_PASSWORD, DEMO_TOTP_SECRET),
        "admin": Account(admin, DEMO_PASSWORD, DEMO_TOTP_SECRET),
    }


# ---- signing in over HTTP ---------------------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def csrf_token(html: str) -> str:
    match = CSRF.search(html)
    if match is None:
        raise SystemExit("no CSRF token on the sign-in page")
    return match.group(1) or match.group(2)


def sign_in(base: str, account: Account) -> None:
    """The web sign-in with its second step; keeps the session cookie."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(f"{base}/login").read().decode()
    form = {"csrf_token": csrf_token(page), "email": account.email, "password": account.password}
    response = opener.open(f"{base}/login", urllib.parse.urlencode(form).encode())
    if account.totp:
        if not response.url.endswith("/login/code"):
            raise SystemExit(f"{account.email}: no second step after the password")
        page = response.read().decode()
        form = {"csrf_token": csrf_token(page), "code": pyotp.TOTP(account.totp).now()}
        response = opener.open(f"{base}/login/code", urllib.parse.urlencode(form).encode())
    if "/login" in response.url:
        raise SystemExit(f"{account.email}: sign-in refused")
    account.cookie = "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def api_token(base: str, account: Account) -> None:
    body = {"email": account.email, "password": account.password}
    if account.totp:
        # The next time step's code: the web sign-in has just used this step's.
        body["otp"] = pyotp.TOTP(account.totp).at(time.time() + 30)
    request = urllib.request.Request(
        f"{base}/api/v1/auth/token", json.dumps(body).encode(), {"Content-Type": "application/json"}
    )
    account.token = json.load(urllib.request.urlopen(request))["token"]


def headers_of(account: Account, api: bool) -> dict[str, str]:
    return {"Authorization": f"Bearer {account.token}"} if api else {"Cookie": account.cookie}


def check_ok(base: str, path: str, headers: dict[str, str]) -> None:
    """The page answers 200 itself (wrk would count a redirect to sign-in as a success)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    try:
        status = opener.open(urllib.request.Request(base + path, headers=headers)).status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise SystemExit(f"{path} answers {status}, not 200")


# ---- wrk --------------------------------------------------------------------------------

LUA = """
{headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH {{\\"requests\\": %d, \\"duration_us\\": %d, \\"p50_us\\": %d, \\"p95_us\\": %d, "
    .. "\\"errors\\": %d, \\"non_2xx\\": %d}}\\n", summary.requests, summary.duration, latency:percentile(50),
    latency:percentile(95), e.connect + e.read + e.write + e.timeout, e.status))
end
"""


@dataclass
class Load:
    requests: int
    rps: float
    p50_ms: float
    p95_ms: float
    failed: int


def wrk(url: str, headers: dict[str, str], duration: int, connections: int) -> Load:
    lines = "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA.format(headers=lines))
    try:
        output = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--timeout", "10s", "-s", script.name, url],
            check=True, capture_output=True, text=True,
        ).stdout
    finally:
        os.unlink(script.name)
    found = json.loads(output.split("BENCH ", 1)[1].splitlines()[0])
    return Load(
        requests=found["requests"],
        rps=found["requests"] / (found["duration_us"] / 1e6),
        p50_ms=found["p50_us"] / 1000,
        p95_ms=found["p95_us"] / 1000,
        failed=found["errors"] + found["non_2xx"],
    )


# ---- in-process counts ----------------------------------------------------------------------


@dataclass
class Counted:
    statements: int
    sql_ms: float
    total_ms: float


class Counter:
    """Statements and their time, per request, on one app's engine."""

    def __init__(self, app) -> None:
        self.statements = 0
        self.seconds = 0.0
        engine = app.extensions["clinic.db"]
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.statements += 1
        self.seconds += time.perf_counter() - conn.info.pop("bench_started")

    def request(self, client, path: str, headers: dict[str, str]) -> Counted:
        """The fastest of ``IN_PROCESS_RUNS`` requests after a warm one: on a shared
        machine a single request's time can be off by half, the fastest is the page's
        own cost (the statements are the same each time)."""
        client.get(path, headers=headers)  # warm: templates compiled, caches filled
        runs = []
        for _ in range(IN_PROCESS_RUNS):
            self.statements, self.seconds = 0, 0.0
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            total = time.perf_counter() - started
            if response.status_code != 200:
                raise SystemExit(f"in-process {path} answers {response.status_code}")
            runs.append(Counted(self.statements, self.seconds * 1000, total * 1000))
        return Counted(runs[0].statements, min(run.sql_ms for run in runs), min(run.total_ms for run in runs))


def in_process_sign_in(client, account: Account) -> None:
    page = client.get("/login").get_data(as_text=True)
    response = client.post("/login", data={"csrf_token": csrf_token(page), "email": account.email, "password": account.password})
    if account.totp:
        page = client.get("/login/code").get_data(as_text=True)
        response = client.post("/login/code", data={"csrf_token": csrf_token(page), "code": pyotp.TOTP(account.totp).now()})
    if response.status_code != 302 or "/login" in response.headers["Location"]:
        raise SystemExit(f"in-process sign-in of {account.email} refused")
    response = client.post("/api/v1/auth/token", json={
        "email": account.email, "password": account.password,
        **({"otp": pyotp.TOTP(account.totp).at(time.time() + 30)} if account.totp else {}),
    })
    account.token = response.get_json()["token"]


def count_statements(url: str, accounts: dict[str, Account], paths: dict[str, str], signed_in: bool) -> dict[str, Counted]:
    app = create_app({"DATABASE_URL": url})
    counter = Counter(app)
    results = {}
    clients = {}
    for who, account in accounts.items():
        client = app.test_client()
        if signed_in:
            for part in account.cookie.split("; "):
                name, _, value = part.partition("=")
                client.set_cookie(name, value)
        else:
            in_process_sign_in(client, account)
        clients[who] = client
    for page in PAGES:
        account = accounts[page.who]
        results[page.name] = counter.request(clients[page.who], paths[page.name], headers_of(account, page.api) if page.api else {})
    return results


def count_instructions(url: str, accounts: dict[str, Account], paths: dict[str, str]) -> dict[str, float]:
    """Millions of instructions per request of each page and of the two trivial
    routes (``instructions.py``), two valgrind processes at a time (two cores)."""
    jobs = {page.name: (paths[page.name], headers_of(accounts[page.who], page.api)) for page in PAGES}
    jobs["/healthz"] = ("/healthz", headers_of(accounts["visitor"], api=False))
    jobs[TRIVIAL_API] = (TRIVIAL_API, headers_of(accounts["visitor"], api=True))
    with ThreadPoolExecutor(2) as pool:
        counted = {name: pool.submit(instructions.count, url, path, headers) for name, (path, headers) in jobs.items()}
        return {name: future.result() for name, future in counted.items()}


# ---- writes and workers -----------------------------------------------------------------------


def record_screenings(base: str, url: str, account: Account, count: int) -> list[float]:
    """POST screenings for children of the visitor whose age is inside an instrument's
    window today (every answer "yes": no referral), one after another."""
    today = datetime.now(UTC).date()
    chosen = []
    with psycopg.connect(plain_url(url)) as connection:
        rows = connection.execute(
            "SELECT c.id, c.date_of_birth, c.gestational_age_weeks FROM children c JOIN families f ON f.id = c.family_id "
            "JOIN users u ON u.id = f.assigned_visitor_id WHERE lower(u.email) = %s ORDER BY c.id",
            (account.email,),
        ).fetchall()
    for child_id, dob, weeks in rows:
        for instrument in instruments():
            if rules.in_window(instrument, dob, weeks, today):
                chosen.append((child_id, instrument))
                break
    times = []
    for child_id, instrument in chosen[:count]:
        body = {"instrument": instrument.code, "administered_on": today.isoformat(),
                "responses": {item_id: "yes" for item_id in instrument.item_ids}}
        request = urllib.request.Request(
            f"{base}/api/v1/children/{child_id}/screenings", json.dumps(body).encode(),
            {"Content-Type": "application/json", "Authorization": f"Bearer {account.token}"},
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request) as response:
            if response.status != 201:
                raise SystemExit(f"recording a screening answered {response.status}")
        times.append((time.perf_counter() - started) * 1000)
    return times


def reminder_pass(url: str) -> tuple[float, str]:
    started = time.perf_counter()
    output = subprocess.run(
        [str(Path(sys.executable).parent / "clinic"), "reminders", "run"],
        check=True, capture_output=True, text=True, env={**os.environ, "DATABASE_URL": url},
    ).stdout.strip()
    return time.perf_counter() - started, output


def compile_summaries(url: str, count: int) -> tuple[int, float]:
    """Rule 7's compile (HTML and PDF), as the worker runs it, for ``count`` referrals."""
    from clinic.referrals.summary_document import compile_summary

    app = create_app({"DATABASE_URL": url})
    with psycopg.connect(plain_url(url)) as connection:
        ids = [row[0] for row in connection.execute(
            "SELECT r.id FROM referrals r LEFT JOIN referral_summaries s ON s.referral_id = r.id "
            "WHERE s.referral_id IS NULL ORDER BY r.id LIMIT %s", (count,)
        )]
    started = time.perf_counter()
    for referral_id in ids:
        with app.app_context():
            compile_summary(referral_id)
            db.session.commit()
    return len(ids), time.perf_counter() - started


# ---- the report ----------------------------------------------------------------------------------


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())
    memory = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    with psycopg.connect("postgresql://127.0.0.1:5432/postgres", user="postgres") as connection:
        (server,) = connection.execute("SHOW server_version").fetchone()
    return (f"{os.cpu_count()} cores ({model}), {int(memory) // 1024 // 1024} GiB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, PostgreSQL {server}")


def gunicorn_workers() -> int:
    settings: dict = {}
    exec((HERE.parent / "gunicorn.conf.py").read_text(), settings)
    return settings["workers"]


def load_average() -> str:
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())


def million(value: float | None) -> str:
    return f"{value:.1f}" if value is not None else "–"


def instructions_note(counted: dict[str, float]) -> str:
    if not counted:
        return "M instructions: not counted (valgrind is not installed)."
    return (
        f"M instructions: millions of instructions per request in the app's process (valgrind's callgrind, "
        f"`bench/instructions.py`; the mean of {instructions.REQUESTS} requests after three to warm; the same within "
        f"~1% from run to run, whatever the machine's load). The trivial routes: `/healthz` with the session cookie "
        f"{million(counted.get('/healthz'))}, `{TRIVIAL_API}` with the bearer token {million(counted.get(TRIVIAL_API))}."
    )


def replace_between(path: Path, start: str, end: str, text: str) -> None:
    if not path.exists():
        path.write_text(f"{start}\n{end}\n")
    content = path.read_text()
    if start not in content or end not in content:
        return
    before, rest = content.split(start, 1)
    _, after = rest.split(end, 1)
    path.write_text(f"{before}{start}\n{text}{end}{after}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--large-url", required=True)
    parser.add_argument("--demo-url", required=True)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--generated", default="", help="what the generator printed")
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    load_before = load_average()

    large = {
        "visitor": Account("visitor1@bench.clinic", BENCH_PASSWORD),
        "supervisor": Account("supervisor1@bench.clinic", BENCH_PASSWORD, BENCH_TOTP_SECRET),
        "admin": Account("admin@bench.clinic", BENCH_PASSWORD, BENCH_TOTP_SECRET),
    }
    for account in large.values():
        sign_in(base, account)
        api_token(base, account)
    large_ids = ids_for(args.large_url, large["visitor"].email, large["supervisor"].email)
    demo = demo_accounts(args.demo_url)
    demo_ids = ids_for(args.demo_url, demo["visitor"].email, demo["supervisor"].email)
    large_paths = {page.name: page.path.format(**large_ids) for page in PAGES}
    demo_paths = {page.name: page.path.format(**demo_ids) for page in PAGES}

    counts_demo = count_statements(args.demo_url, demo, demo_paths, signed_in=False)
    counts_large = count_statements(args.large_url, large, large_paths, signed_in=True)

    bare = [wrk(base + "/healthz", {}, args.duration, args.connections)]
    rows = []
    for number, page in enumerate(PAGES):
        headers = headers_of(large[page.who], page.api)
        check_ok(base, large_paths[page.name], headers)
        measured = wrk(base + large_paths[page.name], headers, args.duration, args.connections)
        # The trivial route with the page's own credentials: the signed-in session
        # (or token) is looked up as for any page, so the ratio is what the page adds.
        trivial = wrk(base + TRIVIAL_API if page.api else base + "/healthz", headers, args.duration, args.connections)
        rows.append((page, measured, trivial))
        print(f"{page.name}: p95 {measured.p95_ms:.1f} ms, {measured.rps:.0f}/s, trivial {trivial.rps:.0f}/s", flush=True)
        if number == len(PAGES) // 2:
            bare.append(wrk(base + "/healthz", {}, args.duration, args.connections))
    bare.append(wrk(base + "/healthz", {}, args.duration, args.connections))
    bare_rps = statistics.mean(load.rps for load in bare)

    # After the loads, which it would slow, and before the writes below change the data.
    counted_instructions = count_instructions(args.large_url, large, large_paths) if instructions.available() else {}
    screening_ms = record_screenings(base, args.large_url, large["visitor"], 30)
    reminder_seconds, reminder_output = reminder_pass(args.large_url)
    compiled, compile_seconds = compile_summaries(args.large_url, 10)
    with psycopg.connect(plain_url(args.large_url)) as connection:
        (follow_up_total,) = connection.execute("SELECT count(*) FROM follow_ups").fetchone()

    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"Measured {now} by `bench/run` on {machine()}.",
        "",
        f"Load average (1/5/15 min) before: {load_before}; after: {load_average()} "
        "(the machine is shared: a load above its 2 cores slows every number, page and trivial route alike).",
        "",
        f"Program: {args.generated}" if args.generated else "",
        "",
        f"gunicorn `clinic:create_app()` with `gunicorn.conf.py` (as the Dockerfile: {gunicorn_workers()} sync workers), on 127.0.0.1; wrk, "
        f"{args.connections} connections, {args.duration} s per page, then the trivial route for {args.duration} s "
        "right after with the same credentials: `/healthz` with the session cookie (the session is looked up as for "
        f"any page), `{TRIVIAL_API}` with the bearer token for the API. `/healthz` without credentials (no database "
        f"at all): {bare_rps:.0f} req/s (mean of {len(bare)} runs), the last column's ratio. In-process columns: "
        f"the fastest of {IN_PROCESS_RUNS} requests on a second app in the measuring process.",
        "",
        instructions_note(counted_instructions),
        "",
        "| page | as | p50 ms | p95 ms | req/s | trivial req/s | ratio | SQL/request demo | SQL/request large "
        "| SQL ms (in-process) | whole ms (in-process) | M instructions | targets | ratio to bare /healthz |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
    ]
    for page, measured, trivial in rows:
        ratio = measured.rps / trivial.rps if trivial.rps else 0
        counted = counts_large[page.name]
        met = measured.p95_ms < P95_TARGET_MS and ratio >= RATIO_TARGET and not measured.failed
        failed = f" ({measured.failed} failed)" if measured.failed else ""
        lines.append(
            f"| {page.name} | {page.who} | {measured.p50_ms:.1f} | {measured.p95_ms:.1f} | {measured.rps:.0f}{failed} "
            f"| {trivial.rps:.0f} | {ratio:.2f} | {counts_demo[page.name].statements} | {counted.statements} "
            f"| {counted.sql_ms:.1f} | {counted.total_ms:.1f} | {million(counted_instructions.get(page.name))} "
            f"| {'met' if met else 'NOT met'} | {measured.rps / bare_rps:.3f} |"
        )
    lines += [
        "",
        f"- Recording a screening through the API (`POST /api/v1/children/ID/screenings`, one after another, "
        f"{len(screening_ms)} children): median {statistics.median(screening_ms):.0f} ms, "
        f"p95 {statistics.quantiles(screening_ms, n=20)[-1]:.0f} ms."
        if len(screening_ms) >= 2 else "- Recording a screening: no child of the visitor is inside a window today.",
        f"- One reminder pass over all {follow_up_total:,} follow-ups (`clinic reminders run`, a process of its own): "
        f"{reminder_seconds:.1f} s. It said: {reminder_output.splitlines()[-1] if reminder_output else '(nothing)'}",
        f"- Referral summaries (rule 7's HTML and PDF, as the worker compiles them): {compiled} in "
        f"{compile_seconds:.1f} s, {compiled / compile_seconds:.2f} per second." if compiled else
        "- Referral summaries: none left to compile.",
        "",
    ]
    text = "\n".join(lines)
    replace_between(RESULTS, "<!-- measured:start -->", "<!-- measured:end -->", text)
    replace_between(README, "<!-- bench:start -->", "<!-- bench:end -->", text)
    print(text)


if __name__ == "__main__":
    main()
