"""Pages of the screening package: screenings and amendments, risk factors,
interaction observations and follow-ups; and the panels the child and family pages
include (``_child_panel.html``, ``_family_panel.html``).

Each view loads through a scoped get-or-404, calls a service and renders. A
refused submission re-renders the form with the user's answers and status 422,
which rolls the request's transaction back: nothing of it is saved.
"""

from __future__ import annotations

import secrets

from flask import abort, flash, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from wtforms.fields import SelectChoice

from clinic import clock, text
from clinic.cases import ages
from clinic.cases import follow_ups as follow_up_services
from clinic.cases.models import Child, Family
from clinic.errors import ServiceError
from clinic.extensions import db
from clinic.forms import form_page, optional_text, refused, show_service_errors
from clinic.instruments import Instrument, get_instrument, labels_in, observation_instrument, risk_factor_catalog
from clinic.permissions.roles import STAFF, access
from clinic.permissions.scope import (
    get_caregiver_or_404,
    get_child_or_404,
    get_family_or_404,
    get_follow_up_or_404,
    get_in_family_scope_or_404,
)
from clinic.screening import drafts, rules, services, timeline
from clinic.screening.blueprint import bp
from clinic.screening.forms import (
    FOLLOW_UP_KIND_LABELS,
    RESPONSE_LABELS,
    AmendmentForm,
    FollowUpForm,
    FollowUpStatusForm,
    KeyedInputs,
    ObservationForm,
    ResolveRiskFactorForm,
    RiskFactorForm,
    ScreeningForm,
    member_choices,
)
from clinic.screening.models import RiskFactor, Screening
from clinic.screening.schedule import checklist_choice, next_screenings
from clinic.templating import (
    checklist_title,
    cue_label,
    day_label,
    instrument_labels,
    rating_label,
    risk_factor_category_label,
    risk_factor_label,
)
from clinic.translation import gettext as _
from clinic.translation import lazy_gettext as _l

RATING_MISSING = "Rate this cue (or choose not observed)."


@bp.app_context_processor
def _panels():
    """The data of the panels other packages' pages include, loaded on demand."""

    def screening_timeline(child: Child) -> timeline.ChildTimeline:
        return timeline.child_timeline(g.user, child)

    def screening_family_panel(family: Family) -> timeline.FamilyPanel:
        return timeline.family_panel(g.user, family)

    return {
        "screening_timeline": screening_timeline,
        "screening_family_panel": screening_family_panel,
        # The case pages show each child's next screening (rules 1-2).
        "next_screenings_of": next_screenings,
        "response_labels": RESPONSE_LABELS,
        "follow_up_kind_labels": FOLLOW_UP_KIND_LABELS,
    }


def _flash_referral(effect: str | None, referral) -> None:
    if effect == "opened":
        flash(_("A referral was opened for the family (referral #%(id)d).", id=referral.id), "warning")
    elif effect == "added":
        flash(_("The family's open referral #%(id)d was updated with this reason.", id=referral.id), "warning")
    elif effect == "already":
        flash(_("The family's open referral #%(id)d already holds this reason.", id=referral.id), "info")


def _flash_follow_up(follow_up) -> None:
    if follow_up is not None:
        title = checklist_title(follow_up.instrument_code)
        flash(
            _("Next screening scheduled: %(title)s, due %(date)s.", title=title, date=day_label(follow_up.due_on)),
            "info",
        )


# ---- screenings -------------------------------------------------------------


def _check_answers(instrument: Instrument, answers: KeyedInputs) -> None:
    """Flag unanswered or foreign items when the rest of the form is refused, so every
    problem shows at once (the service checks them again when the form is whole)."""
    for key, message in rules.validate_responses(instrument, answers.values).items():
        answers.errors[key.removeprefix("responses.")] = message


def _known_instrument(code: str | None) -> Instrument | None:
    try:
        return get_instrument(code) if code else None
    except KeyError:
        return None


