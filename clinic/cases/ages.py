"""Rule 1: ages in whole completed months, chronological and corrected."""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta

FULL_TERM_WEEKS = 40
# The gestational ages a child may have on record (a check constraint holds them).
SHORTEST_GESTATION_WEEKS, LONGEST_GESTATION_WEEKS = 20, 45
PRETERM_BELOW_WEEKS = 37
CORRECT_UNTIL_MONTHS = 24
_ONE_DAY = timedelta(days=1)


def months_completed(start: date, on: date) -> int:
    """Whole months completed from ``start`` to ``on`` (0 before the first one).

    A month is completed on the same day of a later month, or on that month's last
    day when the month is too short to have that day (born 31 January: one month on
    28 or 29 February).
    """
    if on < start:
        return 0
    # Plain arithmetic (it runs for every child of a caseload on each dashboard):
    # the month of ``on`` is not yet completed when its day is before the start's
    # day, unless ``on`` is its month's last day (a month too short to have it).
    months = (on.year - start.year) * 12 + on.month - start.month
    if on.day < start.day and (on + _ONE_DAY).month == on.month:
        months -= 1
    return months


def add_months(start: date, months: int) -> date:
    """The day on which ``months`` whole months from ``start`` are completed (or,
    with ``months`` negative, the day that many months before): the same day of the
    month, or the month's last day when it is shorter.

    Plain arithmetic, as ``months_completed``: rule 10 and the API's list call it for
    every child shown, and ``relativedelta`` cost ~8 µs a call, ten times this.
    """
    year, month = divmod(start.year * 12 + start.month - 1 + months, 12)
    month += 1
    return date(year, month, min(start.day, monthrange(year, month)[1]))


def due_date(date_of_birth: date, gestational_age_weeks: int | None) -> date:
    weeks = gestational_age_weeks or FULL_TERM_WEEKS
    return date_of_birth + timedelta(weeks=FULL_TERM_WEEKS - weeks)


def is_preterm(gestational_age_weeks: int | None) -> bool:
    return gestational_age_weeks is not None and gestational_age_weeks < PRETERM_BELOW_WEEKS


def age_months(date_of_birth: date, on: date) -> int:
    return months_completed(date_of_birth, on)


def corrected_age_months(date_of_birth: date, gestational_age_weeks: int | None, on: date) -> int:
    """Whole months completed since the due date (the birth date when born at term)."""
    return months_completed(due_date(date_of_birth, gestational_age_weeks), on)


def uses_corrected_age(date_of_birth: date, gestational_age_weeks: int | None, on: date) -> bool:
    return (
        is_preterm(gestational_age_weeks)
        and age_months(date_of_birth, on) < CORRECT_UNTIL_MONTHS
    )


def screening_age_months(date_of_birth: date, gestational_age_weeks: int | None, on: date) -> int:
    """The age that chooses and schedules instruments: corrected until 24 months."""
    if uses_corrected_age(date_of_birth, gestational_age_weeks, on):
        return corrected_age_months(date_of_birth, gestational_age_weeks, on)
    return age_months(date_of_birth, on)


def date_at_screening_age(date_of_birth: date, gestational_age_weeks: int | None, months: int) -> date:
    """The first day on which the screening age reaches ``months``."""
    if is_preterm(gestational_age_weeks):
        corrected = add_months(due_date(date_of_birth, gestational_age_weeks), months)
        if age_months(date_of_birth, corrected) < CORRECT_UNTIL_MONTHS:
            return corrected
    chronological = add_months(date_of_birth, months)
    if is_preterm(gestational_age_weeks) and age_months(date_of_birth, chronological) < CORRECT_UNTIL_MONTHS:
        # Unreachable by chronological age while correction applies; the switch to
        # chronological age at 24 months is the first day it can be reached.
        return max(chronological, add_months(date_of_birth, CORRECT_UNTIL_MONTHS))
    return chronological


@dataclass(frozen=True)
class ChildAge:
    months: int
    # Set only while rule 1 uses the corrected age (born before 37 weeks, under 24 months).
    corrected_months: int | None


def child_age(child, on: date) -> ChildAge:
    """A child's age as pages show it: chronological, and corrected while it applies."""
    corrected = None
    if uses_corrected_age(child.date_of_birth, child.gestational_age_weeks, on):
        corrected = corrected_age_months(child.date_of_birth, child.gestational_age_weeks, on)
    return ChildAge(age_months(child.date_of_birth, on), corrected)
