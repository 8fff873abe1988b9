"""API endpoint: the supervisor's caseload report."""

from __future__ import annotations

from flask import current_app, g

from clinic import clock
from clinic.api.blueprint import endpoint
from clinic.api.cases import VisitorOut
from clinic.api.schemas import Out
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
    open_referrals: int


@endpoint(
    "/caseload",
    summary="Per home visitor of your teams (admins: every visitor): active families, their children, "
    "follow-ups due within REMINDER_DAYS and overdue, open referrals",
    response=CaseloadRowOut, list_response=True, rule_access=SUPERVISOR, errors=(403,),
)
def caseload():
    rows = caseload_report(g.user, clock.today(), current_app.config["REMINDER_DAYS"])
    return [
        CaseloadRowOut(
            visitor=CaseloadVisitorOut(id=row.visitor_id, name=row.visitor_name, active=row.visitor_active),
            families=row.families,
            children=row.children,
            follow_ups_due=row.follow_ups_due,
            follow_ups_overdue=row.follow_ups_overdue,
            open_referrals=row.open_referrals,
        ).model_dump(mode="json")
        for row in rows
    ]