def _screening_page(child: Child, instrument: Instrument | None, answers: KeyedInputs, **context) -> dict:
    """What the recording and the amendment pages show (errors included: call it last)."""
    today = clock.today()
    return dict(
        child=child,
        family=child.family,
        today=today,
        age=ages.child_age(child, today),
        instrument=instrument,
        answers=answers,
        groups=(answers,),
        stray_errors=answers.stray_errors(instrument.item_ids) if instrument else answers.errors,
        domain_labels=instrument_labels("domain"),
        family_domain_labels=labels_in("domain", child.family.language),
        **context,
    )


def _opening_form(child: Child, choice) -> tuple[ScreeningForm, KeyedInputs, Instrument | None, dict]:
    """The form as it opens: the author's draft for this child if there is one (after
    an idle sign-out), else today's checklist (or the one asked for, if open today)."""
    draft = drafts.find_draft(g.user, child)
    context: dict = {"draft": draft, "not_offered": None}
    if draft is not None:
        values = drafts.as_formdata(draft)
        form = ScreeningForm(formdata=MultiDict(values))
        instrument = _known_instrument(values["instrument"]) or choice.opens_on
        answers = KeyedInputs("responses", values)
    else:
        form = ScreeningForm()
        answers = KeyedInputs("responses")
        asked = _known_instrument(request.args.get("instrument"))
        if asked is not None and asked not in choice.recordable:
            context["not_offered"] = asked
        instrument = asked if asked in choice.recordable else choice.opens_on
    form.instrument.data = instrument.code if instrument else None
    form.form_token.data = secrets.token_urlsafe(24)
    return form, answers, instrument, context


@bp.route("/children/<int:child_id>/screenings/new", methods=["GET", "POST"])
@access(STAFF)
def new_screening(child_id: int):
    """The form opens on the checklist that can be recorded today (rules 1 and 2) and
    offers only those; a submission may still name any checklist, since a screening
    done earlier may be entered late, inside its window on the day it was done (the
    service checks that)."""
    child = get_child_or_404(g.user, child_id)
    choice = checklist_choice(child, clock.today())
    if request.method == "GET":
        form, answers, instrument, context = _opening_form(child, choice)
        return form_page(
            "screening/screening_form.html",
            form,
            **_screening_page(child, instrument, answers, choice=choice, **context),
        )
    form = ScreeningForm()
    answers = KeyedInputs("responses", request.form)
    instrument = _known_instrument(form.instrument.data)
    context = dict(choice=choice, not_offered=None, draft=None)
    valid = form.validate_on_submit()
    if instrument is None:
        # An unknown checklist was posted: the rows shown are today's checklist's,
        # and so is the checklist the next submission names.
        if not form.instrument.errors:
            form.instrument.errors.append("Choose one of the program's instruments.")
        instrument = choice.opens_on
        form.instrument.data = instrument.code if instrument else None
        valid = False
    # A token refused by the form's checks (a control character) names no submission.
    token = (form.form_token.data or None) if not form.form_token.errors else None
    earlier = drafts.saved_with_token(child, token)
    if earlier is not None:
        flash(_("This screening was already saved; it is not saved twice."), "info")
        return redirect(url_for(".screening", screening_id=earlier.id))
    if valid and instrument is not None:
        try:
            outcome = services.record_screening(
                g.user,
                child,
                instrument_code=instrument.code,
                administered_on=form.administered_on.data,
                responses=answers.values,
                notes=optional_text(form.notes.data),
            )
            drafts.mark_saved(g.user, child, outcome.screening, token)
        except drafts.AlreadySaved as saved:
            flash(_("This screening was already saved; it is not saved twice."), "info")
            return redirect(url_for(".screening", screening_id=saved.screening_id))
        except ServiceError as exc:
            db.session.rollback()
            show_service_errors(form, exc, responses=answers)
            return form_page(
                "screening/screening_form.html", form, **_screening_page(child, instrument, answers, **context)
            )
        screening = outcome.screening
        flash(_("Screening saved."), "success")
        _flash_referral(timeline.referral_effect(outcome.referral, screening_id=screening.id), outcome.referral)
        _flash_follow_up(outcome.follow_up)
        return redirect(url_for(".screening", screening_id=screening.id))
    if instrument is not None and not form.instrument.errors:
        _check_answers(instrument, answers)
    return form_page("screening/screening_form.html", form, **_screening_page(child, instrument, answers, **context))


