"""Pages of the reports package: the supervisor's dashboard."""

from __future__ import annotations

from flask import g, render_template

from clinic import clock
from clinic.forms import query_int
from clinic.permissions.roles import SUPERVISOR, access
from clinic.reports import queries
from clinic.reports.blueprint import bp
from clinic.reports.caseload import caseload_report
from clinic.worklist.due import DUE_SOON_DAYS


@bp.get("/team")
@access(SUPERVISOR)
def caseload_overview():
    """Per visitor of the user's teams (or of one team): rule 10's numbers, each a
    link to the list behind it."""
    today = clock.today()
    teams = queries.overseen_teams(g.user)
    team_id = query_int("team_id")
    if team_id not in {team.id for team in teams}:
        team_id = None
    rows = caseload_report(g.user, today, team_id=team_id)
    return render_template(
        "reports/caseload.html", rows=rows, today=today, due_days=DUE_SOON_DAYS, teams=teams, team_id=team_id
    )
