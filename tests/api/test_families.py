"""GET/POST /families, GET/PATCH /families/{id}, caregivers."""

from __future__ import annotations

from sqlalchemy import func, select

from clinic.audit import AuditEvent, about_record
from clinic.cases.models import Caregiver, Family, FamilyAssignment
from clinic.referrals.models import Referral
from tests.api.conftest import born_months_ago, error_of, fields_of
from tests.factories import (
    AdminFactory,
    CaregiverFactory,
    ChildFactory,
    FamilyFactory,
    SupervisorFactory,
    TeamFactory,
    UserFactory,
)


def audit_actions(db, record_type: str, record_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(about_record(record_type, record_id))
            .order_by(AuditEvent.id)
        )
    )


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---- list -------------------------------------------------------------------------


def test_list_shows_only_the_families_in_scope_with_their_children(db, api):
    visitor = UserFactory()
    mine = FamilyFactory(name="Alvarez", assigned_visitor=visitor)
    child = ChildFactory(family=mine, date_of_birth=born_months_ago(12))
    FamilyFactory(name="Brown", assigned_visitor=visitor)
    FamilyFactory(name="Stranger")

    response = api(visitor).get("/families")

    assert response.status_code == 200
    body = response.json
    assert (body["total"], body["page"], body["per_page"]) == (2, 1, 25)
    assert [item["name"] for item in body["items"]] == ["Alvarez", "Brown"]
    first = body["items"][0]
    assert first["assigned_visitor"] == {"id": visitor.id, "name": visitor.name}
    assert [(c["id"], c["age_months"]) for c in first["children"]] == [(child.id, 12)]


def test_list_searches_family_and_child_names_and_pages(db, api):
    visitor = UserFactory()
    for n in range(5):
        FamilyFactory(name=f"Family {n}", assigned_visitor=visitor)
    ChildFactory(family=FamilyFactory(name="Other", assigned_visitor=visitor), first_name="Zinnia")
    client = api(visitor)

    assert [f["name"] for f in client.get("/families?q=zinn").json["items"]] == ["Other"]
    page = client.get("/families?q=family&page=2&per_page=2").json
    assert (page["total"], page["page"], page["per_page"]) == (5, 2, 2)
    assert [f["name"] for f in page["items"]] == ["Family 2", "Family 3"]
    assert client.get("/families?status=closed").json["total"] == 0


def test_list_refuses_bad_query_parameters_naming_them(db, api):
    client = api(UserFactory())
    assert "page" in fields_of(client.get("/families?page=abc"))
    assert "page" in fields_of(client.get("/families?page=0"))
    assert "per_page" in fields_of(client.get("/families?per_page=1000"))
    assert "q" in fields_of(client.get("/families?q=" + "x" * 201))
    assert "status" in fields_of(client.get("/families?status=lost"))


def test_list_reads_in_a_fixed_number_of_queries(db, api, count_queries):
    visitor = UserFactory()
    client = api(visitor)

    def add_families(n: int) -> None:
        for _ in range(n):
            family = FamilyFactory(assigned_visitor=visitor)
            ChildFactory.create_batch(2, family=family)
            CaregiverFactory(family=family)

    def reads(statements: list[str]) -> list[str]:
        # The audit events written (one per family read) are not reads.
        return [s for s in statements if s.lstrip().upper().startswith("SELECT")]

    add_families(2)
    with count_queries() as few:
        assert client.get("/families").json["total"] == 2
    add_families(6)
    with count_queries() as many:
        listed = client.get("/families").json
    assert listed["total"] == 8
    assert len(reads(many)) == len(reads(few))
    # The list shows no caregivers (a family's own answer does), so reads none.
    assert all("caregivers" not in item for item in listed["items"])
    assert not [s for s in reads(many) if "FROM caregivers" in " ".join(s.split())]