@bp.post("/children/<int:child_id>/screenings/draft")
@access(STAFF)
def keep_screening_draft(child_id: int):
    """What the form holds, kept for its author (the form's script sends it as it changes)."""
    child = get_child_or_404(g.user, child_id)
    drafts.keep_draft(g.user, child, request.form)
    return "", 204


@bp.post("/children/<int:child_id>/screenings/draft/discard")
@access(STAFF)
def discard_screening_draft(child_id: int):
    child = get_child_or_404(g.user, child_id)
    drafts.discard_draft(g.user, child)
    flash(_("The unsaved answers were discarded."), "info")
    return redirect(url_for(".new_screening", child_id=child.id))


@bp.get("/screenings/<int:screening_id>")
@access(STAFF)
def screening(screening_id: int):
    screening = get_in_family_scope_or_404(g.user, Screening, screening_id)
    services.record_read(g.user, screening)
    child = screening.child
    today = clock.today()
    return render_template(
        "screening/screening.html",
        screening=screening,
        entry=timeline.screening_entry(screening),
        child=child,
        family=child.family,
        age=ages.child_age(child, today),
        original=screening.answers(0),
        amendments=timeline.amendment_history(screening),
        follow_ups=[
            (follow_up, follow_up_services.past_due(follow_up, today))
            for follow_up in follow_up_services.open_screening_follow_ups(child)
        ],
        instrument_titles=instrument_labels("checklist_title"),
        domain_labels=instrument_labels("domain"),
        today=today,
    )


@bp.route("/screenings/<int:screening_id>/amend", methods=["GET", "POST"])
@access(STAFF)
def amend_screening(screening_id: int):
    screening = get_in_family_scope_or_404(g.user, Screening, screening_id)
    child = screening.child
    instrument = services.instrument_of(screening)
    form = AmendmentForm()
    answers = KeyedInputs("responses", request.form if form.is_submitted() else None, initial=screening.answers())

    def page():
        return form_page(
            "screening/amend.html", form, **_screening_page(child, instrument, answers, screening=screening)
        )

    if form.validate_on_submit():
        try:
            outcome = services.amend_screening(g.user, screening, responses=answers.values, reason=form.reason.data)
        except ServiceError as exc:
            db.session.rollback()
            show_service_errors(form, exc, responses=answers)
            return page()
        flash(_("Correction saved; the original answers are kept."), "success")
        if outcome.referral is not None:
            flash(
                _("The family's referral #%(id)d holds the reasons these answers give.", id=outcome.referral.id),
                "warning",
            )
        _flash_follow_up(outcome.follow_up)
        return redirect(url_for(".screening", screening_id=screening.id))
    if form.is_submitted():
        _check_answers(instrument, answers)
    else:
        services.record_read(g.user, screening)
    return page()


# ---- risk factors -----------------------------------------------------------


def _risk_factor_choices(applies_to: str) -> list[SelectChoice]:
    """Catalog entries for a child or a caregiver, grouped by category (select optgroups)."""
    return [
        SelectChoice(entry.code, risk_factor_label(entry.code), optgroup=risk_factor_category_label(entry.category))
        for entry in risk_factor_catalog()
        if entry.applies_to == applies_to
    ]


