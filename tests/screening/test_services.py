"""Screening services: rules 2–4 and amendments through the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select

from clinic.audit import AuditEvent
from clinic.cases.ages import add_months
from clinic.cases.follow_ups import schedule_follow_up
from clinic.errors import ServiceError
from clinic.referrals.models import Referral, ReferralReason
from clinic.screening import services
from clinic.screening.models import Screening, ScreeningResponse
from clinic.screening.schedule import NextScreening, next_screenings
from tests.factories import ChildFactory, FamilyFactory, UserFactory
from tests.screening.conftest import TODAY, answers, born_months_ago


@pytest.fixture
def child(visitor):
    # Nine months old: 3–6 at 4 months and 4–10 at 8 months are in the past.
    return ChildFactory(family=FamilyFactory(assigned_visitor=visitor), date_of_birth=born_months_ago(9))


def at(child, months, days=0):
    return add_months(child.date_of_birth, months) + timedelta(days=days)


def record(visitor, child, code, months, responses=None, days=0, **kwargs):
    return services.record_screening(
        visitor,
        child,
        instrument_code=code,
        administered_on=at(child, months, days),
        responses=responses or answers(code),
        **kwargs,
    )


def audit_actions(db, record_type):
    return list(
        db.session.execute(
            select(AuditEvent.action, AuditEvent.record_id)
            .where(AuditEvent.record_type == record_type)
            .order_by(AuditEvent.id)
        )
    )


def test_record_screening_saves_answers_result_and_audit(db, visitor, child):
    outcome = record(visitor, child, "m3_6", 4, answers("m3_6", smiles_playtime="sometimes"), notes="  calm visit ")
    db.session.commit()
    screening = db.session.get(Screening, outcome.screening.id)
    assert screening.result == "monitor"
    assert screening.instrument_version == 1
    assert screening.age_months == 4
    assert screening.notes == "calm visit"
    assert screening.answers() == answers("m3_6", smiles_playtime="sometimes")
    domains = dict(db.session.execute(select(ScreeningResponse.item_id, ScreeningResponse.domain)).all())
    assert domains["m3_6.sounds_happy_unhappy"] == "communication"
    assert outcome.referral is None
    assert ("create", screening.id) in audit_actions(db, "screening")


@pytest.mark.parametrize(
    ("months", "days", "message"),
    [(-1, 0, "before"), (7, 0, "3 to 6 months"), (2, 0, "3 to 6 months")],
)
def test_screening_date_outside_the_rules_is_refused(db, visitor, child, months, days, message):
    with pytest.raises(ServiceError) as caught:
        record(visitor, child, "m3_6", months, days=days)
    assert caught.value.field == "administered_on"
    assert message in caught.value.message
    assert db.session.scalar(select(func.count(Screening.id))) == 0


def test_future_date_is_refused(db, visitor, child):
    with pytest.raises(ServiceError) as caught:
        services.record_screening(
            visitor, child, instrument_code="m4_10", administered_on=TODAY + timedelta(days=1),
            responses=answers("m4_10"),
        )
    assert caught.value.fields == {"administered_on": "The screening date cannot be in the future."}


def test_every_bad_field_is_reported_at_once(db, visitor, child):
    responses = answers("m3_6", joy_interacting="maybe")
    del responses["m3_6.smiles_playtime"]
    responses["m4_10.back_and_forth"] = "yes"
    with pytest.raises(services.InvalidFields) as caught:
        record(visitor, child, "m3_6", 8, responses)
    assert set(caught.value.fields) == {
        "administered_on",
        "responses.m3_6.joy_interacting",
        "responses.m3_6.smiles_playtime",
        "responses.m4_10.back_and_forth",
    }


def test_unknown_instrument_is_refused(db, visitor, child):
    with pytest.raises(ServiceError) as caught:
        record(visitor, child, "m99", 4, answers("m3_6"))
    assert caught.value.field == "instrument"


def test_preterm_child_is_screened_by_corrected_age(db, visitor):
    # Born at 28 weeks 5 months ago: corrected age 2 months, so 0–3 and not 3–6.
    child = ChildFactory(
        family=FamilyFactory(assigned_visitor=visitor), date_of_birth=born_months_ago(5), gestational_age_weeks=28
    )
    with pytest.raises(ServiceError):
        services.record_screening(
            visitor, child, instrument_code="m3_6", administered_on=TODAY, responses=answers("m3_6")
        )
    outcome = services.record_screening(
        visitor, child, instrument_code="m0_3", administered_on=TODAY, responses=answers("m0_3")
    )
    assert outcome.screening.age_months == 2


# Rule 3: follow-ups ---------------------------------------------------------------


def test_on_track_schedules_the_next_instrument_at_its_target_age(db, visitor, child):
    outcome = record(visitor, child, "m4_10", 8)
    follow_up = outcome.follow_up
    assert (follow_up.kind, follow_up.instrument_code, follow_up.due_on) == ("screening", "m10_18", at(child, 14))
    assert follow_up.child_id == child.id and follow_up.created_by_id is None
    assert follow_up.status == "scheduled"


def test_concern_schedules_a_rescreen_30_days_later(db, visitor, child):
    outcome = record(visitor, child, "m4_10", 8, answers("m4_10", back_and_forth="not_yet"))
    assert outcome.screening.result == "concern"
    assert (outcome.follow_up.instrument_code, outcome.follow_up.due_on) == ("m4_10", at(child, 8, 30))


def test_a_screening_answers_the_childs_screening_follow_ups(db, visitor, child):
    family = child.family
    asked = schedule_follow_up(visitor, family, kind="screening", due_on=TODAY, child=child, instrument_code="m4_10")
    any_instrument = schedule_follow_up(visitor, family, kind="screening", due_on=TODAY, child=child)
    planned_other = schedule_follow_up(
        None, family, kind="screening", due_on=TODAY, child=child, instrument_code="m3_6"
    )
    by_hand_other = schedule_follow_up(
        visitor, family, kind="screening", due_on=TODAY, child=child, instrument_code="m10_18"
    )
    visit = schedule_follow_up(visitor, family, kind="visit", due_on=TODAY, child=child)
    outcome = record(visitor, child, "m4_10", 9)
    assert (asked.status, any_instrument.status) == ("done", "done")
    assert asked.completed_at is not None
    assert planned_other.status == "cancelled"  # the system's plan, replaced by the new one
    assert (by_hand_other.status, visit.status) == ("scheduled", "scheduled")
    assert outcome.follow_up.status == "scheduled"


def test_a_screening_entered_late_changes_no_follow_up(db, visitor, child):
    latest = record(visitor, child, "m4_10", 8)
    late = record(visitor, child, "m3_6", 4)
    assert late.follow_up is None
    assert latest.follow_up.status == "scheduled"


def test_no_follow_up_for_a_closed_family_or_past_every_window(db, visitor, child):
    child.family.status = "closed"
    assert record(visitor, child, "m4_10", 8).follow_up is None
    older = ChildFactory(family=FamilyFactory(assigned_visitor=visitor), date_of_birth=born_months_ago(37))
    assert record(visitor, older, "m36", 36).follow_up is None


# Rule 4: repeatedly missed milestones ---------------------------------------------


def test_two_consecutive_screenings_missing_a_domain_open_a_referral(db, visitor, child, compile_requests):
    first = record(visitor, child, "m3_6", 4, answers("m3_6", joy_interacting="not_yet"))
    assert first.referral is None
    second = record(visitor, child, "m4_10", 8, answers("m4_10", playful_exchanges="not_yet", back_and_forth="not_yet"))
    db.session.commit()
    referral = second.referral
    assert referral is not None and referral.status == "open"
    assert [(r.kind, r.child_id, r.domain, r.screening_id) for r in referral.reasons] == [
        ("repeated_missed_milestones", child.id, "social", second.screening.id)
    ]
    assert compile_requests == [referral.id]
    assert ("open", referral.id) in audit_actions(db, "referral")


def test_a_clean_screening_between_breaks_the_repeat(db, visitor):
    child = ChildFactory(family=FamilyFactory(assigned_visitor=visitor), date_of_birth=born_months_ago(15))
    record(visitor, child, "m3_6", 4, answers("m3_6", joy_interacting="not_yet"))
    record(visitor, child, "m4_10", 8)
    third = record(visitor, child, "m10_18", 12, answers("m10_18", knows_name="not_yet"))
    assert third.referral is None


def test_a_repeat_already_on_the_open_referral_is_not_added_twice(db, visitor, child, compile_requests):
    record(visitor, child, "m3_6", 4, answers("m3_6", joy_interacting="not_yet"))
    second = record(visitor, child, "m4_10", 8, answers("m4_10", playful_exchanges="not_yet"))
    third = record(visitor, child, "m4_10", 9, answers("m4_10", playful_exchanges="not_yet"))
    assert third.referral.id == second.referral.id
    assert len(third.referral.reasons) == 1
    assert third.referral.reasons_revision == 1
    assert compile_requests == [second.referral.id]


# Amendments ------------------------------------------------------------------------


def test_an_amendment_keeps_the_original_and_records_who_and_why(db, visitor, child):
    outcome = record(visitor, child, "m4_10", 8, answers("m4_10", back_and_forth="sometimes"))
    screening = outcome.screening
    supervisor_fixed = UserFactory()
    amended = services.amend_screening(
        supervisor_fixed, screening, responses=answers("m4_10"), reason="Misheard the caregiver"
    )
    db.session.commit()
    screening = db.session.get(Screening, screening.id)
    assert amended.screening.id == screening.id
    assert screening.revision == 1 and screening.result == "on_track"
    assert screening.answers(0) == answers("m4_10", back_and_forth="sometimes")
    assert screening.answers() == answers("m4_10")
    [amendment] = screening.amendments
    assert (amendment.amended_by_id, amendment.reason, amendment.previous_result) == (
        supervisor_fixed.id,
        "Misheard the caregiver",
        "monitor",
    )
    assert amendment.amended_at is not None
    assert ("amend", screening.id) in audit_actions(db, "screening")


def test_an_amendment_can_add_a_referral_reason(db, visitor, child):
    record(visitor, child, "m3_6", 4, answers("m3_6", joy_interacting="not_yet"))
    second = record(visitor, child, "m4_10", 8)
    assert second.referral is None
    amended = services.amend_screening(
        visitor, second.screening, responses=answers("m4_10", playful_exchanges="not_yet"), reason="Wrong row ticked"
    )
    assert amended.referral is not None
    assert [r.domain for r in amended.referral.reasons] == ["social"]


def test_an_amendment_that_changes_the_result_replans_the_follow_up(db, visitor, child):
    outcome = record(visitor, child, "m4_10", 8)
    assert outcome.follow_up.instrument_code == "m10_18"
    amended = services.amend_screening(
        visitor, outcome.screening, responses=answers("m4_10", back_and_forth="not_yet"), reason="Corrected"
    )
    assert outcome.follow_up.status == "cancelled"
    assert (amended.follow_up.instrument_code, amended.follow_up.due_on) == ("m4_10", at(child, 8, 30))


@pytest.mark.parametrize(
    ("responses", "reason", "field"),
    [
        (answers("m4_10"), "  ", "reason"),
        (answers("m4_10"), "No change", "responses"),
        (answers("m3_6"), "Wrong form", "responses.m3_6.joy_interacting"),
        ({**answers("m4_10"), "m4_10.back_and_forth": "nope"}, "Typo", "responses.m4_10.back_and_forth"),
    ],
)
def test_a_bad_amendment_is_refused(db, visitor, child, responses, reason, field):
    screening = record(visitor, child, "m4_10", 8).screening
    with pytest.raises(services.InvalidFields) as caught:
        services.amend_screening(visitor, screening, responses=responses, reason=reason)
    assert field in caught.value.fields
    assert screening.revision == 0


# Schedule -------------------------------------------------------------------------


def test_next_screenings_for_many_children_in_one_query(db, visitor, child):
    record(visitor, child, "m3_6", 4)
    record(visitor, child, "m4_10", 8)
    newborn = ChildFactory(family=child.family, date_of_birth=TODAY - timedelta(days=10))
    older = ChildFactory(family=child.family, date_of_birth=born_months_ago(45))
    db.session.commit()
    children = [child, newborn, older]
    for loaded in children:
        db.session.refresh(loaded)
    statements = []
    engine = db.engine
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        schedule = next_screenings(children, TODAY)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert [sql for sql in statements if sql != "BEGIN"] == [statements[-1]]
    assert "FROM screenings" in statements[-1]
    assert schedule == {
        child.id: NextScreening("m10_18", "10 to 18 months", at(child, 14)),
        newborn.id: NextScreening("m0_3", "Birth to 3 months", add_months(newborn.date_of_birth, 2)),
        older.id: None,
    }
    assert next_screenings([], TODAY) == {}


def test_reasons_name_the_child(db, visitor, child):
    record(visitor, child, "m3_6", 4, answers("m3_6", sounds_happy_unhappy="not_yet", joy_interacting="not_yet"))
    missed_both = answers("m4_10", expressions_sounds="not_yet", playful_exchanges="not_yet")
    outcome = record(visitor, child, "m4_10", 8, missed_both)
    db.session.commit()
    reasons = db.session.scalars(select(ReferralReason).order_by(ReferralReason.id)).all()
    assert [(r.child_id, r.domain) for r in reasons] == [(child.id, "communication"), (child.id, "social")]
    assert db.session.scalar(select(func.count(Referral.id))) == 1
    assert outcome.referral.reasons == reasons
