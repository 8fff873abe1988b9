"""SPEC rules 2–5 as pure functions over plain data (no database, no clock).

Callers pass the clinic's today, the child's date of birth and gestational age,
and the screenings as tuples, so tests can state every case in a line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from clinic.cases.ages import date_at_screening_age, screening_age_months
from clinic.instruments import Instrument
from clinic.templating import checklist_title
from clinic.translation import gettext as _

RESPONSES = ("yes", "sometimes", "not_yet")
MISSED = "not_yet"
RESULT_CONCERN, RESULT_MONITOR, RESULT_ON_TRACK = "concern", "monitor", "on_track"
RESCREEN_AFTER = timedelta(days=30)

# (instrument_code, administered_on) of the screenings a child already has.
Administered = Sequence[tuple[str, date]]


def screening_result(responses: Mapping[str, str]) -> str:
    """``concern`` when any milestone is missed, else ``monitor`` when any is ``sometimes``."""
    values = set(responses.values())
    if MISSED in values:
        return RESULT_CONCERN
    if "sometimes" in values:
        return RESULT_MONITOR
    return RESULT_ON_TRACK


def missed_items(instrument: Instrument, responses: Mapping[str, str]) -> list[str]:
    """Ids of the missed milestones, in the instrument's order."""
    return [item.id for item in instrument.items if responses.get(item.id) == MISSED]


def missed_domains(instrument: Instrument, responses: Mapping[str, str]) -> list[str]:
    """Domains with at least one missed milestone, in the instrument's order."""
    return list(dict.fromkeys(item.domain for item in instrument.items if responses.get(item.id) == MISSED))


def validate_responses(instrument: Instrument, responses: Mapping[str, object]) -> dict[str, str]:
    """Field errors (``responses.<item_id>`` → message); empty when the answers are complete.

    Every item of this instrument answered, no item of another, and only
    ``yes``, ``sometimes`` or ``not_yet``.
    """
    errors: dict[str, str] = {}
    known = set(instrument.item_ids)
    for item_id in instrument.item_ids:
        if item_id not in responses or responses[item_id] in (None, ""):
            errors[f"responses.{item_id}"] = _("Answer this milestone: yes, sometimes or not yet.")
        elif responses[item_id] not in RESPONSES:
            errors[f"responses.{item_id}"] = _("The answer must be yes, sometimes or not_yet.")
    for item_id in responses:
        if item_id not in known:
            errors[f"responses.{item_id}"] = _(
                "This is not a milestone of %(title)s (v%(version)s).",
                title=checklist_title(instrument.code),
                version=instrument.version,
            )
    return errors


def _age_in_window(instrument: Instrument, age: int) -> bool:
    return instrument.window_min <= age <= instrument.window_max


def in_window(instrument: Instrument, date_of_birth: date, gestational_age_weeks: int | None, on: date) -> bool:
    """Whether the child's screening age on ``on`` is inside the window (inclusive)."""
    if on < date_of_birth:
        return False
    return _age_in_window(instrument, screening_age_months(date_of_birth, gestational_age_weeks, on))


def window_passed(instrument: Instrument, date_of_birth: date, gestational_age_weeks: int | None, on: date) -> bool:
    if on < date_of_birth:
        return False
    return screening_age_months(date_of_birth, gestational_age_weeks, on) > instrument.window_max


def window_opens_on(instrument: Instrument, date_of_birth: date, gestational_age_weeks: int | None) -> date:
    return date_at_screening_age(date_of_birth, gestational_age_weeks, instrument.window_min)


