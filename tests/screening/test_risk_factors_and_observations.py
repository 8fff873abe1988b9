"""Risk factors (rule 5), interaction observations and follow-ups through the services."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from sqlalchemy import func, select

from clinic.audit import AuditEvent
from clinic.cases.follow_ups import cancel_scheduled, schedule_follow_up, set_follow_up_status
from clinic.errors import ServiceError
from clinic.instruments import observation_instrument
from clinic.referrals.models import Referral
from clinic.screening import services
from clinic.screening.models import RiskFactor
from tests.factories import CaregiverFactory, ChildFactory, FamilyFactory
from tests.screening.conftest import TODAY, born_months_ago


@pytest.fixture
def family(visitor):
    return FamilyFactory(assigned_visitor=visitor)


@pytest.fixture
def child(family):
    return ChildFactory(family=family, date_of_birth=born_months_ago(9))


@pytest.fixture
def caregiver(family):
    return CaregiverFactory(family=family)


def events(db, record_type):
    return db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.record_type == record_type).order_by(AuditEvent.seq)
    ).all()


# Risk factors ----------------------------------------------------------------------


def test_a_risk_factor_opens_a_referral_in_the_same_transaction(db, visitor, child, compile_requests):
    risk_factor, referral = services.record_risk_factor(
        visitor, code="neonatal_unit_stay", noted_on=TODAY, note=" NICU for 3 weeks ", child=child
    )
    db.session.commit()
    assert (risk_factor.family_id, risk_factor.child_id, risk_factor.caregiver_id) == (child.family_id, child.id, None)
    assert (risk_factor.catalog_version, risk_factor.noted_by_id) == (1, visitor.id)
    assert risk_factor.note == "NICU for 3 weeks"
    assert [(r.kind, r.code, r.child_id, r.risk_factor_id) for r in referral.reasons] == [
        ("risk_factor", "neonatal_unit_stay", child.id, risk_factor.id)
    ]
    assert compile_requests == [referral.id]
    assert events(db, "risk_factor") == ["create"]


def test_a_caregiver_risk_factor_joins_the_open_referral(db, visitor, child, caregiver, compile_requests):
    _, first = services.record_risk_factor(visitor, code="adopted", noted_on=TODAY, child=child)
    _, second = services.record_risk_factor(visitor, code="caregiver_depression", noted_on=TODAY, caregiver=caregiver)
    assert second.id == first.id
    assert [(r.code, r.caregiver_id) for r in second.reasons] == [
        ("adopted", None),
        ("caregiver_depression", caregiver.id),
    ]
    assert second.reasons_revision == 2
    assert compile_requests == [first.id, first.id]
    assert db.session.scalar(select(func.count(Referral.id))) == 1


@pytest.mark.parametrize(
    ("code", "subject", "field"),
    [
        ("caregiver_stress", "child", "code"),
        ("adopted", "caregiver", "code"),
        ("not_in_catalog", "child", "code"),
    ],
)
def test_the_code_must_exist_and_apply_to_the_subject(db, visitor, child, caregiver, code, subject, field):
    subjects = {"child": {"child": child}, "caregiver": {"caregiver": caregiver}}
    with pytest.raises(ServiceError) as caught:
        services.record_risk_factor(visitor, code=code, noted_on=TODAY, **subjects[subject])
    assert caught.value.field == field
    assert db.session.scalar(select(func.count(RiskFactor.id))) == 0
    assert db.session.scalar(select(func.count(Referral.id))) == 0


def test_noted_date_is_checked(db, visitor, child):
    day = timedelta(days=1)
    for noted_on, message in ((TODAY + day, "future"), (child.date_of_birth - day, "birth")):
        with pytest.raises(ServiceError) as caught:
            services.record_risk_factor(visitor, code="adopted", noted_on=noted_on, child=child)
        assert caught.value.field == "noted_on" and message in caught.value.message


def test_one_subject_exactly(db, visitor, child, caregiver):
    with pytest.raises(ServiceError):
        services.record_risk_factor(visitor, code="adopted", noted_on=TODAY)
    with pytest.raises(ServiceError):
        services.record_risk_factor(visitor, code="adopted", noted_on=TODAY, child=child, caregiver=caregiver)


def test_an_unresolved_risk_factor_is_not_noted_twice(db, visitor, child):
    earlier = TODAY - timedelta(days=5)
    risk_factor, _ = services.record_risk_factor(visitor, code="adopted", noted_on=earlier, child=child)
    with pytest.raises(ServiceError) as caught:
        services.record_risk_factor(visitor, code="adopted", noted_on=TODAY, child=child)
    assert caught.value.field == "code"
    services.resolve_risk_factor(visitor, risk_factor, TODAY)
    services.record_risk_factor(visitor, code="adopted", noted_on=TODAY, child=child)


def test_resolving_a_risk_factor(db, visitor, caregiver):
    risk_factor, _ = services.record_risk_factor(
        visitor, code="caregiver_grief", noted_on=TODAY - timedelta(days=30), caregiver=caregiver
    )
    for resolved_on, code in ((TODAY - timedelta(days=31), "invalid"), (TODAY + timedelta(days=1), "invalid")):
        with pytest.raises(ServiceError) as caught:
            services.resolve_risk_factor(visitor, risk_factor, resolved_on)
        assert (caught.value.field, caught.value.code) == ("resolved_on", code)
    services.resolve_risk_factor(visitor, risk_factor, TODAY - timedelta(days=2))
    db.session.commit()
    assert db.session.get(RiskFactor, risk_factor.id).resolved_on == TODAY - timedelta(days=2)
    with pytest.raises(ServiceError) as caught:
        services.resolve_risk_factor(visitor, risk_factor, TODAY)
    assert caught.value.code == "conflict"
    assert events(db, "risk_factor") == ["create", "resolve"]


def test_reads_are_audited(db, visitor, child, family):
    risk_factor, _ = services.record_risk_factor(visitor, code="adopted", noted_on=TODAY, child=child)
    services.record_read(visitor, *services.family_risk_factors(family))
    db.session.commit()  # as the request's end does: reads are written with it
    assert events(db, "risk_factor") == ["create", "view"]


# Observations ----------------------------------------------------------------------


def all_rated(rating="attuned", **overrides):
    return {cue: overrides.get(cue, rating) for cue in observation_instrument().cue_ids}


def test_an_observation_rates_every_cue_with_notes(db, visitor, family, child, caregiver):
    observation = services.record_observation(
        visitor,
        family,
        observed_on=TODAY,
        ratings=all_rated(repair="partly", touch="not_observed"),
        cue_notes={"repair": "Took a while to notice the fuss"},
        notes="Bath time",
        child=child,
        caregiver=caregiver,
    )
    db.session.commit()
    ratings = {r.cue_id: (r.rating, r.note) for r in observation.ratings}
    assert ratings["repair"] == ("partly", "Took a while to notice the fuss")
    assert ratings["touch"] == ("not_observed", None)
    assert len(ratings) == 7
    assert observation.instrument_version == 1
    assert (observation.child_id, observation.caregiver_id) == (child.id, caregiver.id)
    assert services.family_observations(family) == [observation]
    assert events(db, "observation") == ["create"]
    assert db.session.scalar(select(func.count(Referral.id))) == 0  # not a referral trigger


def test_a_bad_observation_names_each_field(db, visitor, family):
    ratings = all_rated(eye_contact="great")
    del ratings["touch"]
    ratings["smell"] = "attuned"
    other_family_child = ChildFactory()
    with pytest.raises(services.InvalidFields) as caught:
        services.record_observation(
            visitor,
            family,
            observed_on=TODAY + timedelta(days=1),
            ratings=ratings,
            cue_notes={"smell": "x"},
            child=other_family_child,
        )
    assert set(caught.value.fields) == {
        "observed_on",
        "ratings.eye_contact",
        "ratings.touch",
        "ratings.smell",
        "cue_notes.smell",
        "child_id",
    }


# Follow-ups ------------------------------------------------------------------------


def test_schedule_a_follow_up_by_hand(db, visitor, family, child):
    follow_up = schedule_follow_up(
        visitor,
        family,
        kind="call",
        due_on=TODAY + timedelta(days=2),
        time=time(14, 30),
        note=" bring forms ",
        child=child,
    )
    assert (follow_up.status, follow_up.due_time, follow_up.note, follow_up.created_by_id) == (
        "scheduled",
        time(14, 30),
        "bring forms",
        visitor.id,
    )


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"kind": "party"}, "kind"),
        ({"due_on": TODAY - timedelta(days=1)}, "due_on"),
        ({"kind": "visit", "instrument_code": "m3_6"}, "instrument"),
        ({"kind": "screening", "instrument_code": "m99"}, "instrument"),
        ({"child": "other"}, "child_id"),
    ],
)
def test_bad_follow_ups_are_refused(db, visitor, family, values, field):
    values = {"kind": "visit", "due_on": TODAY, **values}
    if values.get("child") == "other":
        values["child"] = ChildFactory()
    with pytest.raises(ServiceError) as caught:
        schedule_follow_up(visitor, family, **values)
    assert caught.value.field == field


def test_follow_up_statuses(db, visitor, family):
    follow_up = schedule_follow_up(visitor, family, kind="visit", due_on=TODAY)
    set_follow_up_status(visitor, follow_up, "missed")
    set_follow_up_status(visitor, follow_up, "done")
    assert follow_up.completed_at is not None
    with pytest.raises(ServiceError) as caught:
        set_follow_up_status(visitor, follow_up, "scheduled")
    assert caught.value.code == "conflict"
    with pytest.raises(ServiceError) as caught:
        set_follow_up_status(visitor, follow_up, "postponed")
    assert caught.value.code == "invalid"


def test_closing_a_family_cancels_its_open_follow_ups(db, visitor, family):
    open_one = schedule_follow_up(visitor, family, kind="visit", due_on=TODAY)
    done = schedule_follow_up(visitor, family, kind="call", due_on=TODAY)
    set_follow_up_status(visitor, done, "done")
    family.status = "closed"
    assert cancel_scheduled(visitor, family) == 1
    assert (open_one.status, done.status) == ("cancelled", "done")
    with pytest.raises(ServiceError) as caught:
        schedule_follow_up(visitor, family, kind="visit", due_on=TODAY)
    assert caught.value.field == "family"
    with pytest.raises(ServiceError):
        set_follow_up_status(visitor, open_one, "scheduled")
