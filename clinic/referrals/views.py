"""Pages of the referrals package: the list, one referral and its workflow, and the
panel the family page includes (``referrals/_family_panel.html``).

The read models below load each page in a fixed number of queries; the views load
through the scoped helpers, call the workflow service and render. Every referral
a page shows is an audited read.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import exists, func, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from clinic import clock
from clinic.auth.models import User
from clinic.cases.models import Family
from clinic.errors import ServiceError
from clinic.extensions import db
from clinic.pagination import Page, paginate
from clinic.permissions import (
    STAFF,
    SUPERVISOR,
    access,
    can_see_other_caseloads,
    can_transition_referrals,
    family_scope,
    get_in_family_scope_or_404,
)
from clinic.referrals import services
from clinic.referrals.forms import MOVE_LABELS, OUTCOME_LABELS, ServiceContactForm, TransitionForm
from clinic.referrals.loop import SERVICE_LABELS
from clinic.referrals.models import STATUSES, Referral, ReferralReason, ReferralSummary, ReferralTransition
from clinic.screening.instruments import domain_labels, get_risk_factor

bp = Blueprint("referrals", __name__, template_folder="templates")

PER_PAGE = 25
STATUS_FILTERS = {"": "All referrals", "open": "Open", "reviewed": "Reviewed", "sent": "Sent", "closed": "Closed"}


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral  # with its family (and the family's visitor) loaded
    reason_count: int
    summary_ready: bool


def _summary_exists():
    """Whether the row's referral has a compiled summary (a column, not the document)."""
    return exists().where(ReferralSummary.referral_id == Referral.id)


def _reason_count():
    return select(func.count(ReferralReason.id)).where(ReferralReason.referral_id == Referral.id).scalar_subquery()


def referral_page(user: User, *, status: str | None = None, page: int = 1, per_page: int = PER_PAGE) -> Page[ReferralRow]:
    """Referrals in the user's scope, the longest in their current status first: a
    count and one query (family, visitor, number of reasons and whether a summary is
    compiled come in the same row)."""
    conditions = [family_scope(user)]
    if status:
        conditions.append(Referral.status == status)
    counted = select(func.count(Referral.id)).join(Family, Referral.family_id == Family.id).where(*conditions)
    visitor = aliased(User)
    query = (
        select(Referral, _reason_count(), _summary_exists())
        .join(Family, Referral.family_id == Family.id)
        .join(visitor, Family.assigned_visitor_id == visitor.id)
        .options(contains_eager(Referral.family).contains_eager(Family.assigned_visitor.of_type(visitor)))
        .where(*conditions)
        .order_by(Referral.status_since, Referral.id)
    )
    result = paginate(query, counted, page, per_page, rows=True)
    result.items = [ReferralRow(referral, count, bool(ready)) for referral, count, ready in result.items]
    return result


def load_referral(user: User, referral_id: int) -> Referral:
    """One referral in scope (404 otherwise) with its reasons' people and its moves."""
    get_in_family_scope_or_404(user, Referral, referral_id)
    return db.session.scalars(
        select(Referral)
        .where(Referral.id == referral_id)
        .options(
            selectinload(Referral.reasons).selectinload(ReferralReason.child),
            selectinload(Referral.reasons).selectinload(ReferralReason.caregiver),
            selectinload(Referral.transitions).selectinload(ReferralTransition.by),
        )
        .execution_options(populate_existing=True)
    ).one()


def summary_ready(referral: Referral) -> bool:
    """Whether the summary is compiled (without loading the document)."""
    return bool(db.session.scalar(select(exists().where(ReferralSummary.referral_id == referral.id))))


def family_referrals(family: Family) -> list[ReferralRow]:
    """The family's referrals, newest first, in one query."""
    rows = db.session.execute(
        select(Referral, _reason_count(), _summary_exists())
        .where(Referral.family_id == family.id)
        .order_by(Referral.created_at.desc(), Referral.id.desc())
    )
    return [ReferralRow(referral, count, bool(ready)) for referral, count, ready in rows]


def risk_factor_label(code: str | None) -> str:
    try:
        return get_risk_factor(code).label
    except KeyError:
        return code or ""


@bp.app_context_processor
def _panel():
    def referrals_for_family(family: Family) -> list[ReferralRow]:
        rows = family_referrals(family)
        services.record_read(g.user, *(row.referral for row in rows))
        return rows

    return {"referrals_for_family": referrals_for_family}


