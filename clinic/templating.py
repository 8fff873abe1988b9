"""Template globals and filters shared by every page."""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, current_app, g, url_for
from flask_babel import format_date
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
    return "1 month" if months == 1 else f"{months} months"


# Top navigation: (endpoint, label, access rule); links to blueprints that are not
# registered are left out.
NAV = (
    ("worklist.index", "Worklist", "staff"),
    ("referrals.index", "Referrals", "staff"),
    ("reports.caseload_overview", "Team dashboard", "supervisor"),
    ("reports.program", "Program report", "supervisor"),
    ("admin.staff", "Staff", "admin"),
    ("admin.teams", "Teams", "admin"),
    ("admin.audit_log", "Audit log", "admin"),
    ("mail.outbox", "Mail", "staff"),
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
    app.jinja_env.globals["clinic_today"] = clock.today

    @app.context_processor
    def _user():
        return {"user": getattr(g, "user", None)}
