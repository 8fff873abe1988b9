"""POST /families/{id}/children, GET and PATCH /children/{id}."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from clinic.audit import AuditEvent
from clinic.cases.models import Child
from clinic.screening import schedule
from clinic.screening.schedule import NextScreening
from tests.api.conftest import TODAY, born_months_ago, error_of, fields_of
from tests.factories import ChildFactory, FamilyFactory


@pytest.fixture
def family(visitor):
    return FamilyFactory(assigned_visitor=visitor)


def child_count(db) -> int:
    return db.session.scalar(select(func.count(Child.id)))


def test_add_a_child(db, api, visitor, family):
    response = api(visitor).post(
        f"/families/{family.id}/children",
        json={"first_name": " Mia ", "last_name": "Lee", "date_of_birth": "2024-06-16", "gestational_age_weeks": 34},
    )

    assert response.status_code == 201, response.json
    body = response.json
    assert (body["first_name"], body["last_name"], body["date_of_birth"]) == ("Mia", "Lee", "2024-06-16")
    assert (body["family_id"], body["gestational_age_weeks"]) == (family.id, 34)
    assert (body["age_months"], body["corrected_age_months"]) == (12, 10)
    child = db.session.get(Child, body["id"])
    assert child.family_id == family.id
    assert db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.record_type == "child", AuditEvent.record_id == child.id)
    ).all() == ["create"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"date_of_birth": "2024-02-30"}, "date_of_birth"),
        ({"date_of_birth": "16/06/2024"}, "date_of_birth"),
        ({"date_of_birth": 20240616}, "date_of_birth"),
        ({"date_of_birth": "2025-06-17"}, "date_of_birth"),  # tomorrow
        ({"date_of_birth": "1990-01-01"}, "date_of_birth"),
        ({"first_name": "x" * 201}, "first_name"),
        ({"first_name": ""}, "first_name"),
        ({"last_name": None}, "last_name"),
        ({"last_name": ["Lee"]}, "last_name"),
        ({"gestational_age_weeks": "34"}, "gestational_age_weeks"),
        ({"gestational_age_weeks": 34.5}, "gestational_age_weeks"),
        ({"gestational_age_weeks": True}, "gestational_age_weeks"),
        ({"gestational_age_weeks": 19}, "gestational_age_weeks"),
        ({"gestational_age_weeks": 46}, "gestational_age_weeks"),
    ],
)
def test_a_refused_child_names_the_field_and_saves_nothing(db, api, visitor, family, changes, field):
    body = {"first_name": "Mia", "last_name": "Lee", "date_of_birth": "2024-06-16", **changes}
    response = api(visitor).post(f"/families/{family.id}/children", json=body)
    assert field in fields_of(response)
    assert child_count(db) == 0


def test_a_missing_date_of_birth_is_named(db, api, visitor, family):
    response = api(visitor).post(f"/families/{family.id}/children", json={"first_name": "Mia", "last_name": "Lee"})
    assert set(fields_of(response)) == {"date_of_birth"}


def test_get_a_child_with_ages_and_next_screening(db, api, visitor, family):
    child = ChildFactory(family=family, date_of_birth=born_months_ago(12))

    body = api(visitor).get(f"/children/{child.id}").json

    assert (body["id"], body["family_id"]) == (child.id, family.id)
    assert body["date_of_birth"] == child.date_of_birth.isoformat()
    assert (body["age_months"], body["corrected_age_months"]) == (12, None)
    expected = schedule.next_screenings([child], TODAY)[child.id]
    assert expected is not None
    assert body["next_screening"] == {
        "instrument": expected.instrument_code,
        "title": expected.instrument_title,
        "due_on": expected.due_on.isoformat(),
    }
    assert db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.record_type == "child", AuditEvent.record_id == child.id)
    ).all() == ["view"]


def test_the_next_screening_comes_from_the_schedule(db, api, visitor, family, monkeypatch):
    child = ChildFactory(family=family, date_of_birth=born_months_ago(3))
    asked = []

    def fake_schedule(children, on):
        asked.append(([c.id for c in children], on))
        return {child.id: NextScreening("m3_6", "3 to 6 months", date(2025, 7, 16))}

    monkeypatch.setattr("clinic.api.cases.next_screenings", fake_schedule)
    body = api(visitor).get(f"/children/{child.id}").json
    assert asked == [([child.id], TODAY)]
    assert body["next_screening"] == {"instrument": "m3_6", "title": "3 to 6 months", "due_on": "2025-07-16"}


def test_no_next_screening_past_every_window(db, api, visitor, family):
    child = ChildFactory(family=family, date_of_birth=born_months_ago(48))
    assert api(visitor).get(f"/children/{child.id}").json["next_screening"] is None


def test_corrected_age_until_24_months_only(db, api, visitor, family):
    young = ChildFactory(family=family, date_of_birth=born_months_ago(6), gestational_age_weeks=28)
    older = ChildFactory(family=family, date_of_birth=born_months_ago(25), gestational_age_weeks=28)
    term = ChildFactory(family=family, date_of_birth=born_months_ago(6), gestational_age_weeks=38)
    client = api(visitor)
    ages = {c.id: client.get(f"/children/{c.id}").json for c in (young, older, term)}
    assert (ages[young.id]["age_months"], ages[young.id]["corrected_age_months"]) == (6, 3)
    assert (ages[older.id]["age_months"], ages[older.id]["corrected_age_months"]) == (25, None)
    assert (ages[term.id]["age_months"], ages[term.id]["corrected_age_months"]) == (6, None)


def test_children_out_of_scope_answer_404(db, api, visitor):
    stranger = ChildFactory()
    client = api(visitor)
    error_of(client.get(f"/children/{stranger.id}"), 404)
    error_of(client.patch(f"/children/{stranger.id}", json={"first_name": "Changed"}), 404)
    error_of(
        client.post(
            f"/families/{stranger.family_id}/children",
            json={"first_name": "Mia", "last_name": "Lee", "date_of_birth": "2024-06-16"},
        ),
        404,
    )
    assert child_count(db) == 1
    # Nothing read or changed; the two reaches for the child are audited as denied.
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_type == "child")).all()
    assert actions == ["denied", "denied"]


def test_patch_a_child(db, api, visitor, family):
    child = ChildFactory(family=family, first_name="Mia", date_of_birth=born_months_ago(6), gestational_age_weeks=30)
    client = api(visitor)
    path = f"/children/{child.id}"

    assert "first_name" in fields_of(client.patch(path, json={"first_name": None}))
    assert "date_of_birth" in fields_of(client.patch(path, json={"date_of_birth": "2025-02-29"}))
    response = client.patch(path, json={"gestational_age_weeks": None, "first_name": "Maya"})
    assert response.status_code == 200
    assert (response.json["first_name"], response.json["gestational_age_weeks"]) == ("Maya", None)
    assert response.json["corrected_age_months"] is None
    db.session.expire_all()
    assert db.session.get(Child, child.id).gestational_age_weeks is None
    assert db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.record_type == "child", AuditEvent.action == "update")
    ).all() == ["first_name,gestational_age_weeks"]
