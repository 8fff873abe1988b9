"""Rule 10's last sentence: the caseload, family, child and worklist pages, the API
and the daily digest take "what is due" from one computation, so they agree for
the same family on the same day, the overdue 24-month re-screen included."""

from __future__ import annotations

from bs4 import BeautifulSoup
from sqlalchemy import select

from clinic.extensions import db
from clinic.mail.models import OutboxMessage
from clinic.worklist.reminders import run_reminders
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
    assert f"screening, due 2025-01-04: http://127.0.0.1:5000/children/{child.id}/screenings/new?instrument=m24" in (
        digest.body_text
    )
    # The digest's past-due items are exactly the worklist's (overdue follow-ups,
    # past-due screenings, late referrals).
    assert digest.subject == "4 items past due"  # Omar's re-screen, the 06-10 visit, D and F late


def test_a_supervisor_cannot_open_another_teams_visitor(hand_built, login):
    w = hand_built
    assert login(w.sam).get(f"/worklist/visitors/{w.walt.id}").status_code == 404
    assert login(w.vera).get(f"/worklist/visitors/{w.vera.id}").status_code == 403
    page = login(w.sam).get("/worklist")
    assert {fact[2] for fact in facts(page)} <= {f.id for f in w.f.values() if f.assigned_visitor_id == w.vera.id}
