"""API endpoints: instruments, screenings and amendments, risk factors, observations, follow-ups."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Literal

from flask import g
from pydantic import Field, StringConstraints, field_validator

from clinic.api.blueprint import endpoint
from clinic.api.errors import ApiError
from clinic.api.schemas import Body, Id, Note, Out, text
from clinic.cases import follow_ups as follow_up_services
from clinic.cases.models import FOLLOW_UP_KINDS, FOLLOW_UP_STATUSES, Family, FollowUp
from clinic.instruments import get_risk_factor, instruments, risk_factor_catalog
from clinic.permissions.scope import (
    get_caregiver_or_404,
    get_child_or_404,
    get_family_or_404,
    get_follow_up_or_404,
    get_in_family_scope_or_404,
)
from clinic.screening import services
from clinic.screening.models import RiskFactor, Screening

# Item and cue ids and answer values are checked against the instrument by the
# services, so that each error names its item (responses.<item_id>).
ItemId = Annotated[str, StringConstraints(max_length=100)]
Answers = Annotated[dict[ItemId, str], Field(max_length=200)]
Code = text(100, min_length=1)
InstrumentCode = text(50, min_length=1)
Reason = text(5000, min_length=1, multiline=True)
HHMM = Annotated[str, StringConstraints(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")]


class PersonOut(Out):
    id: int
    name: str


# Instruments ---------------------------------------------------------------------


class ItemOut(Out):
    id: str
    domain: str
    text: str


class InstrumentOut(Out):
    code: str
    version: int
    title: str
    target_age_months: int
    window_months: tuple[int, int]
    items: list[ItemOut]


@endpoint(
    "/instruments", summary="The milestone checklists (current versions)", response=InstrumentOut, list_response=True
)
def instruments_list():
    return [InstrumentOut.model_validate(instrument).model_dump(mode="json") for instrument in instruments()]


# Screenings ----------------------------------------------------------------------


class ScreeningIn(Body):
    instrument: InstrumentCode
    administered_on: date
    responses: Answers
    notes: Note | None = None


class FollowUpOut(Out):
    id: int
    family_id: int
    child_id: int | None
    kind: str
    instrument: str | None = Field(validation_alias="instrument_code")
    due_on: date
    time: str | None = Field(validation_alias="due_time", description="HH:MM")
    note: str | None
    status: str
    created_by_id: int | None
    completed_at: datetime | None

    @field_validator("time", mode="before")
    @classmethod
    def _hours_and_minutes(cls, value: object) -> object:
        return value.strftime("%H:%M") if isinstance(value, time) else value


def follow_up_out(follow_up: FollowUp) -> dict:
    return FollowUpOut.model_validate(follow_up).model_dump(mode="json")


class ScreeningCreatedOut(Out):
    id: int
    revision: int
    result: str
    missed: list[str]
    referral_id: int | None = Field(default=None, description="Present when the screening opened or joined a referral")
    follow_up: FollowUpOut | None = None


def outcome_out(outcome: services.ScreeningOutcome) -> dict:
    # A plain dict: referral_id is left out, not null, when no referral was touched.
    body = {
        "id": outcome.screening.id,
        "revision": outcome.screening.revision,
        "result": outcome.screening.result,
        "missed": services.missed(outcome.screening),
        "follow_up": follow_up_out(outcome.follow_up) if outcome.follow_up else None,
    }
    if outcome.referral is not None:
        body["referral_id"] = outcome.referral.id
    return body


@endpoint(
    "/children/<int:child_id>/screenings", "POST", summary="Record a screening (SPEC rules 2–4)",
    body=ScreeningIn, response=ScreeningCreatedOut, status=201, errors=(409,),
)
def screening_create(child_id: int, body: ScreeningIn):
    child = get_child_or_404(g.user, child_id)
    outcome = services.record_screening(
        g.user,
        child,
        instrument_code=body.instrument,
        administered_on=body.administered_on,
        responses=body.responses,
        notes=body.notes,
    )
    return outcome_out(outcome)


class AmendmentOut(Out):
    revision: int
    amended_by: PersonOut
    amended_at: datetime
    reason: str
    previous_result: str
    previous_responses: dict[str, str]


class ScreeningOut(Out):
    id: int
    child_id: int
    instrument: str
    instrument_version: int
    instrument_title: str
    administered_on: date
    administered_by: PersonOut
    age_months: int = Field(description="The screening age: corrected age until 24 months for preterm children")
    result: str
    missed: list[str]
    missed_domains: dict[str, list[str]]
    responses: dict[str, str]
    notes: str | None
    revision: int
    amendments: list[AmendmentOut]


def screening_out(screening: Screening) -> dict:
    # Field by field: the title, misses and answers come from the instrument version
    # and the latest revision, not from columns.
    instrument = services.instrument_of(screening)
    return ScreeningOut(
        id=screening.id,
        child_id=screening.child_id,
        instrument=screening.instrument_code,
        instrument_version=screening.instrument_version,
        instrument_title=instrument.title,
        administered_on=screening.administered_on,
        administered_by=PersonOut.model_validate(screening.administered_by),
        age_months=screening.age_months,
        result=screening.result,
        missed=services.missed(screening),
        missed_domains={
            domain: [item.id for item in items] for domain, items in services.missed_by_domain(screening).items()
        },
        responses=screening.answers(),
        notes=screening.notes,
        revision=screening.revision,
        amendments=[
            AmendmentOut(
                revision=a.revision,
                amended_by=PersonOut.model_validate(a.amended_by),
                amended_at=a.amended_at,
                reason=a.reason,
                previous_result=a.previous_result,
                previous_responses=screening.answers(a.revision - 1),
            )
            for a in screening.amendments
        ],
    ).model_dump(mode="json")


@endpoint(
    "/children/<int:child_id>/screenings", summary="The child's screenings, oldest first",
    response=ScreeningOut, list_response=True,
)
def screenings_list(child_id: int):
    child = get_child_or_404(g.user, child_id)
    screenings = services.child_screenings(child)
    services.record_read(g.user, *screenings)
    return [screening_out(screening) for screening in screenings]


class AmendmentIn(Body):
    responses: Answers
    reason: Reason


@endpoint(
    "/screenings/<int:screening_id>/amendments", "POST",
    summary="Correct a screening's answers (the original is kept)",
    body=AmendmentIn, response=ScreeningCreatedOut, status=201, errors=(409,),
)
def screening_amend(screening_id: int, body: AmendmentIn):
    screening = get_in_family_scope_or_404(g.user, Screening, screening_id)
    outcome = services.amend_screening(g.user, screening, responses=body.responses, reason=body.reason)
    return outcome_out(outcome)


# Risk factors --------------------------------------------------------------------


class CatalogEntryOut(Out):
    code: str
    category: str
    applies_to: Literal["child", "caregiver"]
    label: str


@endpoint("/risk-factors", summary="The risk-factor catalog", response=CatalogEntryOut, list_response=True)
def risk_factor_catalog_list():
    return [CatalogEntryOut.model_validate(entry).model_dump(mode="json") for entry in risk_factor_catalog()]


class RiskFactorIn(Body):
    code: Code
    noted_on: date
    note: Note | None = None


class RiskFactorCreatedOut(Out):
    id: int
    referral_id: int


class RiskFactorOut(Out):
    id: int
    family_id: int
    child_id: int | None
    caregiver_id: int | None
    code: str
    label: str
    noted_on: date
    noted_by: PersonOut
    note: str | None
    resolved_on: date | None


def risk_factor_out(risk_factor: RiskFactor) -> dict:
    # Field by field: the label comes from the catalog version the row names.
    return RiskFactorOut(
        id=risk_factor.id,
        family_id=risk_factor.family_id,
        child_id=risk_factor.child_id,
        caregiver_id=risk_factor.caregiver_id,
        code=risk_factor.code,
        label=get_risk_factor(risk_factor.code, risk_factor.catalog_version).label,
        noted_on=risk_factor.noted_on,
        noted_by=PersonOut.model_validate(risk_factor.noted_by),
        note=risk_factor.note,
        resolved_on=risk_factor.resolved_on,
    ).model_dump(mode="json")


def _record_risk_factor(body: RiskFactorIn, **subject) -> dict:
    risk_factor, referral = services.record_risk_factor(
        g.user, code=body.code, noted_on=body.noted_on, note=body.note, **subject
    )
    return RiskFactorCreatedOut(id=risk_factor.id, referral_id=referral.id).model_dump(mode="json")


@endpoint(
    "/children/<int:child_id>/risk-factors", "POST", summary="Note a risk factor for a child (rule 5)",
    body=RiskFactorIn, response=RiskFactorCreatedOut, status=201, errors=(409,),
)
def child_risk_factor_create(child_id: int, body: RiskFactorIn):
    return _record_risk_factor(body, child=get_child_or_404(g.user, child_id))


@endpoint(
    "/caregivers/<int:caregiver_id>/risk-factors", "POST", summary="Note a risk factor for a caregiver (rule 5)",
    body=RiskFactorIn, response=RiskFactorCreatedOut, status=201, errors=(409,),
)
def caregiver_risk_factor_create(caregiver_id: int, body: RiskFactorIn):
    return _record_risk_factor(body, caregiver=get_caregiver_or_404(g.user, caregiver_id))


class RiskFactorResolveIn(Body):
    resolved_on: date


@endpoint(
    "/risk-factors/<int:risk_factor_id>", "PATCH", summary="Resolve a risk factor",
    body=RiskFactorResolveIn, response=RiskFactorOut, errors=(409,),
)
def risk_factor_resolve(risk_factor_id: int, body: RiskFactorResolveIn):
    risk_factor = get_in_family_scope_or_404(g.user, RiskFactor, risk_factor_id)
    services.resolve_risk_factor(g.user, risk_factor, body.resolved_on)
    return risk_factor_out(risk_factor)


@endpoint(
    "/families/<int:family_id>/risk-factors", summary="The family's risk factors, newest first",
    response=RiskFactorOut, list_response=True,
)
def family_risk_factors_list(family_id: int):
    family = get_family_or_404(g.user, family_id)
    risk_factors = services.family_risk_factors(family)
    services.record_read(g.user, *risk_factors)
    return [risk_factor_out(risk_factor) for risk_factor in risk_factors]


# Observations --------------------------------------------------------------------


class ObservationIn(Body):
    observed_on: date
    ratings: Annotated[dict[ItemId, str], Field(max_length=50)]
    cue_notes: Annotated[dict[ItemId, Note], Field(max_length=50)] | None = None
    notes: Note | None = None
    child_id: Id | None = None
    caregiver_id: Id | None = None


class RatingOut(Out):
    cue_id: str
    rating: str
    note: str | None


class ObservationOut(Out):
    id: int
    family_id: int
    child_id: int | None
    caregiver_id: int | None
    instrument_version: int
    observed_on: date
    observed_by: PersonOut
    notes: str | None
    ratings: list[RatingOut]


def _member(family: Family, members: list, member_id: int | None, field: str):
    """A child or caregiver of the family named in the body (422, not 404: the path is the family)."""
    if member_id is None:
        return None
    for member in members:
        if member.id == member_id:
            return member
    raise ApiError(422, "Not a member of this family.", {field: "Not a member of this family."})


@endpoint(
    "/families/<int:family_id>/observations", "POST",
    summary="Record a caregiver–child interaction observation",
    body=ObservationIn, response=ObservationOut, status=201,
)
def observation_create(family_id: int, body: ObservationIn):
    family = get_family_or_404(g.user, family_id)
    observation = services.record_observation(
        g.user,
        family,
        observed_on=body.observed_on,
        ratings=body.ratings,
        cue_notes=body.cue_notes,
        notes=body.notes,
        child=_member(family, family.children, body.child_id, "child_id"),
        caregiver=_member(family, family.caregivers, body.caregiver_id, "caregiver_id"),
    )
    return ObservationOut.model_validate(observation).model_dump(mode="json")


@endpoint(
    "/families/<int:family_id>/observations", summary="The family's interaction observations, oldest first",
    response=ObservationOut, list_response=True,
)
def observations_list(family_id: int):
    family = get_family_or_404(g.user, family_id)
    observations = services.family_observations(family)
    services.record_read(g.user, *observations)
    return [ObservationOut.model_validate(o).model_dump(mode="json") for o in observations]


# Follow-ups ----------------------------------------------------------------------


class FollowUpIn(Body):
    kind: Literal[FOLLOW_UP_KINDS]  # type: ignore[valid-type]
    due_on: date
    time: HHMM | None = None
    note: Note | None = None
    child_id: Id | None = None
    instrument: InstrumentCode | None = None


@endpoint(
    "/families/<int:family_id>/follow-ups", summary="The family's follow-ups, soonest first",
    response=FollowUpOut, list_response=True,
)
def follow_ups_list(family_id: int):
    family = get_family_or_404(g.user, family_id)
    return [follow_up_out(f) for f in follow_up_services.read_family_follow_ups(g.user, family)]


@endpoint(
    "/families/<int:family_id>/follow-ups", "POST", summary="Schedule a follow-up",
    body=FollowUpIn, response=FollowUpOut, status=201,
)
def follow_up_create(family_id: int, body: FollowUpIn):
    family = get_family_or_404(g.user, family_id)
    follow_up = follow_up_services.schedule_follow_up(
        g.user,
        family,
        kind=body.kind,
        due_on=body.due_on,
        time=time.fromisoformat(body.time) if body.time else None,
        note=body.note,
        child=_member(family, family.children, body.child_id, "child_id"),
        instrument_code=body.instrument,
    )
    return follow_up_out(follow_up)


class FollowUpStatusIn(Body):
    status: Literal[FOLLOW_UP_STATUSES]  # type: ignore[valid-type]


@endpoint(
    "/follow-ups/<int:follow_up_id>", "PATCH", summary="Mark a follow-up done, cancelled or missed",
    body=FollowUpStatusIn, response=FollowUpOut, errors=(409,),
)
def follow_up_update(follow_up_id: int, body: FollowUpStatusIn):
    follow_up = get_follow_up_or_404(g.user, follow_up_id)
    follow_up_services.set_follow_up_status(g.user, follow_up, body.status)
    return follow_up_out(follow_up)
