"""Read models for the screening pages: the child timeline, the family panel, one screening.

Each function loads what its page shows in a fixed number of queries, whatever the
number of screenings, risk factors or observations, and audits the reads (SPEC:
every read of a screening, risk factor or observation writes an event). The audit
events are added last, so they are flushed with the request's commit rather than
between the page's queries.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from markupsafe import Markup
from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import joinedload, selectinload

from clinic import clock
from clinic.auth.models import User
from clinic.cases.follow_ups import can_restore, family_follow_ups, open_screening_follow_ups, past_due
from clinic.cases.models import Child, Family, FollowUp
from clinic.extensions import db
from clinic.instruments import Instrument, Item, ObservationInstrument, get_risk_factor, observation_instrument
from clinic.screening import services
from clinic.screening.chart import ChartTable, Point, chart_table, milestones_chart_svg
from clinic.screening.models import Observation, RiskFactor, Screening
from clinic.screening.schedule import NextScreening, next_screening
from clinic.templating import checklist_title, instrument_label, instrument_labels


@dataclass(frozen=True)
class ScreeningEntry:
    screening: Screening
    instrument: Instrument
    missed: dict[str, list[Item]]  # domain → missed milestones, in the instrument's order


@dataclass(frozen=True)
class RiskEntry:
    risk_factor: RiskFactor
    label: str
    subject: str  # the child's or the caregiver's name


@dataclass(frozen=True)
class ObservationEntry:
    observation: Observation
    ratings: dict[str, str]  # cue id → rating
    notes: dict[str, str]  # cue id → note, for the cues that have one
    counts: dict[str, int]  # rating → how many cues got it


@dataclass(frozen=True)
class TimelineEvent:
    on: date
    kind: str  # "screening", "risk_factor" or "observation"
    entry: ScreeningEntry | RiskEntry | ObservationEntry


@dataclass(frozen=True)
class ChildTimeline:
    child: Child
    today: date
    screenings: list[ScreeningEntry]  # oldest first
    events: list[TimelineEvent]  # newest first
    next_screening: NextScreening | None  # rule 2: by age
    scheduled: list[FollowUp]  # screening follow-ups still open (rule 3 or by hand), soonest first
    chart_svg: Markup | None  # None before the first screening
    chart_table: ChartTable  # the chart's values, as a table beside it
    domain_labels: dict[str, str]
    instrument_titles: dict[str, str]
    observation: ObservationInstrument


def screening_entry(screening: Screening) -> ScreeningEntry:
    return ScreeningEntry(screening, services.instrument_of(screening), services.missed_by_domain(screening))


def chart_points(entries: list[ScreeningEntry]) -> list[Point]:
    """(screening age, domain, milestones met, milestones asked) for each screening and domain."""
    points: list[Point] = []
    for entry in entries:
        answers = entry.screening.answers()
        for domain, items in entry.instrument.items_by_domain().items():
            met = sum(1 for item in items if answers.get(item.id) == "yes")
            points.append((entry.screening.age_months, domain, met, len(items)))
    return points


def _observation_entry(observation: Observation) -> ObservationEntry:
    ratings = {rating.cue_id: rating.rating for rating in observation.ratings}
    return ObservationEntry(
        observation=observation,
        ratings=ratings,
        notes={rating.cue_id: rating.note for rating in observation.ratings if rating.note},
        counts=dict(Counter(ratings.values())),
    )


def _risk_label(risk_factor: RiskFactor) -> str:
    """In the page's language; in English, the wording of the catalog it was noted under."""
    english = get_risk_factor(risk_factor.code, risk_factor.catalog_version).label
    return instrument_label("risk_factor", risk_factor.code, english)


def risk_entry(risk_factor: RiskFactor) -> RiskEntry:
    """One risk factor with its catalog label and whom it was noted for."""
    subject = risk_factor.child.full_name if risk_factor.child is not None else risk_factor.caregiver.name
    return RiskEntry(risk_factor, _risk_label(risk_factor), subject)


# Built once, with the child's ids as parameters (see ``services._CHILD_SCREENINGS``).
_CHILD_RISK_FACTORS = (
    select(RiskFactor)
    .where(
        RiskFactor.family_id == bindparam("family_id"),
        or_(RiskFactor.child_id == bindparam("child_id"), RiskFactor.caregiver_id.is_not(None)),
    )
    .options(joinedload(RiskFactor.caregiver), joinedload(RiskFactor.noted_by))
    .order_by(RiskFactor.noted_on, RiskFactor.id)
)
_CHILD_OBSERVATIONS = (
    select(Observation)
    .where(
        Observation.family_id == bindparam("family_id"),
        or_(Observation.child_id == bindparam("child_id"), Observation.child_id.is_(None)),
    )
    .options(selectinload(Observation.ratings), joinedload(Observation.observed_by))
    .order_by(Observation.observed_on, Observation.id)
)


