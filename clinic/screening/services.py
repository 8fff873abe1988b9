"""Every write of screenings, amendments, risk factors and observations, with its audit event.

Services check what a form or schema cannot (the window, the child's birth, the
catalog), raise :class:`ServiceError` naming the field, flush, and never commit:
the request commits once, so a screening, the referral it calls for and its
follow-up are saved together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from clinic import audit, clock
from clinic.auth.models import User
from clinic.cases.ages import screening_age_months
from clinic.cases.follow_ups import open_screening_follow_ups, schedule_follow_up, set_follow_up_status
from clinic.cases.models import Caregiver, Child, Family, FollowUp
from clinic.cases.services import lock_family
from clinic.errors import InvalidFields, ServiceError
from clinic.extensions import db
from clinic.instruments import (
    Instrument,
    Item,
    catalog_version,
    get_instrument,
    get_risk_factor,
    instruments,
    observation_instrument,
)
from clinic.screening import rules
from clinic.screening.models import (
    Observation,
    ObservationRating,
    RiskFactor,
    Screening,
    ScreeningAmendment,
    ScreeningResponse,
)
from clinic.screening.signals import ask_for_referral
from clinic.translation import gettext as _

NOTE_MAX = 5000


@dataclass(frozen=True)
class ScreeningOutcome:
    screening: Screening
    referral: Any | None  # the referral the screening opened or joined (clinic.referrals)
    follow_up: FollowUp | None  # the next screening scheduled by rule 3


def _is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _check_note(errors: dict[str, str], field: str, value: str | None) -> None:
    if value is not None and len(value) > NOTE_MAX:
        errors[field] = _("Keep it under %(max)d characters.", max=NOTE_MAX)


def _clean(text: str | None) -> str | None:
    return (text or "").strip() or None


# Reading ------------------------------------------------------------------------


def instrument_of(screening: Screening) -> Instrument:
    """The instrument version the screening used."""
    return get_instrument(screening.instrument_code, screening.instrument_version)


# The case pages' statements, built once with the record's id as a parameter: building
# one with its loader options and its cache key cost more than its round trip.
_CHILD_SCREENINGS = (
    select(Screening)
    .where(Screening.child_id == bindparam("child_id"))
    .order_by(Screening.administered_on, Screening.id)
    .options(
        joinedload(Screening.responses),
        joinedload(Screening.amendments).joinedload(ScreeningAmendment.amended_by),
        joinedload(Screening.administered_by),
    )
)
_FAMILY_RISK_FACTORS = (
    select(RiskFactor)
    .where(RiskFactor.family_id == bindparam("family_id"))
    .order_by(RiskFactor.noted_on.desc(), RiskFactor.id.desc())
    .options(joinedload(RiskFactor.noted_by))
)
_FAMILY_OBSERVATIONS = (
    select(Observation)
    .where(Observation.family_id == bindparam("family_id"))
    .order_by(Observation.observed_on, Observation.id)
    .options(selectinload(Observation.ratings), joinedload(Observation.observed_by))
)


def child_screenings(child: Child) -> list[Screening]:
    """The child's screenings, oldest first, with every revision's answers and amendments.

    In one statement: a child has a few dozen answers per screening, and amendments
    are rare (one per revision), so joining both multiplies a screening's rows by its
    amendments at most, where loading each collection by its own statement cost every
    child page two round trips."""
    return list(db.session.scalars(_CHILD_SCREENINGS, {"child_id": child.id}).unique())


def missed(screening: Screening, revision: int | None = None) -> list[str]:
    """Ids of the milestones missed (in the given revision, the current one by default)."""
    return rules.missed_items(instrument_of(screening), screening.answers(revision))


def missed_by_domain(screening: Screening) -> dict[str, list[Item]]:
    """Domain → the items missed in the current answers, in the instrument's order."""
    instrument = instrument_of(screening)
    answers = screening.answers()
    grouped: dict[str, list[Item]] = {}
    for item in instrument.items:
        if answers.get(item.id) == rules.MISSED:
            grouped.setdefault(item.domain, []).append(item)
    return grouped


def family_risk_factors(family: Family) -> list[RiskFactor]:
    """The family's risk factors, newest noted first."""
    return list(db.session.scalars(_FAMILY_RISK_FACTORS, {"family_id": family.id}))


