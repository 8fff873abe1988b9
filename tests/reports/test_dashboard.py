"""The supervisor's dashboard numbers on the hand-built clinic (worked out by hand)."""

from __future__ import annotations

from clinic.reports.caseload import VisitorCaseload, caseload_report
from tests.worklist.conftest import TODAY, clinic_today, hand_built  # noqa: F401  (fixtures)


def test_the_dashboard_counts_the_hand_built_caseload(hand_built):  # noqa: F811
    w = hand_built
    assert caseload_report(w.sam, TODAY) == [
        VisitorCaseload(
            visitor_id=w.vera.id,
            visitor_name="Vera",
            visitor_active=True,
            families=12,  # A to L; M is closed
            children=3,  # Cora and Cal (B), Omar (C)
            follow_ups_due=2,  # today's call, the visit a week ahead
            follow_ups_overdue=1,  # the 06-10 visit
            screenings_due=2,  # Omar's re-screen, Cora's closing window
            open_referrals=2,  # I (open), J (reviewed)
            oldest_open_referral_days=15,  # I, opened 06-01
            late_referrals=2,  # D (community, 31 days), F (EI, 46 days)
            not_seen=1,  # K
        )
    ]


def test_another_teams_supervisor_counts_only_theirs(hand_built):  # noqa: F811
    w = hand_built
    [walt] = caseload_report(w.tess, TODAY)
    assert (walt.visitor_name, walt.families, walt.follow_ups_overdue, walt.late_referrals, walt.open_referrals) == (
        "Walt", 1, 1, 1, 0,
    )  # fmt: skip


def test_an_admin_filters_by_team(hand_built):  # noqa: F811
    w = hand_built
    assert [row.visitor_name for row in caseload_report(w.admin, TODAY)] == ["Vera", "Walt"]
    assert [row.visitor_name for row in caseload_report(w.admin, TODAY, team_id=w.walt.team_id)] == ["Walt"]
