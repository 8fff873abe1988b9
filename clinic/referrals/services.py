"""Rules 5–6 and the referral workflow: every write to a referral, with its audit event.

A referral and its reasons are written in the transaction of the screening or risk
factor that calls for them. The family row is locked first, so two staff saving at
the same moment are serialised and the second joins the referral the first opened;
the partial unique index ``uq_referrals_one_active_per_family`` is the backstop.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from clinic import audit, clock
from clinic.auth.models import User
from clinic.cases.models import Family
from clinic.cases.services import lock_family
from clinic.db import utcnow
from clinic.errors import ServiceError
from clinic.extensions import db
from clinic.forms import NAME_MAX
from clinic.permissions.roles import can_transition_referrals
from clinic.referrals import summary
from clinic.referrals.loop import SERVICES
from clinic.referrals.models import ACTIVE_STATUSES, OUTCOMES, STATUSES, Referral, ReferralReason, ReferralTransition
from clinic.screening.rules import reason_key
from clinic.screening.signals import referral_needed
from clinic.translation import gettext as _

# The only moves (SPEC: open → reviewed → sent → closed).
NEXT_STATUS = {"open": "reviewed", "reviewed": "sent", "sent": "closed"}
REASON_FIELDS = ("kind", "child_id", "caregiver_id", "domain", "code", "screening_id", "risk_factor_id")


def active_referral(family_id: int) -> Referral | None:
    """The family's open or reviewed referral, as committed now (not as first loaded)."""
    return db.session.scalars(
        select(Referral)
        .where(Referral.family_id == family_id, Referral.status.in_(ACTIVE_STATUSES))
        .options(selectinload(Referral.reasons))
        .execution_options(populate_existing=True)
    ).first()


def _key(reason: ReferralReason) -> tuple:
    return reason_key({field: getattr(reason, field) for field in REASON_FIELDS})


@referral_needed.connect
def _open_or_join(by: User | None, *, family: Family, reasons: list[Mapping]) -> Referral | None:
    """Rules 4 and 5 found reasons while a screening or risk factor was saved."""
    return add_reasons(by, family, reasons)


def add_reasons(by: User | None, family: Family, reasons: list[Mapping]) -> Referral | None:
    """Rule 6: join the family's open/reviewed referral, else open a new one.

    Returns the referral holding the reasons (None when there are none). A reason
    already on the active referral is not added twice; a sent or closed referral
    is never reopened. Whenever a referral opens or gains a reason its summary is
    compiled again (after the commit).
    """
    if not reasons:
        return None
    lock_family(family.id)
    referral = active_referral(family.id)
    opened = referral is None
    if referral is None:
        referral = Referral(family_id=family.id, status="open", reasons_revision=1)
        db.session.add(referral)
    present = set() if opened else {_key(reason) for reason in referral.reasons}
    added = 0
    for values in reasons:
        key = reason_key(values)
        if key in present:
            continue
        present.add(key)
        referral.reasons.append(ReferralReason(**{field: values.get(field) for field in REASON_FIELDS}))
        added += 1
    if not added:
        return referral
    if not opened:
        referral.reasons_revision += 1
    try:
        db.session.flush()
    except IntegrityError as exc:
        if opened and "referrals" in str(exc.orig):
            # Only reachable if the row lock was bypassed; the request rolls back.
            raise ServiceError(
                _("Another referral was opened for this family at the same moment; save again."), "referral", "conflict"
            ) from exc
        raise
    kinds = ",".join(sorted({values["kind"] for values in reasons}))
    audit.change(
        "open" if opened else "add_reason",
        "referral",
        referral.id,
        user=by,
        family_id=family.id,
        detail=f"reasons={kinds},revision={referral.reasons_revision}",
    )
    summary.request_compile(referral)
    return referral