def test_listing_is_audited_in_one_event_holding_every_id(db, api):
    visitor = UserFactory()
    families = FamilyFactory.create_batch(2, assigned_visitor=visitor)
    api(visitor).get("/families")
    for family in families:
        assert audit_actions(db, "family", family.id) == ["view"]
    views = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "view")).all()
    assert [event.record_ids for event in views] == [f",{families[1].id},{families[0].id},"] or [
        event.record_ids for event in views
    ] == [f",{families[0].id},{families[1].id},"]


# ---- create -----------------------------------------------------------------------


def test_a_visitor_creates_a_family_assigned_to_them(db, api):
    visitor = UserFactory()
    other = UserFactory(team=visitor.team)
    response = api(visitor).post(
        "/families",
        json={
            "name": "  Nguyen ",
            "language": "es",
            "address": "12 Elm St",
            "assigned_visitor_id": other.id,
            "caregivers": [
                {"name": "Linh Nguyen", "relationship": "mother", "email": "linh@example.org",
                 "is_primary": True, "email_opt_in": True},
                {"name": "Bao Nguyen", "relationship": "father"},
            ],
        },
    )

    assert response.status_code == 201, response.json
    body = response.json
    assert body["name"] == "Nguyen"
    assert body["language"] == "es"
    assert body["address"] == "12 Elm St"
    assert body["status"] == "active"
    assert body["assigned_visitor"]["id"] == visitor.id
    assert body["children"] == [] and body["open_referral_id"] is None
    caregivers = body["caregivers"]
    assert [(c["name"], c["relationship"], c["is_primary"], c["email_opt_in"]) for c in caregivers] == [
        ("Linh Nguyen", "mother", True, True),
        ("Bao Nguyen", "father", False, False),
    ]
    assert all(isinstance(c["id"], int) for c in caregivers)
    family = db.session.get(Family, body["id"])
    assert family.assigned_visitor_id == visitor.id
    assert audit_actions(db, "family", family.id) == ["create"]
    assert api(visitor).get(f"/families/{family.id}").json["caregivers"] == caregivers


def test_a_supervisor_assigns_the_new_family_within_their_teams(db, api):
    team = TeamFactory()
    visitor = UserFactory(team=team)
    outsider = UserFactory()
    client = api(SupervisorFactory(supervises=[team]))

    assert "assigned_visitor_id" in fields_of(client.post("/families", json={"name": "Ortiz"}))
    refused = client.post("/families", json={"name": "Ortiz", "assigned_visitor_id": outsider.id})
    assert "assigned_visitor_id" in fields_of(refused)
    assert count(db, Family) == 0

    response = client.post("/families", json={"name": "Ortiz", "assigned_visitor_id": visitor.id})
    assert response.status_code == 201
    assert response.json["assigned_visitor"] == {"id": visitor.id, "name": visitor.name}
    assert db.session.scalars(select(FamilyAssignment.visitor_id)).all() == [visitor.id]


def test_create_refuses_bad_fields_naming_each_and_saves_nothing(db, api):
    client = api(UserFactory())
    caregiver = {"name": "Ana", "relationship": "aunt"}

    def refused(body: dict) -> dict:
        return fields_of(client.post("/families", json=body))

    assert "name" in refused({"name": "x" * 201})
    assert "name" in refused({"name": 42})
    assert "name" in refused({"name": "   "})
    assert "name" in refused({})
    assert "name" in refused({"name": "Null\x00byte"})
    assert "language" in refused({"name": "Ok", "language": "fr"})
    assert "address" in refused({"name": "Ok", "address": "x" * 501})
    assert "assigned_visitor_id" in refused({"name": "Ok", "assigned_visitor_id": "7"})
    assert "assigned_visitor_id" in refused({"name": "Ok", "assigned_visitor_id": 2**40})
    assert "caregivers" in refused({"name": "Ok", "caregivers": {"name": "Ana"}})
    assert "caregivers.0.is_primary" in refused({"name": "Ok", "caregivers": [{**caregiver, "is_primary": "yes"}]})
    assert "caregivers.0.relationship" in refused({"name": "Ok", "caregivers": [{"name": "Ana"}]})
    assert "caregivers.1.email" in refused({"name": "Ok", "caregivers": [caregiver, {**caregiver, "email": "ana"}]})
    # A rule only the service knows, named with the caregiver's position.
    assert refused({"name": "Ok", "caregivers": [{**caregiver, "email_opt_in": True}]}) == {
        "caregivers.0.email_opt_in": "Reminders need an email address."
    }
    assert count(db, Family) == 0 and count(db, Caregiver) == 0


