"""Pages of the reports package: the supervisor's dashboard and the program report."""

from __future__ import annotations

from datetime import date

from flask import Response, abort, g, render_template, request
from markupsafe import Markup

from clinic import clock
from clinic.forms import query_int
from clinic.permissions.roles import SUPERVISOR, access
from clinic.reports import present, queries
from clinic.reports.blueprint import bp
from clinic.reports.caseload import caseload_report, dashboard_scope
from clinic.reports.charts import on_time_svg, screenings_by_month_svg
from clinic.reports.program import ProgramReport, federal_fiscal_year, program_report
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


def _requested_report(today: date) -> tuple[present.Period, list, int | None, ProgramReport | None]:
    """The period, the teams the user may choose from, the team chosen (one outside
    the user's teams is ignored) and the report (None while the period is wrong)."""
    teams = queries.overseen_teams(g.user)
    team_id = query_int("team_id")
    if team_id not in {team.id for team in teams}:
        team_id = None
    period = present.read_period(request.args.get("from"), request.args.get("to"), today)
    if period.errors:
        return period, teams, team_id, None
    report = program_report(dashboard_scope(g.user, team_id), period.start, period.end, today, team_id=team_id)
    return period, teams, team_id, report


@bp.get("/reports/program")
@access(SUPERVISOR)
def program():
    """Rule 11 for the user's teams (admins: all, or one team), with charts and CSV."""
    today = clock.today()
    period, teams, team_id, report = _requested_report(today)
    charts = {}
    if report is not None:
        screening_measures = [m for m in report.measures if m.code.startswith("screened_on_time:")]
        labels = {m.code: present.measure_checklist(m.code) for m in screening_measures}
        charts = {
            "by_month": Markup(screenings_by_month_svg(report.screenings_by_month)),
            "on_time": Markup(on_time_svg(screening_measures, labels)),
        }
    current = federal_fiscal_year(today)
    return render_template(
        "reports/program.html",
        report=report,
        period=period,
        raw={"from": request.args.get("from", ""), "to": request.args.get("to", "")},
        teams=teams,
        team_id=team_id,
        current_year=current,
        previous_year=present.previous_year(current[0]),
        charts=charts,
        present=present,
        today=today,
    )


@bp.get("/reports/program/<table>.csv")
@access(SUPERVISOR)
def program_csv(table: str):
    """One table of the program report as CSV (the page's own numbers)."""
    if table not in present.TABLES:
        abort(404)
    period, _teams, _team_id, report = _requested_report(clock.today())
    if report is None:
        message = " ".join(f"{field}: {error}" for field, error in period.errors.items())
        return Response(message + "\r\n", status=400, mimetype="text/plain")
    return present.csv_response(report, table)

