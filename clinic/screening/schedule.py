"""Rule 2: which instrument is due next for each child, and when."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from clinic.cases.models import Child, FollowUp
from clinic.extensions import db
from clinic.instruments import Instrument, instruments
from clinic.screening import rules
from clinic.screening.models import Screening


@dataclass(frozen=True)
class NextScreening:
    instrument_code: str
    instrument_title: str
    due_on: date


def next_screenings(children: list[Child], on: date) -> dict[int, NextScreening | None]:
    """Child id → the screening due next (None past every window), in one query."""
    if not children:
        return {}
    administered: dict[int, list[tuple[str, date]]] = defaultdict(list)
    rows = db.session.execute(
        select(Screening.child_id, Screening.instrument_code, Screening.administered_on).where(
            Screening.child_id.in_([child.id for child in children])
        )
    )
    for child_id, code, administered_on in rows:
        administered[child_id].append((code, administered_on))
    return {child.id: next_screening(child, administered[child.id], on) for child in children}


def next_screening(child: Child, administered: rules.Administered, on: date) -> NextScreening | None:
    """Rule 2 for one child whose screenings (``administered``) the caller has loaded."""
    due = rules.next_due(child.date_of_birth, child.gestational_age_weeks, administered, on, instruments())
    return NextScreening(due.instrument.code, due.instrument.title, due.due_on) if due is not None else None


@dataclass(frozen=True)
class ChecklistChoice:
    """What the screening form offers a child on a day (rules 1 and 2)."""

    recordable: list[Instrument]  # windows open on the day, in the program's order
    opens_on: Instrument | None  # the one to open on; None when none can be recorded
    next_opening: rules.Due | None  # when none can: the window that opens next, if any


def checklist_choice(child: Child, on: date) -> ChecklistChoice:
    administered = list(
        db.session.execute(
            select(Screening.instrument_code, Screening.administered_on).where(Screening.child_id == child.id)
        ).tuples()
    )
    scheduled = db.session.scalars(
        select(FollowUp.instrument_code)
        .where(
            FollowUp.child_id == child.id,
            FollowUp.kind == "screening",
            FollowUp.status == "scheduled",
            FollowUp.instrument_code.is_not(None),
        )
        .order_by(FollowUp.due_on, FollowUp.id)
    ).all()
    current = instruments()
    dob, weeks = child.date_of_birth, child.gestational_age_weeks
    chosen = rules.checklist_to_open(dob, weeks, administered, on, current, scheduled)
    return ChecklistChoice(
        recordable=rules.recordable_on(dob, weeks, on, current),
        opens_on=chosen,
        next_opening=None if chosen is not None else rules.next_window_opening(dob, weeks, on, current),
    )
