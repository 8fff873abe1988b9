"""API endpoints: referrals and their workflow (SPEC rules 5–6)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from flask import g
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from clinic.api.blueprint import endpoint
from clinic.api.schemas import Body, Id, Note, Out, text
from clinic.api.screening import PersonOut
from clinic.cases.models import Family
from clinic.extensions import db
from clinic.permissions.roles import SUPERVISOR
from clinic.permissions.scope import family_scope, get_in_family_scope_or_404
from clinic.referrals import services
from clinic.referrals.models import STATUSES, Referral, ReferralSummary


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


class ReferralDetailOut(ReferralOut):
    transitions: list[TransitionOut]


def _summary_ready(referral_ids: list[int]) -> set[int]:
    """Which referrals have a compiled summary (without loading the documents)."""
    if not referral_ids:
        return set()
    return set(
        db.session.scalars(select(ReferralSummary.referral_id).where(ReferralSummary.referral_id.in_(referral_ids)))
    )


def referral_out(referral: Referral, summary_ready: bool, *, detail: bool = False) -> dict:
    values = {
        "id": referral.id,
        "family_id": referral.family_id,
        "status": referral.status,
        "outcome": referral.outcome,
        "created_at": referral.created_at,
        "updated_at": referral.updated_at,
        "reasons": [ReasonOut.model_validate(reason) for reason in referral.reasons],
        "summary_ready": summary_ready,
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
    statement = (
        select(Referral)
        .join(Family, Referral.family_id == Family.id)
        .where(family_scope(g.user))
        .options(selectinload(Referral.reasons))
        .order_by(Referral.created_at.desc(), Referral.id.desc())
    )
    if query.status:
        statement = statement.where(Referral.status == query.status)
    if query.family_id is not None:
        statement = statement.where(Referral.family_id == query.family_id)
    referrals = list(db.session.scalars(statement))
    ready = _summary_ready([r.id for r in referrals])
    services.record_read(g.user, *referrals)
    return [referral_out(referral, referral.id in ready) for referral in referrals]


def _load(referral_id: int) -> Referral:
    return get_in_family_scope_or_404(g.user, Referral, referral_id)


@endpoint("/referrals/<int:referral_id>", summary="One referral with its reasons and moves", response=ReferralDetailOut)
def referral_detail(referral_id: int):
    referral = _load(referral_id)
    services.record_read(g.user, referral)
    return referral_out(referral, bool(_summary_ready([referral.id])), detail=True)


StatusName = text(20)
OutcomeName = text(30)


class TransitionIn(Body):
    # Checked by the service, so that a known but illegal move answers 409.
    to: StatusName
    outcome: OutcomeName | None = None
    note: Note | None = None


@endpoint(
    "/referrals/<int:referral_id>/transitions", "POST",
    summary="Move a referral: open → reviewed → sent → closed (supervisors and admins)",
    body=TransitionIn, response=ReferralDetailOut, status=201, rule_access=SUPERVISOR, errors=(403, 409),
)
def referral_transition(referral_id: int, body: TransitionIn):
    referral = _load(referral_id)
    services.transition(g.user, referral, to=body.to, outcome=body.outcome, note=body.note)
    return referral_out(referral, bool(_summary_ready([referral.id])), detail=True)
