"""Point 5: an admin moves a family to a visitor of another team; the history says
who, when and why; the old visitor and supervisor lose it at once, the new gain it."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from clinic.audit import AuditEvent
from clinic.cases import services
from clinic.cases.models import Family, FamilyAssignment
from clinic.errors import ServiceError
from tests.factories import AdminFactory, FamilyFactory, SupervisorFactory, TeamFactory, UserFactory


@pytest.fixture
def teams(db):
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    return {
        "north": north,
        "south": south,
        "vera": UserFactory(name="Vera", team=north),
        "sam": SupervisorFactory(name="Sam", supervises=[north]),
        "walt": UserFactory(name="Walt", team=south),
        "tess": SupervisorFactory(name="Tess", supervises=[south]),
        "admin": AdminFactory(name="Ada"),
    }


def test_a_transfer_needs_a_reason_and_is_kept_in_the_history(teams):
    family = FamilyFactory(assigned_visitor=teams["vera"])
    with pytest.raises(ServiceError) as caught:
        services.reassign_family(teams["admin"], family, teams["walt"].id, note="  ")
    assert caught.value.field == "note"
    services.reassign_family(teams["admin"], family, teams["walt"].id, note="The family moved south")
    entry = services.family_history(family)[-1]
    assert (entry.visitor_id, entry.team_id, entry.assigned_by_id, entry.note) == (
        teams["walt"].id, teams["south"].id, teams["admin"].id, "The family moved south",
    )  # fmt: skip
    assert entry.assigned_at is not None
    event = services.db.session.scalars(select(AuditEvent).where(AuditEvent.action == "transfer")).one()
    assert event.detail == (
        f"from={teams['vera'].id},to={teams['walt'].id},from_team={teams['north'].id},to_team={teams['south'].id}"
    )


def test_a_supervisor_cannot_transfer_to_another_team(teams):
    family = FamilyFactory(assigned_visitor=teams["vera"])
    with pytest.raises(ServiceError) as caught:
        services.reassign_family(teams["sam"], family, teams["walt"].id, note="Please")
    assert caught.value.field == "assigned_visitor_id"


def test_within_a_team_no_reason_is_needed(teams):
    family = FamilyFactory(assigned_visitor=teams["vera"])
    colleague = UserFactory(name="Vic", team=teams["north"])
    services.reassign_family(teams["sam"], family, colleague.id)
    assert family.assigned_visitor_id == colleague.id


def test_the_old_team_gets_404_at_once_and_the_new_one_sees_it(teams, login, api):
    family = FamilyFactory(assigned_visitor=teams["vera"], name="Moving family")
    page = f"/families/{family.id}"
    old = {name: login(teams[name]) for name in ("vera", "sam")}
    for browser in old.values():
        assert browser.get(page).status_code == 200
    admin = login(teams["admin"])
    form = BeautifulSoup(admin.get(f"{page}/reassign").data, "html.parser")
    labels = [option.get_text() for option in form.select("select[name=assigned_visitor_id] option")]
    assert "Walt (South)" in labels
    refused = admin.submit(f"{page}/reassign", {"assigned_visitor_id": str(teams["walt"].id), "note": ""})
    assert refused.status_code == 422
    assert "Say why the family moves to another team." in refused.get_data(as_text=True)
    moved = admin.submit(f"{page}/reassign", {"assigned_visitor_id": str(teams["walt"].id), "note": "Moved south"})
    assert moved.status_code == 302
    # The sessions signed in before the move: no new sign-in needed, no cache.
    for browser in old.values():
        assert browser.get(page).status_code == 404
    for name in ("vera", "sam"):
        assert api(teams[name]).get(f"/families/{family.id}").status_code == 404
    for name in ("walt", "tess"):
        assert login(teams[name]).get(page).status_code == 200
    history = BeautifulSoup(login(teams["tess"]).get(page).data, "html.parser").select("table.history tbody tr")
    newest = " ".join(history[0].get_text(" ").split())
    assert "Walt South Ada Moved south" in newest


def test_the_api_transfer_names_the_note_field(teams, api):
    family = FamilyFactory(assigned_visitor=teams["vera"])
    client = api(teams["admin"])
    refused = client.patch(f"/families/{family.id}", json={"assigned_visitor_id": teams["walt"].id})
    assert refused.status_code == 422 and "assignment_note" in refused.json["error"]["fields"]
    moved = client.patch(
        f"/families/{family.id}", json={"assigned_visitor_id": teams["walt"].id, "assignment_note": "Moved"}
    )
    assert moved.status_code == 200
    services.db.session.expire_all()
    assert services.db.session.get(Family, family.id).assigned_visitor_id == teams["walt"].id
    assert (
        services.db.session.scalars(select(FamilyAssignment.note).where(FamilyAssignment.family_id == family.id)).all()[
            -1
        ]
        == "Moved"
    )
