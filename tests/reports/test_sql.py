"""Rule 1's month arithmetic and clinic-local dates as SQL, on both databases,
against dates worked out by hand."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Date, func, literal, select, true

from clinic.cases.ages import add_months as add_months_in_python
from clinic.cases.ages import date_at_screening_age
from clinic.db import UTCDateTime
from clinic.instruments import instruments
from clinic.reports.program import instrument_windows
from clinic.reports.sql import add_days, add_months, days_between, literal_int, local_date, year_month
from clinic.screening.rules import in_window
from tests.factories import ChildFactory, FamilyFactory


def _date(value: date):
    return literal(value, Date)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # a shorter month: its last day
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 1, 30), 1, date(2024, 2, 29)),
        (date(2025, 8, 31), 1, date(2025, 9, 30)),
        (date(2024, 12, 31), 2, date(2025, 2, 28)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 7, 31), 7, date(2026, 2, 28)),
        (date(2025, 3, 15), 0, date(2025, 3, 15)),
        (date(2023, 10, 1), 28, date(2026, 2, 1)),
    ],
)
def test_add_months_completes_a_month_on_the_same_day_or_the_months_last(db, start, months, expected):
    assert db.session.scalar(select(add_months(_date(start), literal_int(months)))) == expected
    assert add_months_in_python(start, months) == expected  # the rule the pages use agrees


def test_days_and_months(db):
    day = _date(date(2026, 2, 2))
    assert db.session.scalar(select(add_days(day, literal_int(29)))) == date(2026, 3, 3)
    assert db.session.scalar(select(add_days(day, literal_int(-2)))) == date(2026, 1, 31)
    assert db.session.scalar(select(days_between(_date(date(2026, 3, 5)), day))) == 31
    assert db.session.scalar(select(year_month(day))) == "2026-02"


@pytest.mark.parametrize(
    ("zone", "moment", "expected"),
    [
        ("UTC", datetime(2025, 11, 30, 3, tzinfo=UTC), date(2025, 11, 30)),
        ("America/Chicago", datetime(2025, 11, 30, 3, tzinfo=UTC), date(2025, 11, 29)),  # 21:00 the day before
        ("America/Chicago", datetime(2025, 7, 1, 4, 59, tzinfo=UTC), date(2025, 6, 30)),  # daylight time: UTC-5
        ("America/Chicago", datetime(2025, 7, 1, 5, 0, tzinfo=UTC), date(2025, 7, 1)),
        ("Pacific/Auckland", datetime(2025, 12, 31, 11, tzinfo=UTC), date(2026, 1, 1)),
    ],
)
def test_local_date_of_a_utc_timestamp(db, zone, moment, expected):
    stored = literal(moment, UTCDateTime())
    assert db.session.scalar(select(local_date(stored, zone))) == expected


def _children_born_on_hard_days(db):
    """Term and preterm children born on month ends, leap days and ordinary days."""
    rng = random.Random(20261202)  # fixed: the same children on every run
    births = [date(2024, 2, 29), date(2023, 1, 31), date(2023, 8, 31), date(2024, 12, 31), date(2022, 11, 30)]
    births += [date(2020, 1, 1) + timedelta(days=rng.randrange(0, 6 * 365)) for _ in range(120)]
    weeks = [None, 20, 24, 28, 32, 36, 37, 40, 42]
    family = FamilyFactory()
    children = [
        ChildFactory.build(family=family, date_of_birth=born, gestational_age_weeks=weeks[n % len(weeks)])
        for n, born in enumerate(births)
    ]
    db.session.add_all(children)
    db.session.commit()
    return children


def test_a_local_date_is_compiled_once_per_zone(db):
    """Cached like any statement, with the zone in the cache key: a statement in
    another zone is compiled anew, never served the first zone's SQL."""

    def key(zone):
        return select(local_date(literal(datetime(2025, 1, 1, 3, tzinfo=UTC), UTCDateTime), zone))._generate_cache_key()

    assert key("America/Chicago") is not None
    assert key("America/Chicago") == key("America/Chicago")
    assert key("America/Chicago") != key("America/New_York")
    moment = datetime(2025, 1, 1, 3, tzinfo=UTC)
    found = [db.session.scalar(select(local_date(literal(moment, UTCDateTime), zone))) for zone in ("UTC", "America/Chicago", "UTC")]
    assert found == [date(2025, 1, 1), date(2024, 12, 31), date(2025, 1, 1)]


def test_the_windows_computed_in_sql_are_rule_2s_windows(db):
    """Every child × instrument window the report computes in SQL has the first and
    last day that rules 1 and 2 give in Python (the pages' and the worklist's rule),
    for term and preterm children born on month ends, leap days and ordinary days."""
    children = _children_born_on_hard_days(db)
    windows = instrument_windows([true()], "UTC")
    computed = {(row.child_id, row.code): (row.opens, row.closes)
                for row in db.session.execute(select(windows.c.child_id, windows.c.code, windows.c.opens,
                                                     windows.c.closes))}  # fmt: skip
    expected = {}
    for child in children:
        for instrument in instruments():
            opens = date_at_screening_age(child.date_of_birth, child.gestational_age_weeks, instrument.window_min)
            closes = date_at_screening_age(child.date_of_birth, child.gestational_age_weeks,
                                           instrument.window_max + 1) - timedelta(days=1)  # fmt: skip
            expected[(child.id, instrument.code)] = (opens, closes)
            # The window is exactly the days rule 2 says are inside it.
            assert in_window(instrument, child.date_of_birth, child.gestational_age_weeks, closes)
            assert not in_window(instrument, child.date_of_birth, child.gestational_age_weeks,
                                 closes + timedelta(days=1))  # fmt: skip
    assert computed == expected


@pytest.mark.parametrize(
    ("first", "last"),
    [
        (date(2024, 10, 1), date(2025, 9, 30)),  # a federal fiscal year
        (date(2024, 2, 29), date(2024, 2, 29)),  # one day: a leap day
        (date(2023, 3, 1), date(2023, 3, 31)),  # the month after a short one
        (date(2022, 12, 31), date(2023, 1, 30)),  # from a month's last day
        (date(2021, 6, 15), date(2025, 6, 14)),  # four years
    ],
)
def test_only_the_windows_that_may_close_in_the_period_are_computed_and_none_is_lost(db, first, last):
    """With a period, the report computes windows only for the children whose
    birth date lets one close in it; every window rules 1 and 2 close inside the
    period is still there, with its days."""
    children = _children_born_on_hard_days(db)
    windows = instrument_windows([true()], "UTC", closing=(first, last))
    computed = {(row.child_id, row.code): (row.opens, row.closes)
                for row in db.session.execute(select(windows.c.child_id, windows.c.code, windows.c.opens,
                                                     windows.c.closes).where(windows.c.closes.between(first, last)))}  # fmt: skip
    expected = {}
    for child in children:
        for instrument in instruments():
            closes = date_at_screening_age(child.date_of_birth, child.gestational_age_weeks,
                                           instrument.window_max + 1) - timedelta(days=1)  # fmt: skip
            if first <= closes <= last:
                opens = date_at_screening_age(child.date_of_birth, child.gestational_age_weeks, instrument.window_min)
                expected[(child.id, instrument.code)] = (opens, closes)
    assert expected  # the period holds windows to find
    assert computed == expected
    everything = instrument_windows([true()], "UTC")
    assert db.session.scalar(select(func.count()).select_from(windows)) < db.session.scalar(
        select(func.count()).select_from(everything)
    )  # and fewer pairs were computed than without the period
