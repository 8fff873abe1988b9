"""A person's own account: their password (and, below, second factor and sessions)."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, url_for

from clinic.auth import services, sessions
from clinic.auth.forms import ChangePasswordForm
from clinic.auth.views import bp
from clinic.errors import ServiceError
from clinic.forms import form_page, refused
from clinic.permissions import STAFF, access


@bp.get("/account")
@access(STAFF)
def account():
    return render_template("auth/account.html")


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
        flash("Your password is changed; your other sessions and API tokens have ended.", "success")
        return redirect(url_for(".account"))
    return form_page("auth/change_password.html", form)
