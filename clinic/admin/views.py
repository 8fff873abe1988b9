"""Admin pages: staff accounts, teams, the audit log and the mail log."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import (
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from markupsafe import Markup, escape
from wtforms.fields import SelectChoice

from clinic.admin import exports, queries
from clinic.admin.blueprint import bp
from clinic.auth import services, sessions
from clinic.auth.forms import EmptyForm, StaffForm, TeamForm, TeamSupervisorForm
from clinic.auth.models import Team, User
from clinic.cases.queries import active_family_counts
from clinic.errors import ServiceError
from clinic.extensions import db
from clinic.forms import form_page, query_int, refused
from clinic.mail import queries as mail_queries
from clinic.mail.forms import RetryForm
from clinic.mail.links import external_url
from clinic.mail.outbox import queue_email, retry_failed
from clinic.permissions.roles import ADMIN, access, may_supervise_teams
from clinic.translation import gettext as _
from clinic.translation import ngettext

AUDIT_PER_PAGE = 50
# Offered as suggestions in the audit log's filter; any other type can be typed in.
AUDITED_RECORD_TYPES = (
    "family",
    "caregiver",
    "child",
    "screening",
    "risk_factor",
    "observation",
    "referral",
    "follow_up",
    "user",
    "team",
)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


def _team_or_404(team_id: int) -> Team:
    team = db.session.get(Team, team_id)
    if team is None:
        abort(404)
    return team


# ---- staff ------------------------------------------------------------------


@bp.get("/admin/staff")
@access(ADMIN)
def staff():
    return render_template(
        "admin/staff.html",
        staff=services.list_staff(),
        family_counts=active_family_counts(),
        action_form=EmptyForm(),
    )


@bp.route("/admin/staff/new", methods=["GET", "POST"])
@access(ADMIN)
def new_staff():
    form = StaffForm()
    teams = services.list_teams()
    team_choices = [SelectChoice("", _("None"))] + [SelectChoice(str(team.id), team.name) for team in teams]
    form.team_id.choices = team_choices
    form.supervises_id.choices = team_choices
    if form.validate_on_submit():
        by_id = {team.id: team for team in teams}
        try:
            user = services.create_user(
                email=form.email.data,
                name=form.name.data,
                role=form.role.data,
                password=None,
                team=by_id.get(form.team_id.data),
                supervises=by_id.get(form.supervises_id.data),
                by=g.user,
            )
        except ServiceError as exc:
            return refused("admin/staff_form.html", form, exc)
        return _show_password_link(user, "created")
    return form_page("admin/staff_form.html", form)


@bp.get("/admin/staff/<int:user_id>/deactivate")
@access(ADMIN)
def confirm_deactivate_staff(user_id: int):
    """The second step of deactivating someone: what it ends, and how to undo it."""
    user = _user_or_404(user_id)
    if not user.is_active or user.id == g.user.id:
        return redirect(url_for(".staff"))
    families = active_family_counts().get(user.id, 0)
    consequences = [
        _("%(name)s will no longer be able to sign in; their sessions and API tokens end at once.", name=user.name)
    ]
    if families:
        consequences.append(
            ngettext(
                "Their %(num)d active family stays assigned to them until reassigned from each family's page.",
                "Their %(num)d active families stay assigned to them until reassigned from each family's page.",
                families,
            )
        )
    return render_template(
        "confirm.html",
        title=_("Deactivate %(name)s?", name=user.name),
        consequences=consequences,
        undo=_("reactivate them from the staff list (they sign in again with their password)."),
        action=url_for(".deactivate_staff", user_id=user.id),
        fields={},
        confirm_label=_("Deactivate %(name)s", name=user.name),
        back_url=url_for(".staff"),
        back_label=_("Keep them active"),
    )


@bp.post("/admin/staff/<int:user_id>/deactivate")
@access(ADMIN)
def deactivate_staff(user_id: int):
    user = _user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.deactivate_user(user, by=g.user)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".staff"))
    flash(_("%(name)s is deactivated: their sessions and API tokens have ended.", name=user.name), "success")
    return redirect(url_for(".staff"))


@bp.post("/admin/staff/<int:user_id>/reactivate")
@access(ADMIN)
def reactivate_staff(user_id: int):
    user = _user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.reactivate_user(user, by=g.user)
    flash(_("%(name)s can sign in again.", name=user.name), "success")
    return redirect(url_for(".staff"))


@bp.route("/admin/staff/<int:user_id>/password", methods=["GET", "POST"])
@access(ADMIN)
def reset_password(user_id: int):
    """Admins do not choose passwords for others: a reset hands out a one-time link."""
    user = _user_or_404(user_id)
    form = EmptyForm()
    if form.validate_on_submit():
        return _show_password_link(user, "reset")
    return render_template("admin/password_reset.html", form=form, account=user)


@bp.post("/admin/staff/<int:user_id>/second-factor/reset")
@access(ADMIN)
def reset_second_factor(user_id: int):
    """A lost phone: the person sets up their second factor again at next sign-in."""
    user = _user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.reset_second_factor(user, by=g.user)
    if user.id == g.user.id:
        sessions.start_session(user)  # led to set-up again by the next page
    flash(_("Second factor of %(name)s reset; their sessions and API tokens have ended.", name=user.name), "success")
    return redirect(url_for(".staff"))


@bp.post("/admin/staff/<int:user_id>/unlock")
@access(ADMIN)
def unlock_sign_in(user_id: int):
    user = _user_or_404(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.unlock_sign_in(user, by=g.user)
    flash(_("Sign-in of %(name)s unlocked.", name=user.name), "success")
    return redirect(url_for(".staff"))


def _show_password_link(user: User, why: str):
    try:
        token = services.create_password_link(user, by=g.user)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(url_for(".staff"))
    link = external_url("auth.set_password", token=token)
    emailed = bool(current_app.config.get("MAIL_SERVER"))
    if emailed:
        # Unique per link: a second reset sends a second email.
        queue_email(f"password-link:{token[:16]}", user.email, "password_link", "en", {"name": user.name, "link": link, "why": why})
    return render_template("admin/password_link.html", account=user, link=link, why=why, emailed=emailed)


# ---- teams ------------------------------------------------------------------


@bp.get("/admin/teams")
@access(ADMIN)
def teams():
    return render_template("admin/teams.html", teams=services.list_teams())


@bp.route("/admin/teams/new", methods=["GET", "POST"])
@access(ADMIN)
def new_team():
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = services.create_team(form.name.data, by=g.user)
        except ServiceError as exc:
            return refused("admin/team_form.html", form, exc)
        flash(_("Team %(name)s created.", name=team.name), "success")
        return redirect(url_for(".team", team_id=team.id))
    return form_page("admin/team_form.html", form)


@bp.route("/admin/teams/<int:team_id>", methods=["GET", "POST"])
@access(ADMIN)
def team(team_id: int):
    team = _team_or_404(team_id)
    supervisors = [u for u in services.list_staff() if may_supervise_teams(u)]
    form = TeamSupervisorForm(supervisor_id=team.supervisor_id)
    form.supervisor_id.choices = [SelectChoice("", _("No supervisor"))] + [
        SelectChoice(str(u.id), u.name) for u in supervisors
    ]
    if form.validate_on_submit():
        chosen = next((u for u in supervisors if u.id == form.supervisor_id.data), None)
        try:
            services.set_team_supervisor(team, chosen, by=g.user)
        except ServiceError as exc:
            return refused("admin/team.html", form, exc, team=team)
        flash(_("Supervisor of %(name)s saved.", name=team.name), "success")
        return redirect(url_for(".team", team_id=team.id))
    return form_page("admin/team.html", form, team=team)


# ---- audit log --------------------------------------------------------------


@bp.get("/admin/audit")
@access(ADMIN)
def audit_log():
    where, errors = _audit_filter()
    page = queries.audit_events(
        where, before=query_int("before"), after=query_int("after"), per_page=AUDIT_PER_PAGE
    )
    return render_template(
        "admin/audit_log.html",
        page=page,
        where=where,
        args=_filter_args(where),
        errors=errors,
        record_types=AUDITED_RECORD_TYPES,
        person_options=person_options(queries.staff_choices(), where.user_id),
        record_refs=record_refs,
    )


def person_options(staff: list, chosen: int | None) -> Markup:
    """The person filter's ``<option>`` elements, one string: every account (~220 on
    a county program) looped over in the template, its id and name each escaped on
    its own, was a sixth of the page."""
    return Markup("".join(
        f'<option value="{person_id}"{" selected" if person_id == chosen else ""}>{escape(name)}</option>'
        for person_id, name in staff
    ))  # fmt: skip


SHOWN_IDS = 20


def record_refs(event) -> tuple[str, int]:
    """("#4 #5 #6", 0): the first ids an event is about, and how many more it holds.

    One string per event: looping over 50 events' ids in the template, each escaped
    on its own, took a fifth of the page's time."""
    ids = event.ids_read
    return " ".join(f"#{record_id}" for record_id in ids[:SHOWN_IDS]), max(len(ids) - SHOWN_IDS, 0)


