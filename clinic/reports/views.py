"""Pages of the reports package: the supervisor's team caseload."""

from __future__ import annotations

from flask import g, render_template

from clinic import clock
from clinic.permissions.roles import SUPERVISOR, access
from clinic.reports.blueprint import bp
from clinic.reports.caseload import caseload_report
from clinic.worklist.due import DUE_SOON_DAYS


@bp.get("/team")
@access(SUPERVISOR)
def caseload_overview():
    """Per visitor of the supervisor's teams: families, children, follow-ups, referrals."""
    today = clock.today()
    reminder_days = DUE_SOON_DAYS
    rows = caseload_report(g.user, today)
    return render_template("reports/caseload.html", rows=rows, today=today, reminder_days=reminder_days)
