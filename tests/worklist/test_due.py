"""Rule 10 on the hand-built clinic (tests/worklist/conftest.py): the answers below
were worked out by hand for 2025-06-16, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from clinic.extensions import db
from clinic.referrals.models import Referral
from clinic.worklist.due import KINDS, due_items
from tests.factories import ChildFactory, FamilyFactory, FollowUpFactory
from tests.worklist.conftest import TODAY


def summary(items) -> list[tuple]:
    return [(i.kind, i.due_on, i.family_name, i.child_name, i.follow_up_id, i.referral_id) for i in items]


def vera_expected(w) -> list[tuple]:
    return [
        ("screening_due", date(2025, 1, 4), "C Overdue screening", "Omar C", w.fu["rescreen"].id, None),
        ("overdue_follow_up", date(2025, 6, 10), "A Follow-ups", None, w.fu["overdue"].id, None),
        ("late_referral", date(2025, 6, 15), "D Community 31", None, None, w.r["community_31"].id),  # 05-16 + 30
        ("late_referral", date(2025, 6, 15), "F EI 46", None, None, w.r["ei_46"].id),  # 05-01 + 45
        ("stalled_referral", date(2025, 6, 15), "I Open 15", None, None, w.r["open_15"].id),  # 06-01 + 14
        ("not_seen", date(2025, 6, 15), "K Not seen 91", None, None, None),  # 03-17 + 90
        ("due_follow_up", date(2025, 6, 16), "A Follow-ups", None, w.fu["today"].id, None),
        ("due_follow_up", date(2025, 6, 23), "A Follow-ups", None, w.fu["week"].id, None),
        ("screening_due", date(2025, 6, 26), "B Window", "Cora B", None, None),  # m24 window's last day
    ]


def test_a_visitors_worklist_is_exactly_the_hand_worked_answer(hand_built):
    assert summary(due_items(hand_built.vera, TODAY)) == vera_expected(hand_built)


@pytest.mark.parametrize("kind", KINDS)
def test_asked_for_one_kind_rule_10_gives_exactly_those_items_of_the_whole_list(hand_built, kind):
    expected = [item for item in vera_expected(hand_built) if item[0] == kind]
    assert expected  # the hand-built clinic has items of every kind
    assert summary(due_items(hand_built.vera, TODAY, kinds=frozenset({kind}))) == expected
    assert summary(due_items(hand_built.sam, TODAY, visitor_id=hand_built.vera.id, kinds=frozenset({kind}))) == expected


def test_screenings_due_alone_leave_the_referrals_and_the_last_contacts_unread(hand_built, count_queries):
    with count_queries() as statements:
        due_items(hand_built.vera, TODAY, kinds=frozenset({"screening_due"}))
    read = " ".join(" ".join(statements).split())
    assert "FROM referrals" not in read and "observations" not in read
    assert "FROM follow_ups" in read and "FROM children" in read


def test_the_overdue_screening_follow_up_is_screening_due_not_a_plain_follow_up(hand_built):
    items = due_items(hand_built.vera, TODAY, family_id=hand_built.f["C Overdue screening"].id)
    # Due, but not recordable today: Omar (30 months) is past the 24-month window.
    assert [(i.kind, i.instrument_code, i.due_on, i.recordable) for i in items] == [
        ("screening_due", "m24", date(2025, 1, 4), False)
    ]


def test_the_closing_window_names_the_instrument(hand_built):
    child = hand_built.c["closing"]
    items = due_items(hand_built.vera, TODAY, family_id=child.family_id, child_id=child.id)
    assert [(i.kind, i.instrument_code, i.child_id) for i in items] == [("screening_due", "m24", child.id)]
    assert due_items(hand_built.vera, TODAY, family_id=child.family_id, child_id=hand_built.c["later"].id) == []


def test_the_supervisor_sees_the_team_and_nothing_of_another_team(hand_built):
    w = hand_built
    assert summary(due_items(w.sam, TODAY)) == vera_expected(w)
    # Opening a visitor of another team gives nothing, as does asking for its family.
    assert due_items(w.sam, TODAY, visitor_id=w.walt.id) == []
    assert due_items(w.sam, TODAY, family_id=w.f["S South"].id) == []
    assert summary(due_items(w.tess, TODAY)) == [
        ("late_referral", date(2025, 5, 2), "S South", None, None, w.r["south"].id),  # 04-02 + 30
        ("overdue_follow_up", date(2025, 6, 12), "S South", None, w.fu["south"].id, None),
    ]
    assert due_items(w.walt, TODAY, family_id=w.f["A Follow-ups"].id) == []


def test_the_admin_sees_every_team(hand_built):
    families = {i.family_name for i in due_items(hand_built.admin, TODAY)}
    assert "S South" in families and "A Follow-ups" in families


def test_a_later_day_moves_items_along(hand_built):
    # On 2025-07-01: E (EI, sent 05-16) is late from 07-01 (deadline 06-30); J
    # (reviewed, opened 06-02) is stalled; the 06-23 visit is overdue; Cora's
    # window has closed, and Cal's (last day 07-06) is closing.
    later = date(2025, 7, 1)
    kinds = {(i.kind, i.family_name, i.child_name) for i in due_items(hand_built.vera, later)}
    assert ("late_referral", "E EI 31", None) in kinds
    assert ("stalled_referral", "J Reviewed 14", None) in kinds
    assert ("overdue_follow_up", "A Follow-ups", None) in kinds
    assert ("screening_due", "B Window", "Cal B") in kinds
    assert ("screening_due", "B Window", "Cora B") not in kinds


def _caseload(visitor, families: int) -> None:
    """``families`` families, each with four items: a closing window, an overdue
    follow-up, a late referral, and no contact since January."""
    for n in range(families):
        family = FamilyFactory.build(
            name=f"Bulk {n}", assigned_visitor=visitor, created_at=datetime(2025, 1, 1, tzinfo=UTC)
        )
        db.session.add(family)
        db.session.add(ChildFactory.build(family=family, date_of_birth=date(2023, 2, 27)))
        db.session.add(FollowUpFactory.build(family=family, due_on=date(2025, 6, 10)))
        db.session.add(Referral(family=family, status="sent", service="other", sent_on=date(2025, 5, 1),
                                created_at=datetime(2025, 4, 1, tzinfo=UTC)))  # fmt: skip
    db.session.commit()


@pytest.mark.parametrize("scope", ["visitor", "supervisor"])
def test_the_query_count_does_not_grow_with_the_caseload(app_ctx, visitor, supervisor, count_queries, scope):
    user = visitor if scope == "visitor" else supervisor
    _caseload(visitor, 10)
    with count_queries() as small:
        assert len(due_items(user, TODAY)) == 10 * 4
    _caseload(visitor, 490)
    with count_queries() as large:
        assert len(due_items(user, TODAY)) == 500 * 4
    assert len(small) == len(large)


def test_a_preterm_childs_window_closes_by_corrected_age(db, visitor):
    # Born 2024-05-31 at 32 weeks: due date 2024-07-26, so the corrected age reaches
    # 11 months on 2025-06-26 and the 4-10 month window's last day is 2025-06-25,
    # although by chronological age (12 months today) it would have passed.
    family = FamilyFactory(assigned_visitor=visitor, created_at=datetime(2025, 6, 1, tzinfo=UTC))
    child = ChildFactory(family=family, date_of_birth=date(2024, 5, 31), gestational_age_weeks=32)
    items = due_items(visitor, TODAY, family_id=family.id)
    assert [(i.kind, i.instrument_code, i.due_on, i.child_id) for i in items] == [
        ("screening_due", "m4_10", date(2025, 6, 25), child.id)
    ]
