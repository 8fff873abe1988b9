"""The scope rules of clinic.permissions.scope, tried directly on the database."""

from __future__ import annotations

from sqlalchemy import select

from clinic.cases.models import Family
from clinic.extensions import db
from clinic.permissions.scope import family_scope
from tests.factories import FamilyFactory, SupervisorFactory, TeamFactory, UserFactory


def scoped_family_names(user) -> list[str]:
    return sorted(db.session.scalars(select(Family.name).where(family_scope(user))))


def test_a_deactivated_account_sees_no_family_whatever_its_role(db):
    team = TeamFactory(name="North")
    visitor = UserFactory(team=team)
    supervisor = SupervisorFactory(supervises=[team])
    admin = UserFactory(role="admin", team=None)
    FamilyFactory(name="Castillo", assigned_visitor=visitor)
    FamilyFactory(name="Okafor", assigned_visitor=visitor)
    db.session.commit()
    assert scoped_family_names(visitor) == ["Castillo", "Okafor"]
    assert scoped_family_names(supervisor) == ["Castillo", "Okafor"]
    assert scoped_family_names(admin) == ["Castillo", "Okafor"]

    for user in (visitor, supervisor, admin):
        user.is_active = False
    db.session.commit()
    assert scoped_family_names(visitor) == []
    assert scoped_family_names(supervisor) == []
    assert scoped_family_names(admin) == []


def test_each_supervisor_sees_the_families_of_the_teams_they_lead(db):
    north, south, east = TeamFactory(name="North"), TeamFactory(name="South"), TeamFactory(name="East")
    for team, names in ((north, ["Castillo", "Okafor"]), (south, ["Nguyen"]), (east, ["Haddad"])):
        visitor = UserFactory(team=team)
        for name in names:
            FamilyFactory(name=name, assigned_visitor=visitor)
    both = SupervisorFactory(supervises=[north, east])
    one = SupervisorFactory(supervises=[south])
    none = SupervisorFactory(supervises=[])
    db.session.commit()

    # The same statement for each (one compiled form, cached): only the bound id differs.
    assert scoped_family_names(both) == ["Castillo", "Haddad", "Okafor"]
    assert scoped_family_names(one) == ["Nguyen"]
    assert scoped_family_names(none) == []
    assert db.session.scalar(select(Family.name).where(family_scope(one), Family.name == "Castillo")) is None


def test_a_supervisors_scope_is_a_plain_condition_on_each_database():
    from sqlalchemy.dialects import postgresql, sqlite

    supervisor = SupervisorFactory.build(id=7, is_active=True)
    query = select(Family.id).where(family_scope(supervisor))
    on_sqlite = " ".join(str(query.compile(dialect=sqlite.dialect())).split())
    on_postgresql = " ".join(str(query.compile(dialect=postgresql.dialect())).split())
    assert on_sqlite.endswith("WHERE families.assigned_visitor_id IN (SELECT users.id FROM users JOIN teams ON users.team_id = teams.id WHERE teams.supervisor_id = ?)")
    # Sized by PostgreSQL as a short list, not guessed from join statistics.
    assert on_postgresql.endswith("WHERE families.assigned_visitor_id = ANY(ARRAY(SELECT users.id FROM users JOIN teams ON users.team_id = teams.id WHERE teams.supervisor_id = %(supervisor_id_1)s))")
