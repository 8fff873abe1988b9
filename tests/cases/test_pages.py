"""The caseload, family, child, reassignment and audit-log pages."""

from __future__ import annotations

from datetime import UTC, date

import pytest
from bs4 import BeautifulSoup
from jinja2 import ChoiceLoader, DictLoader
from sqlalchemy import select

from clinic import clock
from clinic.admin import views as admin_views
from clinic.audit import AuditEvent
from clinic.cases import views
from clinic.cases.models import Family, FamilyAssignment
from clinic.screening import views as screening_views
from clinic.screening.schedule import NextScreening
from tests.factories import (
    AdminFactory,
    CaregiverFactory,
    ChildFactory,
    FamilyFactory,
    SupervisorFactory,
    TeamFactory,
    UserFactory,
)

TODAY = date(2025, 3, 15)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


def html(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def text_of(response) -> str:
    return " ".join(html(response).get_text(" ").split())


def caseload_rows(response) -> list[str]:
    rows = html(response).select("table.caseload tbody tr")
    return [" ".join(row.get_text(" ").split()) for row in rows]


# ---- caseload ---------------------------------------------------------------


def test_caseload_lists_the_visitors_families_with_children_and_ages(login, db):
    visitor = UserFactory(name="Vera Visitor")
    family = FamilyFactory(name="Okafor", assigned_visitor=visitor)
    ChildFactory(family=family, first_name="Ada", last_name="Okafor", date_of_birth=date(2024, 1, 31))
    # Born at 32 weeks: due 8 weeks later (2024-07-25), so corrected age applies.
    ChildFactory(
        family=family, first_name="Ben", last_name="Okafor", date_of_birth=date(2024, 5, 30), gestational_age_weeks=32
    )
    FamilyFactory(name="Someone Else's")

    response = login(visitor).get("/")

    assert response.status_code == 200
    rows = caseload_rows(response)
    assert len(rows) == 1
    assert "Okafor" in rows[0] and "Someone Else" not in text_of(response)
    assert "Ada Okafor , 13 months" in rows[0]
    assert "Ben Okafor , 9 months (corrected 7 months)" in rows[0]
    assert "(corrected" not in rows[0].split("Ben Okafor")[0]  # Ada was born at term
    assert rows[0].count("Next checklist by age:") == 2
    assert "Home visitor" not in text_of(response)  # a visitor's own caseload


def test_caseload_shows_the_assigned_visitor_to_supervisors(login, db):
    team = TeamFactory()
    supervisor = SupervisorFactory(supervises=[team])
    FamilyFactory(name="Nguyen", assigned_visitor=UserFactory(name="Paula Visitor", team=team))
    FamilyFactory(name="Outside team")

    response = login(supervisor).get("/")

    rows = caseload_rows(response)
    assert len(rows) == 1
    assert "Nguyen" in rows[0] and "Paula Visitor" in rows[0]
    assert html(response).find("th", string="Home visitor") is not None


def test_caseload_searches_family_and_child_names(login, db):
    visitor = UserFactory()
    FamilyFactory(name="Garcia", assigned_visitor=visitor)
    lee = FamilyFactory(name="Lee", assigned_visitor=visitor)
    ChildFactory(family=lee, first_name="Mateo", last_name="Lee")
    browser = login(visitor)

    assert [r.split()[0] for r in caseload_rows(browser.get("/?q=garc"))] == ["Garcia"]
    assert [r.split()[0] for r in caseload_rows(browser.get("/?q=MATEO"))] == ["Lee"]
    response = browser.get("/?q=nobody")
    assert caseload_rows(response) == []
    assert "No family or child matches “nobody”" in text_of(response)
    assert html(response).find("input", {"name": "q"})["value"] == "nobody"


def test_caseload_paginates(login, db):
    visitor = UserFactory()
    for n in range(30):
        FamilyFactory(name=f"Family {n:02d}", assigned_visitor=visitor)
    browser = login(visitor)

    first = browser.get("/")
    second = browser.get("/?page=2")

    assert len(caseload_rows(first)) == views.CASELOAD_PER_PAGE
    assert [r.split()[1] for r in caseload_rows(second)] == ["25", "26", "27", "28", "29"]
    assert "Page 1 of 2" in text_of(first)
    assert html(first).find("a", rel="next")["href"].startswith("/?page=2")
    assert browser.get("/?page=abc").status_code == 200


def test_caseload_shows_active_families_unless_asked(login, db):
    visitor = UserFactory()
    FamilyFactory(name="Open", assigned_visitor=visitor)
    FamilyFactory(name="Finished", assigned_visitor=visitor, status="closed")
    browser = login(visitor)

    assert [r.split()[0] for r in caseload_rows(browser.get("/"))] == ["Open"]
    assert [r.split()[0] for r in caseload_rows(browser.get("/?status=closed"))] == ["Finished"]
    assert len(caseload_rows(browser.get("/?status=all"))) == 2


def test_caseload_asks_the_schedule_once_for_every_child_on_the_page(login, db, monkeypatch):
    visitor = UserFactory()
    children = [ChildFactory(family=FamilyFactory(assigned_visitor=visitor), first_name=f"Kid{n}") for n in range(3)]
    due = children[0]
    calls = []

    def fake_next_screenings(kids, on):
        calls.append(({kid.id for kid in kids}, on))
        return {
            due.id: NextScreening("m6", "6-month milestones", date(2025, 3, 1)),
            children[1].id: None,  # past every window
        }

    monkeypatch.setattr(screening_views, "next_screenings", fake_next_screenings)
    response = login(visitor).get("/")

    assert calls == [({c.id for c in children}, TODAY)]
    rows = " ".join(caseload_rows(response))
    # Rule 2 by age only: whether it is due is the worklist's to say (tests/worklist).
    assert "6-month milestones, at Sat 1 Mar 2025" in rows and "overdue" not in rows
    assert rows.count("Next checklist by age: —") == 2


def test_caseload_audits_the_families_it_shows(login, db):
    visitor = UserFactory()
    shown = [FamilyFactory(assigned_visitor=visitor, name=f"Shown {n}") for n in range(2)]
    FamilyFactory(assigned_visitor=visitor, name="Closed", status="closed")

    login(visitor).get("/")

    db.session.rollback()
    (event,) = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view")).all()
    assert (event.record_type, event.user_id) == ("family", visitor.id)
    assert sorted(event.ids_read) == [family.id for family in shown]  # one event holds the list


def test_caseload_query_count_does_not_grow_with_families(login, db, count_queries):
    visitor = UserFactory()

    def add_families(count):
        for _ in range(count):
            family = FamilyFactory(assigned_visitor=visitor)
            CaregiverFactory(family=family)
            ChildFactory(family=family)
            ChildFactory(family=family)

    add_families(2)
    browser = login(visitor)
    with count_queries() as few:
        assert browser.get("/").status_code == 200
    add_families(15)
    with count_queries() as many:
        response = browser.get("/")
    assert len(caseload_rows(response)) == 17
    assert len(many) == len(few)
    # 5 for the page itself (the session, the count, the families with their visitor,
    # their children, the children's screenings for rule 2), 4 for rule 10's fixed
    # set (the "To do" panel: it takes the families the page has loaded), 3 for the
    # audit (the chain's head locked with ids for the read, the read, the head moved
    # on). SQLite adds its BEGIN.
    assert len([statement for statement in many if statement != "BEGIN"]) == 12


# ---- family and child pages ---------------------------------------------------


def test_family_page_shows_caregivers_children_and_history(login, db):
    visitor = UserFactory(name="Vera Visitor")
    family = FamilyFactory(name="Haddad", assigned_visitor=visitor, address="12 Elm Street", language="es")
    db.session.add(FamilyAssignment(family_id=family.id, visitor_id=visitor.id))
    CaregiverFactory(family=family, name="Rana Haddad", email="rana@example.org", phone="555-0101", is_primary=True)
    CaregiverFactory(family=family, name="Sami Haddad", email=None, is_primary=False, email_opt_in=False)
    ChildFactory(family=family, first_name="Lina", last_name="Haddad", date_of_birth=date(2023, 3, 15))
    ChildFactory(
        family=family, first_name="Omar", last_name="Haddad", date_of_birth=date(2024, 12, 1), gestational_age_weeks=30
    )
    db.session.commit()

    response = login(visitor).get(f"/families/{family.id}")

    assert response.status_code == 200
    page = html(response)
    assert "Spanish" in text_of(response) and "12 Elm Street" in text_of(response)
    caregivers = [" ".join(r.get_text(" ").split()) for r in page.select("table.caregivers tbody tr")]
    assert caregivers[0].startswith("Rana Haddad primary mother rana@example.org 555-0101 Accepts reminders")
    assert "Sami Haddad mother — 555-0100 No reminders" in caregivers[1]
    children = [" ".join(r.get_text(" ").split()) for r in page.select("table.children tbody tr")]
    assert "Lina Haddad Wed 15 Mar 2023 24 months" in children[0]
    # 30 weeks: due 10 weeks after birth, on 2025-02-09.
    assert "Omar Haddad Sun 1 Dec 2024 (gestational age at birth 30 weeks) 3 months (corrected 1 month)" in children[1]
    assert "Vera Visitor" in " ".join(page.select_one("table.history").get_text(" ").split())


def test_family_page_statements_do_not_grow_with_its_history_or_notes(login, db, count_queries):
    from clinic.screening.models import RiskFactor

    team = TeamFactory()
    visitor = UserFactory(team=team)
    supervisor = SupervisorFactory(supervises=[team])
    family = FamilyFactory(assigned_visitor=visitor)
    child = ChildFactory(family=family)
    db.session.commit()
    family_id, visitor_id, child_id = family.id, visitor.id, child.id
    browser = login(supervisor)

    def add_history_by_someone_new():
        # A new assigner and a new author of a risk factor each time: what the page
        # shows of them must come with their rows, not a statement per person.
        assigner, author = AdminFactory(), SupervisorFactory()
        db.session.add(FamilyAssignment(family_id=family_id, visitor_id=visitor_id, assigned_by_id=assigner.id))
        db.session.add(RiskFactor(family_id=family_id, child_id=child_id, code="adopted", catalog_version=1,
                                  noted_on=date(2026, 11, 2), noted_by_id=author.id))  # fmt: skip
        db.session.commit()
        db.session.expunge_all()  # a request of its own knows none of these people yet

    add_history_by_someone_new()
    with count_queries() as few:
        assert browser.get(f"/families/{family_id}").status_code == 200
    for _ in range(3):
        add_history_by_someone_new()
    with count_queries() as many:
        response = browser.get(f"/families/{family_id}")
    assert len(html(response).select("table.history tbody tr")) == 4
    assert len(many) == len(few)
    # The children and caregivers come with the family: no statement of their own.
    assert not [s for s in many if " ".join(s.split()).startswith(("SELECT children.id AS children_id", "SELECT caregivers."))]


def test_family_page_says_when_a_caregiver_unsubscribed(login, db):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    from datetime import datetime

    CaregiverFactory(family=family, email_opt_in=False, opted_out_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC))

    response = login(visitor).get(f"/families/{family.id}")

    assert "Unsubscribed Sat 1 Mar 2025, 09:30" in html(response).select_one("td.reminders").get_text()