@bp.context_processor
def _labels():
    return {
        "domain_labels": domain_labels(),
        "risk_factor_label": risk_factor_label,
        "outcome_labels": OUTCOME_LABELS,
        "move_labels": MOVE_LABELS,
        "service_labels": SERVICE_LABELS,
        "days_since": days_since,
    }


def days_since(moment) -> int:
    """Whole clinic-local days from ``moment`` to today (the queue's "days in status")."""
    return (clock.today() - moment.astimezone(clock.clinic_timezone()).date()).days


@bp.get("/referrals")
@access(STAFF)
def index():
    status = request.args.get("status", "")
    if status not in STATUS_FILTERS:
        status = ""
    page = referral_page(g.user, status=status or None, page=request.args.get("page", 1, type=int))
    services.record_read(g.user, *(row.referral for row in page.items))
    return render_template(
        "referrals/index.html",
        page=page,
        status=status,
        statuses=STATUS_FILTERS,
        show_visitor=can_see_other_caseloads(g.user),
        today=clock.today(),
    )


def _detail_page(
    referral: Referral,
    form: TransitionForm | None = None,
    status: int = 200,
    contact_form: ServiceContactForm | None = None,
):
    next_status = services.NEXT_STATUS.get(referral.status)
    if can_transition_referrals(g.user) and next_status:
        form = form or TransitionForm()
        # Always offer the move from the status as it is now (it may have changed).
        form.to.data = next_status
    if referral.status == "sent" and contact_form is None:
        contact_form = ServiceContactForm(service_contact_on=referral.service_contact_on)
    today = clock.today()
    return (
        render_template(
            "referrals/detail.html",
            referral=referral,
            family=referral.family,
            summary_ready=summary_ready(referral),
            # A refused move is shown even when no move is left (a closed referral).
            form=form,
            contact_form=contact_form,
            next_status=next_status,
            statuses=STATUSES,
            late=referral.is_late(today),
            today=today,
        ),
        status,
    )


@bp.get("/referrals/<int:referral_id>")
@access(STAFF)
def detail(referral_id: int):
    referral = load_referral(g.user, referral_id)
    services.record_read(g.user, referral)
    return _detail_page(referral)


@bp.post("/referrals/<int:referral_id>/transitions")
@access(SUPERVISOR)
def transition(referral_id: int):
    referral = load_referral(g.user, referral_id)
    if not can_transition_referrals(g.user):
        abort(403)
    form = TransitionForm()
    if not form.validate_on_submit():
        return _detail_page(referral, form, 422)
    try:
        sending = form.to.data == "sent"
        move = services.transition(
            g.user,
            referral,
            to=form.to.data,
            outcome=form.outcome.data or None,
            note=(form.note.data or "").strip() or None,
            service=(form.service.data or None) if sending else None,
            agency=form.agency.data if sending else None,
            sent_on=form.sent_on.data if sending else None,
        )
    except ServiceError as exc:
        db.session.rollback()
        in_form = ("outcome", "note", "service", "agency", "sent_on")
        field = form._fields.get(exc.field) if exc.field in in_form else form.to
        field.errors.append(exc.message)
        # A conflict (the referral moved since the page was shown) answers 409, as the API does.
        return _detail_page(load_referral(g.user, referral_id), form, 409 if exc.code == "conflict" else 422)
    flash(f"Referral #{referral.id} is now {move.to_status}.", "success")
    return redirect(url_for(".detail", referral_id=referral.id))


@bp.post("/referrals/<int:referral_id>/service-contact")
@access(STAFF)
def service_contact(referral_id: int):
    referral = load_referral(g.user, referral_id)
    form = ServiceContactForm()
    if not form.validate_on_submit():
        return _detail_page(referral, status=422, contact_form=form)
    try:
        services.record_service_contact(g.user, referral, form.service_contact_on.data)
    except ServiceError as exc:
        db.session.rollback()
        form.service_contact_on.errors.append(exc.message)
        return _detail_page(
            load_referral(g.user, referral_id), status=409 if exc.code == "conflict" else 422, contact_form=form
        )
    flash(f"Referral #{referral.id}: first contact with the service recorded.", "success")
    return redirect(url_for(".detail", referral_id=referral.id))


from clinic.referrals import summary_views  # noqa: E402,F401  (the summary page and PDF)
