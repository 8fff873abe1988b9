"""Rule 10's last sentence: the caseload, family, child and worklist pages, the API
and the daily digest take "what is due" from one computation, so they agree for
the same family on the same day, the overdue 24-month re-screen included."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup
from sqlalchemy import select

from clinic.extensions import db
from clinic.mail.models import OutboxMessage
from clinic.screening.models import Screening
from clinic.worklist.reminders import run_reminders
from tests.factories import FollowUpFactory
from tests.worklist.conftest import TODAY


def facts(response, family_id: int | None = None) -> set[tuple]:
    """(kind, due_on, family id, child id) of every rule-10 item a page shows."""
    assert response.status_code == 200
    found = set()
    for tag in BeautifulSoup(response.data, "html.parser").select(".due-item"):
        if family_id is None or int(tag["data-family-id"]) == family_id:
            child = tag.get("data-child-id")
            found.add((tag["data-kind"], tag["data-due-on"], int(tag["data-family-id"]), int(child) if child else None))
    return found


def test_every_page_and_the_api_agree_for_every_family(hand_built, login, api):
    w = hand_built
    browser = login(w.vera)
    worklist_page = browser.get("/worklist")
    caseload_page = browser.get("/?status=all")
    api_items = api(w.vera).get("/worklist").json["items"]
    assert api_items, "the hand-built clinic has work"
    vera_families = [f for f in w.f.values() if f.assigned_visitor_id == w.vera.id]
    for family in vera_families:
        from_api = {(i["kind"], i["due_on"], i["family_id"], i["child_id"]) for i in api_items if i["family_id"] == family.id}
        assert facts(worklist_page, family.id) == from_api, family.name
        assert facts(browser.get(f"/families/{family.id}")) == from_api, family.name
        assert facts(caseload_page, family.id) == from_api, family.name
        for child in family.children:
            on_child_page = facts(browser.get(f"/children/{child.id}"))
            assert on_child_page == {fact for fact in from_api if fact[3] == child.id}, child.full_name


def test_the_overdue_re_screen_is_due_everywhere_and_nowhere_hidden_behind_next_year(hand_built, login, api):
    w = hand_built
    family, child = w.f["C Overdue screening"], w.c["overdue"]
    expected = {("screening_due", "2025-01-04", family.id, child.id)}
    browser = login(w.vera)
    assert facts(browser.get(f"/families/{family.id}")) == expected
    assert facts(browser.get(f"/children/{child.id}")) == expected
    assert facts(browser.get("/"), family.id) == expected
    assert facts(browser.get("/worklist"), family.id) == expected
    assert [i for i in api(w.vera).get("/worklist").json["items"] if i["family_id"] == family.id] == [
        {"kind": "screening_due", "family_id": family.id, "child_id": child.id, "follow_up_id": w.fu["rescreen"].id,
         "referral_id": None, "instrument": "m24", "due_on": "2025-01-04"}
    ]  # fmt: skip
    # The supervisor's view of Vera's worklist says the same.
    assert facts(login(w.sam).get(f"/worklist/visitors/{w.vera.id}"), family.id) == expected

    run_reminders(TODAY)
    db.session.commit()
    digest = db.session.scalars(select(OutboxMessage).where(OutboxMessage.user_id == w.vera.id)).one()
    # Omar is 30 months: the 24-month window (21-27) has passed, so the link leads to
    # the family's follow-ups (to reschedule), not to a checklist he cannot have.
    assert f"screening, due 2025-01-04: http://127.0.0.1:5000/families/{family.id}#follow-ups" in digest.body_text
    # The digest's past-due items are exactly the worklist's (overdue follow-ups,
    # past-due screenings, late referrals).
    assert digest.subject == "4 items past due"  # Omar's re-screen, the 06-10 visit, D and F late


def test_a_supervisor_cannot_open_another_teams_visitor(hand_built, login):
    w = hand_built
    assert login(w.sam).get(f"/worklist/visitors/{w.walt.id}").status_code == 404
    assert login(w.vera).get(f"/worklist/visitors/{w.vera.id}").status_code == 403
    page = login(w.sam).get("/worklist")
    assert {fact[2] for fact in facts(page)} <= {f.id for f in w.f.values() if f.assigned_visitor_id == w.vera.id}


def test_each_worklist_row_links_to_its_action(hand_built, login):
    w = hand_built
    page = BeautifulSoup(login(w.vera).get("/worklist").data, "html.parser")
    rows = {
        (tag["data-kind"], tag["data-family-id"]): tag.select_one("a")["href"] for tag in page.select(".due-item")
    }
    cora = w.c["closing"]
    assert rows[("screening_due", str(cora.family_id))] == f"/children/{cora.id}/screenings/new?instrument=m24"
    assert rows[("late_referral", str(w.f["D Community 31"].id))] == f"/referrals/{w.r['community_31'].id}"
    assert rows[("overdue_follow_up", str(w.f["A Follow-ups"].id))] == f"/families/{w.f['A Follow-ups'].id}#follow-ups"
    done_forms = page.select(f"form[action='/follow-ups/{w.fu['overdue'].id}/status']")
    assert len(done_forms) == 1 and done_forms[0].select_one("input[name=status]")["value"] == "done"


def mark_done_form(page, follow_up_id: int) -> dict[str, str]:
    """The hidden fields of the worklist's "Mark done" button for a follow-up."""
    form = BeautifulSoup(page.data, "html.parser").find("form", action=f"/follow-ups/{follow_up_id}/status")
    return {field["name"]: field["value"] for field in form.select("input[type=hidden]")}