def test_family_and_child_reads_are_audited(login, db):
    visitor = UserFactory()
    child = ChildFactory(family=FamilyFactory(assigned_visitor=visitor))
    browser = login(visitor)

    browser.get(f"/families/{child.family_id}")
    browser.get(f"/children/{child.id}")

    db.session.rollback()
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view").order_by(AuditEvent.id)).all()
    assert [(e.record_type, e.record_id, e.family_id, e.user_id) for e in events] == [
        ("family", child.family_id, child.family_id, visitor.id),
        ("child", child.id, child.family_id, visitor.id),
    ]


def test_child_page_shows_ages(login, db):
    visitor = UserFactory()
    child = ChildFactory(
        family=FamilyFactory(assigned_visitor=visitor, name="Brown"),
        first_name="Zoe",
        last_name="Brown",
        date_of_birth=date(2024, 9, 15),
        gestational_age_weeks=34,
    )

    response = login(visitor).get(f"/children/{child.id}")

    assert response.status_code == 200
    page = html(response)
    assert page.h1.get_text() == "Zoe Brown"
    assert page.select_one("dd.age").get_text() == "6 months"
    # 34 weeks: due 2024-10-27; 4 whole months by 2025-03-15.
    assert page.select_one("dd.age-corrected").get_text(" ").split()[:2] == ["4", "months"]
    assert "34 weeks" in text_of(response)


