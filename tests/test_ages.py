"""Rule 1: whole completed months, corrected age for preterm children."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from clinic.cases.ages import (
    add_months,
    age_months,
    corrected_age_months,
    date_at_screening_age,
    months_completed,
    screening_age_months,
)

dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2040, 12, 31))


def test_same_day_of_a_later_month_completes_a_month():
    assert months_completed(date(2024, 3, 15), date(2024, 4, 14)) == 0
    assert months_completed(date(2024, 3, 15), date(2024, 4, 15)) == 1


def test_last_day_of_a_shorter_month_completes_it():
    assert months_completed(date(2023, 1, 31), date(2023, 2, 27)) == 0
    assert months_completed(date(2023, 1, 31), date(2023, 2, 28)) == 1
    assert months_completed(date(2024, 1, 31), date(2024, 2, 28)) == 0  # leap year: 29th
    assert months_completed(date(2024, 1, 31), date(2024, 2, 29)) == 1
    assert months_completed(date(2024, 1, 31), date(2024, 4, 30)) == 3
    assert months_completed(date(2024, 1, 30), date(2024, 2, 29)) == 1


def test_leap_day_birthdays():
    born = date(2024, 2, 29)
    assert months_completed(born, date(2025, 2, 28)) == 12
    assert months_completed(born, date(2025, 2, 27)) == 11
    assert months_completed(born, date(2024, 3, 29)) == 1


def test_before_birth_is_zero():
    assert months_completed(date(2024, 5, 1), date(2024, 4, 1)) == 0


def test_add_months_keeps_the_day_or_takes_the_shorter_month_s_last():
    assert add_months(date(2025, 10, 15), 3) == date(2026, 1, 15)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)  # leap year
    assert add_months(date(2024, 8, 31), 6) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), 48) == date(2028, 2, 29)
    assert add_months(date(2026, 1, 15), -2) == date(2025, 11, 15)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2026, 12, 7), -36) == date(2023, 12, 7)
    assert add_months(date(2026, 12, 7), 0) == date(2026, 12, 7)


@given(dates, st.integers(min_value=0, max_value=60))
def test_add_months_is_the_day_the_month_completes(start, months):
    reached = add_months(start, months)
    assert months_completed(start, reached) == months
    if months:
        assert months_completed(start, reached - timedelta(days=1)) == months - 1


@given(dates, dates)
def test_months_never_decrease_and_grow_by_at_most_one_a_day(start, on):
    if on < start:
        start, on = on, start
    today = months_completed(start, on)
    tomorrow = months_completed(start, on + timedelta(days=1))
    assert today <= tomorrow <= today + 1


@given(dates, dates)
def test_months_agree_with_years_and_days(start, on):
    if on < start:
        start, on = on, start
    months = months_completed(start, on)
    # 12 completed months never take fewer than 365 days nor more than 366.
    assert (on - start).days >= months * 28
    assert (on - start).days < (months + 1) * 31 + 1


def test_corrected_age_uses_the_due_date():
    born = date(2024, 1, 1)
    # 32 weeks: due 8 weeks later, on 26 February.
    assert corrected_age_months(born, 32, date(2024, 4, 25)) == 1
    assert corrected_age_months(born, 32, date(2024, 4, 26)) == 2
    assert age_months(born, date(2024, 4, 26)) == 3


def test_unknown_gestational_age_is_term():
    born = date(2024, 1, 1)
    assert corrected_age_months(born, None, date(2024, 6, 1)) == 5


def test_screening_age_is_corrected_until_24_months_for_preterm_only():
    born = date(2023, 1, 10)
    assert screening_age_months(born, 30, date(2024, 1, 10)) == 9  # corrected
    assert screening_age_months(born, 37, date(2024, 1, 10)) == 12  # 37 weeks is not preterm
    assert screening_age_months(born, 30, date(2025, 1, 9)) < 24
    assert screening_age_months(born, 30, date(2025, 1, 10)) == 24  # chronological from 24 months


@given(dates, st.integers(min_value=24, max_value=42), st.integers(min_value=0, max_value=40))
def test_date_at_screening_age_is_the_first_day_it_is_reached(born, weeks, months):
    reached = date_at_screening_age(born, weeks, months)
    assert screening_age_months(born, weeks, reached) >= months
    if months and reached > born:
        assert screening_age_months(born, weeks, reached - timedelta(days=1)) < months
