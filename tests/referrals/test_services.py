"""Rule 6 (one open referral per family) and the referral workflow."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from clinic.audit import AuditEvent
from clinic.errors import ServiceError
from clinic.referrals import services
from clinic.referrals.models import Referral, ReferralTransition
from clinic.screening import rules
from clinic.screening.services import record_risk_factor
from tests.factories import AdminFactory, ChildFactory, FamilyFactory
from tests.screening.conftest import TODAY, born_months_ago


@pytest.fixture
def family(visitor):
    return FamilyFactory(assigned_visitor=visitor)


def reason(code, child_id=None, caregiver_id=None):
    return rules.risk_factor_reason(code, child_id=child_id, caregiver_id=caregiver_id)


def move(by, referral, *steps, outcome="declined"):
    for to in steps:
        services.transition(
            by,
            referral,
            to=to,
            outcome=outcome if to == "closed" else None,
            service="community_service" if to == "sent" else None,
        )


def test_no_reasons_no_referral(db, visitor, family, compile_requests):
    assert services.add_reasons(visitor, family, []) is None
    assert compile_requests == []


def test_a_new_reason_joins_the_open_or_reviewed_referral(db, visitor, supervisor, family, compile_requests):
    child = ChildFactory(family=family)
    referral = services.add_reasons(visitor, family, [reason("adopted", child.id)])
    move(supervisor, referral, "reviewed")
    joined = services.add_reasons(visitor, family, [reason("maltreatment", child.id), reason("adopted", child.id)])
    assert joined.id == referral.id
    assert [r.code for r in joined.reasons] == ["adopted", "maltreatment"]
    assert joined.reasons_revision == 2
    assert compile_requests == [referral.id, referral.id]
    # Only reasons already on it: nothing changes, nothing is compiled again.
    same = services.add_reasons(visitor, family, [reason("adopted", child.id)])
    assert same.id == referral.id and same.reasons_revision == 2
    assert compile_requests == [referral.id, referral.id]


@pytest.mark.parametrize("end", ["sent", "closed"])
def test_a_sent_or_closed_referral_is_never_reopened(db, visitor, supervisor, family, compile_requests, end):
    child = ChildFactory(family=family)
    first = services.add_reasons(visitor, family, [reason("adopted", child.id)])
    move(supervisor, first, *{"sent": ["reviewed", "sent"], "closed": ["reviewed", "sent", "closed"]}[end])
    second = services.add_reasons(visitor, family, [reason("adopted", child.id)])
    db.session.commit()
    assert second.id != first.id
    assert (db.session.get(Referral, first.id).status, second.status) == (end, "open")
    assert [r.code for r in db.session.get(Referral, first.id).reasons] == ["adopted"]
    assert compile_requests == [first.id, second.id]


def test_the_database_refuses_a_second_active_referral(db, family):
    db.session.add_all([Referral(family_id=family.id), Referral(family_id=family.id)])
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_risk_factors_of_two_families_open_two_referrals(db, visitor):
    first = ChildFactory(family=FamilyFactory(assigned_visitor=visitor), date_of_birth=born_months_ago(3))
    second = ChildFactory(family=FamilyFactory(assigned_visitor=visitor), date_of_birth=born_months_ago(3))
    _, one = record_risk_factor(visitor, code="adopted", noted_on=TODAY, child=first)
    _, two = record_risk_factor(visitor, code="adopted", noted_on=TODAY, child=second)
    assert one.id != two.id


# Workflow -------------------------------------------------------------------------


def test_the_only_moves_are_open_reviewed_sent_closed(db, visitor, supervisor, family):
    referral = services.add_reasons(visitor, family, [reason("adopted")])
    for to in ("sent", "closed", "open"):
        with pytest.raises(ServiceError) as caught:
            services.transition(supervisor, referral, to=to, outcome="completed" if to == "closed" else None)
        assert caught.value.code == "conflict"
    services.transition(supervisor, referral, to="reviewed", note="  Looks right ")
    with pytest.raises(ServiceError) as caught:
        services.transition(supervisor, referral, to="reviewed")
    assert caught.value.code == "conflict"
    with pytest.raises(ServiceError) as caught:
        services.transition(supervisor, referral, to="open")
    assert caught.value.code == "conflict"
    services.transition(supervisor, referral, to="sent", service="early_intervention")
    services.transition(supervisor, referral, to="closed", outcome="declined", note="Family declined")
    db.session.commit()
    moves = db.session.scalars(select(ReferralTransition).order_by(ReferralTransition.id)).all()
    assert [(m.from_status, m.to_status, m.outcome, m.note, m.by_id) for m in moves] == [
        ("open", "reviewed", None, "Looks right", supervisor.id),
        ("reviewed", "sent", None, None, supervisor.id),
        ("sent", "closed", "declined", "Family declined", supervisor.id),
    ]
    assert all(m.at is not None for m in moves)
    assert (referral.status, referral.outcome) == ("closed", "declined")
    with pytest.raises(ServiceError) as caught:
        services.transition(supervisor, referral, to="open")
    assert caught.value.code == "conflict"
    actions = db.session.scalars(
        select(AuditEvent.detail).where(AuditEvent.record_type == "referral", AuditEvent.action == "transition")
    ).all()
    assert actions == [
        "open->reviewed",
        f"reviewed->sent,service=early_intervention,sent_on={TODAY}",
        "sent->closed",
    ]


def test_closing_needs_an_outcome_and_only_closing_takes_one(db, visitor, supervisor, family):
    referral = services.add_reasons(visitor, family, [reason("adopted")])
    with pytest.raises(ServiceError) as caught:
        services.transition(supervisor, referral, to="reviewed", outcome="completed")
    assert (caught.value.field, caught.value.code) == ("outcome", "invalid")
    move(supervisor, referral, "reviewed", "sent")
    for outcome in (None, "cured"):
        with pytest.raises(ServiceError) as caught:
            services.transition(supervisor, referral, to="closed", outcome=outcome)
        assert (caught.value.field, caught.value.code) == ("outcome", "invalid")
    assert referral.status == "sent"


def test_only_supervisors_and_admins_move_referrals(db, visitor, supervisor, family):
    referral = services.add_reasons(visitor, family, [reason("adopted")])
    with pytest.raises(ServiceError) as caught:
        services.transition(visitor, referral, to="reviewed")
    assert caught.value.code == "forbidden"
    services.transition(AdminFactory(), referral, to="reviewed")
    assert db.session.scalar(select(func.count(ReferralTransition.id))) == 1


def test_unknown_status_is_invalid_not_a_conflict(db, visitor, supervisor, family):
    referral = services.add_reasons(visitor, family, [reason("adopted")])
    with pytest.raises(ServiceError) as caught:
        services.transition(supervisor, referral, to="archived")
    assert (caught.value.field, caught.value.code) == ("to", "invalid")