def test_records_out_of_scope_answer_404(login, db):
    child = ChildFactory()
    caregiver = CaregiverFactory(family=child.family)
    browser = login(UserFactory())

    for path in (
        f"/families/{child.family_id}",
        f"/families/{child.family_id}/edit",
        f"/children/{child.id}",
        f"/children/{child.id}/edit",
        f"/caregivers/{caregiver.id}/edit",
        f"/families/{child.family_id}/children/new",
        "/families/999999",
    ):
        assert browser.get(path).status_code == 404, path


def test_family_and_child_pages_leave_include_points_for_other_packages(login, db, app, monkeypatch):
    panels = DictLoader(
        {
            "screening/_family_panel.html": "<p id='screening-panel'>screening {{ family.name }}</p>",
            "referrals/_family_panel.html": "<p id='referrals-panel'>referrals {{ family.name }}</p>",
            "mail/_family_panel.html": "<p id='mail-panel'>mail {{ family.name }}</p>",
            "screening/_child_panel.html": "<p id='child-panel'>child {{ child.first_name }}</p>",
        }
    )
    # Stand-ins placed before the packages' own panels: the test is about the include points.
    monkeypatch.setattr(app.jinja_env, "loader", ChoiceLoader([panels, app.jinja_env.loader]))
    visitor = UserFactory()
    child = ChildFactory(family=FamilyFactory(assigned_visitor=visitor, name="Kim"), first_name="Joon")
    browser = login(visitor)

    family_page = html(browser.get(f"/families/{child.family_id}"))
    child_page = html(browser.get(f"/children/{child.id}"))

    assert family_page.find(id="screening-panel").get_text() == "screening Kim"
    assert family_page.find(id="referrals-panel").get_text() == "referrals Kim"
    assert family_page.find(id="mail-panel").get_text() == "mail Kim"
    assert child_page.find(id="child-panel").get_text() == "child Joon"


