"""A person's own account: their password, second factor and sessions."""

from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, session, url_for

from clinic.auth import second_factor, services, sessions
from clinic.auth.blueprint import bp
from clinic.auth.forms import ChangePasswordForm, CodeForm, EmptyForm
from clinic.errors import ServiceError
from clinic.forms import form_page, refused
from clinic.permissions.roles import STAFF, access
from clinic.translation import gettext as _


@bp.get("/account")
@access(STAFF)
def account():
    return render_template("auth/account.html", recovery_codes_left=second_factor.recovery_codes_left(g.user))


@bp.route("/account/password", methods=["GET", "POST"])
@access(STAFF)
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_own_password(g.user, form.current_password.data, form.password.data)
        except ServiceError as exc:
            return refused("auth/change_password.html", form, exc)
        # Every session and token of the person has ended; this browser goes on in a new one.
        sessions.start_session(g.user)
        flash(_("Your password is changed; your other sessions and API tokens have ended."), "success")
        return redirect(url_for(".account"))
    return form_page("auth/change_password.html", form)


_PENDING_SECRET = "_pending_totp_secret"


@bp.route("/account/second-factor", methods=["GET", "POST"])
@access(STAFF)
def second_factor_setup():
    """Set up TOTP: scan the QR code (or type the secret), confirm with a code."""
    if g.user.has_second_factor:
        return redirect(url_for(".account"))
    # The secret waits in this browser's signed session until a code confirms it.
    secret = session.get(_PENDING_SECRET) or second_factor.new_secret()
    session[_PENDING_SECRET] = secret
    form = CodeForm()
    if form.validate_on_submit():
        try:
            codes = services.enable_second_factor(g.user, secret, form.code.data)
        except ServiceError as exc:
            return refused("auth/second_factor_setup.html", form, exc, **_setup_context(secret))
        session.pop(_PENDING_SECRET, None)
        sessions.start_session(g.user)  # other sessions and tokens have ended; this one goes on
        return render_template("auth/recovery_codes.html", codes=codes)
    return form_page("auth/second_factor_setup.html", form, **_setup_context(secret))


def _setup_context(secret: str) -> dict:
    uri = second_factor.provisioning_uri(g.user, secret)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return {"qr_svg": second_factor.qr_svg(uri), "secret": grouped}


@bp.get("/account/sessions")
@access(STAFF)
def account_sessions():
    return render_template(
        "auth/sessions.html",
        live=services.live_sessions(g.user),
        this_session=sessions.current_user_session(),
        action_form=EmptyForm(),
    )


@bp.post("/account/sessions/<int:session_id>/end")
@access(STAFF)
def end_account_session(session_id: int):
    """End one of one's own sessions (another person's answers 404)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    target = next((s for s in services.live_sessions(g.user) if s.id == session_id), None)
    if target is None:
        abort(404)
    services.end_sessions(g.user, only=target)
    if target.id == getattr(sessions.current_user_session(), "id", None):
        sessions.end_session()
        return redirect(url_for(".login"))
    flash(_("That session has ended."), "success")
    return redirect(url_for(".account_sessions"))


@bp.post("/account/sessions/end-others")
@access(STAFF)
def end_other_sessions():
    if not EmptyForm().validate_on_submit():
        abort(400)
    services.end_sessions(g.user, keep=sessions.current_user_session())
    flash(_("Your other sessions have ended."), "success")
    return redirect(url_for(".account_sessions"))
