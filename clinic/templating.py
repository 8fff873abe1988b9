"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from flask import Flask, current_app, g, url_for
from jinja2 import pass_eval_context
from markupsafe import Markup, escape

from clinic import clock
from clinic.instruments import label_in, labels_in
from clinic.permissions.roles import role_allows
from clinic.translation import current_locale, lazy_pgettext, ngettext, translations
from clinic.translation import lazy_gettext as _l


def local_datetime(value: datetime | None) -> Markup:
    """A moment in the clinic's time, read like ``day`` ("Tue 8 Dec 2026, 14:05"),
    with the exact instant in ``<time datetime>``."""
    if value is None:
        return Markup("")
    local = value.astimezone(clock.clinic_timezone())
    # Built by hand, not Markup.format (4× slower; an audit log page shows 50), the
    # hour not by strftime (~2.7 µs against ~0.4): the ISO moment and the hour are
    # digits and signs, the day's label is escaped.
    return Markup(
        f'<time datetime="{local.isoformat(timespec="minutes")}">{escape(day_label(local.date()))}, '
        f"{local.hour:02d}:{local.minute:02d}</time>"
    )


DAY_FORMAT = "EEE d MMM y"  # "Tue 8 Dec 2026", in the page's language


def day_label(value: date) -> str:
    """A date as people read it, for text without markup (flash messages)."""
    locale = current_locale()
    return _day_in(value, str(locale) if locale is not None else "en")


@lru_cache(maxsize=4096)
def _day_in(value: date, locale: str) -> str:
    # Babel formats a date in ~14 µs; a worklist shows a few dozen, mostly the same days.
    return format_date(value, DAY_FORMAT, locale=locale)


def day(value: date | None) -> Markup:
    """A date as people read it, with the ISO date for machines: the one way pages show
    a date (the ``day`` filter)."""
    if value is None:
        return Markup("")
    return Markup(f'<time datetime="{value.isoformat()}">{escape(day_label(value))}</time>')


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


def page_language() -> str | None:
    """The language code of the page (``<html lang>``): the browser's choice on staff
    pages, the family's on pages rendered with its language forced; None outside a
    request (a staff email, a task), where labels are the English ones."""
    locale = current_locale()
    return locale.language if locale is not None else None


def instrument_labels(kind: str) -> dict[str, str]:
    """Key → label of one kind of instrument data (risk factors, their categories,
    checklist titles, domains, cues, ratings) in the page's language."""
    return labels_in(kind, page_language())


def instrument_label(kind: str, key: str | None, english: str | None = None) -> str:
    """One label of instrument data in the page's language (``english``, else the
    shipped English label, where the language has none)."""
    return "" if key is None else label_in(kind, key, page_language(), english)


def risk_factor_label(code: str | None) -> str:
    return instrument_label("risk_factor", code)


def risk_factor_category_label(code: str | None) -> str:
    return instrument_label("risk_factor_category", code)


def checklist_title(code: str | None, english: str | None = None) -> str:
    return instrument_label("checklist_title", code, english)


def domain_label(code: str | None) -> str:
    return instrument_label("domain", code)


def cue_label(cue_id: str | None) -> str:
    return instrument_label("cue", cue_id)


def cue_attuned(cue_id: str | None) -> str:
    return instrument_label("cue_attuned", cue_id)


def rating_label(value: str | None) -> str:
    return instrument_label("rating", value)


def language_name(code: str | None) -> str:
    """A language named in the page's language, as in a sentence ("Spanish",
    "español"); an unknown code is shown as it is."""
    try:
        return Locale.parse(code).get_display_name(current_locale()) or code
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


@pass_eval_context
def _gettext(eval_context, string: str, /, **variables) -> str:
    return _formatted(eval_context, translations().ugettext(string), variables)


@pass_eval_context
def _ngettext(eval_context, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    return _formatted(eval_context, translations().ungettext(singular, plural, num), variables)


@pass_eval_context
def _pgettext(eval_context, context: str, string: str, /, **variables) -> str:
    return _formatted(eval_context, translations().upgettext(context, string), variables)


@pass_eval_context
def _npgettext(eval_context, context: str, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    return _formatted(eval_context, translations().unpgettext(context, singular, plural, num), variables)


def _formatted(eval_context, text: str, variables: dict) -> str:
    # As Jinja's "newstyle" gettext: always a format string, escaped where the
    # template autoescapes (HTML, not the plain-text emails).
    if eval_context.autoescape:
        text = Markup(text)
    return text % variables


def install_gettext(app: Flask) -> None:
    """Templates' ``_``, ``gettext``, ``ngettext``, ``pgettext``, ``npgettext`` and
    ``{% trans %}``: Jinja's "newstyle" gettext, one call deep.

    Jinja's own wraps the gettext it is given in three calls through the template
    context (with Flask-Babel's: ~19 µs a string, some 700 strings on a caseload
    page); these call ``clinic.translation`` directly."""
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(
        _=_gettext, gettext=_gettext, ngettext=_ngettext, pgettext=_pgettext, npgettext=_npgettext
    )


def init_app(app: Flask) -> None:
    app.jinja_env.add_extension("jinja2.ext.do")
    install_gettext(app)
    app.jinja_env.globals["nav_items"] = nav_items
    app.jinja_env.filters["local_datetime"] = local_datetime
    app.jinja_env.filters["months"] = months_label
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["language_name"] = language_name
    app.jinja_env.filters["language_label"] = language_label
    app.jinja_env.filters["code_label"] = code_label
    app.jinja_env.filters["mail_status"] = mail_status_label
    app.jinja_env.filters["risk_factor_label"] = risk_factor_label
    app.jinja_env.filters["risk_factor_category_label"] = risk_factor_category_label
    app.jinja_env.filters["checklist_title"] = checklist_title
    app.jinja_env.filters["domain_label"] = domain_label
    app.jinja_env.filters["cue_label"] = cue_label
    app.jinja_env.filters["cue_attuned"] = cue_attuned
    app.jinja_env.filters["rating_label"] = rating_label
    app.jinja_env.globals["page_language"] = page_language
    app.jinja_env.globals["clinic_today"] = clock.today

    @app.context_processor
    def _user():
        return {"user": getattr(g, "user", None)}
