"""The referrals API: lists in scope, one referral, and the workflow's 403/409/422."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from clinic.audit import AuditEvent
from clinic.referrals.models import Referral, ReferralSummary
from tests.factories import AdminFactory, CaregiverFactory, ChildFactory, FamilyFactory, SupervisorFactory, TeamFactory
from tests.screening.conftest import TODAY, born_months_ago


@pytest.fixture
def child(visitor):
    return ChildFactory(family=FamilyFactory(assigned_visitor=visitor), date_of_birth=born_months_ago(9))


def refer(api, user, child, code="adopted"):
    response = api(user).post(f"/children/{child.id}/risk-factors", json={"code": code, "noted_on": TODAY.isoformat()})
    assert response.status_code == 201, response.json
    return response.json["referral_id"]


def test_one_referral_with_its_reasons(db, api, visitor, child):
    caregiver = CaregiverFactory(family=child.family)
    referral_id = refer(api, visitor, child)
    api(visitor).post(
        f"/caregivers/{caregiver.id}/risk-factors", json={"code": "caregiver_stress", "noted_on": TODAY.isoformat()}
    )
    response = api(visitor).get(f"/referrals/{referral_id}")
    assert response.status_code == 200
    body = response.json
    assert (body["id"], body["family_id"], body["status"], body["summary_ready"]) == (
        referral_id,
        child.family_id,
        "open",
        False,
    )
    assert [(r["kind"], r["code"], r["child_id"], r["caregiver_id"]) for r in body["reasons"]] == [
        ("risk_factor", "adopted", child.id, None),
        ("risk_factor", "caregiver_stress", None, caregiver.id),
    ]
    assert body["transitions"] == []
    assert ("view", referral_id) in db.session.execute(
        select(AuditEvent.action, AuditEvent.record_id).where(AuditEvent.record_type == "referral")
    ).all()


def test_summary_ready_once_a_summary_is_stored(db, api, visitor, child):
    referral_id = refer(api, visitor, child)
    db.session.add(ReferralSummary(referral_id=referral_id, reasons_revision=1, html="<p>", pdf=b"%PDF"))
    db.session.commit()
    assert api(visitor).get(f"/referrals/{referral_id}").json["summary_ready"] is True
    assert api(visitor).get("/referrals").json[0]["summary_ready"] is True


def test_list_in_scope_with_filters(db, api, visitor, supervisor, child):
    mine = refer(api, visitor, child)
    other_child = ChildFactory(family=FamilyFactory(assigned_visitor=visitor), date_of_birth=born_months_ago(3))
    second = refer(api, visitor, other_child)
    stranger_child = ChildFactory(date_of_birth=born_months_ago(3))
    stranger = refer(api, stranger_child.family.assigned_visitor, stranger_child)
    api(supervisor).post(f"/referrals/{second}/transitions", json={"to": "reviewed"})

    assert [r["id"] for r in api(visitor).get("/referrals").json] == [second, mine]
    assert [r["id"] for r in api(supervisor).get("/referrals?status=open").json] == [mine]
    assert [r["id"] for r in api(supervisor).get("/referrals?status=reviewed").json] == [second]
    assert [r["id"] for r in api(visitor).get(f"/referrals?family_id={child.family_id}").json] == [mine]
    assert api(visitor).get(f"/referrals?family_id={stranger_child.family_id}").json == []
    assert {r["id"] for r in api(AdminFactory()).get("/referrals").json} == {mine, second, stranger}
    assert api(visitor).get(f"/referrals/{stranger}").status_code == 404
    assert api(visitor).get("/referrals?status=lost").status_code == 422
    assert api(visitor).get("/referrals?family_id=abc").status_code == 422


def test_the_workflow_through_the_api(db, api, visitor, supervisor, child):
    referral_id = refer(api, visitor, child)
    path = f"/referrals/{referral_id}/transitions"
    boss = api(supervisor)
    assert api(visitor).post(path, json={"to": "reviewed"}).status_code == 403
    illegal = boss.post(path, json={"to": "sent"})
    assert illegal.status_code == 409 and illegal.json["error"]["code"] == "conflict"
    reviewed = boss.post(path, json={"to": "reviewed", "note": "Reasons confirmed"})
    assert reviewed.status_code == 201, reviewed.json
    assert reviewed.json["status"] == "reviewed"
    assert [(t["from_status"], t["to_status"], t["note"], t["by"]["id"]) for t in reviewed.json["transitions"]] == [
        ("open", "reviewed", "Reasons confirmed", supervisor.id)
    ]
    no_service = boss.post(path, json={"to": "sent"})
    assert no_service.status_code == 422 and "service" in no_service.json["error"]["fields"]
    sent = boss.post(path, json={"to": "sent", "service": "community_service", "agency": "Family Center"})
    assert sent.status_code == 201, sent.json
    assert (sent.json["service"], sent.json["agency"], sent.json["sent_on"]) == (
        "community_service", "Family Center", TODAY.isoformat(),
    )  # fmt: skip
    no_outcome = boss.post(path, json={"to": "closed"})
    assert no_outcome.status_code == 422 and "outcome" in no_outcome.json["error"]["fields"]
    assert boss.post(path, json={"to": "closed", "outcome": "lost"}).status_code == 422
    closed = boss.post(path, json={"to": "closed", "outcome": "unable_to_contact"})
    assert closed.status_code == 201
    assert (closed.json["status"], closed.json["outcome"]) == ("closed", "unable_to_contact")
    assert boss.post(path, json={"to": "open"}).status_code == 409
    assert boss.post(path, json={"to": 3}).status_code == 422
    assert boss.post(path, json={"to": "nowhere"}).status_code == 422
    # A new reason opens a new referral; the closed one stays closed.
    again = refer(api, visitor, child, code="maltreatment")
    assert again != referral_id
    assert db.session.get(Referral, referral_id).status == "closed"


def test_transitions_out_of_scope_are_404(db, api, visitor, child):
    referral_id = refer(api, visitor, child)
    other_supervisor = SupervisorFactory(supervises=[TeamFactory()])
    response = api(other_supervisor).post(f"/referrals/{referral_id}/transitions", json={"to": "reviewed"})
    assert response.status_code == 404
    assert db.session.get(Referral, referral_id).status == "open"