def _risk_factor_page(subject_kind: str, subject, family: Family):
    form = RiskFactorForm()
    form.code.choices = _risk_factor_choices(subject_kind)
    context = dict(subject_kind=subject_kind, subject=subject, family=family)
    if form.validate_on_submit():
        try:
            risk_factor, referral = services.record_risk_factor(
                g.user,
                code=form.code.data,
                noted_on=form.noted_on.data,
                note=optional_text(form.note.data),
                **{subject_kind: subject},
            )
        except ServiceError as exc:
            return refused("screening/risk_factor_form.html", form, exc, **context)
        flash(_("Risk factor noted."), "success")
        _flash_referral(timeline.referral_effect(referral, risk_factor_id=risk_factor.id), referral)
        return redirect(url_for("cases.family", family_id=family.id))
    return form_page("screening/risk_factor_form.html", form, **context)


@bp.route("/children/<int:child_id>/risk-factors/new", methods=["GET", "POST"])
@access(STAFF)
def new_child_risk_factor(child_id: int):
    child = get_child_or_404(g.user, child_id)
    return _risk_factor_page("child", child, child.family)


@bp.route("/caregivers/<int:caregiver_id>/risk-factors/new", methods=["GET", "POST"])
@access(STAFF)
def new_caregiver_risk_factor(caregiver_id: int):
    caregiver = get_caregiver_or_404(g.user, caregiver_id)
    return _risk_factor_page("caregiver", caregiver, caregiver.family)


@bp.route("/risk-factors/<int:risk_factor_id>/resolve", methods=["GET", "POST"])
@access(STAFF)
def resolve_risk_factor(risk_factor_id: int):
    risk_factor = get_in_family_scope_or_404(g.user, RiskFactor, risk_factor_id)
    form = ResolveRiskFactorForm()
    context = dict(
        risk_factor=risk_factor,
        entry=timeline.risk_entry(risk_factor),
        family=risk_factor.family,
    )
    if form.validate_on_submit():
        try:
            services.resolve_risk_factor(g.user, risk_factor, form.resolved_on.data)
        except ServiceError as exc:
            return refused("screening/resolve_risk_factor.html", form, exc, **context)
        flash(_("Risk factor marked resolved."), "success")
        return redirect(url_for("cases.family", family_id=risk_factor.family_id))
    if not form.is_submitted():
        services.record_read(g.user, risk_factor)
    return form_page("screening/resolve_risk_factor.html", form, **context)


# ---- interaction observations -----------------------------------------------


def _member(members, member_id: int | None):
    """The family's child or caregiver chosen in a select (its choices are the family's)."""
    return next((member for member in members if member.id == member_id), None)


@bp.route("/families/<int:family_id>/observations/new", methods=["GET", "POST"])
@access(STAFF)
def new_observation(family_id: int):
    family = get_family_or_404(g.user, family_id)
    instrument = observation_instrument()
    form = ObservationForm()
    form.child_id.choices = member_choices(family.children, lambda c: c.full_name, _("The whole family"))
    form.caregiver_id.choices = member_choices(family.caregivers, lambda c: c.name, _("Any caregiver present"))
    formdata = request.form if form.is_submitted() else None
    ratings = KeyedInputs("ratings", formdata)
    cue_notes = KeyedInputs("cue_notes", formdata)
    context = dict(
        family=family,
        instrument=instrument,
        ratings=ratings,
        cue_notes=cue_notes,
        groups=(ratings, cue_notes),
        # The cues and ratings in the page's language (the form's choices).
        cue_labels={cue_id: cue_label(cue_id) for cue_id in instrument.cue_ids},
        rating_labels={value: rating_label(value) for value in instrument.ratings},
    )
    if form.validate_on_submit():
        try:
            services.record_observation(
                g.user,
                family,
                observed_on=form.observed_on.data,
                ratings=ratings.values,
                cue_notes=cue_notes.present(),
                notes=optional_text(form.notes.data),
                child=_member(family.children, form.child_id.data),
                caregiver=_member(family.caregivers, form.caregiver_id.data),
            )
        except ServiceError as exc:
            return refused("screening/observation_form.html", form, exc, **context)
        flash(_("Observation saved."), "success")
        return redirect(url_for("cases.family", family_id=family.id) + "#observations")
    if form.is_submitted():
        ratings.require(instrument.cue_ids, RATING_MISSING)
    return form_page("screening/observation_form.html", form, **context)


