"""Sign-in and sign-out."""

from __future__ import annotations

import math

from flask import flash, g, redirect, render_template, request, url_for

from clinic import text
from clinic.auth import services, sessions
from clinic.auth.blueprint import bp
from clinic.auth.forms import CodeForm, LoginForm, SetPasswordForm
from clinic.errors import ServiceError
from clinic.forms import form_page, refused
from clinic.permissions.roles import PUBLIC, STAFF, access
from clinic.translation import gettext as _
from clinic.translation import ngettext


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data, request.remote_addr)
        if result.user is not None:
            target = text.local_path(request.args.get("next"))
            if result.user.has_second_factor:
                sessions.await_second_factor(result.user, target)
                return redirect(url_for("auth.login_code"))
            services.record_sign_in(result.user)
            sessions.start_session(result.user)
            # The start page is the worklist (rule 10): what needs doing today.
            return redirect(target or url_for("worklist.index"))
        if result.throttled:
            return _too_many("auth/login.html", form, result)
        form.form_errors.append(_("Email or password is not right."))
    return render_template("auth/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@access(PUBLIC)
def login_code():
    """The second step of signing in: the code of the person's authenticator app."""
    user, target = sessions.pending_second_factor()
    if user is None:
        flash(_("Please sign in again."), "error")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        result = services.check_second_factor(user, form.code.data, request.remote_addr)
        if result.user is not None:
            services.record_sign_in(user)
            sessions.start_session(user)
            return redirect(target or url_for("worklist.index"))
        if result.throttled:
            return _too_many("auth/login_code.html", form, result)
        form.code.errors.append(_("That code is not right, or it has been used already."))
        return render_template("auth/login_code.html", form=form), 422
    return render_template("auth/login_code.html", form=form)


def _too_many(template: str, form, result: services.SignInResult):
    wait = result.retry_after or 60
    form.form_errors.append(_("Too many failed sign-ins. Wait %(duration)s and try again.", duration=_duration(wait)))
    return render_template(template, form=form), 429, {"Retry-After": str(wait)}


def _duration(seconds: int) -> str:
    if seconds < 90:
        return ngettext("%(num)d second", "%(num)d seconds", seconds)
    return ngettext("%(num)d minute", "%(num)d minutes", math.ceil(seconds / 60))


@bp.post("/logout")
@access(STAFF)
def logout():
    # CSRFProtect has already checked the token of this POST.
    sessions.sign_out(g.user)
    flash(_("You are signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/password/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def set_password(token: str):
    """The one-time link an admin handed out: choose a password, once, within 24 hours."""
    link = services.password_link(token)
    if link is None:
        return render_template("auth/password_link_invalid.html"), 404
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            services.use_password_link(link, form.password.data)
        except ServiceError as exc:
            return refused("auth/set_password.html", form, exc, account=link.user)
        sessions.end_session()
        flash(_("Your password is set. Sign in with it."), "success")
        return redirect(url_for("auth.login"))
    return form_page("auth/set_password.html", form, account=link.user)