# ---- close, reopen, reassign ------------------------------------------------


def test_close_and_reopen_a_family(login, db):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    browser = login(visitor)
    page = f"/families/{family.id}"

    response = browser.submit(page, {"status": "closed"}, action=f"{page}/status")
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(Family, family.id).status == "closed"
    assert "Reopen family" in text_of(browser.get(page))

    browser.submit(page, {"status": "active"}, action=f"{page}/status")
    db.session.rollback()
    assert db.session.get(Family, family.id).status == "active"
    assert browser.submit(page, {"status": "deleted"}, action=f"{page}/status").status_code == 400
    db.session.rollback()
    assert db.session.get(Family, family.id).status == "active"


def test_supervisor_reassigns_within_their_team_and_history_keeps_it(login, db):
    team = TeamFactory()
    supervisor = SupervisorFactory(supervises=[team], name="Sue Supervisor")
    first = UserFactory(team=team, name="Ann First")
    second = UserFactory(team=team, name="Bob Second")
    family = FamilyFactory(assigned_visitor=first)
    db.session.add(FamilyAssignment(family_id=family.id, visitor_id=first.id))
    db.session.commit()
    browser = login(supervisor)
    path = f"/families/{family.id}/reassign"

    form = html(browser.get(path))
    choices = [o.get_text() for o in form.select("select#assigned_visitor_id option")]
    assert choices == ["Bob Second"]  # the current visitor is not offered

    response = browser.submit(path, {"assigned_visitor_id": second.id, "note": "Ann is on leave"})

    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(Family, family.id).assigned_visitor_id == second.id
    history = " ".join(html(browser.get(f"/families/{family.id}")).select_one("table.history").get_text(" ").split())
    assert f"Bob Second {team.name} Sue Supervisor Ann is on leave" in history
    assert "Ann First" in history
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.action == "reassign")).one().user_id == supervisor.id


