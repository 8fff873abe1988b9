"""A large home-visiting program in PostgreSQL, by bulk COPY, for the benchmark.

    python bench/generate.py [--scale 1.0] [--today YYYY-MM-DD] [--seed N]

Fills an empty, migrated PostgreSQL database (``DATABASE_URL``) with 20 teams, 200
home visitors, 20,000 families, 30,000 children, about 200,000 screenings with
their answers, 60,000 follow-ups, 5,000 referrals and 300,000 audit events
(``--scale`` multiplies the families, children and everything that follows them).

The rows obey the schema's constraints and the rules the pages show:

- each child's screenings are simulated with ``clinic.screening.rules``: the first
  one at the target age of rule 2's next instrument, then rule 3's follow-up after
  each result, while the date is before today (some children are a few days late,
  so worklists hold overdue screenings). The last follow-up rule 3 schedules is the
  child's one scheduled screening follow-up (earlier ones are not kept);
- rule 4: only the chosen child of a referral family misses milestones of one
  domain on two consecutive screenings; every other miss is followed by a screening
  that misses nothing of that domain, so no other family needs a referral;
- rule 5 and 6: the other referrals come from one caregiver risk factor each; every
  referral is of its own family, so at most one is open or reviewed per family;
  older referrals have moved on (reviewed, sent with a service, closed with an
  outcome) with their transitions;
- the audit events form the HMAC chain of ``clinic.audit`` (with the app's key, from
  ``AUDIT_KEY`` or ``SECRET_KEY``), so ``clinic audit verify`` passes.

Every account's password is ``BENCH_PASSWORD``; supervisors and the admin have the
second factor ``BENCH_TOTP_SECRET`` (rule 12), so the benchmark can sign in.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clinic import audit, create_app  # noqa: E402
from clinic.auth.passwords import hash_password  # noqa: E402
from clinic.cases.ages import screening_age_months  # noqa: E402
from clinic.instruments import catalog_version, instruments, risk_factor_catalog  # noqa: E402
from clinic.referrals.loop import SERVICES  # noqa: E402
from clinic.screening import rules  # noqa: E402

BENCH_PASSWORD = "bench-program-passphrase"
BENCH_TOTP_SECRET = "BENCHBENCHBENCHBENCHBENCHBENCH22"
TEAMS = 20
VISITORS_PER_TEAM = 10
FAMILIES = 20_000
TWO_CHILD_FAMILIES = 10_000  # so 30,000 children
REFERRALS = 5_000
AUDIT_EVENTS = 300_000

SURNAMES = [
    "Abara", "Bauer", "Castillo", "Dubois", "Eriksen", "Flores", "Garcia", "Haddad", "Ito", "Jensen",
    "Kowalski", "Lopez", "Mensah", "Nakamura", "Ortiz", "Petrov", "Quispe", "Romero", "Silva", "Tanaka",
    "Umar", "Vargas", "Weber", "Xu", "Yilmaz", "Zapata", "Adeyemi", "Brennan", "Chavez", "Diallo",
    "Esposito", "Fischer", "Gomez", "Hernandez", "Ibrahim", "Jovanovic", "Kaplan", "Lindgren", "Morales",
    "Nguyen", "Okoye", "Pereira", "Ramirez", "Santos", "Torres", "Ueda", "Vasquez", "Walsh", "Yamamoto",
    "Zhang", "Alvarez", "Boateng", "Cruz", "Delgado", "Evans", "Fuentes", "Gutierrez", "Hoang", "Islam",
]
CAREGIVER_FIRST = ["Ana", "Maria", "Fatima", "Sarah", "Li", "Amara", "Elena", "Jessica", "Carlos", "David", "Kofi", "Sofia"]
CHILD_FIRST = ["Mateo", "Emma", "Noah", "Olivia", "Liam", "Ava", "Lucas", "Mia", "Elijah", "Isabella",
               "Leo", "Amelia", "Ezra", "Zoe", "Kai", "Nora", "Omar", "Luna", "Theo", "Ivy"]
STAFF_FIRST = ["Grace", "Daniel", "Lucia", "Tom", "Aisha", "Maya", "Jonas", "Rosa", "Ines", "Samuel"]


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class Program:
    """The rows of every table, built in memory, then copied in."""

    def __init__(self, today: date, scale: float, seed: int) -> None:
        self.today = today
        self.rng = random.Random(seed)
        self.families_wanted = round(FAMILIES * scale)
        self.two_child_families = round(TWO_CHILD_FAMILIES * scale)
        self.referrals_wanted = min(round(REFERRALS * scale), self.families_wanted)
        self.audit_wanted = round(AUDIT_EVENTS * scale)
        self.instruments = instruments()
        self.tables: dict[str, tuple[tuple[str, ...], list[tuple]]] = {}
        self.audit_sources: list[tuple] = []  # (occurred_at, user_id, action, type, id, family_id, detail)

    def table(self, name: str, columns: str) -> list[tuple]:
        rows: list[tuple] = []
        self.tables[name] = (tuple(columns.split()), rows)
        return rows

    # ---- staff -----------------------------------------------------------------

    def staff(self) -> None:
        created = at(self.today - timedelta(days=3 * 365))
        password = hash_password(BENCH_PASSWORD)
        users = self.table(
            "users",
            "id email name role password_hash is_active team_id created_at totp_secret totp_enabled_at",
        )
        teams = self.table("teams", "id name supervisor_id created_at")
        users.append((1, "admin@bench.clinic", "Bench Admin", "admin", password, True, None, created, BENCH_TOTP_SECRET, created))
        self.supervisor_of_team: dict[int, int] = {}
        self.visitors: list[tuple[int, int]] = []  # (visitor id, team id)
        next_id = 2
        for team in range(1, TEAMS + 1):
            teams.append((team, f"Team {team:02d}", None, created))
            users.append((next_id, f"supervisor{team}@bench.clinic", f"{STAFF_FIRST[team % 10]} Supervisor{team}",
                          "supervisor", password, True, None, created, BENCH_TOTP_SECRET, created))
            self.supervisor_of_team[team] = next_id
            next_id += 1
        for team in range(1, TEAMS + 1):
            for number in range(VISITORS_PER_TEAM):
                visitor = (team - 1) * VISITORS_PER_TEAM + number + 1
                users.append((next_id, f"visitor{visitor}@bench.clinic", f"{STAFF_FIRST[number]} Visitor{visitor}",
                              "home_visitor", password, True, team, created, None, None))
                self.visitors.append((next_id, team))
                next_id += 1

    # ---- families, children, screenings ------------------------------------------------

    def cases(self) -> None:
        rng, today = self.rng, self.today
        families = self.table("families", "id name language address status assigned_visitor_id updated_at created_at")
        assignments = self.table("family_assignments", "id family_id visitor_id assigned_by_id assigned_at team_id")
        caregivers = self.table("caregivers", "id family_id name relationship email phone is_primary email_opt_in created_at")
        children = self.table("children", "id family_id first_name last_name date_of_birth gestational_age_weeks created_at")
        self.screenings = self.table(
            "screenings",
            "id child_id instrument_code instrument_version administered_on administered_by_id age_months result revision created_at",
        )
        self.responses = self.table("screening_responses", "id screening_id revision item_id domain response")
        self.follow_ups = self.table(
            "follow_ups", "id family_id child_id kind instrument_code due_on due_time note status created_by_id completed_at created_at"
        )
        referral_families = set(rng.sample(range(1, self.families_wanted + 1), self.referrals_wanted))
        two_children = set(rng.sample(range(1, self.families_wanted + 1), self.two_child_families))
        self.family_rows: dict[int, dict] = {}
        child_id = caregiver_id = 0
        for family_id in range(1, self.families_wanted + 1):
            visitor_id, team_id = self.visitors[(family_id - 1) % len(self.visitors)]
            surname = rng.choice(SURNAMES)
            dobs = sorted(today - timedelta(days=rng.randint(5, 4 * 365)) for _ in range(1 + (family_id in two_children)))
            created = at(max(dobs[0] + timedelta(days=rng.randint(1, 30)), today - timedelta(days=4 * 365)), 9)
            if created.date() > today:
                created = at(today, 8)
            status = "closed" if rng.random() < 0.08 else "active"
            families.append((family_id, f"{surname} family {family_id}", "es" if rng.random() < 0.25 else "en",
                             f"{rng.randint(10, 999)} {rng.choice(['Oak', 'Maple', 'River', 'Hill', 'Cedar'])} Street",
                             status, visitor_id, created, created))
            assignments.append((family_id, family_id, visitor_id, self.supervisor_of_team[team_id], created, team_id))
            self.audit_sources.append((created, visitor_id, "create", "family", family_id, family_id, None))
            family = {"visitor": visitor_id, "team": team_id, "created": created, "children": [], "caregivers": [],
                      "status": status}
            self.family_rows[family_id] = family
            for number in range(1 + (rng.random() < 0.3)):
                caregiver_id += 1
                opt_in = rng.random() < 0.7
                caregivers.append((caregiver_id, family_id, f"{rng.choice(CAREGIVER_FIRST)} {surname}",
                                   rng.choice(["mother", "father", "grandmother", "aunt"]),
                                   f"family{family_id}.{number}@families.bench", f"555-{family_id:06d}",
                                   number == 0, opt_in, created))
                family["caregivers"].append(caregiver_id)
            struggling = family_id in referral_families and rng.random() < 0.5
            for index, dob in enumerate(dobs):
                child_id += 1
                weeks = rng.choice([28, 31, 33, 35]) if rng.random() < 0.1 else rng.choice([None, 38, 39, 40, 41])
                added = max(created, at(dob + timedelta(days=3), 9))
                children.append((child_id, family_id, rng.choice(CHILD_FIRST), surname, dob, weeks, added))
                self.audit_sources.append((added, visitor_id, "create", "child", child_id, family_id, None))
                family["children"].append(child_id)
                trigger = self.child_screenings(child_id, family_id, visitor_id, dob, weeks, struggling and index == 0)
                if trigger is not None:
                    family["trigger"] = trigger
            if family_id in referral_families:
                family["referral"] = True
            self.visits(family_id, family)

    def child_screenings(self, child_id, family_id, visitor_id, dob, weeks, struggling) -> tuple | None:
        """Rule 2's first screening, then rule 3 after each result, until today.

        Returns (screening id, date, domain) of the screening that makes the family
        need a referral (rule 4), for the struggling child of a referral family.
        """
        rng, today = self.rng, self.today
        lag = timedelta(days=rng.choice([0, 0, 0, 0, 3, 9, 20]))  # some children are late
        administered: list[tuple[str, date]] = []
        due = rules.next_due(dob, weeks, administered, dob, self.instruments)
        previous_missed: frozenset[str] = frozenset()
        weak_from = rng.randint(0, 2) if struggling else None
        trigger = None
        count = 0
        while due is not None and due.due_on + lag < today:
            instrument, on = due.instrument, due.due_on + lag
            if not rules.in_window(instrument, dob, weeks, on):
                on = due.due_on
            if not rules.in_window(instrument, dob, weeks, on):
                break
            # The struggling child misses the social milestones (every instrument has
            # some) on two screenings in a row, and nothing else, ever.
            weak = "social" if weak_from is not None and count in (weak_from, weak_from + 1) else None
            answers = {}
            for item in instrument.items:
                if item.domain == weak:
                    answers[item.id] = "not_yet"
                    continue
                answer = rng.choices(("yes", "sometimes", "not_yet"), (0.9, 0.08, 0.02))[0]
                if answer == "not_yet" and (weak_from is not None or item.domain in previous_missed):
                    answer = "sometimes"  # no other repeated miss (rule 4)
                answers[item.id] = answer
            result = rules.screening_result(answers)
            screening_id = len(self.screenings) + 1
            created = at(on, 15)
            self.screenings.append((screening_id, child_id, instrument.code, instrument.version, on, visitor_id,
                                    screening_age_months(dob, weeks, on), result, 0, created))
            for item in instrument.items:
                self.responses.append((len(self.responses) + 1, screening_id, 0, item.id, item.domain, answers[item.id]))
            self.audit_sources.append((created, visitor_id, "create", "screening", screening_id, family_id,
                                       f"instrument={instrument.code},version={instrument.version}"))
            missed = frozenset(instrument.domain_of(i) for i, a in answers.items() if a == "not_yet")
            if weak is not None and count == weak_from + 1:
                trigger = (screening_id, on, weak, child_id)
            previous_missed = missed
            administered.append((instrument.code, on))
            due = rules.follow_up_after(dob, weeks, instrument, on, result, administered, self.instruments)
            count += 1
        if due is not None:
            # The one screening follow-up rule 3 has scheduled and nobody has done yet.
            made = at(administered[-1][1], 15) if administered else self.family_rows[family_id]["created"]
            self.follow_ups.append((len(self.follow_ups) + 1, family_id, child_id, "screening", due.instrument.code,
                                    due.due_on, None, None, "scheduled", visitor_id, None, made))
        return trigger

    def visits(self, family_id: int, family: dict) -> None:
        """Visits and calls: past ones done or missed, the next one scheduled."""
        rng, today = self.rng, self.today
        for _ in range(rng.choice((1, 2, 2, 2, 2))):
            due = today + timedelta(days=rng.randint(-60, 21))
            if due < family["created"].date():
                due = today + timedelta(days=rng.randint(0, 21))
            status = "scheduled"
            if due < today - timedelta(days=7):
                status = rng.choices(("done", "missed", "cancelled", "scheduled"), (0.8, 0.08, 0.04, 0.08))[0]
            elif due < today:
                status = rng.choice(("done", "scheduled"))
            completed = at(due, 17) if status == "done" else None
            made = min(at(due - timedelta(days=14), 11), at(today, 7))
            made = max(made, family["created"])
            self.follow_ups.append((len(self.follow_ups) + 1, family_id, None, rng.choice(("visit", "call")), None, due,
                                    None, "Regular home visit", status, family["visitor"], completed, made))

    # ---- referrals -------------------------------------------------------------------

    def referrals(self) -> None:
        rng, today = self.rng, self.today
        referrals = self.table(
            "referrals",
            "id family_id status outcome updated_at reasons_revision created_at status_since service agency sent_on service_contact_on",
        )
        reasons = self.table(
            "referral_reasons", "id referral_id kind child_id caregiver_id domain code screening_id risk_factor_id created_at"
        )
        transitions = self.table("referral_transitions", "id referral_id from_status to_status outcome note by_id at")
        risk_factors = self.table(
            "risk_factors", "id family_id child_id caregiver_id code catalog_version noted_on noted_by_id note resolved_on created_at"
        )
        caregiver_codes = [entry.code for entry in risk_factor_catalog() if entry.applies_to == "caregiver"]
        version = catalog_version()
        for family_id, family in self.family_rows.items():
            if not family.get("referral"):
                continue
            referral_id = len(referrals) + 1
            supervisor = self.supervisor_of_team[family["team"]]
            if "trigger" in family:
                screening_id, opened_on, domain, child_id = family["trigger"]
                opened = at(opened_on, 15)
                reasons.append((len(reasons) + 1, referral_id, "repeated_missed_milestones", child_id, None, domain,
                                None, screening_id, None, opened))
            else:
                opened_on = max(family["created"].date(), today - timedelta(days=rng.randint(0, 700)))
                opened = at(opened_on, 14)
                risk_id = len(risk_factors) + 1
                caregiver = family["caregivers"][0]
                code = rng.choice(caregiver_codes)
                risk_factors.append((risk_id, family_id, None, caregiver, code, version, opened_on, family["visitor"],
                                     "Discussed during the home visit.", None, opened))
                self.audit_sources.append((opened, family["visitor"], "create", "risk_factor", risk_id, family_id, None))
                reasons.append((len(reasons) + 1, referral_id, "risk_factor", None, caregiver, None, code, None, risk_id, opened))
            moves = self.referral_moves(opened_on)
            status, outcome, service, agency, sent_on, contact_on = "open", None, None, None, None, None
            since = opened
            for to_status, on in moves:
                move_at = at(on, 16)
                move_outcome = None
                if to_status == "sent":
                    service = rng.choice(SERVICES)
                    agency = rng.choice((None, "County Early Intervention", "Family Resource Center"))
                    sent_on = on
                    if rng.random() < 0.6:
                        contact = on + timedelta(days=rng.randint(3, 60))
                        contact_on = contact if contact <= today else None
                if to_status == "closed":
                    move_outcome = "completed" if contact_on is not None else rng.choice(("declined", "unable_to_contact"))
                    outcome = move_outcome
                transitions.append((len(transitions) + 1, referral_id, status, to_status, move_outcome, None, supervisor, move_at))
                self.audit_sources.append((move_at, supervisor, "transition", "referral", referral_id, family_id,
                                           f"{status}->{to_status}"))
                status, since = to_status, move_at
            referrals.append((referral_id, family_id, status, outcome, since, 1, opened, since, service, agency, sent_on, contact_on))

    def referral_moves(self, opened_on: date) -> list[tuple[str, date]]:
        """open → reviewed → sent → closed, as far as the referral's age allows."""
        rng, today = self.rng, self.today
        moves, on = [], opened_on
        for to_status, (low, high), chance in (("reviewed", (2, 10), 0.9), ("sent", (3, 20), 0.85), ("closed", (20, 120), 0.6)):
            on = on + timedelta(days=rng.randint(low, high))
            if on > today or rng.random() > chance:
                break
            moves.append((to_status, on))
        return moves

    # ---- the audit log -----------------------------------------------------------------

    def audit_log(self, key: bytes) -> None:
        """The events of the records above, then reads (single and list) up to the
        wanted number, in time order, chained as ``clinic.audit`` chains them."""
        rng, today = self.rng, self.today
        events = self.audit_sources
        family_ids = list(self.family_rows)
        start = at(today - timedelta(days=365))
        span = 365 * 24 * 3600 - 3600
        while len(events) < self.audit_wanted:
            family_id = rng.choice(family_ids)
            family = self.family_rows[family_id]
            when = start + timedelta(seconds=rng.randint(0, span))
            if when < family["created"]:
                when = family["created"] + timedelta(minutes=5)
            if rng.random() < 0.15:
                # A caseload page read: one event holding the page's family ids.
                first = rng.randint(1, max(1, len(family_ids) - 25))
                events.append((when, family["visitor"], "view", "family", None, None,
                               "," + ",".join(str(i) for i in range(first, first + 25)) + ","))
            elif family["children"] and rng.random() < 0.4:
                events.append((when, family["visitor"], "view", "child", rng.choice(family["children"]), family_id, None))
            else:
                events.append((when, family["visitor"], "view", "family", family_id, family_id, None))
        events.sort(key=lambda event: event[0])
        rows = self.table(
            "audit_events",
            "id occurred_at user_id action record_type record_id family_id ip_address detail record_ids seq prev_hash hash",
        )
        prev = audit.GENESIS
        for seq, (when, user_id, action, record_type, record_id, family_id, extra) in enumerate(events, start=1):
            record_ids = extra if extra and extra.startswith(",") else None
            detail = None if record_ids else extra
            values = {"id": seq, "occurred_at": when, "user_id": user_id, "action": action, "record_type": record_type,
                      "record_id": record_id, "family_id": family_id, "ip_address": "10.0.0.2", "detail": detail,
                      "record_ids": record_ids}
            digest = audit.event_hash(key, seq, prev, values)
            rows.append((seq, when, user_id, action, record_type, record_id, family_id, "10.0.0.2", detail, record_ids,
                         seq, prev, digest))
            prev = digest
        self.audit_head = (len(rows), prev, audit.head_mac(key, len(rows), prev))


