"""Caseload, family, caregiver and child pages.

Each view loads through a scoped get-or-404, checks the policy, calls a service and
renders. A refused submission re-renders the form with the user's input and status
422, which also rolls the request's transaction back: nothing of it is saved.
"""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy.orm import joinedload, selectinload
from wtforms.fields import SelectChoice

from clinic import clock
from clinic.auth.models import User
from clinic.cases import ages, queries, services
from clinic.cases.blueprint import bp
from clinic.cases.forms import CaregiverForm, ChildForm, FamilyForm, FamilyStatusForm, NewFamilyForm, ReassignForm
from clinic.cases.models import Family
from clinic.errors import ServiceError
from clinic.extensions import db
from clinic.forms import NAME_MAX, form_page, query_int, refused
from clinic.permissions.roles import STAFF, SUPERVISOR, access, can_reassign, can_see_other_caseloads
from clinic.permissions.scope import assignable_visitors, get_caregiver_or_404, get_child_or_404, get_family_or_404
from clinic.translation import gettext as _
from clinic.translation import lazy_gettext as _l
from clinic.translation import ngettext

CASELOAD_PER_PAGE = 25
CASELOAD_STATUSES = {"active": _l("Active families"), "closed": _l("Closed families"), "all": _l("All families")}


@bp.context_processor
def _case_helpers():
    return {"child_age": ages.child_age}


def _visitor_choices(exclude_id: int | None = None) -> list[SelectChoice]:
    assignable = list(db.session.scalars(assignable_visitors(g.user).options(selectinload(User.team))))
    # When the visitors are of several teams (an admin's choice), the team names say
    # which choices move the family to another team.
    several_teams = len({v.team_id for v in assignable}) > 1
    visitors = [v for v in assignable if v.id != exclude_id]
    choices = [
        SelectChoice(str(v.id), f"{v.name} ({v.team.name})" if several_teams and v.team else v.name) for v in visitors
    ]
    return choices if len(choices) == 1 else [SelectChoice("", _("Choose a home visitor"))] + choices


# ---- caseload ---------------------------------------------------------------


@bp.get("/")
@access(STAFF)
def caseload():
    q = request.args.get("q", "").strip()[:NAME_MAX]
    status = request.args.get("status", "active")
    if status not in CASELOAD_STATUSES:
        status = "active"
    page = queries.search_families(
        g.user,
        q=q,
        page=query_int("page", 1),
        per_page=CASELOAD_PER_PAGE,
        status=None if status == "all" else status,
        visitor_id=query_int("visitor_id"),
    )
    services.record_family_list_view(g.user, page.items)
    today = clock.today()
    children = [child for family in page.items for child in family.children]
    return render_template(
        "cases/caseload.html",
        page=page,
        q=q,
        status=status,
        statuses=CASELOAD_STATUSES,
        today=today,
        children=children,
        show_visitor=can_see_other_caseloads(g.user),
        visitor_id=query_int("visitor_id"),
    )


# ---- families ---------------------------------------------------------------


@bp.route("/families/new", methods=["GET", "POST"])
@access(STAFF)
def new_family():
    form = NewFamilyForm()
    form.assigned_visitor_id.choices = _visitor_choices()
    if form.validate_on_submit():
        try:
            family = services.create_family(
                g.user,
                **form.service_values(),
                assigned_visitor_id=form.assigned_visitor_id.data,
                caregivers=form.caregivers(),
            )
        except ServiceError as exc:
            return refused("cases/family_form.html", form, exc, family=None)
        flash(_("Family %(name)s added.", name=family.name), "success")
        return redirect(url_for(".family", family_id=family.id))
    return form_page("cases/family_form.html", form, family=None)


@bp.get("/families/<int:family_id>")
@access(STAFF)
def family(family_id: int):
    # Its children and caregivers in the same statement: the page shows them all.
    family = get_family_or_404(g.user, family_id, joinedload(Family.children), joinedload(Family.caregivers))
    services.record_view(g.user, "family", family.id, family.id)
    today = clock.today()
    return render_template(
        "cases/family.html",
        family=family,
        history=services.family_history(family),
        today=today,
        status_form=FamilyStatusForm(status="closed" if family.status == "active" else "active"),
        may_reassign=can_reassign(g.user),
    )


@bp.route("/families/<int:family_id>/edit", methods=["GET", "POST"])
@access(STAFF)
def edit_family(family_id: int):
    family = get_family_or_404(g.user, family_id)
    form = FamilyForm(obj=family)
    if form.validate_on_submit():
        try:
            services.update_family(g.user, family, **form.service_values())
        except ServiceError as exc:
            return refused("cases/family_form.html", form, exc, family=family)
        flash(_("Family saved."), "success")
        return redirect(url_for(".family", family_id=family.id))
    if not form.is_submitted():
        services.record_view(g.user, "family", family.id, family.id)
    return form_page("cases/family_form.html", form, family=family)