def test_reassign_refuses_a_visitor_outside_the_team(login, db):
    team = TeamFactory()
    supervisor = SupervisorFactory(supervises=[team])
    family = FamilyFactory(assigned_visitor=UserFactory(team=team))
    outsider = UserFactory()
    browser = login(supervisor)

    response = browser.submit(f"/families/{family.id}/reassign", {"assigned_visitor_id": outsider.id})

    assert response.status_code == 422
    assert html(response).find(id="assigned_visitor_id-error").get_text() == "Not a valid choice."
    db.session.rollback()
    assert db.session.get(Family, family.id).assigned_visitor_id != outsider.id


def test_home_visitors_cannot_reassign(login, db):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    browser = login(visitor)

    assert "Reassign" not in text_of(browser.get(f"/families/{family.id}"))
    assert browser.get(f"/families/{family.id}/reassign").status_code == 403


def test_supervisor_cannot_reassign_a_family_outside_their_teams(login, db):
    supervisor = SupervisorFactory(supervises=[TeamFactory()])
    family = FamilyFactory()

    assert login(supervisor).get(f"/families/{family.id}/reassign").status_code == 404


# ---- audit log ----------------------------------------------------------------


def test_audit_log_person_filter_lists_every_account_active_first_with_the_chosen_one_selected(login, db):
    admin = AdminFactory(name="Ada Admin")
    zoe = UserFactory(name="Zoe <b>Visitor</b>")
    UserFactory(name="Bea Gone", is_active=False)
    browser = login(admin)

    options = html(browser.get(f"/admin/audit?user_id={zoe.id}")).select("select#user_id option")
    assert [option.get_text() for option in options] == ["Everyone", "Ada Admin", "Zoe <b>Visitor</b>", "Bea Gone"]
    assert [option["value"] for option in options][:3] == ["", str(admin.id), str(zoe.id)]
    assert [option.get_text() for option in options if option.has_attr("selected")] == ["Zoe <b>Visitor</b>"]
    assert not html(browser.get("/admin/audit")).select("select#user_id option[selected]")


def test_audit_log_pages_newest_first_and_filters(login, db, count_queries):
    admin = AdminFactory(name="Ada Admin")
    visitor = UserFactory(name="Vic Visitor")
    family = FamilyFactory(assigned_visitor=visitor)
    for n in range(60):
        db.session.add(
            AuditEvent(action="view", record_type="family", record_id=family.id, user_id=visitor.id, detail=f"n{n}")
        )
    db.session.add(AuditEvent(action="create", record_type="child", record_id=7, user_id=admin.id, detail="last"))
    db.session.commit()
    browser = login(admin)  # signing in adds a "sign_in" event for the admin

    with count_queries() as statements:
        first = browser.get("/admin/audit")
    assert first.status_code == 200
    rows = html(first).select("table.audit tbody tr")
    assert len(rows) == admin_views.AUDIT_PER_PAGE
    assert "sign_in" in rows[0].get_text() and "Ada Admin" in rows[0].get_text()
    assert "last" in rows[1].get_text()

    older = html(first).select_one("a[rel=next]")["href"]
    second = browser.get(older)
    assert len(html(second).select("table.audit tbody tr")) == 12
    assert html(second).select_one("a[rel=next]") is None
    back = browser.get(html(second).select_one("a[rel=prev]")["href"])
    assert [r["id"] for r in html(back).select("table.audit tbody tr")] == [r["id"] for r in rows]

    by_type = html(browser.get("/admin/audit?record_type=child")).select("table.audit tbody tr")
    assert [" ".join(r.get_text(" ").split()).split()[5:9] for r in by_type] == [["Ada", "Admin", "create", "child"]]
    by_user = browser.get(f"/admin/audit?user_id={visitor.id}")
    assert len(html(by_user).select("table.audit tbody tr")) == 50
    assert len(html(browser.get(html(by_user).select_one("a[rel=next]")["href"])).select("table.audit tbody tr")) == 10

    # More events on the page cost no more queries: the users come with the events.
    for _ in range(40):
        db.session.add(AuditEvent(action="view", record_type="family", record_id=family.id, user_id=admin.id))
    db.session.commit()
    with count_queries() as more:
        browser.get("/admin/audit")
    assert len(more) == len(statements)