# Parents before children, for the foreign keys.
ORDER = ("teams", "users", "families", "family_assignments", "caregivers", "children", "screenings",
         "screening_responses", "follow_ups", "risk_factors", "referrals", "referral_reasons", "referral_transitions",
         "audit_events")


def copy_in(url: str, program: Program) -> None:
    """One transaction: the foreign keys and plain indexes are dropped, the rows
    copied, then the indexes rebuilt and the foreign keys added back, which checks
    every row against them in one pass per key (far quicker than a check per row)."""
    with psycopg.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        cursor.execute("SET maintenance_work_mem = '256MB'")
        if cursor.execute("SELECT count(*) FROM users").fetchone()[0]:
            raise SystemExit("the database already holds staff: generate into a new, migrated database")
        foreign_keys = cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
        ).fetchall()
        indexes = cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes i WHERE schemaname = 'public' AND tablename = ANY(%s) "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)",
            (list(ORDER),),
        ).fetchall()
        for table, name, _ in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        for name in ORDER:
            columns, rows = program.tables[name]
            with cursor.copy(f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        cursor.executemany(
            "UPDATE teams SET supervisor_id = %s WHERE id = %s",
            [(supervisor, team) for team, supervisor in program.supervisor_of_team.items()],
        )
        last_seq, last_hash, mac = program.audit_head
        cursor.execute(
            "INSERT INTO audit_chain (id, last_seq, last_hash, legacy_below_id, mac) VALUES (1, %s, %s, 0, %s) "
            "ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, last_hash = excluded.last_hash, mac = excluded.mac",
            (last_seq, last_hash, mac),
        )
        for name in ORDER:
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")
        for _, definition in indexes:
            cursor.execute(definition)
        for table, name, definition in foreign_keys:
            cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
    with psycopg.connect(url, autocommit=True) as connection:
        # VACUUM too, as autovacuum does soon after a bulk load: a program that has
        # run a while has its visibility map set, so index-only scans (the program
        # report's) read no table pages; right after COPY every one would.
        connection.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--today", type=date.fromisoformat, default=None)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    app = create_app()
    url = app.config["DATABASE_URL"]
    if not url.startswith(("postgresql", "postgres")):
        raise SystemExit("the generator fills PostgreSQL: set DATABASE_URL")
    url = url.replace("postgresql+psycopg://", "postgresql://", 1)
    started = time.monotonic()
    with app.app_context():
        from clinic import clock

        today = args.today or clock.today()
        program = Program(today, args.scale, args.seed)
        program.staff()
        program.cases()
        program.referrals()
        program.audit_log(audit._key())
    built = time.monotonic()
    print(f"built in {built - started:.1f} s", file=sys.stderr, flush=True)
    copy_in(url, program)
    counts = ", ".join(f"{len(rows):,} {name}" for name, (_, rows) in program.tables.items())
    print(f"generated {counts};")
    print(f"rows built in {built - started:.1f} s, copied in {time.monotonic() - built:.1f} s, {time.monotonic() - started:.1f} s in all")


if __name__ == "__main__":
    os.environ.setdefault("CLINIC_GENERATOR", "1")
    main()
