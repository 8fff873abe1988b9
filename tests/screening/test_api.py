"""The screening API: instruments, screenings, amendments, risk factors, observations, follow-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from clinic.audit import AuditEvent
from clinic.cases.ages import add_months
from clinic.cases.models import FollowUp
from clinic.instruments import observation_instrument
from clinic.referrals.models import Referral
from clinic.screening.models import Observation, RiskFactor, Screening
from tests.factories import CaregiverFactory, ChildFactory, FamilyFactory, SupervisorFactory, UserFactory
from tests.screening.conftest import TODAY, answers, born_months_ago


@pytest.fixture
def child(visitor):
    return ChildFactory(family=FamilyFactory(assigned_visitor=visitor), date_of_birth=born_months_ago(9))


@pytest.fixture
def client(api, visitor):
    return api(visitor)


def at(child, months, days=0):
    return (add_months(child.date_of_birth, months) + timedelta(days=days)).isoformat()


def count(db, model):
    return db.session.scalar(select(func.count(model.id)))


def test_instruments_per_spec(client):
    response = client.get("/instruments")
    assert response.status_code == 200
    body = response.json
    assert [i["code"] for i in body] == ["m0_3", "m3_6", "m4_10", "m10_18", "m18_20", "m24", "m36"]
    m24 = body[5]
    assert (m24["version"], m24["title"], m24["target_age_months"]) == (1, "24 months", 24)
    assert m24["window_months"] == [21, 27]
    assert m24["items"][0] == {
        "id": "m24.understands_50_words",
        "domain": "communication",
        "text": "Knows and understands at least 50 words",
    }


def test_record_a_screening(db, client, child):
    response = client.post(
        f"/children/{child.id}/screenings",
        json={
            "instrument": "m4_10",
            "administered_on": at(child, 8),
            "responses": answers("m4_10", back_and_forth="not_yet", playful_exchanges="sometimes"),
            "notes": "Visit at home",
        },
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["result"], body["missed"]) == ("concern", ["m4_10.back_and_forth"])
    assert "referral_id" not in body
    assert (body["follow_up"]["instrument"], body["follow_up"]["due_on"]) == ("m4_10", at(child, 8, 30))
    screening = db.session.get(Screening, body["id"])
    assert screening.child_id == child.id and screening.notes == "Visit at home"


def test_a_screening_that_calls_for_a_referral_answers_its_id(db, client, child):
    first = post_screening(client, child, responses=answers("m3_6", joy_interacting="not_yet"))
    assert "referral_id" not in first.json
    second = post_screening(
        client, child, instrument="m4_10", administered_on=at(child, 8),
        responses=answers("m4_10", playful_exchanges="not_yet"),
    )
    assert second.status_code == 201
    referral = db.session.get(Referral, second.json["referral_id"])
    assert [(r.kind, r.child_id, r.domain) for r in referral.reasons] == [
        ("repeated_missed_milestones", child.id, "social")
    ]


def post_screening(client, child, **changes):
    body = {"instrument": "m3_6", "administered_on": at(child, 4), "responses": answers("m3_6")}
    body.update(changes)
    return client.post(f"/children/{child.id}/screenings", json=body)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"administered_on": "outside"}, "administered_on"),  # 7 months: 3–6 has passed
        ({"administered_on": "before_birth"}, "administered_on"),
        ({"administered_on": "future"}, "administered_on"),
        ({"responses": "missing"}, "responses.m3_6.smiles_playtime"),
        ({"responses": "other"}, "responses.m4_10.back_and_forth"),
        ({"responses": "unknown_value"}, "responses.m3_6.joy_interacting"),
        ({"instrument": "m99"}, "instrument"),
        ({"administered_on": "2025-02-30"}, "administered_on"),
        ({"administered_on": 20250101}, "administered_on"),
        ({"responses": ["yes"]}, "responses"),
        ({"notes": "x" * 5001}, "notes"),
    ],
)
def test_bad_screenings_answer_422_naming_the_field(db, client, child, changes, field):
    special = {
        "outside": at(child, 7),
        "before_birth": (child.date_of_birth - timedelta(days=1)).isoformat(),
        "future": (TODAY + timedelta(days=1)).isoformat(),
    }
    responses = answers("m3_6")
    if changes.get("responses") == "missing":
        del responses["m3_6.smiles_playtime"]
        changes = {"responses": responses}
    elif changes.get("responses") == "other":
        changes = {"responses": {**responses, "m4_10.back_and_forth": "yes"}}
    elif changes.get("responses") == "unknown_value":
        changes = {"responses": {**responses, "m3_6.joy_interacting": "no"}}
    elif changes.get("administered_on") in special:
        changes = {"administered_on": special[changes["administered_on"]]}
    response = post_screening(client, child, **changes)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "invalid"
    assert field in response.json["error"]["fields"]
    assert count(db, Screening) == 0


def test_screening_a_child_out_of_scope_is_404(db, api, child):
    other = api(UserFactory())
    assert post_screening(other, child).status_code == 404
    assert other.get(f"/children/{child.id}/screenings").status_code == 404
    assert count(db, Screening) == 0


def test_list_screenings_oldest_first_with_amendments(db, client, child, visitor):
    later = post_screening(client, child, instrument="m4_10", administered_on=at(child, 8), responses=answers("m4_10"))
    earlier = post_screening(client, child, responses=answers("m3_6", smiles_playtime="not_yet"))
    amend = client.post(
        f"/screenings/{earlier.json['id']}/amendments",
        json={"responses": answers("m3_6"), "reason": "Mother clarified"},
    )
    assert amend.status_code == 201, amend.json
    assert (amend.json["revision"], amend.json["result"], amend.json["missed"]) == (1, "on_track", [])
    response = client.get(f"/children/{child.id}/screenings")
    assert response.status_code == 200
    first, second = response.json
    assert [first["id"], second["id"]] == [earlier.json["id"], later.json["id"]]
    assert (first["result"], first["missed"], first["responses"]) == ("on_track", [], answers("m3_6"))
    assert first["administered_by"] == {"id": visitor.id, "name": visitor.name}
    [amendment] = first["amendments"]
    assert (amendment["reason"], amendment["previous_result"]) == ("Mother clarified", "concern")
    assert amendment["previous_responses"] == answers("m3_6", smiles_playtime="not_yet")
    assert amendment["amended_by"]["id"] == visitor.id
    assert second["amendments"] == []
    views = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "screening", AuditEvent.action == "view")
    ).all()
    assert len(views) == 1  # one event for the list, holding every id read
    assert sorted(views[0].ids_read) == sorted([earlier.json["id"], later.json["id"]])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"responses": "same", "reason": "Nothing"}, "responses"),
        ({"responses": "complete", "reason": ""}, "reason"),
        ({"responses": "complete"}, "reason"),
        ({"responses": "bad_value", "reason": "Typo"}, "responses.m3_6.joy_interacting"),
    ],
)
def test_bad_amendments_answer_422(db, client, child, body, field):
    screening = post_screening(client, child, responses=answers("m3_6", joy_interacting="sometimes")).json
    values = {
        "same": answers("m3_6", joy_interacting="sometimes"),
        "complete": answers("m3_6"),
        "bad_value": answers("m3_6", joy_interacting="never"),
    }
    body = {**body, "responses": values[body["responses"]]}
    response = client.post(f"/screenings/{screening['id']}/amendments", json=body)
    assert response.status_code == 422
    assert field in response.json["error"]["fields"]
    assert db.session.get(Screening, screening["id"]).revision == 0


def test_amending_out_of_scope_is_404(db, api, client, child):
    screening = post_screening(client, child).json
    other = api(UserFactory())
    body = {"responses": answers("m3_6"), "reason": "x"}
    response = other.post(f"/screenings/{screening['id']}/amendments", json=body)
    assert response.status_code == 404
    assert client.post("/screenings/999999/amendments", json={"responses": {}, "reason": "x"}).status_code == 404


# Risk factors ----------------------------------------------------------------------


def test_risk_factor_catalog(client):
    body = client.get("/risk-factors").json
    assert len(body) == 20
    assert body[0] == {
        "code": "difficult_birth",
        "category": "infant",
        "applies_to": "child",
        "label": "Difficulty in the womb or during birth (for example a cesarean birth)",
    }


def test_risk_factors_for_a_child_and_a_caregiver_share_one_referral(db, client, child):
    caregiver = CaregiverFactory(family=child.family)
    first = client.post(f"/children/{child.id}/risk-factors", json={"code": "adopted", "noted_on": TODAY.isoformat()})
    assert first.status_code == 201, first.json
    second = client.post(
        f"/caregivers/{caregiver.id}/risk-factors",
        json={"code": "caregiver_anxiety", "noted_on": TODAY.isoformat(), "note": "Since the move"},
    )
    assert second.status_code == 201
    assert set(first.json) == {"id", "referral_id"}
    assert first.json["referral_id"] == second.json["referral_id"]
    family = client.get(f"/families/{child.family_id}/risk-factors").json
    assert [(r["code"], r["caregiver_id"], r["note"]) for r in family] == [
        ("caregiver_anxiety", caregiver.id, "Since the move"),
        ("adopted", None, None),
    ]
    assert family[0]["label"] == "Frequently anxious"


@pytest.mark.parametrize(
    ("target", "body", "field"),
    [
        ("child", {"code": "caregiver_stress", "noted_on": "today"}, "code"),
        ("caregiver", {"code": "adopted", "noted_on": "today"}, "code"),
        ("child", {"code": "unknown", "noted_on": "today"}, "code"),
        ("child", {"code": "adopted", "noted_on": "tomorrow"}, "noted_on"),
        ("child", {"code": "adopted", "noted_on": "15/06/2025"}, "noted_on"),
        ("child", {"code": "adopted"}, "noted_on"),
        ("child", {"code": 7, "noted_on": "today"}, "code"),
        ("child", {"code": "adopted", "noted_on": "today", "note": "x" * 5001}, "note"),
    ],
)
def test_bad_risk_factors_answer_422(db, client, child, target, body, field):
    caregiver = CaregiverFactory(family=child.family)
    dates = {"today": TODAY.isoformat(), "tomorrow": (TODAY + timedelta(days=1)).isoformat()}
    body = {**body, **({"noted_on": dates.get(body["noted_on"], body["noted_on"])} if "noted_on" in body else {})}
    path = f"/children/{child.id}" if target == "child" else f"/caregivers/{caregiver.id}"
    response = client.post(f"{path}/risk-factors", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert count(db, RiskFactor) == 0 and count(db, Referral) == 0


def test_resolve_a_risk_factor(db, client, child, api):
    noted_on = (TODAY - timedelta(days=9)).isoformat()
    created = client.post(f"/children/{child.id}/risk-factors", json={"code": "adopted", "noted_on": noted_on}).json
    path, today = f"/risk-factors/{created['id']}", {"resolved_on": TODAY.isoformat()}
    assert client.patch(path, json={"resolved_on": "2000-01-01"}).status_code == 422
    assert api(UserFactory()).patch(path, json=today).status_code == 404
    response = client.patch(path, json=today)
    assert response.status_code == 200
    assert response.json["resolved_on"] == TODAY.isoformat()
    again = client.patch(f"/risk-factors/{created['id']}", json={"resolved_on": TODAY.isoformat()})
    assert again.status_code == 409


def test_risk_factors_out_of_scope_are_404(db, api, child):
    other = api(UserFactory())
    caregiver = CaregiverFactory(family=child.family)
    body = {"code": "adopted", "noted_on": TODAY.isoformat()}
    assert other.post(f"/children/{child.id}/risk-factors", json=body).status_code == 404
    assert other.post(f"/caregivers/{caregiver.id}/risk-factors", json=body).status_code == 404
    assert other.get(f"/families/{child.family_id}/risk-factors").status_code == 404


# Observations ----------------------------------------------------------------------


def ratings(**overrides):
    return {cue: overrides.get(cue, "attuned") for cue in observation_instrument().cue_ids}


def test_record_and_list_observations(db, client, child):
    caregiver = CaregiverFactory(family=child.family)
    response = client.post(
        f"/families/{child.family_id}/observations",
        json={
            "observed_on": TODAY.isoformat(),
            "ratings": ratings(repair="not_attuned"),
            "cue_notes": {"repair": "Walked away from the crying"},
            "child_id": child.id,
            "caregiver_id": caregiver.id,
        },
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert (body["child_id"], body["caregiver_id"], body["instrument_version"]) == (child.id, caregiver.id, 1)
    assert {"cue_id": "repair", "rating": "not_attuned", "note": "Walked away from the crying"} in body["ratings"]
    listed = client.get(f"/families/{child.family_id}/observations").json
    assert [o["id"] for o in listed] == [body["id"]]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"ratings": ratings(touch="warm")}, "ratings.touch"),
        ({"ratings": {k: v for k, v in ratings().items() if k != "repair"}}, "ratings.repair"),
        ({"ratings": {**ratings(), "smell": "attuned"}}, "ratings.smell"),
        ({"observed_on": "tomorrow"}, "observed_on"),
        ({"child_id": 999999}, "child_id"),
        ({"caregiver_id": 999999}, "caregiver_id"),
    ],
)
def test_bad_observations_answer_422(db, client, child, changes, field):
    body = {"observed_on": TODAY.isoformat(), "ratings": ratings(), **changes}
    if body["observed_on"] == "tomorrow":
        body["observed_on"] = (TODAY + timedelta(days=1)).isoformat()
    response = client.post(f"/families/{child.family_id}/observations", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert count(db, Observation) == 0


# Follow-ups ------------------------------------------------------------------------


def test_schedule_list_and_finish_follow_ups(db, client, child):
    family_id = child.family_id
    created = client.post(
        f"/families/{family_id}/follow-ups",
        json={
            "kind": "visit", "due_on": (TODAY + timedelta(days=3)).isoformat(), "time": "09:30", "note": "Bring books"
        },
    )
    assert created.status_code == 201, created.json
    assert (created.json["time"], created.json["status"], created.json["note"]) == ("09:30", "scheduled", "Bring books")
    screening = post_screening(
        client, child, instrument="m4_10", administered_on=at(child, 8), responses=answers("m4_10")
    )
    listed = client.get(f"/families/{family_id}/follow-ups").json
    assert [(f["kind"], f["instrument"]) for f in listed] == [("visit", None), ("screening", "m10_18")]
    assert listed[1]["id"] == screening.json["follow_up"]["id"]
    done = client.patch(f"/follow-ups/{created.json['id']}", json={"status": "done"})
    assert done.status_code == 200 and done.json["status"] == "done"
    assert client.patch(f"/follow-ups/{created.json['id']}", json={"status": "scheduled"}).status_code == 409
    assert client.patch(f"/follow-ups/{created.json['id']}", json={"status": "later"}).status_code == 422


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "party", "due_on": TODAY.isoformat()}, "kind"),
        ({"kind": "call", "due_on": (TODAY - timedelta(days=1)).isoformat()}, "due_on"),
        ({"kind": "call", "due_on": TODAY.isoformat(), "time": "9:30"}, "time"),
        ({"kind": "call", "due_on": TODAY.isoformat(), "time": "24:00"}, "time"),
        ({"kind": "call", "due_on": TODAY.isoformat(), "note": "x" * 5001}, "note"),
        ({"kind": "screening", "due_on": TODAY.isoformat(), "instrument": "m99"}, "instrument"),
        ({"kind": "call", "due_on": TODAY.isoformat(), "child_id": 999999}, "child_id"),
    ],
)
def test_bad_follow_ups_answer_422(db, client, child, body, field):
    response = client.post(f"/families/{child.family_id}/follow-ups", json=body)
    assert response.status_code == 422, response.json
    assert field in response.json["error"]["fields"]
    assert count(db, FollowUp) == 0


def test_follow_ups_out_of_scope_are_404(db, api, client, child):
    created = client.post(f"/families/{child.family_id}/follow-ups", json={"kind": "call", "due_on": TODAY.isoformat()})
    other = api(UserFactory())
    assert other.get(f"/families/{child.family_id}/follow-ups").status_code == 404
    assert other.patch(f"/follow-ups/{created.json['id']}", json={"status": "done"}).status_code == 404
    supervisor = SupervisorFactory(supervises=[child.family.assigned_visitor.team])
    assert api(supervisor).get(f"/families/{child.family_id}/follow-ups").status_code == 200