def screening_date_problem(
    instrument: Instrument,
    date_of_birth: date,
    gestational_age_weeks: int | None,
    administered_on: date,
    today: date,
) -> str | None:
    """Why a screening cannot be recorded on ``administered_on`` (rule 2), or None."""
    if administered_on < date_of_birth:
        return _("The screening date is before the child's date of birth.")
    if administered_on > today:
        return _("The screening date cannot be in the future.")
    if not in_window(instrument, date_of_birth, gestational_age_weeks, administered_on):
        age = screening_age_months(date_of_birth, gestational_age_weeks, administered_on)
        return _(
            "%(title)s is for children aged %(min)d to %(max)d months; on that date the child's screening age is"
            " %(age)d months.",
            title=checklist_title(instrument.code),
            min=instrument.window_min,
            max=instrument.window_max,
            age=age,
        )
    return None


def administered_in_window(
    instrument: Instrument, date_of_birth: date, gestational_age_weeks: int | None, administered: Administered
) -> bool:
    """Whether the child has had this instrument (any version) inside its window."""
    return any(
        code == instrument.code and in_window(instrument, date_of_birth, gestational_age_weeks, on)
        for code, on in administered
    )


@dataclass(frozen=True)
class Due:
    instrument: Instrument
    due_on: date


def next_due(
    date_of_birth: date,
    gestational_age_weeks: int | None,
    administered: Administered,
    on: date,
    instruments: Sequence[Instrument],
) -> Due | None:
    """Rule 2: the first instrument whose window has not passed on ``on`` and which has
    not been administered in its window, due at its target age (None past every window).

    The due date may be before ``on``: the screening is then overdue.
    """
    for instrument in instruments:
        if window_passed(instrument, date_of_birth, gestational_age_weeks, on):
            continue
        if administered_in_window(instrument, date_of_birth, gestational_age_weeks, administered):
            continue
        due_on = date_at_screening_age(date_of_birth, gestational_age_weeks, instrument.target_age_months)
        return Due(instrument, due_on)
    return None


def recordable_on(
    date_of_birth: date, gestational_age_weeks: int | None, on: date, instruments: Sequence[Instrument]
) -> list[Instrument]:
    """The instruments that can be recorded on ``on``: the child's screening age is
    inside their window (rules 1 and 2). ``in_window`` for each, the age worked out
    once (rule 10 asks this for every child whose window may close soon)."""
    if on < date_of_birth:
        return []
    age = screening_age_months(date_of_birth, gestational_age_weeks, on)
    return [instrument for instrument in instruments if _age_in_window(instrument, age)]


def checklist_to_open(
    date_of_birth: date,
    gestational_age_weeks: int | None,
    administered: Administered,
    on: date,
    instruments: Sequence[Instrument],
    scheduled_codes: Sequence[str] = (),
) -> Instrument | None:
    """The checklist the screening form opens on, on ``on`` (None when none can be recorded).

    The scheduled one (``scheduled_codes``: the instruments of the child's open
    screening follow-ups, soonest first) when its window is open; else rule 2's next
    due when its window is open; else the first open window the child has not had a
    screening in; else the first open window (a re-screen).
    """
    open_now = recordable_on(date_of_birth, gestational_age_weeks, on, instruments)
    if not open_now:
        return None
    by_code = {instrument.code: instrument for instrument in open_now}
    for code in scheduled_codes:
        if code in by_code:
            return by_code[code]
    due = next_due(date_of_birth, gestational_age_weeks, administered, on, instruments)
    if due is not None and due.instrument.code in by_code:
        return by_code[due.instrument.code]
    not_had = [
        instrument
        for instrument in open_now
        if not administered_in_window(instrument, date_of_birth, gestational_age_weeks, administered)
    ]
    return (not_had or open_now)[0]


def next_window_opening(
    date_of_birth: date, gestational_age_weeks: int | None, on: date, instruments: Sequence[Instrument]
) -> Due | None:
    """The instrument whose window opens next after ``on``, with the day it opens
    (None when every window has opened)."""
    upcoming = [
        Due(instrument, window_opens_on(instrument, date_of_birth, gestational_age_weeks))
        for instrument in instruments
    ]
    upcoming = [due for due in upcoming if due.due_on > on]
    return min(upcoming, key=lambda due: due.due_on, default=None)