@bp.get("/admin/audit.csv")
@access(ADMIN)
def audit_log_csv():
    """The filtered log as CSV, streamed a batch at a time however many rows match."""
    where, _errors = _audit_filter()
    chunks = exports.audit_log_csv(g.user, where, urlencode(_filter_args(where))[:1000] or None)
    return Response(
        stream_with_context(chunks),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"'},
    )


def _audit_filter() -> tuple[queries.AuditFilter, dict[str, str]]:
    errors: dict[str, str] = {}
    dates: dict[str, date | None] = {}
    for name in ("from", "to"):
        raw = request.args.get(name, "").strip()
        dates[name] = None
        if raw:
            try:
                dates[name] = date.fromisoformat(raw[:10])
            except ValueError:
                errors[name] = _("Use a date like 2025-06-30.")
    record_type = request.args.get("record_type", "").strip()[:50]
    return (
        queries.AuditFilter(
            user_id=query_int("user_id"),
            record_type=record_type or None,
            record_id=query_int("record_id"),
            on_or_after=dates["from"],
            on_or_before=dates["to"],
        ),
        errors,
    )


def _filter_args(where: queries.AuditFilter) -> dict:
    args = {
        "user_id": where.user_id,
        "record_type": where.record_type,
        "record_id": where.record_id,
        "from": where.on_or_after.isoformat() if where.on_or_after else None,
        "to": where.on_or_before.isoformat() if where.on_or_before else None,
    }
    return {name: value for name, value in args.items() if value is not None}


# ---- mail log ---------------------------------------------------------------


@bp.get("/mail/log")
@access(ADMIN)
def mail_log():
    page = mail_queries.mail_log(page=request.args.get("page", 1, type=int))
    return render_template("admin/mail_log.html", page=page, retry_form=RetryForm())


@bp.post("/mail/<int:message_id>/retry")
@access(ADMIN)
def retry_mail(message_id: int):
    message = mail_queries.get_outbox_message_or_404(g.user, message_id)
    if RetryForm().validate_on_submit() and retry_failed(message):
        flash(_("Email %(id)d is queued again.", id=message.id), "success")
    else:
        flash(
            _("Email %(id)d was not queued again (it has not failed, or no mail server is set).", id=message.id),
            "error",
        )
    return redirect(url_for(".mail_log"))
