"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import date, datetime

from babel import Locale, UnknownLocaleError
from flask import Flask, current_app, g, url_for
from flask_babel import format_date, get_locale, lazy_pgettext, ngettext
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from clinic import clock
from clinic.permissions.roles import role_allows


def local_datetime(value: datetime | None) -> Markup:
    """A moment in the clinic's time, read like ``day`` ("Tue 8 Dec 2026, 14:05"),
    with the exact instant in ``<time datetime>``."""
    if value is None:
        return Markup("")
    local = value.astimezone(clock.clinic_timezone())
    return Markup('<time datetime="{}">{}, {}</time>').format(
        local.isoformat(timespec="minutes"), day_label(local.date()), local.strftime("%H:%M")
    )


DAY_FORMAT = "EEE d MMM y"  # "Tue 8 Dec 2026", in the page's language


def day_label(value: date) -> str:
    """A date as people read it, for text without markup (flash messages)."""
    return format_date(value, DAY_FORMAT)


def day(value: date | None) -> Markup:
    """A date as people read it, with the ISO date for machines: the one way pages show
    a date (the ``day`` filter)."""
    if value is None:
        return Markup("")
    return Markup('<time datetime="{}">{}</time>').format(value.isoformat(), day_label(value))


def months_label(months: int) -> str:
    return ngettext("%(num)d month", "%(num)d months", months)


# Codes the pages show as words (roles, statuses, results, outcomes), in the page's
# language; a code not listed reads as itself with spaces.
CODE_LABELS = {
    "home_visitor": _l("home visitor"),
    "supervisor": _l("supervisor"),
    "admin": _l("admin"),
    "active": _l("active"),
    "closed": _l("closed"),
    "open": _l("open"),
    "reviewed": _l("reviewed"),
    "sent": _l("sent"),
    "completed": _l("completed"),
    "declined": _l("declined"),
    "unable_to_contact": _l("unable to contact"),
    "scheduled": _l("scheduled"),
    "done": _l("done"),
    "cancelled": _l("cancelled"),
    "missed": _l("missed"),
    "on_track": _l("on track"),
    "monitor": _l("monitor"),
    "concern": _l("concern"),
}
# An email's status reads apart: the words agree with "email", not with "referral".
MAIL_STATUS_LABELS = {
    "queued": lazy_pgettext("email status", "queued"),
    "sending": lazy_pgettext("email status", "sending"),
    "sent": lazy_pgettext("email status", "sent"),
    "kept": lazy_pgettext("email status", "kept"),
    "failed": lazy_pgettext("email status", "failed"),
    "cancelled": lazy_pgettext("email status", "cancelled"),
    "unknown": lazy_pgettext("email status", "unknown"),
}


def code_label(code: str | None) -> str:
    if code is None:
        return ""
    return str(CODE_LABELS.get(code, code.replace("_", " ")))


def mail_status_label(status: str | None) -> str:
    if status is None:
        return ""
    return str(MAIL_STATUS_LABELS.get(status, status))


def page_language() -> str:
    """The language code of the page (``<html lang>``): the browser's choice on staff
    pages, the family's on pages rendered with its language forced."""
    return get_locale().language


def language_name(code: str | None) -> str:
    """A language named in the page's language, as in a sentence ("Spanish",
    "español"); an unknown code is shown as it is."""
    try:
        return Locale.parse(code).get_display_name(get_locale()) or code
    except (UnknownLocaleError, ValueError, TypeError):
        return code or ""


def language_label(code: str | None) -> str:
    """A language named on its own, as a label or a choice ("Spanish", "Español")."""
    name = language_name(code)
    return name[:1].upper() + name[1:]


# Top navigation: (endpoint, label, access rule); links to blueprints that are not
# registered are left out.
NAV = (
    ("worklist.index", _l("Worklist"), "staff"),
    ("referrals.index", _l("Referrals"), "staff"),
    ("reports.caseload_overview", _l("Team dashboard"), "supervisor"),
    ("reports.program", _l("Program report"), "supervisor"),
    ("admin.staff", _l("Staff"), "admin"),
    ("admin.teams", _l("Teams"), "admin"),
    ("admin.audit_log", _l("Audit log"), "admin"),
    ("mail.outbox", _l("Mail"), "staff"),
)


def nav_items(user) -> list[dict]:
    return [
        {"url": url_for(endpoint), "label": label}
        for endpoint, label, rule in NAV
        if endpoint in current_app.view_functions and role_allows(user, rule)
    ]


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["months"] = months_label
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["language_name"] = language_name
    app.jinja_env.filters["language_label"] = language_label
    app.jinja_env.filters["code_label"] = code_label
    app.jinja_env.filters["mail_status"] = mail_status_label
    app.jinja_env.globals["page_language"] = page_language
    app.jinja_env.globals["clinic_today"] = clock.today

    @app.context_processor
    def _user():
        return {"user": getattr(g, "user", None)}