def family_observations(family: Family) -> list[Observation]:
    """The family's interaction observations, oldest first, with their ratings."""
    return list(db.session.scalars(_FAMILY_OBSERVATIONS, {"family_id": family.id}))


def _family_id(record) -> int:
    if isinstance(record, Screening):
        return record.child.family_id
    return record.family_id


_RECORD_TYPES = {Screening: "screening", RiskFactor: "risk_factor", Observation: "observation"}


def record_read(by: User, *records: Screening | RiskFactor | Observation) -> None:
    """Audit that ``by`` read these records (one event each, one INSERT per kind)."""
    for kind in {type(record) for record in records}:
        audit.read(
            by, _RECORD_TYPES[kind], [(r.id, _family_id(r)) for r in records if type(r) is kind]
        )


# Screenings ---------------------------------------------------------------------


def _facts(history: list[Screening]) -> list[rules.ScreeningFacts]:
    return [
        rules.ScreeningFacts(
            id=s.id,
            administered_on=s.administered_on,
            missed_domains=frozenset(rules.missed_domains(instrument_of(s), s.answers())),
        )
        for s in history
    ]


def _plan_next(child: Child, screening: Screening, history: list[Screening]) -> FollowUp | None:
    """Rule 3: schedule the next screening after ``screening`` (None when none is left
    or the case is closed)."""
    if child.family.status != "active":
        return None
    due = rules.follow_up_after(
        child.date_of_birth,
        child.gestational_age_weeks,
        instrument_of(screening),
        screening.administered_on,
        screening.result,
        [(s.instrument_code, s.administered_on) for s in history],
        instruments(),
    )
    if due is None:
        return None
    return schedule_follow_up(
        None, child.family, kind="screening", due_on=due.due_on, child=child, instrument_code=due.instrument.code
    )


def record_screening(
    by: User,
    child: Child,
    *,
    instrument_code: str,
    administered_on: date,
    responses: Mapping[str, str],
    notes: str | None = None,
) -> ScreeningOutcome:
    """Record a screening (rule 2), then apply rule 4 (referral) and rule 3 (follow-up).

    When it is the child's latest screening, it answers the child's open screening
    follow-ups: those for this instrument (or for none) are done; the other ones the
    system planned are cancelled, replaced by the new plan. An older screening
    entered late changes no follow-up.
    """
    try:
        instrument = get_instrument(instrument_code)
    except KeyError:
        raise InvalidFields({"instrument": _("Choose one of the program's instruments.")}) from None
    errors: dict[str, str] = {}
    if not _is_date(administered_on):
        errors["administered_on"] = _("Give the date of the screening as YYYY-MM-DD.")
    else:
        problem = rules.screening_date_problem(
            instrument, child.date_of_birth, child.gestational_age_weeks, administered_on, clock.today()
        )
        if problem:
            errors["administered_on"] = problem
    if not isinstance(responses, Mapping):
        errors["responses"] = _("Answer every milestone.")
    else:
        errors.update(rules.validate_responses(instrument, responses))
    _check_note(errors, "notes", notes)
    if errors:
        raise InvalidFields(errors)

    lock_family(child.family_id)
    screening = Screening(
        child=child,
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        administered_on=administered_on,
        administered_by=by,
        # The age that chose the instrument: corrected until 24 months (rule 1).
        age_months=screening_age_months(child.date_of_birth, child.gestational_age_weeks, administered_on),
        notes=_clean(notes),
        result=rules.screening_result(responses),
        revision=0,
        responses=[
            ScreeningResponse(revision=0, item_id=item.id, domain=item.domain, response=responses[item.id])
            for item in instrument.items
        ],
    )
    db.session.add(screening)
    db.session.flush()
    audit.change(
        "create",
        "screening",
        screening.id,
        user=by,
        family_id=child.family_id,
        detail=f"instrument={instrument.code},version={instrument.version}",
    )

    history = child_screenings(child)
    referral = ask_for_referral(by, child.family, rules.repeated_miss_reasons(child.id, screening.id, _facts(history)))
    follow_up = None
    if history[-1].id == screening.id:
        for open_follow_up in open_screening_follow_ups(child):
            if open_follow_up.instrument_code in (None, instrument.code):
                set_follow_up_status(by, open_follow_up, "done")
            elif open_follow_up.created_by_id is None:
                set_follow_up_status(by, open_follow_up, "cancelled")
        follow_up = _plan_next(child, screening, history)
    return ScreeningOutcome(screening, referral, follow_up)


