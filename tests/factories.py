"""factory_boy factories for the models; they commit, like the app does."""

from __future__ import annotations

from datetime import date, timedelta

import factory
from argon2 import PasswordHasher
from factory.alchemy import SQLAlchemyModelFactory

from clinic.auth.models import Team, User
from clinic.cases.models import Caregiver, Child, Family, FollowUp
from clinic.db import utcnow
from clinic.extensions import db

PASSWORD = "correct horse battery"
# Argon2 with the cheapest parameters: verifying it at each sign-in costs a
# millisecond instead of a quarter second. The app's own hashes keep the defaults.
_PASSWORD_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class TeamFactory(Base):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(Base):
    """A home visitor in a team of their own unless ``team`` is given."""

    class Meta:
        model = User

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"staff{n}@clinic.test")
    role = "home_visitor"
    password_hash = _PASSWORD_HASH
    team = factory.SubFactory(TeamFactory)


# Supervisors and admins must have a second factor (rule 12): theirs is this secret,
# and the sign-in helpers of tests/conftest.py complete it with its current code.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


class SupervisorFactory(UserFactory):
    role = "supervisor"
    team = None
    totp_secret = TOTP_SECRET
    totp_enabled_at = factory.LazyFunction(utcnow)

    @factory.post_generation
    def supervises(self, create, teams, **kwargs):
        for team in teams or []:
            team.supervisor = self
        if create and teams:
            db.session.commit()


class AdminFactory(UserFactory):
    role = "admin"
    team = None
    totp_secret = TOTP_SECRET
    totp_enabled_at = factory.LazyFunction(utcnow)


class FamilyFactory(Base):
    class Meta:
        model = Family

    name = factory.Sequence(lambda n: f"Family {n}")
    language = "en"
    assigned_visitor = factory.SubFactory(UserFactory)


class CaregiverFactory(Base):
    class Meta:
        model = Caregiver

    family = factory.SubFactory(FamilyFactory)
    name = factory.Faker("name")
    relationship_to_children = "mother"
    email = factory.Sequence(lambda n: f"caregiver{n}@families.test")
    phone = "555-0100"
    is_primary = True
    email_opt_in = True


class ChildFactory(Base):
    class Meta:
        model = Child

    family = factory.SubFactory(FamilyFactory)
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    date_of_birth = factory.LazyFunction(lambda: date.today() - timedelta(days=200))
    gestational_age_weeks = None


class FollowUpFactory(Base):
    class Meta:
        model = FollowUp

    family = factory.SubFactory(FamilyFactory)
    kind = "visit"
    due_on = factory.LazyFunction(lambda: date.today() + timedelta(days=3))
    status = "scheduled"
