"""API endpoint: the program report (rule 11), as JSON or one table as CSV."""

from __future__ import annotations

from datetime import date
from typing import Literal

from flask import g, request
from pydantic import BaseModel, ConfigDict, Field

from clinic import clock
from clinic.api.blueprint import endpoint
from clinic.api.errors import ApiError
from clinic.api.schemas import Id, Out
from clinic.permissions.roles import SUPERVISOR
from clinic.reports import present
from clinic.reports.caseload import dashboard_scope
from clinic.reports.program import ProgramReport, federal_fiscal_year, program_report


class ProgramQuery(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    from_: date | None = Field(None, alias="from", description="first day; default: the federal fiscal year's")
    to: date | None = Field(None, description="last day; default: the federal fiscal year's")
    team_id: Id | None = None
    table: Literal[present.TABLES] = Field("measures", description="the table answered as CSV")  # type: ignore[valid-type]


class MeasureOut(Out):
    code: str
    numerator: int
    denominator: int
    missing: int
    value: float | None


class MonthOut(Out):
    month: str
    on_track: int
    monitor: int
    concern: int
    total: int


class DomainOut(Out):
    domain: str
    screenings: int


class CategoryOut(Out):
    category: str
    count: int


class ReferralCountsOut(Out):
    opened: int
    sent: int
    closed: dict[str, int]
    median_days_opened_to_sent: float | None
    median_days_sent_to_contact: float | None


class ProgramReportOut(Out):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    team_id: int | None
    measures: list[MeasureOut]
    screenings_by_month: list[MonthOut]
    screenings: int
    missed_by_domain: list[DomainOut]
    risk_factors_by_category: list[CategoryOut]
    referrals: ReferralCountsOut


def _report(query: ProgramQuery) -> ProgramReport:
    today = clock.today()
    default_from, default_to = federal_fiscal_year(today)
    start, end = query.from_ or default_from, query.to or default_to
    problems = present.period_problems(start, end)
    if problems:
        raise ApiError(422, "Some query parameters are not valid.", problems)
    # A team outside the user's teams counts nothing: the scope still applies.
    return program_report(dashboard_scope(g.user, query.team_id), start, end, today, team_id=query.team_id)


@endpoint(
    "/reports/program",
    summary="Rule 11's program measures for a period (default: the current federal fiscal year) over your teams "
    "(admins: all; team_id: one team): each measure's numerator, denominator, missing and value, screenings per "
    "month by result, per domain, risk factors per category and referral counts. Counts only. With "
    "Accept: text/csv, one table (table=) as CSV",
    response=ProgramReportOut, rule_access=SUPERVISOR, errors=(403, 422), query=ProgramQuery,
)
def program_report_json(query: ProgramQuery):
    report = _report(query)
    if request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv":
        return present.csv_response(report, query.table), 200
    return ProgramReportOut.model_validate(present.as_json(report)).model_dump(mode="json", by_alias=True)


@endpoint(
    "/reports/program.csv",
    summary="One table of the program report (table=, default measures) as CSV: UTF-8, a header row",
    rule_access=SUPERVISOR, errors=(403, 422), query=ProgramQuery,
)
def program_report_csv(query: ProgramQuery):
    return present.csv_response(_report(query), query.table), 200
