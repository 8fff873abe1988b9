"""Random input never makes the API answer 500 (SPEC: no 500 on bad input).

Bodies are random JSON, JSON objects with the endpoint's own keys holding random
values (to get past the first check), and raw bytes. Under TESTING an unhandled
exception propagates, so a crash fails the test as surely as a 500 would.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import FamilyFactory, SupervisorFactory, TeamFactory, UserFactory

SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=-3, max_value=5)  # ids that may exist
    | st.floats()
    | st.text()
    | st.dates().map(lambda d: d.isoformat())
    | st.sampled_from(["2024-02-30", "\x00", " ", "x" * 201, "a@b.c"])
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)


def objects_with(keys: dict[str, st.SearchStrategy], required: tuple[str, ...] = ()) -> st.SearchStrategy[dict]:
    """Objects of the endpoint's keys, each with a plausible value or any JSON at all.

    Keys in ``required`` are left out only when the object is a random one.
    """
    values = {key: st.one_of(plausible, plausible, plausible, json_values) for key, plausible in keys.items()}
    mostly_complete = st.fixed_dictionaries(
        {key: values[key] for key in required}, optional={key: values[key] for key in keys if key not in required}
    )
    return mostly_complete | st.fixed_dictionaries({}, optional=values)


printable = st.characters(categories=("L", "M", "N", "P", "Zs"))
names = st.text(printable, min_size=1, max_size=210) | st.text(max_size=210)
dates = st.dates(min_value=date(2019, 1, 1), max_value=date(2025, 12, 31)).map(lambda d: d.isoformat())
dates |= st.sampled_from(["2024-02-29", "2023-02-29", "2024-13-01", "0001-01-01"])
visitor_ids = st.integers(min_value=1, max_value=5)
caregivers = st.lists(
    objects_with(
        {
            "name": names,
            "relationship": st.text(printable, max_size=110),
            "email": st.emails() | st.text(max_size=20),
            "phone": st.text(max_size=60),
            "is_primary": st.booleans(),
            "email_opt_in": st.booleans(),
        },
        required=("name", "relationship"),
    ),
    max_size=3,
)
family_bodies = objects_with(
    {
        "name": names,
        "language": st.sampled_from(["en", "es", "fr"]),
        "address": st.text(max_size=510),
        "assigned_visitor_id": visitor_ids,
        "caregivers": caregivers,
    },
    required=("name", "assigned_visitor_id"),
)
family_patches = objects_with(
    {
        "name": names,
        "language": st.sampled_from(["en", "es", "fr"]),
        "address": st.text(max_size=510),
        "status": st.sampled_from(["active", "closed", "open"]),
        "assigned_visitor_id": visitor_ids,
        "assignment_note": st.text(max_size=50) | st.just("n" * 5001),
    }
)
child_bodies = objects_with(
    {
        "first_name": names,
        "last_name": names,
        "date_of_birth": dates,
        "gestational_age_weeks": st.integers(min_value=15, max_value=50),
    },
    required=("first_name", "last_name", "date_of_birth"),
)


def bodies(objects: st.SearchStrategy[dict]) -> st.SearchStrategy[tuple[bytes, str]]:
    """Mostly objects of the endpoint's keys; sometimes any JSON, or bytes."""
    as_json = st.one_of(objects, objects, objects, json_values).map(lambda value: json.dumps(value).encode())
    content_types = st.sampled_from(["application/json"] * 4 + ["application/json; charset=utf-8", "text/plain"])
    return st.tuples(st.one_of(as_json, as_json, as_json, st.binary(max_size=200)), content_types)


def assert_answered(response) -> None:
    assert response.status_code < 500, response.data[:500]
    if response.status_code >= 400:
        assert set(response.json["error"]) >= {"code", "message"}


@pytest.fixture
def visitors(db):
    """The visitors of a team (ids 1 and 2, which random ids often name)."""
    team = TeamFactory()
    return UserFactory.create_batch(2, team=team)


@pytest.fixture
def supervisor(api, visitors):
    return api(SupervisorFactory(supervises=[visitors[0].team]))


@SETTINGS
@given(body=bodies(family_bodies))
def test_post_families_never_answers_500(supervisor, body):
    data, content_type = body
    response = supervisor.post("/families", data=data, content_type=content_type)
    assert_answered(response)
    if response.status_code == 201:
        assert 1 <= len(response.json["name"]) <= 200


@SETTINGS
@given(body=bodies(family_patches))
def test_patch_family_never_answers_500(supervisor, visitors, body):
    family = FamilyFactory(assigned_visitor=visitors[0])
    data, content_type = body
    response = supervisor.patch(f"/families/{family.id}", data=data, content_type=content_type)
    assert_answered(response)


@SETTINGS
@given(body=bodies(child_bodies))
def test_post_children_never_answers_500(supervisor, visitors, body):
    family = FamilyFactory(assigned_visitor=visitors[0])
    data, content_type = body
    response = supervisor.post(f"/families/{family.id}/children", data=data, content_type=content_type)
    assert_answered(response)


@pytest.mark.parametrize("body", [b"[" * 100_000, b'{"name": ' * 100_000])
def test_deeply_nested_json_answers_400(supervisor, body):
    """Python's JSON decoder overflows the stack on deep nesting: that is malformed input."""
    response = supervisor.post("/families", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "malformed"