# ---- follow-ups -------------------------------------------------------------


@bp.route("/families/<int:family_id>/follow-ups/new", methods=["GET", "POST"])
@access(STAFF)
def new_follow_up(family_id: int):
    family = get_family_or_404(g.user, family_id)
    form = FollowUpForm()
    form.child_id.choices = member_choices(family.children, lambda c: c.full_name, _("The whole family"))
    if form.validate_on_submit():
        try:
            follow_up_services.schedule_follow_up(
                g.user,
                family,
                kind=form.kind.data,
                due_on=form.due_on.data,
                time=form.time.data,
                note=optional_text(form.note.data),
                child=_member(family.children, form.child_id.data),
            )
        except ServiceError as exc:
            return refused("screening/follow_up_form.html", form, exc, family=family)
        flash(_("Follow-up scheduled."), "success")
        return redirect(url_for("cases.family", family_id=family.id) + "#follow-ups")
    return form_page("screening/follow_up_form.html", form, family=family)


@bp.post("/follow-ups/<int:follow_up_id>/status")
@access(STAFF)
def set_follow_up_status(follow_up_id: int):
    follow_up = get_follow_up_or_404(g.user, follow_up_id)
    form = FollowUpStatusForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        follow_up_services.set_follow_up_status(g.user, follow_up, form.status.data)
    except ServiceError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        flash(str(FOLLOW_UP_DONE_MESSAGES[form.status.data]), "success")
    back = text.local_path(form.next.data)
    return redirect(back or url_for("cases.family", family_id=follow_up.family_id) + "#follow-ups")


FOLLOW_UP_DONE_MESSAGES = {
    "done": _l("Follow-up marked done."),
    "cancelled": _l("Follow-up cancelled. To undo, restore it from the family's done and cancelled follow-ups."),
    "scheduled": _l("Follow-up restored: it is scheduled again."),
}


@bp.get("/follow-ups/<int:follow_up_id>/cancel")
@access(STAFF)
def confirm_cancel_follow_up(follow_up_id: int):
    """The second step of cancelling a follow-up: which one, and how to undo it."""
    follow_up = get_follow_up_or_404(g.user, follow_up_id)
    back = url_for("cases.family", family_id=follow_up.family_id) + "#follow-ups"
    if follow_up.status not in follow_up_services.OPEN_STATUSES:
        return redirect(back)
    what = str(FOLLOW_UP_KIND_LABELS.get(follow_up.kind, follow_up.kind))
    family_name = follow_up.family.name
    if follow_up.child is not None:
        which = _(
            "%(what)s for %(child)s, family %(family)s", what=what, child=follow_up.child.full_name, family=family_name
        )
    else:
        which = _("%(what)s, family %(family)s", what=what, family=family_name)
    return render_template(
        "confirm.html",
        title=_("Cancel the %(what)s of %(date)s?", what=what.lower(), date=day_label(follow_up.due_on)),
        consequences=[
            _("%(which)s: %(note)s", which=which, note=follow_up.note) if follow_up.note else f"{which}.",
            _("It leaves the worklist, and no reminder will be sent for it."),
        ],
        undo=_("restore it from the family's done and cancelled follow-ups, until its date."),
        action=url_for(".set_follow_up_status", follow_up_id=follow_up.id),
        fields={"status": "cancelled"},
        confirm_label=_("Cancel the follow-up"),
        back_url=back,
        back_label=_("Keep it"),
    )
