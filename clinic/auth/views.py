"""Sign-in and sign-out."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, url_for

from clinic import text
from clinic.auth import services, sessions
from clinic.auth.blueprint import bp
from clinic.auth.forms import LoginForm
from clinic.permissions.roles import PUBLIC, STAFF, access


@bp.route("/login", methods=["GET", "POST"])
@access(PUBLIC)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        result = services.authenticate(form.email.data, form.password.data, request.remote_addr)
        if result.user is not None:
            sessions.start_session(result.user)
            return redirect(_local_target(request.args.get("next")) or url_for("cases.caseload"))
        if result.throttled:
            form.form_errors.append("Too many failed sign-ins. Wait a few minutes and try again.")
            return render_template("auth/login.html", form=form), 429
        form.form_errors.append("Email or password is not right.")
    return render_template("auth/login.html", form=form)


def _local_target(target: str | None) -> str | None:
    """The page to return to after sign-in, only when it is a path on this site.

    Browsers drop tabs and line breaks from a URL and read a backslash as a slash,
    so ``/\t/evil.example`` or ``/\\evil.example`` would leave the site: anything
    with a control character, a backslash, a scheme or a host falls back.
    """
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if text.problem(target) or any(ord(c) in (0x85, 0x2028, 0x2029) for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.post("/logout")
@access(STAFF)
def logout():
    # CSRFProtect has already checked the token of this POST.
    sessions.sign_out(g.user)
    flash("You are signed out.", "success")
    return redirect(url_for("auth.login"))