def test_a_list_read_shows_its_first_twenty_ids_and_how_many_more(login, db):
    admin = AdminFactory()
    db.session.add(AuditEvent(action="view", record_type="child", record_ids="," + ",".join(map(str, range(101, 124))) + ",", user_id=admin.id))
    db.session.commit()
    row = html(login(admin).get("/admin/audit?record_type=child")).select_one("table.audit tbody tr")
    assert row.select("td")[3].get_text() == "child " + " ".join(f"#{n}" for n in range(101, 121)) + " and 3 more"


def test_audit_log_filters_by_record_and_date_and_exports_csv(login, db):
    import csv
    import io
    from datetime import UTC, datetime

    admin = AdminFactory()
    visitor = UserFactory()
    old = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)
    db.session.add_all([
        AuditEvent(action="view", record_type="family", record_ids=",4,5,6,", user_id=visitor.id, occurred_at=old),
        AuditEvent(action="view", record_type="family", record_ids=",14,15,", user_id=visitor.id, occurred_at=old),
        AuditEvent(action="update", record_type="family", record_id=5, user_id=visitor.id,
                   occurred_at=datetime(2025, 3, 12, 9, 0, tzinfo=UTC)),
        AuditEvent(action="update", record_type="child", record_id=5, user_id=visitor.id, occurred_at=old),
    ])  # fmt: skip
    db.session.commit()
    browser = login(admin)

    def actions(query: str) -> list[str]:
        page = browser.get(f"/admin/audit?{query}")
        assert page.status_code == 200
        return [r.select("td")[2].get_text() for r in html(page).select("table.audit tbody tr")]

    assert actions("record_type=family&record_id=5") == ["update", "view"]  # the list read held it
    assert actions("record_type=family&record_id=5&from=2025-03-11&to=2025-03-12") == ["update"]
    assert actions("record_type=family&to=2025-03-10") == ["view", "view"]
    records = [r.select("td")[3].get_text() for r in html(browser.get("/admin/audit?record_type=family&to=2025-03-10")).select("table.audit tbody tr")]
    assert records == ["family #14 #15", "family #4 #5 #6"]
    refused = browser.get("/admin/audit?from=yesterday")
    assert refused.status_code == 200 and "Use a date like" in html(refused).find(id="from-error").get_text()

    exported = browser.get("/admin/audit.csv?record_type=family&record_id=5")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(exported.get_data(as_text=True))))
    assert [(r["action"], r["record_id"], r["record_ids"]) for r in rows] == [("update", "5", ""), ("view", "", "4,5,6")]
    db.session.rollback()
    assert db.session.scalar(select(AuditEvent.detail).where(AuditEvent.action == "export")) == "record_type=family&record_id=5"


def test_audit_log_is_for_admins_only(login, db):
    team = TeamFactory()
    assert login(UserFactory(team=team)).get("/admin/audit").status_code == 403
    assert login(SupervisorFactory(supervises=[team])).get("/admin/audit").status_code == 403
