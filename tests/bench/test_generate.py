"""The large-program generator (bench/generate.py), at a small scale: its rows obey
the rules the pages show, and they load by COPY into a migrated PostgreSQL
database whose audit chain then verifies."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pytest
from alembic import command
from sqlalchemy import text

from bench.generate import Program, copy_in, main
from clinic import audit, create_app
from clinic.extensions import db as _db
from clinic.instruments import get_instrument
from clinic.migrations_cli import alembic_config
from clinic.screening import rules
from tests.conftest import TARGET, fresh_postgres_database

TODAY = date(2026, 6, 15)
SCALE = 0.005  # 100 families, 150 children, 25 referrals, 1,500 audit events


def build(app) -> Program:
    with app.app_context():
        program = Program(TODAY, SCALE, seed=3)
        program.staff()
        program.cases()
        program.referrals()
        program.audit_log(audit._key())
    return program


def rows(program: Program, table: str) -> list[dict]:
    columns, values = program.tables[table]
    return [dict(zip(columns, row, strict=True)) for row in values]


@pytest.fixture(scope="module")
def program(app):
    return build(app)


def test_the_sizes_follow_the_scale(program):
    sizes = {name: len(values) for name, (_, values) in program.tables.items()}
    assert (sizes["teams"], sizes["users"]) == (20, 221)
    assert (sizes["families"], sizes["children"], sizes["referrals"]) == (100, 150, 25)
    # Reads are added to the events of the records made until the number is reached.
    assert sizes["audit_events"] == 1500


def test_screenings_are_in_their_windows_with_the_result_of_their_answers(program):
    children = {row["id"]: row for row in rows(program, "children")}
    answers = defaultdict(dict)
    for row in rows(program, "screening_responses"):
        answers[row["screening_id"]][row["item_id"]] = row["response"]
    screenings = rows(program, "screenings")
    assert screenings
    for screening in screenings:
        child = children[screening["child_id"]]
        instrument = get_instrument(screening["instrument_code"], screening["instrument_version"])
        assert rules.in_window(instrument, child["date_of_birth"], child["gestational_age_weeks"], screening["administered_on"])
        assert child["date_of_birth"] <= screening["administered_on"] < TODAY
        assert set(answers[screening["id"]]) == set(instrument.item_ids)
        assert screening["result"] == rules.screening_result(answers[screening["id"]])


def test_exactly_the_families_with_a_repeated_miss_have_that_reason(program):
    """Rule 4 over every child's screenings, against the referral reasons."""
    domains = defaultdict(set)
    for row in rows(program, "screening_responses"):
        if row["response"] == "not_yet":
            domains[row["screening_id"]].add(row["domain"])
    by_child = defaultdict(list)
    for screening in rows(program, "screenings"):
        facts = rules.ScreeningFacts(screening["id"], screening["administered_on"], frozenset(domains[screening["id"]]))
        by_child[screening["child_id"]].append(facts)
    expected = {}
    for child_id, facts in by_child.items():
        repeats = rules.repeated_missed_domains(facts)
        if repeats:
            expected[child_id] = (repeats[0].later_id, repeats[0].domains)
    reasons = [r for r in rows(program, "referral_reasons") if r["kind"] == "repeated_missed_milestones"]
    assert reasons
    assert {r["child_id"]: (r["screening_id"], (r["domain"],)) for r in reasons} == expected


def test_referrals_keep_rule_6_and_the_loop_constraints(program):
    referrals = rows(program, "referrals")
    assert len({r["family_id"] for r in referrals}) == len(referrals)
    assert {r["status"] for r in referrals} == {"open", "reviewed", "sent", "closed"}
    for referral in referrals:
        assert (referral["status"] == "closed") == (referral["outcome"] is not None)
        assert (referral["service"] is not None) == (referral["status"] in ("sent", "closed"))
        if referral["service_contact_on"] is not None:
            assert referral["service_contact_on"] >= referral["sent_on"]
            assert referral["service_contact_on"] <= TODAY
        if referral["outcome"] == "completed":
            assert referral["service_contact_on"] is not None
    reasons_per_referral = defaultdict(int)
    for reason in rows(program, "referral_reasons"):
        reasons_per_referral[reason["referral_id"]] += 1
    assert set(reasons_per_referral) == {r["id"] for r in referrals}


def test_each_child_has_at_most_one_scheduled_screening_follow_up(program):
    scheduled = [f["child_id"] for f in rows(program, "follow_ups") if f["kind"] == "screening"]
    assert scheduled and len(scheduled) == len(set(scheduled))
    assert all(f["status"] == "scheduled" for f in rows(program, "follow_ups") if f["kind"] == "screening")


def test_generated_program_loads_by_copy_and_its_audit_chain_verifies(monkeypatch, tmp_path):
    if TARGET != "postgresql":
        # COPY is PostgreSQL's: on anything else the generator says so and stops.
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'other.sqlite3'}")
        monkeypatch.setattr("sys.argv", ["generate.py"])
        with pytest.raises(SystemExit, match="fills PostgreSQL"):
            main()
        return
    with fresh_postgres_database() as url:
        config = alembic_config(url)
        config.attributes["configure_logging"] = False
        command.upgrade(config, "head")
        app = create_app({"DATABASE_URL": url, "SECRET_KEY": "generator-test-key"})
        program = build(app)
        copy_in(url.replace("postgresql+psycopg://", "postgresql://"), program)
        with app.app_context():
            assert audit.verify() == (1500, None)
            assert _db.session.execute(text("SELECT count(*) FROM screenings")).scalar() == len(
                program.tables["screenings"][1]
            )
            _db.session.remove()
            _db.engine.dispose()
