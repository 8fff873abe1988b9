"""Pages of the reports package: the supervisor's team caseload."""

from __future__ import annotations

from flask import current_app, g, render_template

from clinic import clock
from clinic.permissions.roles import SUPERVISOR, access
from clinic.reports.blueprint import bp
from clinic.reports.caseload import caseload_report


@bp.get("/team")
@access(SUPERVISOR)
def caseload_overview():
    """Per visitor of the supervisor's teams: families, children, follow-ups, referrals."""
    today = clock.today()
    reminder_days = current_app.config["REMINDER_DAYS"]
    rows = caseload_report(g.user, today, reminder_days)
    return render_template("reports/caseload.html", rows=rows, today=today, reminder_days=reminder_days)