def amend_screening(
    by: User, screening: Screening, *, responses: Mapping[str, str], reason: str
) -> ScreeningOutcome:
    """Correct a screening's answers without losing the original.

    The answers become a new revision; the amendment records who, when, why and the
    previous result. Rule 4 runs on the amended answers (an amendment may add a
    referral reason, never remove one). When the result changes and this is the
    child's latest screening, the follow-up the system planned is replaced.
    """
    child = screening.child
    lock_family(child.family_id)
    # Another amendment may have committed since the screening was loaded.
    db.session.expire(screening)
    instrument = instrument_of(screening)
    errors: dict[str, str] = {}
    if not (reason or "").strip():
        errors["reason"] = _("Say why the answers are corrected.")
    _check_note(errors, "reason", reason)
    if not isinstance(responses, Mapping):
        errors["responses"] = _("Answer every milestone.")
    else:
        errors.update(rules.validate_responses(instrument, responses))
        if not errors and dict(responses) == screening.answers():
            errors["responses"] = _("These are the answers already recorded: nothing to correct.")
    if errors:
        raise InvalidFields(errors)

    previous_result = screening.result
    revision = screening.revision + 1
    screening.amendments.append(
        ScreeningAmendment(
            revision=revision, amended_by_id=by.id, reason=reason.strip(), previous_result=previous_result
        )
    )
    for item in instrument.items:
        screening.responses.append(
            ScreeningResponse(revision=revision, item_id=item.id, domain=item.domain, response=responses[item.id])
        )
    screening.revision = revision
    screening.result = rules.screening_result(responses)
    db.session.flush()
    audit.change("amend", "screening", screening.id, user=by, family_id=child.family_id, detail=f"revision={revision}")

    history = child_screenings(child)
    referral = ask_for_referral(by, child.family, rules.repeated_miss_reasons(child.id, screening.id, _facts(history)))
    follow_up = None
    if screening.result != previous_result and history[-1].id == screening.id:
        for open_follow_up in open_screening_follow_ups(child):
            if open_follow_up.created_by_id is None:
                set_follow_up_status(by, open_follow_up, "cancelled")
        follow_up = _plan_next(child, screening, history)
    return ScreeningOutcome(screening, referral, follow_up)


# Risk factors -------------------------------------------------------------------


def record_risk_factor(
    by: User,
    *,
    code: str,
    noted_on: date,
    note: str | None = None,
    child: Child | None = None,
    caregiver: Caregiver | None = None,
) -> tuple[RiskFactor, Any]:
    """Note a catalog risk factor for a child or a caregiver; rule 5 refers the family."""
    if (child is None) == (caregiver is None):
        raise ServiceError(_("Note the risk factor for one child or one caregiver."), "child_id")
    errors: dict[str, str] = {}
    try:
        entry = get_risk_factor(code)
    except KeyError:
        raise InvalidFields({"code": _("Choose a risk factor from the catalog.")}) from None
    if entry.applies_to == "child" and child is None:
        errors["code"] = _("This risk factor is noted for a child, not a caregiver.")
    elif entry.applies_to == "caregiver" and caregiver is None:
        errors["code"] = _("This risk factor is noted for a caregiver, not a child.")
    if not _is_date(noted_on):
        errors["noted_on"] = _("Give the date noted as YYYY-MM-DD.")
    elif noted_on > clock.today():
        errors["noted_on"] = _("The date noted cannot be in the future.")
    elif child is not None and noted_on < child.date_of_birth:
        errors["noted_on"] = _("The date noted is before the child's date of birth.")
    _check_note(errors, "note", note)
    if errors:
        raise InvalidFields(errors)

    family = child.family if child is not None else caregiver.family
    lock_family(family.id)
    duplicate = db.session.scalars(
        select(RiskFactor.id).where(
            RiskFactor.code == code,
            RiskFactor.resolved_on.is_(None),
            (RiskFactor.child_id == child.id) if child is not None else (RiskFactor.caregiver_id == caregiver.id),
        )
    ).first()
    if duplicate is not None:
        raise InvalidFields({"code": _("This risk factor is already noted and not resolved.")})
    risk_factor = RiskFactor(
        family_id=family.id,
        child_id=child.id if child is not None else None,
        caregiver_id=caregiver.id if caregiver is not None else None,
        code=code,
        catalog_version=catalog_version(),
        noted_on=noted_on,
        noted_by_id=by.id,
        note=_clean(note),
    )
    db.session.add(risk_factor)
    db.session.flush()
    audit.change("create", "risk_factor", risk_factor.id, user=by, family_id=family.id)
    reason = rules.risk_factor_reason(
        code, child_id=risk_factor.child_id, caregiver_id=risk_factor.caregiver_id, risk_factor_id=risk_factor.id
    )
    referral = ask_for_referral(by, family, [reason])
    return risk_factor, referral