def follow_up_after(
    date_of_birth: date,
    gestational_age_weeks: int | None,
    instrument: Instrument,
    administered_on: date,
    result: str,
    administered: Administered,
    instruments: Sequence[Instrument],
) -> Due | None:
    """Rule 3: the screening to schedule after one with ``result``.

    ``concern`` or ``monitor``: 30 days later, with the same instrument when the
    child is still inside its window then, else with the next instrument (on the
    day its window opens if that is later than the 30 days, since it cannot be
    recorded earlier). ``on_track``: the next instrument at its target age. The
    next instrument is the first one after ``instrument`` (by target age) that the
    child has not had in its window and whose window has not passed; None when
    none is left.
    """
    concerned = result in (RESULT_CONCERN, RESULT_MONITOR)
    start = administered_on + RESCREEN_AFTER if concerned else administered_on
    if concerned and in_window(instrument, date_of_birth, gestational_age_weeks, start):
        return Due(instrument, start)
    position = (instrument.target_age_months, instrument.window_min, instrument.code)
    for candidate in instruments:
        if (candidate.target_age_months, candidate.window_min, candidate.code) <= position:
            continue
        if administered_in_window(candidate, date_of_birth, gestational_age_weeks, administered):
            continue
        if window_passed(candidate, date_of_birth, gestational_age_weeks, start):
            continue
        if concerned:
            due_on = max(start, window_opens_on(candidate, date_of_birth, gestational_age_weeks))
        else:
            due_on = max(
                start, date_at_screening_age(date_of_birth, gestational_age_weeks, candidate.target_age_months)
            )
        return Due(candidate, due_on)
    return None


@dataclass(frozen=True)
class ScreeningFacts:
    """What rule 4 needs to know of one screening."""

    id: int
    administered_on: date
    missed_domains: frozenset[str]


@dataclass(frozen=True)
class RepeatedMiss:
    earlier_id: int
    later_id: int
    domains: tuple[str, ...]


def repeated_missed_domains(screenings: Iterable[ScreeningFacts]) -> list[RepeatedMiss]:
    """Rule 4: consecutive screenings (by date, then id) that both miss a milestone of
    the same domain, with those domains (sorted)."""
    ordered = sorted(screenings, key=lambda s: (s.administered_on, s.id))
    found = []
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        shared = earlier.missed_domains & later.missed_domains
        if shared:
            found.append(RepeatedMiss(earlier.id, later.id, tuple(sorted(shared))))
    return found


def repeated_miss_reasons(child_id: int, screening_id: int, screenings: Iterable[ScreeningFacts]) -> list[dict]:
    """Referral reasons rule 4 gives for one screening just recorded or amended.

    Only the pairs that include that screening count: a pair that already gave a
    reason must not open a new referral once the first one is sent or closed.
    """
    domains: dict[str, None] = {}
    for pair in repeated_missed_domains(screenings):
        if screening_id in (pair.earlier_id, pair.later_id):
            domains.update(dict.fromkeys(pair.domains))
    return [
        {"kind": "repeated_missed_milestones", "child_id": child_id, "domain": domain, "screening_id": screening_id}
        for domain in sorted(domains)
    ]


def risk_factor_reason(
    code: str, *, child_id: int | None = None, caregiver_id: int | None = None, risk_factor_id: int | None = None
) -> dict:
    """Rule 5: the referral reason a recorded risk factor gives."""
    return {
        "kind": "risk_factor",
        "code": code,
        "child_id": child_id,
        "caregiver_id": caregiver_id,
        "risk_factor_id": risk_factor_id,
    }


def reason_key(reason: Mapping) -> tuple:
    """What makes two reasons the same: a referral never holds one twice."""
    return (
        reason.get("kind"),
        reason.get("child_id"),
        reason.get("caregiver_id"),
        reason.get("domain"),
        reason.get("code"),
    )