@bp.get("/families/<int:family_id>/close")
@access(STAFF)
def confirm_close_family(family_id: int):
    """The second step of closing a case: what closing does, and how to undo it."""
    family = get_family_or_404(g.user, family_id)
    back = url_for(".family", family_id=family.id)
    if family.status != "active":
        return redirect(back)
    scheduled = queries.scheduled_follow_up_count(family.id)
    return render_template(
        "confirm.html",
        title=_("Close the family %(name)s?", name=family.name),
        consequences=[
            _("The family leaves the active caseload and the worklist."),
            (
                ngettext(
                    "Its %(num)d scheduled follow-up will be cancelled, and no reminder will be sent for it.",
                    "Its %(num)d scheduled follow-ups will be cancelled, and no reminder will be sent for them.",
                    scheduled,
                )
                if scheduled
                else _("It has no scheduled follow-up.")
            ),
        ],
        undo=_("reopen the family from its page; cancelled follow-ups can then be restored one by one."),
        action=url_for(".set_family_status", family_id=family.id),
        fields={"status": "closed"},
        confirm_label=_("Close the family"),
        back_url=back,
        back_label=_("Keep it open"),
    )


@bp.post("/families/<int:family_id>/status")
@access(STAFF)
def set_family_status(family_id: int):
    family = get_family_or_404(g.user, family_id)
    form = FamilyStatusForm()
    if not form.validate_on_submit():
        abort(400)
    services.update_family(g.user, family, status=form.status.data)
    flash(_("Family closed.") if family.status == "closed" else _("Family reopened."), "success")
    return redirect(url_for(".family", family_id=family.id))


@bp.route("/families/<int:family_id>/reassign", methods=["GET", "POST"])
@access(SUPERVISOR)
def reassign_family(family_id: int):
    family = get_family_or_404(g.user, family_id)
    if not can_reassign(g.user):
        abort(403)
    form = ReassignForm()
    form.assigned_visitor_id.choices = _visitor_choices(exclude_id=family.assigned_visitor_id)
    if form.validate_on_submit():
        try:
            services.reassign_family(g.user, family, form.assigned_visitor_id.data, note=form.note.data)
        except ServiceError as exc:
            return refused("cases/reassign.html", form, exc, family=family)
        flash(_("Family reassigned to %(name)s.", name=family.assigned_visitor.name), "success")
        return redirect(url_for(".family", family_id=family.id))
    return form_page("cases/reassign.html", form, family=family)


# ---- caregivers -------------------------------------------------------------


@bp.route("/families/<int:family_id>/caregivers/new", methods=["GET", "POST"])
@access(STAFF)
def new_caregiver(family_id: int):
    family = get_family_or_404(g.user, family_id)
    form = CaregiverForm()
    if form.validate_on_submit():
        try:
            services.add_caregiver(g.user, family, **form.service_values())
        except ServiceError as exc:
            return refused("cases/caregiver_form.html", form, exc, family=family, caregiver=None)
        flash(_("Caregiver added."), "success")
        return redirect(url_for(".family", family_id=family.id))
    return form_page("cases/caregiver_form.html", form, family=family, caregiver=None)


@bp.route("/caregivers/<int:caregiver_id>/edit", methods=["GET", "POST"])
@access(STAFF)
def edit_caregiver(caregiver_id: int):
    caregiver = get_caregiver_or_404(g.user, caregiver_id)
    form = CaregiverForm(obj=caregiver, relationship=caregiver.relationship_to_children)
    if form.validate_on_submit():
        try:
            services.update_caregiver(g.user, caregiver, **form.service_values())
        except ServiceError as exc:
            return refused("cases/caregiver_form.html", form, exc, family=caregiver.family, caregiver=caregiver)
        flash(_("Caregiver saved."), "success")
        return redirect(url_for(".family", family_id=caregiver.family_id))
    if not form.is_submitted():
        services.record_view(g.user, "caregiver", caregiver.id, caregiver.family_id)
    return form_page("cases/caregiver_form.html", form, family=caregiver.family, caregiver=caregiver)


# ---- children ---------------------------------------------------------------


@bp.route("/families/<int:family_id>/children/new", methods=["GET", "POST"])
@access(STAFF)
def new_child(family_id: int):
    family = get_family_or_404(g.user, family_id)
    form = ChildForm()
    if form.validate_on_submit():
        try:
            child = services.add_child(g.user, family, **form.service_values())
        except ServiceError as exc:
            return refused("cases/child_form.html", form, exc, family=family, child=None)
        flash(_("%(name)s added.", name=child.full_name), "success")
        return redirect(url_for(".child", child_id=child.id))
    return form_page("cases/child_form.html", form, family=family, child=None)


@bp.get("/children/<int:child_id>")
@access(STAFF)
def child(child_id: int):
    child = get_child_or_404(g.user, child_id)
    services.record_view(g.user, "child", child.id, child.family_id)
    today = clock.today()
    return render_template(
        "cases/child.html",
        child=child,
        family=child.family,
        today=today,
    )


@bp.route("/children/<int:child_id>/edit", methods=["GET", "POST"])
@access(STAFF)
def edit_child(child_id: int):
    child = get_child_or_404(g.user, child_id)
    form = ChildForm(obj=child)
    if form.validate_on_submit():
        try:
            services.update_child(g.user, child, **form.service_values())
        except ServiceError as exc:
            return refused("cases/child_form.html", form, exc, family=child.family, child=child)
        flash(_("Child saved."), "success")
        return redirect(url_for(".child", child_id=child.id))
    if not form.is_submitted():
        services.record_view(g.user, "child", child.id, child.family_id)
    return form_page("cases/child_form.html", form, family=child.family, child=child)