def resolve_risk_factor(by: User, risk_factor: RiskFactor, resolved_on: date) -> RiskFactor:
    if risk_factor.resolved_on is not None:
        raise ServiceError(
            _("Already resolved on %(date)s.", date=risk_factor.resolved_on.isoformat()), "resolved_on", "conflict"
        )
    if not _is_date(resolved_on):
        raise ServiceError(_("Give the date resolved as YYYY-MM-DD."), "resolved_on")
    if resolved_on < risk_factor.noted_on:
        raise ServiceError(_("The date resolved is before the date noted."), "resolved_on")
    if resolved_on > clock.today():
        raise ServiceError(_("The date resolved cannot be in the future."), "resolved_on")
    risk_factor.resolved_on = resolved_on
    db.session.flush()
    audit.change("resolve", "risk_factor", risk_factor.id, user=by, family_id=risk_factor.family_id)
    return risk_factor


# Observations -------------------------------------------------------------------


def record_observation(
    by: User,
    family: Family,
    *,
    observed_on: date,
    ratings: Mapping[str, str],
    cue_notes: Mapping[str, str] | None = None,
    notes: str | None = None,
    child: Child | None = None,
    caregiver: Caregiver | None = None,
) -> Observation:
    """A caregiver–child interaction observation: every cue rated (``not_observed``
    is a rating). Not a referral trigger."""
    instrument = observation_instrument()
    cue_ids = set(instrument.cue_ids)
    cue_notes = cue_notes or {}
    errors: dict[str, str] = {}
    if not _is_date(observed_on):
        errors["observed_on"] = _("Give the date of the observation as YYYY-MM-DD.")
    elif observed_on > clock.today():
        errors["observed_on"] = _("The date of the observation cannot be in the future.")
    elif child is not None and observed_on < child.date_of_birth:
        errors["observed_on"] = _("The date is before the child's date of birth.")
    for cue in instrument.cues:
        value = ratings.get(cue.id)
        if value in (None, ""):
            errors[f"ratings.{cue.id}"] = _("Rate this cue (or choose not observed).")
        elif value not in instrument.ratings:
            errors[f"ratings.{cue.id}"] = _("The rating must be one of %(ratings)s.", ratings=", ".join(instrument.ratings))
    for cue_id in ratings:
        if cue_id not in cue_ids:
            errors[f"ratings.{cue_id}"] = _("Not a cue of this observation.")
    for cue_id, text in cue_notes.items():
        if cue_id not in cue_ids:
            errors[f"cue_notes.{cue_id}"] = _("Not a cue of this observation.")
        else:
            _check_note(errors, f"cue_notes.{cue_id}", text)
    _check_note(errors, "notes", notes)
    if child is not None and child.family_id != family.id:
        errors["child_id"] = _("The child is not in this family.")
    if caregiver is not None and caregiver.family_id != family.id:
        errors["caregiver_id"] = _("The caregiver is not in this family.")
    if errors:
        raise InvalidFields(errors)

    observation = Observation(
        family_id=family.id,
        child_id=child.id if child is not None else None,
        caregiver_id=caregiver.id if caregiver is not None else None,
        instrument_version=instrument.version,
        observed_on=observed_on,
        observed_by_id=by.id,
        notes=_clean(notes),
        ratings=[
            ObservationRating(cue_id=cue.id, rating=ratings[cue.id], note=_clean(cue_notes.get(cue.id)))
            for cue in instrument.cues
        ],
    )
    db.session.add(observation)
    db.session.flush()
    audit.change("create", "observation", observation.id, user=by, family_id=family.id)
    return observation
