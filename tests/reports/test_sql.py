"""Rule 1's month arithmetic and clinic-local dates as SQL, on both databases,
against dates worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Date, literal, select

from clinic.cases.ages import add_months as add_months_in_python
from clinic.db import UTCDateTime
from clinic.reports.sql import add_days, add_months, days_between, literal_int, local_date, year_month


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
