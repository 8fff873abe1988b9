"""Rule 6 under concurrency: two staff saving at the same moment still make one referral.

Needs PostgreSQL's row locks (SQLite serialises every writer on its own).
"""

from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import select

from clinic.cases.ages import add_months
from clinic.referrals.models import Referral
from clinic.screening import services
from tests.factories import CaregiverFactory, ChildFactory, FamilyFactory, SupervisorFactory, TeamFactory, UserFactory
from tests.screening.conftest import TODAY, answers, born_months_ago

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(os.environ.get("CLINIC_TEST_DB") != "postgresql", reason="needs PostgreSQL row locks"),
]


@pytest.fixture
def at_the_same_moment(monkeypatch):
    """Run calls in threads (each request in its own app context and transaction)
    that reach the family lock together; the lock is then held a moment.

    Without the lock every call would look for an open referral before any has
    committed one, and each would open its own.
    """

    def run(*calls):
        barrier = threading.Barrier(len(calls), timeout=10)
        real_lock = services.lock_family

        def lock_together(family_id):
            barrier.wait()
            real_lock(family_id)
            time.sleep(0.3)

        monkeypatch.setattr(services, "lock_family", lock_together)
        results: list = [None] * len(calls)

        def call_into(index, call):
            try:
                results[index] = call()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
                results[index] = exc

        threads = [threading.Thread(target=call_into, args=(i, call)) for i, call in enumerate(calls)]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
        finally:
            monkeypatch.setattr(services, "lock_family", real_lock)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return results

    return run


def test_two_risk_factors_at_the_same_moment_make_one_referral(db, api, at_the_same_moment):
    team = TeamFactory()
    visitor = UserFactory(team=team)
    colleague = SupervisorFactory(supervises=[team])
    family = FamilyFactory(assigned_visitor=visitor)
    child = ChildFactory(family=family, date_of_birth=born_months_ago(9))
    caregiver = CaregiverFactory(family=family)
    first, second = api(visitor), api(colleague)
    # Paths built here: the test's ORM objects belong to this thread's session.
    child_path, caregiver_path = f"/children/{child.id}/risk-factors", f"/caregivers/{caregiver.id}/risk-factors"
    family_id = family.id

    responses = at_the_same_moment(
        lambda: first.post(child_path, json={"code": "adopted", "noted_on": TODAY.isoformat()}),
        lambda: second.post(caregiver_path, json={"code": "caregiver_grief", "noted_on": TODAY.isoformat()}),
    )

    assert [r.status_code for r in responses] == [201, 201], [r.json for r in responses]
    assert responses[0].json["referral_id"] == responses[1].json["referral_id"]
    db.session.expire_all()
    [referral] = db.session.scalars(select(Referral).where(Referral.family_id == family_id)).all()
    assert referral.status == "open"
    assert sorted(r.code for r in referral.reasons) == ["adopted", "caregiver_grief"]
    assert referral.reasons_revision == 2


def test_a_screening_and_a_risk_factor_at_the_same_moment_share_the_referral(db, api, at_the_same_moment):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    child = ChildFactory(family=family, date_of_birth=born_months_ago(9))
    one, other = api(visitor), api(visitor)
    born, family_id = child.date_of_birth, family.id
    screenings, risk_factors = f"/children/{child.id}/screenings", f"/children/{child.id}/risk-factors"

    def screening(code, months, **missed):
        return {
            "instrument": code,
            "administered_on": add_months(born, months).isoformat(),
            "responses": answers(code, **missed),
        }

    earlier = one.post(screenings, json=screening("m3_6", 4, joy_interacting="not_yet"))
    assert earlier.status_code == 201 and "referral_id" not in earlier.json

    responses = at_the_same_moment(
        lambda: one.post(screenings, json=screening("m4_10", 8, playful_exchanges="not_yet")),
        lambda: other.post(risk_factors, json={"code": "adopted", "noted_on": TODAY.isoformat()}),
    )

    assert [r.status_code for r in responses] == [201, 201], [r.json for r in responses]
    assert responses[0].json["referral_id"] == responses[1].json["referral_id"]
    db.session.expire_all()
    [referral] = db.session.scalars(select(Referral).where(Referral.family_id == family_id)).all()
    assert sorted((r.kind, r.code or r.domain) for r in referral.reasons) == [
        ("repeated_missed_milestones", "social"),
        ("risk_factor", "adopted"),
    ]