def test_a_body_that_is_not_a_json_object_answers_400(db, api):
    client = api(UserFactory())
    error_of(client.post("/families", data="name=Ortiz", content_type="application/x-www-form-urlencoded"), 400)
    error_of(client.post("/families", data="{not json", content_type="application/json"), 400)
    error_of(client.post("/families", json=[{"name": "Ortiz"}]), 400)
    error_of(client.post("/families", json="Ortiz"), 400)
    assert count(db, Family) == 0


# ---- one family ---------------------------------------------------------------------


def test_get_a_family_with_caregivers_children_and_open_referral(db, api):
    visitor = UserFactory()
    family = FamilyFactory(name="Lee", address="1 Main St", assigned_visitor=visitor)
    caregiver = CaregiverFactory(family=family, email_opt_in=False)
    child = ChildFactory(family=family, date_of_birth=born_months_ago(8), gestational_age_weeks=32)
    closed = Referral(family_id=family.id, status="closed", outcome="completed")
    db.session.add(closed)
    db.session.commit()
    client = api(visitor)

    body = client.get(f"/families/{family.id}").json
    assert (body["id"], body["name"], body["address"], body["language"]) == (family.id, "Lee", "1 Main St", "en")
    assert body["caregivers"] == [
        {
            "id": caregiver.id,
            "family_id": family.id,
            "name": caregiver.name,
            "relationship": "mother",
            "email": caregiver.email,
            "phone": caregiver.phone,
            "is_primary": True,
            "email_opt_in": False,
            "opted_out_at": None,
        }
    ]
    [child_body] = body["children"]
    assert (child_body["id"], child_body["age_months"], child_body["corrected_age_months"]) == (child.id, 8, 6)
    assert body["open_referral_id"] is None

    referral = Referral(family_id=family.id, status="reviewed")
    db.session.add(referral)
    db.session.commit()
    assert client.get(f"/families/{family.id}").json["open_referral_id"] == referral.id
    assert audit_actions(db, "family", family.id) == ["view", "view"]


def test_families_out_of_scope_answer_404(db, api):
    team = TeamFactory()
    supervisor = SupervisorFactory(supervises=[team])
    in_team = FamilyFactory(assigned_visitor=UserFactory(team=team))
    elsewhere = FamilyFactory()
    visitor_client = api(UserFactory())

    for family_id in (in_team.id, elsewhere.id, 999999, 99999999999999999999):
        error_of(visitor_client.get(f"/families/{family_id}"), 404)
    error_of(visitor_client.patch(f"/families/{in_team.id}", json={"name": "Mine now"}), 404)
    error_of(visitor_client.post(f"/families/{in_team.id}/caregivers", json={"name": "A", "relationship": "b"}), 404)
    assert api(supervisor).get(f"/families/{in_team.id}").status_code == 200
    error_of(api(supervisor).get(f"/families/{elsewhere.id}"), 404)
    assert api(AdminFactory()).get(f"/families/{elsewhere.id}").status_code == 200
    assert db.session.get(Family, in_team.id).name != "Mine now"


def test_patch_changes_only_the_fields_sent(db, api):
    visitor = UserFactory()
    family = FamilyFactory(name="Lee", address="1 Main St", assigned_visitor=visitor)
    client = api(visitor)

    response = client.patch(f"/families/{family.id}", json={"name": "Lee-Park", "language": "es"})
    assert response.status_code == 200
    body = response.json
    assert (body["name"], body["language"], body["address"]) == ("Lee-Park", "es", "1 Main St")
    assert client.patch(f"/families/{family.id}", json={"address": None, "status": "closed"}).json["status"] == "closed"
    db.session.expire_all()
    family = db.session.get(Family, family.id)
    assert (family.name, family.language, family.address, family.status) == ("Lee-Park", "es", None, "closed")
    assert audit_actions(db, "family", family.id) == ["update", "update"]


