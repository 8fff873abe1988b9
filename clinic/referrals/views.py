"""Pages of the referrals package: the list, one referral and its workflow, and the
panels other packages' pages include (``referrals/_family_panel.html`` on the family
page, the reasons a screening gave on the screening page).

The views load through the read models of ``queries`` (a fixed number of queries
each), call the workflow service and render. Every referral a page shows is an
audited read.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for

from clinic.cases.models import Family
from clinic.errors import ServiceError
from clinic.extensions import db
from clinic.instruments import domain_labels, get_risk_factor
from clinic.permissions.roles import STAFF, SUPERVISOR, access, can_see_other_caseloads, can_transition_referrals
from clinic.referrals import queries, services
from clinic.referrals.blueprint import bp
from clinic.referrals.forms import MOVE_LABELS, OUTCOME_LABELS, TransitionForm
from clinic.referrals.models import STATUSES, Referral

STATUS_FILTERS = {"": "All referrals", "open": "Open", "reviewed": "Reviewed", "sent": "Sent", "closed": "Closed"}


def risk_factor_label(code: str | None) -> str:
    try:
        return get_risk_factor(code).label
    except KeyError:
        return code or ""


@bp.app_context_processor
def _panel():
    def referrals_for_family(family: Family) -> list[queries.ReferralRow]:
        rows = queries.family_referrals(family)
        services.record_read(g.user, *(row.referral for row in rows))
        return rows

    return {
        "referrals_for_family": referrals_for_family,
        "referral_reasons_of_screening": queries.screening_referral_reasons,
    }


@bp.context_processor
def _labels():
    return {
        "domain_labels": domain_labels(),
        "risk_factor_label": risk_factor_label,
        "outcome_labels": OUTCOME_LABELS,
        "move_labels": MOVE_LABELS,
    }


@bp.get("/referrals")
@access(STAFF)
def index():
    status = request.args.get("status", "")
    if status not in STATUS_FILTERS:
        status = ""
    page = queries.referral_page(g.user, status=status or None, page=request.args.get("page", 1, type=int))
    services.record_read(g.user, *(row.referral for row in page.items))
    return render_template(
        "referrals/index.html",
        page=page,
        status=status,
        statuses=STATUS_FILTERS,
        show_visitor=can_see_other_caseloads(g.user),
    )


def _detail_page(referral: Referral, form: TransitionForm | None = None, status: int = 200):
    next_status = services.NEXT_STATUS.get(referral.status)
    if can_transition_referrals(g.user) and next_status:
        form = form or TransitionForm()
        # Always offer the move from the status as it is now (it may have changed).
        form.to.data = next_status
    return (
        render_template(
            "referrals/detail.html",
            referral=referral,
            family=referral.family,
            summary_ready=queries.summary_ready(referral),
            # A refused move is shown even when no move is left (a closed referral).
            form=form,
            next_status=next_status,
            statuses=STATUSES,
        ),
        status,
    )


@bp.get("/referrals/<int:referral_id>")
@access(STAFF)
def detail(referral_id: int):
    referral = queries.load_referral(g.user, referral_id)
    services.record_read(g.user, referral)
    return _detail_page(referral)


@bp.post("/referrals/<int:referral_id>/transitions")
@access(SUPERVISOR)
def transition(referral_id: int):
    referral = queries.load_referral(g.user, referral_id)
    if not can_transition_referrals(g.user):
        abort(403)
    form = TransitionForm()
    if not form.validate_on_submit():
        return _detail_page(referral, form, 422)
    try:
        move = services.transition(
            g.user,
            referral,
            to=form.to.data,
            outcome=form.outcome.data or None,
            note=(form.note.data or "").strip() or None,
        )
    except ServiceError as exc:
        db.session.rollback()
        field = form._fields.get(exc.field) if exc.field in ("outcome", "note") else form.to
        field.errors.append(exc.message)
        # A conflict (the referral moved since the page was shown) answers 409, as the API does.
        return _detail_page(queries.load_referral(g.user, referral_id), form, 409 if exc.code == "conflict" else 422)
    flash(f"Referral #{referral.id} is now {move.to_status}.", "success")
    return redirect(url_for(".detail", referral_id=referral.id))

