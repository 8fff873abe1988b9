"""API endpoint: the supervisor's caseload report."""

from __future__ import annotations

from flask import g
from pydantic import BaseModel, ConfigDict

from clinic import clock
from clinic.api.blueprint import endpoint
from clinic.api.cases import VisitorOut
from clinic.api.schemas import Id, Out
from clinic.permissions.roles import SUPERVISOR
from clinic.reports.caseload import caseload_report


class CaseloadVisitorOut(VisitorOut):
    active: bool


class CaseloadRowOut(Out):
    visitor: CaseloadVisitorOut
    families: int
    children: int
    follow_ups_due: int
    follow_ups_overdue: int
    screenings_due: int
    open_referrals: int
    oldest_open_referral_days: int | None
    late_referrals: int
    not_seen: int


class CaseloadQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    team_id: Id | None = None


@endpoint(
    "/caseload",
    summary="Per home visitor of your teams (admins: every visitor; team_id: one team): active families, their children, "
    "and rule 10's counts: follow-ups due within 7 days and overdue, screenings due, open referrals and the "
    "oldest one's age in days, late referrals, families not seen in 90 days",
    response=CaseloadRowOut, list_response=True, rule_access=SUPERVISOR, errors=(403,), query=CaseloadQuery,
)
def caseload(query: CaseloadQuery):
    # A team outside the user's oversight simply lists nobody: scope still applies.
    rows = caseload_report(g.user, clock.today(), team_id=query.team_id)
    return [
        CaseloadRowOut(
            visitor=CaseloadVisitorOut(id=row.visitor_id, name=row.visitor_name, active=row.visitor_active),
            families=row.families,
            children=row.children,
            follow_ups_due=row.follow_ups_due,
            follow_ups_overdue=row.follow_ups_overdue,
            screenings_due=row.screenings_due,
            open_referrals=row.open_referrals,
            oldest_open_referral_days=row.oldest_open_referral_days,
            late_referrals=row.late_referrals,
            not_seen=row.not_seen,
        ).model_dump(mode="json")
        for row in rows
    ]
