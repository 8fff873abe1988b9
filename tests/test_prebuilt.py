"""A statement built once for a shape of conditions runs with each call's own values."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, select

from clinic.cases.models import Family
from clinic.prebuilt import Prebuilt
from clinic.worklist.due import due_items
from tests.factories import FamilyFactory, FollowUpFactory, SupervisorFactory, TeamFactory, UserFactory


def test_each_call_gets_its_own_values_and_each_shape_is_built_once(db):
    ana, ben = UserFactory(), UserFactory()
    ana_families = {FamilyFactory(assigned_visitor=ana).id for _ in range(2)}
    ben_family = FamilyFactory(assigned_visitor=ben).id
    prebuilt, built = Prebuilt(), []

    def family_ids(*conditions) -> set[int]:
        def build():
            built.append(conditions)
            return select(Family.id).where(*conditions)

        return {family_id for (family_id,) in prebuilt.rows(("families",), conditions, build)}

    assert family_ids(Family.assigned_visitor_id == ana.id) == ana_families
    assert family_ids(Family.assigned_visitor_id == ben.id) == {ben_family}
    assert len(built) == 1
    # Another shape (two conditions, a list of ids): built once, its lists of any length.
    everyone = ana_families | {ben_family}
    assert family_ids(Family.assigned_visitor_id == ana.id, Family.id.in_(sorted(everyone))) == ana_families
    assert family_ids(Family.assigned_visitor_id == ben.id, Family.id.in_([ben_family])) == {ben_family}
    assert family_ids(Family.assigned_visitor_id == ben.id, Family.id.in_([])) == set()
    assert len(built) == 2
    # The same shape under another key is a statement of its own.
    prebuilt.rows(("other",), [Family.assigned_visitor_id == ana.id], lambda: select(Family.id).where(Family.id < 0))
    assert family_ids(Family.assigned_visitor_id == ana.id) == ana_families
    # A value given by a function (``bindparam(callable_=...)``) is the function's answer
    # for the call, as SQLAlchemy's own cache binds it.

    def visitor_is(user):
        return Family.assigned_visitor_id == bindparam("visitor", callable_=lambda: user.id)

    assert family_ids(visitor_is(ana)) == ana_families
    assert family_ids(visitor_is(ben)) == {ben_family}


def test_rule_10_on_each_day_and_for_each_visitor_reads_that_day_and_that_visitor(db):
    ana, ben = UserFactory(), UserFactory()
    visit = FollowUpFactory(family=FamilyFactory(assigned_visitor=ana), due_on=date(2025, 6, 23))
    call = FollowUpFactory(family=FamilyFactory(assigned_visitor=ben), kind="call", due_on=date(2025, 6, 20))

    def follow_ups(user, today):
        return [(i.kind, i.follow_up_id) for i in due_items(user, today) if i.follow_up_id is not None]

    # Due within 7 days from 16 June (the 23rd is the seventh day), not from the
    # 15th, and past due from the 24th: each day's dates, not the first day's.
    assert follow_ups(ana, date(2025, 6, 16)) == [("due_follow_up", visit.id)]
    assert follow_ups(ana, date(2025, 6, 15)) == []
    assert follow_ups(ana, date(2025, 6, 24)) == [("overdue_follow_up", visit.id)]
    assert follow_ups(ben, date(2025, 6, 16)) == [("due_follow_up", call.id)]
    assert follow_ups(ben, date(2025, 6, 21)) == [("overdue_follow_up", call.id)]
    assert follow_ups(ana, date(2025, 6, 21)) == [("due_follow_up", visit.id)]


def test_two_supervisors_in_a_row_each_see_their_own_teams_families(db):
    # A supervisor's scope binds their id inside a subquery (the visitors of the teams
    # they supervise): the second supervisor's statement is the first one's, re-bound.
    north, south = TeamFactory(), TeamFactory()
    sam, tess = SupervisorFactory(supervises=[north]), SupervisorFactory(supervises=[south])
    vera, walt = UserFactory(team=north), UserFactory(team=south)
    vera_visit = FollowUpFactory(family=FamilyFactory(assigned_visitor=vera), due_on=date(2025, 6, 10))
    walt_visit = FollowUpFactory(family=FamilyFactory(assigned_visitor=walt), due_on=date(2025, 6, 11))

    def follow_ups(user):
        return [i.follow_up_id for i in due_items(user, date(2025, 6, 16)) if i.follow_up_id is not None]

    assert follow_ups(sam) == [vera_visit.id]
    assert follow_ups(tess) == [walt_visit.id]
    assert follow_ups(sam) == [vera_visit.id]