def test_marking_a_follow_up_done_from_the_worklist_takes_it_off(hand_built, login):
    w = hand_built
    browser = login(w.vera)
    follow_up = w.fu["overdue"]
    fields = mark_done_form(browser.get("/worklist"), follow_up.id)
    response = browser.post(f"/follow-ups/{follow_up.id}/status", data=fields)
    assert response.status_code == 302
    assert response.headers["Location"] == "/worklist"  # back where the button was
    remaining = facts(browser.get("/worklist"), w.f["A Follow-ups"].id)
    assert ("overdue_follow_up", "2025-06-10", w.f["A Follow-ups"].id, None) not in remaining
    assert len(remaining) == 2  # the two follow-ups due this week


def test_marking_done_from_a_visitors_worklist_returns_there_and_never_off_the_site(hand_built, login):
    w = hand_built
    browser = login(w.sam)
    page = f"/worklist/visitors/{w.vera.id}"
    fields = mark_done_form(browser.get(page), w.fu["overdue"].id)
    assert fields["next"] == page
    response = browser.post(f"/follow-ups/{w.fu['overdue'].id}/status", data=fields)
    assert response.headers["Location"] == page
    # A next that leaves the site falls back to the family's follow-ups.
    fields["status"] = "scheduled"
    for hostile in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        fields["next"] = hostile
        response = browser.post(f"/follow-ups/{w.fu['overdue'].id}/status", data=fields)
        family_id = w.fu["overdue"].family_id
        assert response.headers["Location"] == f"/families/{family_id}#follow-ups", hostile


def test_the_caseload_marks_exactly_the_families_with_an_open_or_reviewed_referral(hand_built, login):
    w = hand_built
    page = BeautifulSoup(login(w.vera).get("/?status=all").data, "html.parser")
    marked = {}
    for row in page.select("tbody tr"):
        mark = row.select_one("a.open-referral")
        if mark is not None:
            marked[row.select_one("td a").get_text(strip=True)] = mark["href"]
    # Open and reviewed referrals wait for someone; sent and closed ones do not.
    assert marked == {
        "I Open 15": f"/referrals/{w.r['open_15'].id}",
        "J Reviewed 14": f"/referrals/{w.r['reviewed_14'].id}",
    }


def test_a_missed_follow_up_is_overdue_on_no_page_as_rule_10_leaves_it_out(hand_built, login, api):
    w = hand_built
    family, omar = w.f["A Follow-ups"], w.c["overdue"]
    missed_visit = FollowUpFactory(family=family, kind="visit", due_on=date(2025, 6, 12), status="missed")
    missed_screening = w.fu["rescreen"]  # 2025-01-04, m24: screening_due while scheduled
    missed_screening.status = "missed"
    db.session.commit()
    browser = login(w.vera)

    def follow_up_rows(page) -> dict[str, tuple[str, ...]]:
        """Due date → the badges of its row in the family page's open follow-ups."""
        table = BeautifulSoup(page.data, "html.parser").select_one("#follow-ups table.follow-ups")
        return {row.select_one("time")["datetime"]: tuple(b.get_text(strip=True) for b in row.select(".badge"))
                for row in table.select("tbody tr")}  # fmt: skip

    rows = follow_up_rows(browser.get(f"/families/{family.id}"))
    assert rows["2025-06-10"] == ("overdue", "scheduled")  # scheduled, six days past
    assert rows["2025-06-12"] == ("missed",)  # still open (it may be done late), not due
    worklist = facts(browser.get("/worklist"))
    assert ("overdue_follow_up", "2025-06-10", family.id, None) in worklist
    assert not {fact for fact in worklist if fact[1] == "2025-06-12"}
    assert missed_visit.id not in {item["follow_up_id"] for item in api(w.vera).get("/worklist").json["items"]}

    # Omar's missed re-screen: no longer screening_due anywhere, and his screening
    # page lists it as missed, not overdue.
    assert facts(browser.get(f"/children/{omar.id}")) == set()
    screening = db.session.scalars(select(Screening).where(Screening.child_id == omar.id)).one()
    page = BeautifulSoup(browser.get(f"/screenings/{screening.id}").data, "html.parser")
    (item,) = page.select("ul.follow-ups li")
    assert [b.get_text(strip=True) for b in item.select(".badge")] == ["missed"]
