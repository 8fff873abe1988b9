"""Pages of the referrals package: the list, one referral and its workflow, and the
panels other packages' pages include (``referrals/_family_panel.html`` on the family
page, the reasons a screening gave on the screening page).

The views load through the read models of ``queries`` (a fixed number of queries
each), call the workflow service and render. Every referral a page shows is an
audited read.
"""

from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, render_template, request, url_for

from clinic import clock
from clinic.cases.models import Family
from clinic.errors import ServiceError
from clinic.extensions import db
from clinic.forms import query_int
from clinic.permissions.roles import STAFF, SUPERVISOR, access, can_see_other_caseloads, can_transition_referrals
from clinic.referrals import queries, services
from clinic.referrals.blueprint import bp
from clinic.referrals.forms import MOVE_LABELS, OUTCOME_LABELS, ServiceContactForm, TransitionForm
from clinic.referrals.loop import SERVICE_LABELS
from clinic.referrals.models import STATUSES, Referral
from clinic.templating import code_label, instrument_labels, risk_factor_label
from clinic.translation import gettext as _
from clinic.translation import lazy_gettext as _l

STATUS_FILTERS = {
    "": _l("All referrals"),
    "active": _l("Open or reviewed"),
    "open": _l("Open"),
    "reviewed": _l("Reviewed"),
    "sent": _l("Sent"),
    "closed": _l("Closed"),
}


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
        "domain_labels": instrument_labels("domain"),
        "risk_factor_label": risk_factor_label,
        "outcome_labels": OUTCOME_LABELS,
        "move_labels": MOVE_LABELS,
        "service_labels": SERVICE_LABELS,
        "days_since": days_since,
    }


def days_since(moment, today: date) -> int:
    """Whole clinic-local days from ``moment`` to ``today`` (the queue's "days in
    status"; the page's today, not the clock read again for every row)."""
    return (today - moment.astimezone(clock.clinic_timezone()).date()).days


@bp.get("/referrals")
@access(STAFF)
def index():
    status = request.args.get("status", "")
    if status not in STATUS_FILTERS:
        status = ""
    visitor_id = query_int("visitor_id")
    page = queries.referral_page(g.user, status=status or None, visitor_id=visitor_id, page=query_int("page", 1))
    services.record_read(g.user, *(row.referral for row in page.items))
    return render_template(
        "referrals/index.html",
        page=page,
        status=status,
        statuses=STATUS_FILTERS,
        show_visitor=can_see_other_caseloads(g.user),
        today=clock.today(),
        visitor_id=visitor_id,
        filters={key: value for key, value in (("status", status), ("visitor_id", visitor_id)) if value},
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
            summary_ready=queries.summary_ready(referral),
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
        return _detail_page(queries.load_referral(g.user, referral_id), form, 409 if exc.code == "conflict" else 422)
    flash(_("Referral #%(id)d is now %(status)s.", id=referral.id, status=code_label(move.to_status)), "success")
    return redirect(url_for(".detail", referral_id=referral.id))


@bp.post("/referrals/<int:referral_id>/service-contact")
@access(STAFF)
def service_contact(referral_id: int):
    referral = queries.load_referral(g.user, referral_id)
    form = ServiceContactForm()
    if not form.validate_on_submit():
        return _detail_page(referral, status=422, contact_form=form)
    try:
        services.record_service_contact(g.user, referral, form.service_contact_on.data)
    except ServiceError as exc:
        db.session.rollback()
        form.service_contact_on.errors.append(exc.message)
        return _detail_page(
            queries.load_referral(g.user, referral_id), status=409 if exc.code == "conflict" else 422, contact_form=form
        )
    flash(_("Referral #%(id)d: first contact with the service recorded.", id=referral.id), "success")
    return redirect(url_for(".detail", referral_id=referral.id))
