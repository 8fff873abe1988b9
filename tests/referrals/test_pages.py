"""The referral pages: the list, one referral, its workflow form, the family panel."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from clinic.audit import AuditEvent
from clinic.referrals.models import Referral, ReferralReason, ReferralSummary, ReferralTransition
from tests.factories import (
    AdminFactory,
    CaregiverFactory,
    ChildFactory,
    FamilyFactory,
    SupervisorFactory,
    TeamFactory,
    UserFactory,
)


@pytest.fixture
def team(db):
    return TeamFactory()


@pytest.fixture
def visitor(team):
    return UserFactory(name="Vera Visitor", team=team)


@pytest.fixture
def supervisor(team):
    return SupervisorFactory(name="Sam Supervisor", supervises=[team])


@pytest.fixture
def family(visitor):
    return FamilyFactory(name="Okafor", assigned_visitor=visitor)


def make_referral(db, family, status: str = "open", reasons: list[dict] | None = None) -> Referral:
    referral = Referral(
        family_id=family.id,
        status=status,
        outcome="completed" if status == "closed" else None,
        reasons=[ReferralReason(**values) for values in (reasons or [{"kind": "risk_factor", "code": "adopted"}])],
    )
    db.session.add(referral)
    db.session.commit()
    return referral


def html(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def text_of(response) -> str:
    return " ".join(html(response).get_text(" ").split())


def list_rows(response) -> list[str]:
    return [" ".join(row.get_text(" ").split()) for row in html(response).select("table.referrals tbody tr")]


# ---- the list ---------------------------------------------------------------


def test_the_list_shows_the_referrals_in_scope_and_filters_by_status(login, db, visitor, family):
    opened = make_referral(db, family)
    sent = make_referral(db, family, "sent")
    outsider = make_referral(db, FamilyFactory(name="Someone Else"))
    browser = login(visitor)

    everything = browser.get("/referrals")
    only_sent = browser.get("/referrals?status=sent")

    assert everything.status_code == 200
    assert html(everything).select_one("header nav a[href='/referrals']").get_text() == "Referrals"
    rows = list_rows(everything)
    assert len(rows) == 2 and all("Okafor" in row for row in rows)
    assert "Someone Else" not in text_of(everything) and f"#{outsider.id}" not in text_of(everything)
    assert list_rows(only_sent) == [row for row in rows if f"#{sent.id}" in row]
    assert f"#{opened.id}" not in text_of(only_sent)
    assert html(only_sent).select_one("#status-filter option[selected]")["value"] == "sent"


def test_a_supervisor_sees_the_referrals_of_the_team(login, db, supervisor, family):
    make_referral(db, family)
    make_referral(db, FamilyFactory(name="Other team"))

    rows = list_rows(login(supervisor).get("/referrals"))

    assert len(rows) == 1 and "Okafor Vera Visitor open" in rows[0]


def test_the_count_above_the_list_keeps_to_the_scope_and_the_filters(login, db, visitor, supervisor, family):
    make_referral(db, family)
    make_referral(db, family, "sent")
    make_referral(db, FamilyFactory(name="Other team"), "sent")
    make_referral(db, FamilyFactory(name="Other team too"), "closed")

    def counted(browser, query: str = "") -> str:
        return html(browser.get(f"/referrals{query}")).find("p", class_="muted").get_text(" ").split()[0]

    admin, team_lead = login(AdminFactory()), login(supervisor)
    assert [counted(admin), counted(admin, "?status=sent"), counted(admin, "?status=active")] == ["4", "2", "1"]
    assert [counted(team_lead), counted(team_lead, "?status=sent"), counted(team_lead, "?status=closed")] == ["2", "1", "0"]
    assert counted(team_lead, f"?visitor_id={visitor.id}&status=open") == "1"


def test_the_list_takes_a_count_and_one_query_whatever_its_length(login, db, visitor, count_queries):
    browser = login(visitor)

    def referral_statements() -> tuple[int, int]:
        with count_queries() as statements:
            response = browser.get("/referrals")
        assert response.status_code == 200
        # Each referral shown is an audited read: one audit row each, nothing else per row.
        reads = [s for s in statements if not s.lstrip().startswith("INSERT INTO audit_events")]
        selects = [s for s in reads if s.lstrip().upper().startswith("SELECT") and "referral" in s]
        return len(reads), len(selects)

    make_referral(db, FamilyFactory(assigned_visitor=visitor))
    few = referral_statements()
    for _ in range(5):
        two_reasons = [{"kind": "risk_factor", "code": "adopted"}, {"kind": "risk_factor", "code": "maltreatment"}]
        make_referral(db, FamilyFactory(assigned_visitor=visitor), reasons=two_reasons)
    many = referral_statements()

    assert few == many
    assert many[1] == 2  # the count and the page (family, visitor, reasons and summary in the row)


def test_listing_referrals_is_audited(login, db, visitor, family):
    referral = make_referral(db, family)

    login(visitor).get("/referrals")

    views = db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "referral")).all()
    assert [(e.action, e.record_id, e.user_id) for e in views] == [("view", referral.id, visitor.id)]


# ---- one referral -----------------------------------------------------------


def test_the_referral_page_shows_its_reasons_and_history(login, db, visitor, supervisor, family):
    child = ChildFactory(family=family, first_name="Ada", last_name="Okafor")
    caregiver = CaregiverFactory(family=family, name="Grace Okafor")
    referral = make_referral(
        db,
        family,
        "reviewed",
        reasons=[
            {"kind": "repeated_missed_milestones", "child_id": child.id, "domain": "communication"},
            {"kind": "risk_factor", "code": "caregiver_grief", "caregiver_id": caregiver.id},
        ],
    )
    db.session.add(
        ReferralTransition(
            referral_id=referral.id, from_status="open", to_status="reviewed", note="Seen", by_id=supervisor.id
        )
    )
    db.session.commit()

    response = login(visitor).get(f"/referrals/{referral.id}")

    assert response.status_code == 200
    reasons = [" ".join(li.get_text(" ").split()) for li in html(response).select("ul.reasons li")]
    assert reasons[0].startswith(
        "Milestones of Sounds, gestures and words missed at two screenings in a row: Ada Okafor"
    )
    assert reasons[1].startswith("Risk factor: Grieving , for Grace Okafor")
    history = " ".join(html(response).select_one("ol.transitions").get_text(" ").split())
    assert "open → reviewed , by Sam Supervisor" in history and "Seen" in history
    # A home visitor sees the referral but does not move it.
    assert html(response).select_one("form.transition-form") is None
    assert "Summary (PDF)" not in text_of(response)


def test_the_summary_is_linked_once_compiled(login, db, visitor, family):
    referral = make_referral(db, family)
    db.session.add(ReferralSummary(referral_id=referral.id, reasons_revision=1, html="<p>x</p>", pdf=b"%PDF-1.7"))
    db.session.commit()

    page = html(login(visitor).get(f"/referrals/{referral.id}"))

    assert page.find("a", string="Summary (PDF)")["href"] == f"/referrals/{referral.id}/summary.pdf"


def test_referrals_out_of_scope_answer_404(login, db, family):
    referral = make_referral(db, family)
    outsider = login(SupervisorFactory(supervises=[TeamFactory()]))

    assert outsider.get(f"/referrals/{referral.id}").status_code == 404
    refused = outsider.submit("/referrals", {"to": "reviewed"}, action=f"/referrals/{referral.id}/transitions")
    assert refused.status_code == 404


# ---- the workflow -----------------------------------------------------------


def move(browser, referral: Referral, **data):
    return browser.submit(f"/referrals/{referral.id}", data, action=f"/referrals/{referral.id}/transitions")


def test_a_supervisor_moves_a_referral_along(login, db, supervisor, family):
    referral = make_referral(db, family)
    browser = login(supervisor)

    form = html(browser.get(f"/referrals/{referral.id}")).select_one("form.transition-form")
    assert form.find("input", attrs={"name": "to"})["value"] == "reviewed"
    assert form.button.get_text(strip=True) == "Mark reviewed"
    assert form.find("select", attrs={"name": "outcome"}) is None  # only closing asks for one

    response = move(browser, referral, to="reviewed", note="Checked the screenings")

    assert response.status_code == 302
    transition = db.session.scalars(select(ReferralTransition)).one()
    assert (transition.from_status, transition.to_status, transition.by_id, transition.note) == (
        "open", "reviewed", supervisor.id, "Checked the screenings",
    )  # fmt: skip
    page = browser.get(response.headers["Location"])
    assert f"Referral #{referral.id} is now reviewed." in text_of(page)
    assert "open → reviewed , by Sam Supervisor" in text_of(page)
    assert html(page).select_one("form.transition-form input[name=to]")["value"] == "sent"


def test_closing_asks_for_an_outcome(login, db, supervisor, family):
    referral = make_referral(db, family, "sent")
    browser = login(supervisor)

    refused = move(browser, referral, to="closed", outcome="", note="Done")

    assert refused.status_code == 422
    select_block = html(refused).find("select", attrs={"name": "outcome"}).find_parent(class_="field")
    assert "Closing needs an outcome" in select_block.find(class_="error").get_text()
    assert html(refused).find("textarea", attrs={"name": "note"}).get_text().strip() == "Done"
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "sent"

    response = move(browser, referral, to="closed", outcome="declined")

    assert response.status_code == 302
    db.session.expire_all()
    closed = db.session.get(Referral, referral.id)
    assert (closed.status, closed.outcome) == ("closed", "declined")
    page = html(browser.get(f"/referrals/{referral.id}"))
    assert page.select_one("form.transition-form") is None  # nothing follows closed


@pytest.mark.parametrize(
    ("status", "to", "message"),
    [
        # A page shown before someone else's move offers the move already made.
        ("reviewed", "reviewed", "A referral that is reviewed cannot move to reviewed."),
        ("open", "sent", "A referral that is open cannot move to sent."),
        ("closed", "open", "A referral that is closed cannot move to open."),
    ],
)
def test_an_illegal_move_shows_an_error_not_a_crash(login, db, supervisor, family, status, to, message):
    referral = make_referral(db, family, status)

    response = move(login(supervisor), referral, to=to)

    assert response.status_code == 409
    assert message in text_of(response)
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == status
    assert db.session.scalars(select(ReferralTransition)).first() is None


def test_home_visitors_cannot_move_referrals(login, db, visitor, family):
    referral = make_referral(db, family)

    response = move(login(visitor), referral, to="reviewed")

    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).status == "open"


# ---- the family page --------------------------------------------------------


def test_the_family_page_lists_the_familys_referrals(login, db, visitor, family):
    old = make_referral(db, family, "closed")
    current = make_referral(db, family)
    make_referral(db, FamilyFactory(assigned_visitor=visitor))

    response = login(visitor).get(f"/families/{family.id}")

    rows = [" ".join(r.get_text(" ").split()) for r in html(response).select("#referrals tbody tr")]
    assert [row.split()[1] for row in rows] == [f"#{current.id}", f"#{old.id}"]
    assert "open" in rows[0] and "closed (completed)" in rows[1]
