"""Rule 10 at the edges of its SQL prefilter (children picked by date of birth
before the exact window rule runs) and of "not seen" read as one SQL maximum.

Every answer below was worked out by hand for 2025-06-16 (today + 14 = 2025-06-30),
with the windows of shared/instruments/milestones-v1.json: 4-10 months (``m4_10``),
18-20 (``m18_20``), 21-27 (``m24``). A window's last day is the day before the
screening age reaches its upper bound + 1.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from clinic.cases.ages import PRETERM_BELOW_WEEKS, SHORTEST_GESTATION_WEEKS, is_preterm
from clinic.instruments import instruments
from clinic.screening.models import Observation, Screening
from clinic.worklist.due import WINDOW_CLOSING_DAYS, closing_birth_dates, due_items, window_closes_on
from tests.factories import ChildFactory, FamilyFactory
from tests.worklist.conftest import TODAY

CREATED = datetime(2025, 6, 1, tzinfo=UTC)


def screenings_due(visitor, family, today=TODAY) -> list[tuple]:
    return [
        (i.child_name, i.instrument_code, i.due_on)
        for i in due_items(visitor, today, family_id=family.id)
        if i.kind == "screening_due"
    ]


def child(family, name: str, born: date, weeks: int | None = None):
    return ChildFactory(family=family, first_name=name, last_name="E", date_of_birth=born, gestational_age_weeks=weeks)


def screened(db, by, kid, code: str, on: date) -> None:
    db.session.add(
        Screening(child_id=kid.id, instrument_code=code, instrument_version=1, administered_on=on,
                  administered_by_id=by.id, age_months=0, result="on_track")
    )  # fmt: skip
    db.session.commit()


def test_a_window_closing_today_is_due_and_one_closed_yesterday_is_not(db, visitor):
    family = FamilyFactory(assigned_visitor=visitor, created_at=CREATED)
    # Born 2023-02-17: 28 months on 2025-06-17, so the 21-27 window's last day is today.
    child(family, "Today", date(2023, 2, 17))
    # Born 2023-02-16: 28 months today; the window's last day was yesterday.
    child(family, "Yesterday", date(2023, 2, 16))
    assert screenings_due(visitor, family) == [("Today E", "m24", date(2025, 6, 16))]


def test_a_window_closing_in_exactly_14_days_is_due_and_in_15_is_not(db, visitor):
    family = FamilyFactory(assigned_visitor=visitor, created_at=CREATED)
    # Born 2023-03-01: 27 months since 2025-06-01, 28 on 2025-07-01: last day 06-30.
    child(family, "Fourteen", date(2023, 3, 1))
    # Born 2023-03-02: 28 months on 2025-07-02: last day 07-01, 15 days away.
    child(family, "Fifteen", date(2023, 3, 2))
    assert screenings_due(visitor, family) == [("Fourteen E", "m24", date(2025, 6, 30))]


def test_a_child_born_on_the_31st_whose_window_ends_on_a_shorter_months_last_day(db, visitor):
    # On 2025-06-15 (today + 14 = 06-29): born 2024-07-31, the child completes 11
    # months on 2025-06-30 (June has no 31st), so the 4-10 window's last day is
    # 06-29, exactly 14 days ahead. Counted back from 06-30, 11 months is 07-30:
    # the prefilter must reach the 31st.
    family = FamilyFactory(assigned_visitor=visitor, created_at=CREATED)
    child(family, "Month end", date(2024, 7, 31))
    assert screenings_due(visitor, family, date(2025, 6, 15)) == [("Month end E", "m4_10", date(2025, 6, 29))]


def test_a_preterm_child_near_24_months_whose_window_closes_on_the_switch_to_chronological_age(db, visitor):
    # Born 2023-06-27 at 24 weeks: due date 16 weeks later, 2023-10-17. Today the
    # corrected age is 19 months (inside 18-20); on 2025-06-27 she is 24 months
    # chronologically, her screening age becomes 24, and the 18-20 window has
    # passed: its last day is 2025-06-26. Her twin born at term is past it already
    # (23 months), and his 21-27 window closes at 28 months, 2025-10-26.
    family = FamilyFactory(assigned_visitor=visitor, created_at=CREATED)
    child(family, "Preterm", date(2023, 6, 27), weeks=24)
    child(family, "Term", date(2023, 6, 27))
    assert screenings_due(visitor, family) == [("Preterm E", "m18_20", date(2025, 6, 26))]


def test_the_most_preterm_child_whose_corrected_window_closes_in_14_days(db, visitor):
    # Born 2024-03-14 at 20 weeks: due date 140 days later, 2024-08-01; corrected
    # age 10 months today, 11 on 2025-07-01, so the 4-10 window's last day is
    # 06-30. By chronological age (15 months) it would have passed in February.
    # The 10-18 window is open too but closes at 19 corrected months (2026-03-01).
    family = FamilyFactory(assigned_visitor=visitor, created_at=CREATED)
    child(family, "Twenty weeks", date(2024, 3, 14), weeks=20)
    assert screenings_due(visitor, family) == [("Twenty weeks E", "m4_10", date(2025, 6, 30))]


def test_a_child_screened_the_day_the_window_opened_is_not_due(db, visitor):
    # Twins born 2023-02-20: 21 months on 2024-11-20 (the 21-27 window opens),
    # 28 on 2025-06-20 (its last day 06-19). One had the 24-month checklist that
    # first day; the other only the 18-20 one the day before, so hers is due.
    family = FamilyFactory(assigned_visitor=visitor, created_at=CREATED)
    first = child(family, "First day", date(2023, 2, 20))
    day_before = child(family, "Day before", date(2023, 2, 20))
    screened(db, visitor, first, "m24", date(2024, 11, 20))
    screened(db, visitor, day_before, "m18_20", date(2024, 11, 19))
    assert screenings_due(visitor, family) == [("Day before E", "m24", date(2025, 6, 19))]


def not_seen(visitor) -> list[tuple]:
    return [(i.family_name, i.due_on) for i in due_items(visitor, TODAY) if i.kind == "not_seen"]


def test_not_seen_takes_the_latest_contact_of_any_kind(db, visitor):
    long_ago = datetime(2025, 1, 1, tzinfo=UTC)

    def family(name):
        return FamilyFactory(name=name, assigned_visitor=visitor, created_at=long_ago)

    def observed(family, on):
        db.session.add(
            Observation(family_id=family.id, instrument_version=1, observed_on=on, observed_by_id=visitor.id)
        )
        db.session.commit()

    # Seen only by an observation 90 days ago (2025-03-18 + 90 = today): not yet.
    observed(family("Observed 90"), date(2025, 3, 18))
    # An older screening, a newer observation: counted from the observation,
    # 2025-03-16 + 90 = 06-14.
    both = family("Observed 92")
    screened(db, visitor, child(both, "Old", date(2024, 10, 1)), "m3_6", date(2025, 2, 1))
    observed(both, date(2025, 3, 16))
    # An older observation, a newer screening (2025-03-20): seen.
    recent = family("Screened 88")
    observed(recent, date(2025, 2, 1))
    screened(db, visitor, child(recent, "New", date(2024, 10, 1)), "m3_6", date(2025, 3, 20))
    # A child never screened, nothing else, since it was created on 2025-01-01:
    # 01-01 + 90 = 04-01.
    child(family("Never seen"), "Unscreened", date(2024, 10, 1))
    assert sorted(not_seen(visitor)) == [("Never seen", date(2025, 4, 1)), ("Observed 92", date(2025, 6, 14))]


# A day whose 14th day ahead is a month's last day, and one in a leap year's February.
@pytest.mark.parametrize("today", [date(2025, 6, 15), date(2024, 2, 15)])
def test_the_prefilter_holds_every_child_whose_window_closes_within_14_days(today):
    """Against the exact rule, for every date of birth over four years and every
    gestational age that rule 1 tells apart (at term, or each preterm week on
    record): no child whose window closes from today to 14 days
    ahead is born outside the instrument's range."""
    last_day = today + timedelta(days=WINDOW_CLOSING_DAYS)
    weeks_on_record = [None, *range(SHORTEST_GESTATION_WEEKS, PRETERM_BELOW_WEEKS)]
    for instrument in instruments():
        born = closing_birth_dates(instrument, today)
        for days in range(4 * 366):
            date_of_birth = today - timedelta(days=days)
            for weeks in weeks_on_record:
                if not today <= window_closes_on(instrument, date_of_birth, weeks) <= last_day:
                    continue
                first = born.first_preterm if is_preterm(weeks) else born.first
                assert first <= date_of_birth <= born.last, (instrument.code, date_of_birth, weeks)
