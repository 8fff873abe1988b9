"""The mail viewer and the public unsubscribe pages."""

from __future__ import annotations

from flask import abort, current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale

from clinic.extensions import csrf
from clinic.mail import queries
from clinic.mail.blueprint import bp
from clinic.mail.forms import UnsubscribeForm
from clinic.mail.models import OUTBOX_STATUSES
from clinic.mail.outbox import email_language
from clinic.mail.queries import get_outbox_message_or_404
from clinic.mail.unsubscribe import caregiver_for_token
from clinic.mail.unsubscribe import unsubscribe as unsubscribe_caregiver
from clinic.permissions.roles import PUBLIC, STAFF, access
from clinic.permissions.scope import get_family_or_404

# An email's own HTML, shown alone: no script, nothing fetched, framed only by us.
EMAIL_HTML_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'"


@bp.app_template_global("mail_panel")
def mail_panel(family):
    """For ``mail/_family_panel.html``, which the family page includes."""
    return queries.family_mail_panel(family)


@bp.get("/mail")
@access(STAFF)
def outbox():
    status = request.args.get("status")
    if status not in OUTBOX_STATUSES:
        status = None
    family_id = request.args.get("family_id", type=int)
    family = get_family_or_404(g.user, family_id) if family_id is not None else None
    page = queries.outbox_page(g.user, status=status, family_id=family_id, page=request.args.get("page", 1, type=int))
    return render_template(
        "mail/outbox.html",
        page=page,
        status=status,
        family=family,
        statuses=OUTBOX_STATUSES,
        mail_server=current_app.config.get("MAIL_SERVER"),
    )


@bp.get("/mail/<int:message_id>")
@access(STAFF)
def message(message_id: int):
    return render_template("mail/message.html", message=get_outbox_message_or_404(g.user, message_id))


@bp.get("/mail/<int:message_id>/html")
@access(STAFF)
def message_html(message_id: int):
    message = get_outbox_message_or_404(g.user, message_id)
    if not message.body_html:
        abort(404)
    response = make_response(message.body_html)
    response.headers["Content-Type"] = "text/html; charset=utf-8"
    response.headers["Content-Security-Policy"] = EMAIL_HTML_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    return response


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@access(PUBLIC)
def unsubscribe(token: str):
    """The link in every reminder: a confirmation page, one button, no sign-in."""
    caregiver = caregiver_for_token(token)
    if caregiver is None:
        abort(404)
    form = UnsubscribeForm()
    language = email_language(caregiver.family.language)
    with force_locale(language):
        if form.validate_on_submit():
            unsubscribe_caregiver(caregiver)
            return render_template("mail/unsubscribed.html", html_lang=language)
        return render_template(
            "mail/unsubscribe.html",
            form=form,
            html_lang=language,
            email=masked_email(caregiver.email),
            opted_in=caregiver.email_opt_in,
        )


@bp.route("/unsubscribe/<token>/one-click", methods=["GET", "POST"])
@access(PUBLIC)
@csrf.exempt
def unsubscribe_one_click(token: str):
    """RFC 8058: the mail client POSTs ``List-Unsubscribe=One-Click`` here, without
    our CSRF token; the signed token in the URL is what authorises it."""
    caregiver = caregiver_for_token(token)
    if caregiver is None:
        abort(404)
    if request.method == "GET":
        return redirect(url_for("mail.unsubscribe", token=token))
    if request.form.get("List-Unsubscribe") != "One-Click":
        abort(400)
    unsubscribe_caregiver(caregiver)
    language = email_language(caregiver.family.language)
    with force_locale(language):
        return render_template("mail/unsubscribed.html", html_lang=language)


def masked_email(email: str | None) -> str:
    """Enough of the address to recognise it, not enough to read it off a forwarded link."""
    if not email or "@" not in email:
        return ""
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain}"