def child_timeline(user: User, child: Child) -> ChildTimeline:
    """Everything the child panel shows: screenings with missed milestones by domain,
    the child's risk factors and those of the family's caregivers, the interaction
    observations of the child or of the whole family, the next screening due, the
    screenings scheduled, and the chart."""
    today = clock.today()
    screenings = [screening_entry(s) for s in services.child_screenings(child)]
    ids = {"family_id": child.family_id, "child_id": child.id}
    risk_factors = list(db.session.scalars(_CHILD_RISK_FACTORS, ids))
    observations = list(db.session.scalars(_CHILD_OBSERVATIONS, ids))
    # Rule 2 from the screenings loaded above (every one of the child's), not a second read.
    next_due = next_screening(
        child, [(e.screening.instrument_code, e.screening.administered_on) for e in screenings], today
    )
    scheduled = open_screening_follow_ups(child)

    events = [TimelineEvent(e.screening.administered_on, "screening", e) for e in screenings]
    events += [
        TimelineEvent(
            rf.noted_on,
            "risk_factor",
            RiskEntry(rf, _risk_label(rf), child.full_name if rf.caregiver is None else rf.caregiver.name),
        )
        for rf in risk_factors
    ]
    events += [TimelineEvent(o.observed_on, "observation", _observation_entry(o)) for o in observations]
    # Newest first; on the same day a screening reads before what was noted at that visit.
    order = {"screening": 0, "risk_factor": 1, "observation": 2}
    events.sort(key=lambda event: (event.on, -order[event.kind]), reverse=True)

    labels = instrument_labels("domain")
    points = chart_points(screenings)
    chart = Markup(milestones_chart_svg(points, labels)) if screenings else None
    services.record_read(user, *(e.screening for e in screenings), *risk_factors, *observations)
    return ChildTimeline(
        child=child,
        today=today,
        screenings=screenings,
        events=events,
        next_screening=next_due,
        scheduled=scheduled,
        chart_svg=chart,
        chart_table=chart_table(points, labels),
        domain_labels=labels,
        instrument_titles=instrument_labels("checklist_title"),
        observation=observation_instrument(),
    )


@dataclass(frozen=True)
class FollowUpEntry:
    follow_up: FollowUp
    child_name: str | None
    instrument_title: str | None
    overdue: bool
    restorable: bool = False  # a cancellation that can still be undone


@dataclass(frozen=True)
class FamilyPanel:
    family: Family
    today: date
    risk_factors: list[RiskEntry]  # newest noted first
    observations: list[ObservationEntry]  # oldest first: the table reads over time
    follow_ups: list[FollowUpEntry]  # soonest first
    observation: ObservationInstrument


def family_panel(user: User, family: Family) -> FamilyPanel:
    """The family page's screening panel: risk factors, interaction observations over
    time, and follow-ups. Names come from the family's children and caregivers (one
    query each, already loaded by the family page)."""
    today = clock.today()
    children = {child.id: child.full_name for child in family.children}
    caregivers = {caregiver.id: caregiver.name for caregiver in family.caregivers}
    risk_factors = services.family_risk_factors(family)
    observations = services.family_observations(family)
    follow_ups = family_follow_ups(family)
    services.record_read(user, *risk_factors, *observations)
    return FamilyPanel(
        family=family,
        today=today,
        risk_factors=[
            RiskEntry(
                rf,
                _risk_label(rf),
                children.get(rf.child_id, "") if rf.child_id is not None else caregivers.get(rf.caregiver_id, ""),
            )
            for rf in risk_factors
        ],
        observations=[_observation_entry(o) for o in observations],
        follow_ups=[
            FollowUpEntry(
                f,
                children.get(f.child_id) if f.child_id is not None else None,
                checklist_title(f.instrument_code) or None,
                past_due(f, today),
                can_restore(f, today),
            )
            for f in follow_ups
        ],
        observation=observation_instrument(),
    )


@dataclass(frozen=True)
class AnswerChange:
    item: Item
    before: str | None
    after: str | None


@dataclass(frozen=True)
class AmendmentEntry:
    revision: int
    amended_by: str
    amended_at: datetime
    reason: str
    previous_result: str
    result: str
    changes: list[AnswerChange]


def answer_changes(instrument: Instrument, before: dict[str, str], after: dict[str, str]) -> list[AnswerChange]:
    """The milestones whose answer differs between two revisions, in the instrument's order."""
    return [
        AnswerChange(item, before.get(item.id), after.get(item.id))
        for item in instrument.items
        if before.get(item.id) != after.get(item.id)
    ]


def amendment_history(screening: Screening) -> list[AmendmentEntry]:
    """Each amendment with who, when, why and what it changed, oldest first."""
    instrument = services.instrument_of(screening)
    results = [amendment.previous_result for amendment in screening.amendments] + [screening.result]
    return [
        AmendmentEntry(
            revision=amendment.revision,
            amended_by=amendment.amended_by.name,
            amended_at=amendment.amended_at,
            reason=amendment.reason,
            previous_result=amendment.previous_result,
            result=results[index + 1],
            changes=answer_changes(
                instrument, screening.answers(amendment.revision - 1), screening.answers(amendment.revision)
            ),
        )
        for index, amendment in enumerate(screening.amendments)
    ]


def referral_effect(
    referral: Any | None, *, screening_id: int | None = None, risk_factor_id: int | None = None
) -> str | None:
    """What a save did to the family's referral: "opened" it, "added" reasons to the
    open one, or found its reasons "already" there (rule 6 never adds one twice);
    None when no referral was called for."""
    if referral is None:
        return None
    own = [
        reason
        for reason in referral.reasons
        if (screening_id is not None and reason.screening_id == screening_id)
        or (risk_factor_id is not None and reason.risk_factor_id == risk_factor_id)
    ]
    if not own:
        return "already"
    return "opened" if len(own) == len(referral.reasons) else "added"