def test_patch_refuses_bad_fields_and_changes_nothing(db, api):
    visitor = UserFactory()
    family = FamilyFactory(name="Lee", assigned_visitor=visitor)
    client = api(visitor)
    path = f"/families/{family.id}"

    assert "name" in fields_of(client.patch(path, json={"name": None}))
    assert "name" in fields_of(client.patch(path, json={"name": "x" * 201}))
    assert "status" in fields_of(client.patch(path, json={"status": "archived"}))
    assert "language" in fields_of(client.patch(path, json={"language": None}))
    error_of(client.patch(path, json=["name"]), 400)
    db.session.expire_all()
    assert db.session.get(Family, family.id).name == "Lee"


def test_only_supervisors_reassign_through_patch(db, api):
    team = TeamFactory()
    visitor, colleague = UserFactory(team=team), UserFactory(team=team)
    family = FamilyFactory(name="Lee", assigned_visitor=visitor)
    path = f"/families/{family.id}"

    refused = api(visitor).patch(path, json={"name": "Renamed", "assigned_visitor_id": colleague.id})
    assert set(fields_of(refused)) == {"assigned_visitor_id"}
    # Sending the family's own visitor back is no reassignment.
    assert api(visitor).patch(path, json={"assigned_visitor_id": visitor.id}).status_code == 200
    db.session.expire_all()
    assert (db.session.get(Family, family.id).name, db.session.get(Family, family.id).assigned_visitor_id) == (
        "Lee",
        visitor.id,
    )

    supervisor = api(SupervisorFactory(supervises=[team]))
    assert "assigned_visitor_id" in fields_of(supervisor.patch(path, json={"assigned_visitor_id": UserFactory().id}))
    assert "assignment_note" in fields_of(
        supervisor.patch(path, json={"assigned_visitor_id": colleague.id, "assignment_note": "n" * 5001})
    )
    response = supervisor.patch(path, json={"assigned_visitor_id": colleague.id, "assignment_note": "Visitor on leave"})
    assert response.status_code == 200
    assert response.json["assigned_visitor"]["id"] == colleague.id
    history = db.session.scalars(select(FamilyAssignment).where(FamilyAssignment.family_id == family.id)).all()
    assert [(a.visitor_id, a.note) for a in history] == [(colleague.id, "Visitor on leave")]
    assert "reassign" in audit_actions(db, "family", family.id)
    # The family left the visitor's caseload.
    error_of(api(visitor).get(path), 404)


# ---- caregivers -------------------------------------------------------------------


def test_add_and_change_a_caregiver(db, api):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    client = api(visitor)

    response = client.post(
        f"/families/{family.id}/caregivers",
        json={"name": "Rosa", "relationship": "grandmother", "phone": "555-0101"},
    )
    assert response.status_code == 201
    caregiver = response.json
    assert (caregiver["family_id"], caregiver["email"], caregiver["email_opt_in"]) == (family.id, None, False)

    path = f"/caregivers/{caregiver['id']}"
    assert "email_opt_in" in fields_of(client.patch(path, json={"email_opt_in": True}))
    assert "email_opt_in" in fields_of(client.patch(path, json={"email_opt_in": "true"}))
    assert "relationship" in fields_of(client.patch(path, json={"relationship": "x" * 101}))
    changed = client.patch(path, json={"email": "rosa@example.org", "email_opt_in": True})
    assert changed.status_code == 200
    assert (changed.json["email"], changed.json["email_opt_in"], changed.json["phone"]) == (
        "rosa@example.org",
        True,
        "555-0101",
    )
    assert audit_actions(db, "caregiver", caregiver["id"]) == ["create", "update"]
    error_of(api(UserFactory()).patch(path, json={"name": "Someone"}), 404)
