"""GET /caseload and the report behind it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from clinic.referrals.models import Referral
from clinic.reports.caseload import VisitorCaseload, caseload_report
from tests.api.conftest import TODAY, error_of
from tests.factories import (
    AdminFactory,
    ChildFactory,
    FamilyFactory,
    FollowUpFactory,
    SupervisorFactory,
    TeamFactory,
    UserFactory,
)

DAYS = 7


def referral(db, family, status: str, opened_days_ago: int = 3) -> Referral:
    record = Referral(
        family_id=family.id,
        status=status,
        outcome="completed" if status == "closed" else None,
        created_at=datetime.combine(TODAY - timedelta(days=opened_days_ago), time(12), UTC),
    )
    db.session.add(record)
    db.session.commit()
    return record


def follow_up(family, days_from_today: int, status: str = "scheduled"):
    return FollowUpFactory(family=family, due_on=TODAY + timedelta(days=days_from_today), status=status)


@pytest.fixture
def clinic(db):
    """Two visitors in a supervised team, one visitor in another team."""
    team = TeamFactory()
    ana = UserFactory(name="Ana", team=team)
    ben = UserFactory(name="Ben", team=team)
    other_team_visitor = UserFactory(name="Cara")
    supervisor = SupervisorFactory(supervises=[team])

    busy = FamilyFactory(assigned_visitor=ana)
    ChildFactory.create_batch(2, family=busy)
    quiet = FamilyFactory(assigned_visitor=ana)
    ChildFactory(family=quiet)
    closed = FamilyFactory(assigned_visitor=ana, status="closed")
    ChildFactory(family=closed)
    FamilyFactory(assigned_visitor=ben)
    FamilyFactory(assigned_visitor=other_team_visitor)

    follow_up(busy, 0)  # due today
    follow_up(busy, DAYS)  # last day of the window
    follow_up(quiet, DAYS + 1)  # beyond it
    follow_up(busy, -1)  # overdue
    follow_up(quiet, -30)  # overdue
    follow_up(busy, -2, status="done")
    follow_up(busy, 1, status="cancelled")
    follow_up(closed, -1)  # a closed case: not on anyone's desk

    referral(db, busy, "open", opened_days_ago=20)
    referral(db, quiet, "reviewed")
    referral(db, closed, "sent")
    return {"supervisor": supervisor, "ana": ana, "ben": ben, "cara": other_team_visitor}


def test_the_report_counts_each_visitors_work(db, clinic):
    report = caseload_report(clinic["supervisor"], TODAY)

    ana, ben = clinic["ana"], clinic["ben"]
    assert report == [
        VisitorCaseload(
            visitor_id=ana.id,
            visitor_name="Ana",
            visitor_active=True,
            families=2,
            children=3,
            follow_ups_due=2,
            follow_ups_overdue=2,
            screenings_due=0,
            open_referrals=2,
            oldest_open_referral_days=20,
            late_referrals=0,
            not_seen=0,
        ),
        VisitorCaseload(
            visitor_id=ben.id,
            visitor_name="Ben",
            visitor_active=True,
            families=1,
            children=0,
            follow_ups_due=0,
            follow_ups_overdue=0,
            screenings_due=0,
            open_referrals=0,
            oldest_open_referral_days=None,
            late_referrals=0,
            not_seen=0,
        ),
    ]


def test_the_due_window_is_rule_10s_seven_days_whatever_reminder_days(app, db, clinic):
    app.config["REMINDER_DAYS"] = 1
    try:
        [ana, _] = caseload_report(clinic["supervisor"], TODAY)
    finally:
        app.config["REMINDER_DAYS"] = DAYS
    assert (ana.follow_ups_due, ana.follow_ups_overdue) == (2, 2)


def test_admins_see_every_visitor(db, clinic):
    names = [row.visitor_name for row in caseload_report(AdminFactory(), TODAY)]
    assert names == ["Ana", "Ben", "Cara"]


def test_a_supervisor_without_teams_sees_nobody(db, clinic):
    assert caseload_report(SupervisorFactory(), TODAY) == []


def test_deactivated_visitors_are_listed_only_while_they_hold_families(db, clinic):
    ana, ben = clinic["ana"], clinic["ben"]
    for visitor in (ana, ben):
        visitor.is_active = False
    UserFactory(name="Dee", team=ana.team, is_active=False)
    db.session.commit()

    report = caseload_report(clinic["supervisor"], TODAY)

    assert [(row.visitor_name, row.visitor_active, row.families) for row in report] == [
        ("Ana", False, 2),
        ("Ben", False, 1),
    ]


def test_the_report_runs_a_fixed_number_of_queries(db, clinic, count_queries):
    supervisor = clinic["supervisor"]
    with count_queries() as few:
        caseload_report(supervisor, TODAY)
    for n in range(4):
        visitor = UserFactory(team=clinic["ana"].team)
        family = FamilyFactory(assigned_visitor=visitor)
        ChildFactory(family=family)
        follow_up(family, -n)
        referral(db, family, "open")
    with count_queries() as many:
        assert len(caseload_report(supervisor, TODAY)) == 6
    assert len(many) == len(few)


def test_the_endpoint_answers_supervisors(db, api, clinic):
    response = api(clinic["supervisor"]).get("/caseload")

    assert response.status_code == 200
    ana = clinic["ana"]
    assert response.json[0] == {
        "visitor": {"id": ana.id, "name": "Ana", "active": True},
        "families": 2,
        "children": 3,
        "follow_ups_due": 2,
        "follow_ups_overdue": 2,
        "screenings_due": 0,
        "open_referrals": 2,
        "oldest_open_referral_days": 20,
        "late_referrals": 0,
        "not_seen": 0,
    }
    assert [row["visitor"]["name"] for row in response.json] == ["Ana", "Ben"]
    assert [row["visitor"]["name"] for row in api(AdminFactory()).get("/caseload").json] == ["Ana", "Ben", "Cara"]


def test_the_endpoint_is_not_for_home_visitors(db, api, client, clinic):
    error_of(api(clinic["ana"]).get("/caseload"), 403)
    error_of(client.get("/api/v1/caseload"), 401)


def test_the_endpoint_filters_by_team_within_scope(db, api, clinic):
    admin = api(AdminFactory())
    ana = clinic["ana"]
    assert [row["visitor"]["name"] for row in admin.get(f"/caseload?team_id={ana.team_id}").json] == ["Ana", "Ben"]
    # Cara's team is not the supervisor's: asking for it lists nobody.
    assert api(clinic["supervisor"]).get(f"/caseload?team_id={clinic['cara'].team_id}").json == []
    assert admin.get("/caseload?team_id=abc").status_code == 422