def transition(
    by: User,
    referral: Referral,
    *,
    to: str,
    outcome: str | None = None,
    note: str | None = None,
    service: str | None = None,
    agency: str | None = None,
    sent_on: date | None = None,
) -> ReferralTransition:
    """Move a referral one step along open → reviewed → sent → closed.

    Any other move is a conflict; closing needs an outcome and only closing takes
    one. Sending records the service (required), the agency (optional) and the date
    sent (default today; not in the future, not before the referral opened); closing
    as ``completed`` needs the family's first contact with the service recorded.
    Supervisors and admins only.
    """
    if not can_transition_referrals(by):
        raise ServiceError(_("Only supervisors and admins move referrals."), "to", "forbidden")
    if to not in STATUSES:
        raise ServiceError(_("The status must be one of %(statuses)s.", statuses=", ".join(STATUSES)), "to")
    # The same lock as add_reasons: a reason never joins a referral being sent.
    lock_family(referral.family_id)
    db.session.refresh(referral, with_for_update=True)
    if NEXT_STATUS.get(referral.status) != to:
        raise ServiceError(
            _("A referral that is %(now)s cannot move to %(then)s.", now=referral.status, then=to), "to", "conflict"
        )
    if to == "closed":
        if outcome is None:
            raise ServiceError(_("Closing needs an outcome: %(outcomes)s.", outcomes=", ".join(OUTCOMES)), "outcome")
        if outcome not in OUTCOMES:
            raise ServiceError(_("The outcome must be one of %(outcomes)s.", outcomes=", ".join(OUTCOMES)), "outcome")
        if outcome == "completed" and referral.service_contact_on is None:
            raise ServiceError(
                _("Record the date the family first had contact with the service before closing as completed."),
                "service_contact_on",
                "conflict",
            )
    elif outcome is not None:
        raise ServiceError(_("Only closing a referral records an outcome."), "outcome")
    agency = (agency or "").strip() or None
    if to == "sent":
        _check_sending(referral, service, agency, sent_on)
        referral.service = service
        referral.agency = agency
        referral.sent_on = sent_on or clock.today()
    elif service is not None or agency is not None or sent_on is not None:
        raise ServiceError(_("Only sending a referral records the service, agency and date sent."), "service")
    move = ReferralTransition(
        referral=referral,
        from_status=referral.status,
        to_status=to,
        outcome=outcome,
        note=(note or "").strip() or None,
        by_id=by.id,
    )
    referral.status = to
    referral.outcome = outcome
    referral.status_since = utcnow()
    db.session.add(move)
    db.session.flush()
    detail = f"{move.from_status}->{to}"
    if to == "sent":
        detail += f",service={referral.service},sent_on={referral.sent_on}"
    audit.change("transition", "referral", referral.id, user=by, family_id=referral.family_id, detail=detail)
    return move


def opened_on(referral: Referral) -> date:
    """The clinic-local date the referral opened."""
    return referral.created_at.astimezone(clock.clinic_timezone()).date()


def _check_date(value: object, field: str) -> None:
    if not isinstance(value, date) or isinstance(value, datetime):
        raise ServiceError(_("Give the date as YYYY-MM-DD."), field)
    if value > clock.today():
        raise ServiceError(_("The date cannot be in the future."), field)


def _check_sending(referral: Referral, service: str | None, agency: str | None, sent_on: date | None) -> None:
    if service is None:
        raise ServiceError(_("Choose the service the referral is sent to."), "service")
    if service not in SERVICES:
        raise ServiceError(_("The service must be one of %(services)s.", services=", ".join(SERVICES)), "service")
    if agency is not None and len(agency) > NAME_MAX:
        raise ServiceError(_("The agency's name has at most %(max)d characters.", max=NAME_MAX), "agency")
    if sent_on is not None:
        _check_date(sent_on, "sent_on")
        if sent_on < opened_on(referral):
            raise ServiceError(_("A referral cannot be sent before it was opened."), "sent_on")


def record_service_contact(by: User, referral: Referral, service_contact_on: date) -> Referral:
    """Rule 6: the date the family first had contact with the service the referral
    was sent to (staff in scope; corrected while the referral is still sent)."""
    _check_date(service_contact_on, "service_contact_on")
    lock_family(referral.family_id)
    db.session.refresh(referral, with_for_update=True)
    if referral.status != "sent":
        raise ServiceError(
            _(
                "Only a sent referral records the family's contact with the service; this one is %(status)s.",
                status=referral.status,
            ),
            "service_contact_on",
            "conflict",
        )
    if referral.sent_on is not None and service_contact_on < referral.sent_on:
        raise ServiceError(
            _("The first contact cannot be before the referral was sent (%(date)s).", date=referral.sent_on.isoformat()),
            "service_contact_on",
        )
    referral.service_contact_on = service_contact_on
    db.session.flush()
    audit.change(
        "service_contact",
        "referral",
        referral.id,
        user=by,
        family_id=referral.family_id,
        detail=f"service_contact_on={service_contact_on}",
    )
    return referral


def record_read(by: User, *referrals: Referral) -> None:
    """Audit that ``by`` read these referrals (one event each, in one INSERT)."""
    audit.read(by, "referral", [(r.id, r.family_id) for r in referrals])
