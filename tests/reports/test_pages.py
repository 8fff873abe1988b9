"""The supervisor's dashboard page: rule 10's numbers per visitor, each a link to
the list behind it, with a fixed number of queries whatever the caseload."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup

from clinic import clock
from clinic.extensions import db as _db
from clinic.referrals.models import Referral
from tests.factories import ChildFactory, FamilyFactory, FollowUpFactory, SupervisorFactory, TeamFactory, UserFactory
from tests.worklist.conftest import TODAY, clinic_today, hand_built  # noqa: F401  (fixtures)

COLUMNS = ("families", "children", "follow-ups-due", "follow-ups-overdue", "screenings-due", "open-referrals",
           "oldest-referral", "late-referrals", "not-seen")  # fmt: skip


def table(response) -> dict[str, dict[str, str]]:
    assert response.status_code == 200
    page = BeautifulSoup(response.data, "html.parser")
    return {
        tr.find("td").get_text(strip=True): {c: tr.select_one(f"td.{c}").get_text(strip=True) for c in COLUMNS}
        for tr in page.select("table.dashboard tbody tr")
    }


def links(response) -> dict[tuple[str, str], str]:
    page = BeautifulSoup(response.data, "html.parser")
    return {
        (tr.find("td").get_text(strip=True), column): tr.select_one(f"td.{column} a")["href"]
        for tr in page.select("table.dashboard tbody tr")
        for column in COLUMNS
        if tr.select_one(f"td.{column} a")
    }


def test_supervisor_sees_each_visitor_of_their_team_with_counts(db, login, team, supervisor):
    visitors = [UserFactory(team=team, name=name) for name in ("Ana Avila", "Ben Bose")]
    other_team_visitor = UserFactory(name="Zed Outsider")
    today = clock.today()
    for visitor in visitors:
        family = FamilyFactory(assigned_visitor=visitor)
        ChildFactory(family=family)
        FollowUpFactory(family=family, due_on=today - timedelta(days=2))
    FollowUpFactory(family=FamilyFactory(assigned_visitor=visitors[0]), due_on=today + timedelta(days=1))
    FamilyFactory(assigned_visitor=other_team_visitor)

    browser = login(supervisor)
    rows = table(browser.get("/team"))
    assert set(rows) == {"Ana Avila", "Ben Bose"}
    assert [rows["Ana Avila"][c] for c in ("families", "children", "follow-ups-due", "follow-ups-overdue")] == [
        "2", "1", "1", "1",
    ]  # fmt: skip
    assert [rows["Ben Bose"][c] for c in ("families", "children", "follow-ups-due", "follow-ups-overdue")] == [
        "1", "1", "0", "1",
    ]  # fmt: skip
    assert b"Team dashboard" in browser.get("/").data  # linked from the navigation


def test_every_number_opens_the_list_behind_it_and_the_lists_agree(hand_built, login):  # noqa: F811
    w = hand_built
    browser = login(w.sam)
    dashboard = browser.get("/team")
    assert table(dashboard)["Vera"] == {
        "families": "12", "children": "3", "follow-ups-due": "2", "follow-ups-overdue": "1", "screenings-due": "2",
        "open-referrals": "2", "oldest-referral": "15", "late-referrals": "2", "not-seen": "1",
    }  # fmt: skip
    hrefs = links(dashboard)
    for (visitor, column), href in hrefs.items():
        listed = browser.get(href)
        assert listed.status_code == 200, href
        page = BeautifulSoup(listed.data, "html.parser")
        expected = int(table(dashboard)[visitor][column])
        if column in ("families", "children"):
            families = page.select("table.caseload tbody tr")
            counted = len(families) if column == "families" else len(page.select("table.caseload ul.children li"))
        elif column == "open-referrals":
            counted = len(page.select("table.referrals tbody tr"))
        else:
            counted = len(page.select(".due-item"))
        assert counted == expected, (visitor, column, href)
    assert urlsplit(hrefs[("Vera", "late-referrals")]).path == f"/worklist/visitors/{w.vera.id}"
    # The caseload of one visitor lists only theirs.
    page = BeautifulSoup(browser.get(hrefs[("Vera", "families")]).data, "html.parser")
    assert "M Closed case" not in page.get_text() and "S South" not in page.get_text()


def test_an_admin_filters_the_dashboard_by_team(hand_built, login):  # noqa: F811
    w = hand_built
    browser = login(w.admin)
    assert set(table(browser.get("/team"))) == {"Vera", "Walt"}
    assert set(table(browser.get(f"/team?team_id={w.walt.team_id}"))) == {"Walt"}
    # A supervisor's team filter cannot reach another team.
    assert set(table(login(w.sam).get(f"/team?team_id={w.walt.team_id}"))) == {"Vera"}


def _families(visitor, count: int) -> None:
    """``count`` families with one item of every kind counted on the dashboard."""
    for n in range(count):
        family = FamilyFactory.build(name=f"Bulk {n}", assigned_visitor=visitor,
                                     created_at=datetime(2025, 1, 1, tzinfo=UTC))  # fmt: skip
        _db.session.add(family)
        _db.session.add(ChildFactory.build(family=family, date_of_birth=date(2023, 2, 27)))
        _db.session.add(FollowUpFactory.build(family=family, due_on=date(2025, 6, 10)))
        _db.session.add(FollowUpFactory.build(family=family, due_on=date(2025, 6, 18)))
        _db.session.add(Referral(family=family, status="sent", service="other", sent_on=date(2025, 5, 1),
                                 created_at=datetime(2025, 4, 1, tzinfo=UTC)))  # fmt: skip
        _db.session.add(Referral(family=family, status="open", created_at=datetime(2025, 6, 1, tzinfo=UTC)))
    _db.session.commit()


@pytest.mark.parametrize(
    "path",
    [
        "/team",
        "/worklist",
        "/worklist/visitors/{visitor}",
        "/worklist/visitors/{visitor}?kind=late_referral",
        "/?visitor_id={visitor}",
        "/referrals?status=active&visitor_id={visitor}",
    ],
)
def test_the_same_queries_with_10_and_500_families(app, db, login, count_queries, clinic_today, path):  # noqa: F811
    team = TeamFactory()

    supervisor = SupervisorFactory(supervises=[team])
    visitor = UserFactory(team=team)
    url = path.format(visitor=visitor.id)
    browser = login(supervisor)
    _families(visitor, 10)
    with count_queries() as small:
        assert browser.get(url).status_code == 200
    _families(visitor, 490)
    with count_queries() as large:
        assert browser.get(url).status_code == 200
    assert len(small) == len(large)


def test_the_dashboard_takes_families_children_and_referrals_from_rule_10(db, login, count_queries, clinic_today):  # noqa: F811
    """The active families, their children and the open referrals it counts are
    those rule 10 reads: no statement of its own for them (there were two, beside
    rule 10's)."""
    team = TeamFactory()
    supervisor = SupervisorFactory(supervises=[team])
    visitor = UserFactory(team=team, name="Ana Avila")
    _families(visitor, 3)  # a child each, never screened; an open referral each
    closed = FamilyFactory(assigned_visitor=visitor, status="closed")
    ChildFactory.create_batch(2, family=closed)
    _db.session.add(Referral(family=closed, status="reviewed", created_at=datetime(2025, 5, 1, tzinfo=UTC)))
    _db.session.commit()
    browser = login(supervisor)
    with count_queries() as statements:
        page = browser.get("/team")
    assert page.status_code == 200
    row = table(page)["Ana Avila"]
    # The closed family's children are not counted; its referral still waits.
    assert [row[column] for column in ("families", "children", "open-referrals")] == ["3", "3", "4"]
    assert sum(bool(re.search(r"\bFROM referrals\b", statement)) for statement in statements) == 1
    # The session, the teams, rule 10's five (families, follow-ups, children whose
    # window may close, referrals, last contacts with the children counted), the
    # visitors. SQLite adds its BEGIN.
    assert len([statement for statement in statements if statement != "BEGIN"]) == 8


def test_visitors_may_not_open_it(db, login, visitor):
    assert login(visitor).get("/team").status_code == 403
