"""Case services called directly: assignment rules, history, closing, validation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic import clock
from clinic.audit import AuditEvent
from clinic.cases import follow_ups, services
from clinic.cases.models import FamilyAssignment, FollowUp
from clinic.errors import ServiceError
from tests.factories import AdminFactory, FamilyFactory, SupervisorFactory, TeamFactory, UserFactory


def test_a_visitors_new_family_is_assigned_to_them_whatever_they_ask(db):
    visitor, other = UserFactory(), UserFactory()
    family = services.create_family(visitor, name="Rivera", assigned_visitor_id=other.id)
    assert family.assigned_visitor_id == visitor.id


def test_supervisor_assigns_only_to_visitors_of_their_teams(db):
    team, other_team = TeamFactory(), TeamFactory()
    supervisor = SupervisorFactory(supervises=[team])
    mine, theirs = UserFactory(team=team), UserFactory(team=other_team)
    with pytest.raises(ServiceError) as error:
        services.create_family(supervisor, name="Rivera", assigned_visitor_id=theirs.id)
    assert error.value.field == "assigned_visitor_id"
    with pytest.raises(ServiceError):
        services.create_family(supervisor, name="Rivera")
    assert services.create_family(supervisor, name="Rivera", assigned_visitor_id=mine.id).assigned_visitor_id == mine.id


def test_deactivated_visitors_get_no_new_families(db):
    admin = AdminFactory()
    gone = UserFactory(is_active=False)
    with pytest.raises(ServiceError):
        services.create_family(admin, name="Rivera", assigned_visitor_id=gone.id)


def test_caregiver_errors_name_the_caregiver_field(db):
    visitor = UserFactory()
    with pytest.raises(ServiceError) as error:
        services.create_family(visitor, name="Rivera", caregivers=[{"name": "Ana", "relationship": "mother", "email": "nope"}])
    assert error.value.field == "caregivers.0.email"


def test_reassignment_is_kept_in_the_history_and_audited(db):
    team = TeamFactory()
    supervisor = SupervisorFactory(supervises=[team])
    first, second = UserFactory(team=team), UserFactory(team=team)
    family = services.create_family(supervisor, name="Rivera", assigned_visitor_id=first.id)
    services.reassign_family(supervisor, family, second.id, note="Caseload balance")
    db.session.commit()
    history = db.session.scalars(
        select(FamilyAssignment).where(FamilyAssignment.family_id == family.id).order_by(FamilyAssignment.id)
    ).all()
    assert [(a.visitor_id, a.assigned_by_id) for a in history] == [(first.id, supervisor.id), (second.id, supervisor.id)]
    assert history[-1].note == "Caseload balance"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.record_id == family.id)).all()
    assert "reassign" in actions


def test_visitors_cannot_reassign(db):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    with pytest.raises(ServiceError):
        services.reassign_family(visitor, family, UserFactory(team=visitor.team).id)


def test_closing_a_family_cancels_its_scheduled_follow_ups(db):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    follow_up = follow_ups.schedule_follow_up(visitor, family, kind="visit", due_on=clock.today() + timedelta(days=2))
    services.update_family(visitor, family, status="closed")
    db.session.commit()
    assert db.session.get(FollowUp, follow_up.id).status == "cancelled"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"date_of_birth": None}, "date_of_birth"),
        ({"date_of_birth": "tomorrow"}, "date_of_birth"),
        ({"first_name": "  "}, "first_name"),
        ({"gestational_age_weeks": 50}, "gestational_age_weeks"),
    ],
)
def test_child_values_are_checked(db, values, field):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    child = {"first_name": "Ana", "last_name": "Rivera", "date_of_birth": clock.today() - timedelta(days=30), **values}
    with pytest.raises(ServiceError) as error:
        services.add_child(visitor, family, **child)
    assert error.value.field == field


def test_birth_dates_in_the_future_are_refused(db):
    visitor = UserFactory()
    family = FamilyFactory(assigned_visitor=visitor)
    with pytest.raises(ServiceError) as error:
        services.add_child(
            visitor, family, first_name="A", last_name="B", date_of_birth=clock.today() + timedelta(days=1)
        )
    assert error.value.field == "date_of_birth"


def test_the_first_caregiver_is_primary_unless_another_is_marked(db):
    visitor = UserFactory()
    family = services.create_family(
        visitor, name="Rivera", caregivers=[{"name": "Ana", "relationship": "mother"}, {"name": "Luis", "relationship": "father"}]
    )
    assert [c.is_primary for c in family.caregivers] == [True, False]
    family = services.create_family(
        visitor,
        name="Okafor",
        caregivers=[{"name": "Ada", "relationship": "aunt"}, {"name": "Obi", "relationship": "father", "is_primary": True}],
    )
    assert sorted((c.name, c.is_primary) for c in family.caregivers) == [("Ada", False), ("Obi", True)]
