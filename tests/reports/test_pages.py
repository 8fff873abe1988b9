"""The supervisor's team caseload page."""

from __future__ import annotations

from datetime import timedelta

from bs4 import BeautifulSoup

from clinic import clock
from tests.factories import ChildFactory, FamilyFactory, FollowUpFactory, UserFactory


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
    page = browser.get("/team")
    assert page.status_code == 200
    rows = {
        tr.find("td").get_text(strip=True): [td.get_text(strip=True) for td in tr.find_all("td")[1:]]
        for tr in BeautifulSoup(page.data, "html.parser").select("tbody tr")
    }
    assert rows == {"Ana Avila": ["2", "1", "1", "1", "0"], "Ben Bose": ["1", "1", "0", "1", "0"]}
    assert b"Team caseload" in browser.get("/").data  # linked from the navigation


def test_the_page_takes_the_same_queries_whatever_the_team_size(app, db, login, team, supervisor, count_queries):
    browser = login(supervisor)
    UserFactory(team=team)
    with count_queries() as few:
        browser.get("/team")
    for _ in range(6):
        FamilyFactory(assigned_visitor=UserFactory(team=team))
    with count_queries() as many:
        browser.get("/team")
    assert len(many) == len(few)


def test_visitors_may_not_open_it(db, login, visitor):
    assert login(visitor).get("/team").status_code == 403
