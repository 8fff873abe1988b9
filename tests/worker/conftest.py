"""Fixtures of the worker tests: a referral with a case behind it, built through the
same services the app uses; real worker processes and a Redis queue of the test's own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
import redis

from clinic import clock
from clinic.auth.models import Team, User
from clinic.cases.ages import add_months
from clinic.cases.models import Caregiver, Child, Family
from clinic.dispatch import queue_names
from clinic.instruments import get_instrument
from clinic.referrals.models import Referral
from clinic.screening import services as screening
from tests.conftest import redis_url
from tests.factories import CaregiverFactory, ChildFactory, FamilyFactory, SupervisorFactory, TeamFactory, UserFactory
from tests.worker.processes import WorkerProcess


@dataclass
class Case:
    team: Team
    supervisor: User
    visitor: User
    family: Family
    caregiver: Caregiver
    child: Child
    preterm: Child
    referral: Referral


def answers(code: str, **missed: str) -> dict[str, str]:
    responses = {item.id: "yes" for item in get_instrument(code).items}
    responses.update({f"{code}.{short}": value for short, value in missed.items()})
    return responses


@pytest.fixture
def case(db) -> Case:
    """Two screenings in a row missing communication milestones (rule 4), then a
    caregiver risk factor joining the referral (rule 6): reasons revision 2."""
    today = clock.today()
    team = TeamFactory(name="North")
    supervisor = SupervisorFactory(name="Grace Okafor", email="grace@clinic.test", supervises=[team])
    visitor = UserFactory(name="Lucía Fernández", team=team)
    family = FamilyFactory(name="Castillo", assigned_visitor=visitor)
    caregiver = CaregiverFactory(family=family, name="Ana Castillo", email="ana@families.test")
    child = ChildFactory(family=family, first_name="Mateo", last_name="Castillo", date_of_birth=add_months(today, -9))
    preterm = ChildFactory(
        family=family,
        first_name="Luna",
        last_name="Castillo",
        date_of_birth=add_months(today, -5) - timedelta(days=3),
        gestational_age_weeks=32,
    )
    screening.record_screening(
        visitor, child, instrument_code="m3_6", administered_on=add_months(child.date_of_birth, 4),
        responses=answers("m3_6", sounds_happy_unhappy="not_yet"),
    )
    outcome = screening.record_screening(
        visitor, child, instrument_code="m4_10", administered_on=add_months(child.date_of_birth, 8),
        responses=answers("m4_10", back_and_forth="not_yet", playful_exchanges="sometimes"),
    )
    screening.record_observation(
        visitor, family, observed_on=today - timedelta(days=2), child=child, caregiver=caregiver,
        ratings={"eye_contact": "attuned", "facial_expression": "partly", "tone_of_voice": "attuned",
                 "touch": "attuned", "body_language": "not_attuned", "pacing_timing_intensity": "attuned",
                 "repair": "not_observed"},
        cue_notes={"body_language": "Turned away during feeding"},
    )
    screening.record_risk_factor(
        visitor, code="caregiver_depression", noted_on=today - timedelta(days=1), caregiver=caregiver,
        note="Referred to the family doctor",
    )
    db.session.commit()
    referral = outcome.referral
    db.session.refresh(referral)
    assert referral.reasons_revision == 2
    return Case(team, supervisor, visitor, family, caregiver, child, preterm, referral)


@pytest.fixture
def redis_queue():
    """Real Redis, and a queue of this test's own so parallel runs never share work."""
    url = redis_url()
    queue = f"clinic-test-{uuid.uuid4().hex[:12]}"
    yield {"CELERY_BROKER_URL": url, "CELERY_RESULT_BACKEND": url, "CELERY_TASK_DEFAULT_QUEUE": queue}
    client = redis.Redis.from_url(url)
    client.delete(*queue_names(queue))
    client.close()


@pytest.fixture
def workers(tmp_path):
    started: list[WorkerProcess] = []

    def start(config: dict, name: str = "worker") -> WorkerProcess:
        process = WorkerProcess(config, tmp_path / f"{name}.log", name=name).start()
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()
