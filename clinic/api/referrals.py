"""API endpoints: referrals and their workflow (SPEC rules 5–6)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from flask import g
from pydantic import BaseModel, ConfigDict

from clinic import clock
from clinic.api.blueprint import endpoint
from clinic.api.schemas import Body, Id, Note, Out, Patch, ShortText, text
from clinic.api.screening import PersonOut
from clinic.permissions.roles import SUPERVISOR
from clinic.permissions.scope import get_in_family_scope_or_404
from clinic.referrals import queries, services
from clinic.referrals.models import STATUSES, Referral


class ReasonOut(Out):
    kind: str
    child_id: int | None
    caregiver_id: int | None
    domain: str | None
    code: str | None
    screening_id: int | None
    risk_factor_id: int | None
    created_at: datetime


class TransitionOut(Out):
    from_status: str
    to_status: str
    outcome: str | None
    note: str | None
    by: PersonOut
    at: datetime


class ReferralOut(Out):
    id: int
    family_id: int
    status: str
    outcome: str | None
    created_at: datetime
    updated_at: datetime
    reasons: list[ReasonOut]
    summary_ready: bool
    status_since: datetime
    service: str | None
    agency: str | None
    sent_on: date | None
    service_contact_on: date | None
    # Rule 6: the last day for the first contact to be on time, and whether it has passed.
    contact_deadline: date | None
    late: bool


class ReferralDetailOut(ReferralOut):
    transitions: list[TransitionOut]


def referral_out(referral: Referral, summary_ready: bool, *, detail: bool = False) -> dict:
    # Field by field: summary_ready is a fact about the stored summary, not an
    # attribute of the referral; the reasons and moves go through their schemas.
    values = {
        "id": referral.id,
        "family_id": referral.family_id,
        "status": referral.status,
        "outcome": referral.outcome,
        "created_at": referral.created_at,
        "updated_at": referral.updated_at,
        "reasons": [ReasonOut.model_validate(reason) for reason in referral.reasons],
        "summary_ready": summary_ready,
        "status_since": referral.status_since,
        "service": referral.service,
        "agency": referral.agency,
        "sent_on": referral.sent_on,
        "service_contact_on": referral.service_contact_on,
        "contact_deadline": referral.contact_deadline(),
        "late": referral.is_late(clock.today()),
    }
    if detail:
        return ReferralDetailOut(
            **values, transitions=[TransitionOut.model_validate(t) for t in referral.transitions]
        ).model_dump(mode="json")
    return ReferralOut(**values).model_dump(mode="json")


class ReferralQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    status: Literal[STATUSES] | None = None  # type: ignore[valid-type]
    family_id: Id | None = None


@endpoint(
    "/referrals", summary="Referrals in scope, newest first", query=ReferralQuery,
    response=ReferralOut, list_response=True,
)
def referrals_list(query: ReferralQuery):
    referrals = queries.referrals_in_scope(g.user, status=query.status, family_id=query.family_id)
    ready = queries.ids_with_summary([r.id for r in referrals])
    services.record_read(g.user, *referrals)
    return [referral_out(referral, referral.id in ready) for referral in referrals]


def _load(referral_id: int) -> Referral:
    return get_in_family_scope_or_404(g.user, Referral, referral_id)


@endpoint("/referrals/<int:referral_id>", summary="One referral with its reasons and moves", response=ReferralDetailOut)
def referral_detail(referral_id: int):
    referral = _load(referral_id)
    services.record_read(g.user, referral)
    return referral_out(referral, referral.id in queries.ids_with_summary([referral.id]), detail=True)


StatusName = text(20)
OutcomeName = text(30)
ServiceName = text(40)


class TransitionIn(Body):
    # Checked by the service, so that a known but illegal move answers 409.
    to: StatusName
    outcome: OutcomeName | None = None
    note: Note | None = None
    # With "to": "sent" (the service checks them, naming the field at fault).
    service: ServiceName | None = None
    agency: ShortText | None = None
    sent_on: date | None = None


@endpoint(
    "/referrals/<int:referral_id>/transitions", "POST",
    summary="Move a referral: open → reviewed → sent → closed (supervisors and admins)",
    body=TransitionIn, response=ReferralDetailOut, status=201, rule_access=SUPERVISOR, errors=(403, 409),
)
def referral_transition(referral_id: int, body: TransitionIn):
    referral = _load(referral_id)
    services.transition(
        g.user, referral, to=body.to, outcome=body.outcome, note=body.note,
        service=body.service, agency=body.agency, sent_on=body.sent_on,
    )
    return referral_out(referral, referral.id in queries.ids_with_summary([referral.id]), detail=True)


class ReferralPatch(Patch):
    service_contact_on: date


@endpoint(
    "/referrals/<int:referral_id>", "PATCH",
    summary="Record the date the family first had contact with the service (a sent referral; staff in scope)",
    body=ReferralPatch, response=ReferralDetailOut, errors=(409,),
)
def referral_update(referral_id: int, body: ReferralPatch):
    referral = _load(referral_id)
    services.record_service_contact(g.user, referral, body.service_contact_on)
    return referral_out(referral, referral.id in queries.ids_with_summary([referral.id]), detail=True)
