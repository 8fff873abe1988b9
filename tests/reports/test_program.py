"""Rule 11's measures on the hand-built clinic of ``conftest.py`` (worked out by hand)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from clinic.reports.caseload import dashboard_scope
from clinic.reports.program import (
    Count,
    Measure,
    MonthCounts,
    federal_fiscal_year,
    interaction_observed,
    program_report,
)
from clinic.screening.models import Observation
from tests.factories import AdminFactory, ChildFactory, FamilyFactory, UserFactory
from tests.reports.conftest import TODAY

FFY_2026 = (date(2025, 10, 1), date(2026, 9, 30))


def report(user, team_id=None, period=FFY_2026):
    return program_report(dashboard_scope(user, team_id), *period, TODAY, team_id=team_id)


def test_the_federal_fiscal_year_runs_october_to_september():
    assert federal_fiscal_year(date(2026, 6, 15)) == FFY_2026
    assert federal_fiscal_year(date(2025, 10, 1)) == FFY_2026
    assert federal_fiscal_year(date(2025, 9, 30)) == (date(2024, 10, 1), date(2025, 9, 30))


def test_the_measures_of_team_north(report_clinic):
    measures = {m.code: m for m in report(report_clinic.sam).measures}
    assert measures == {
        "screened_on_time:m0_3": Measure("screened_on_time:m0_3", 1, 1, 0),  # A
        "screened_on_time:m3_6": Measure("screened_on_time:m3_6", 1, 2, 0),  # K; A screened a day late
        "screened_on_time:m4_10": Measure("screened_on_time:m4_10", 0, 2, 0),  # E, K
        "screened_on_time:m10_18": Measure("screened_on_time:m10_18", 2, 3, 0),  # B, D; not C
        "screened_on_time:m18_20": Measure("screened_on_time:m18_20", 1, 3, 0),  # C; not B, D
        "screened_on_time:m24": Measure("screened_on_time:m24", 1, 2, 0),  # H; not G
        "screened_on_time:m36": Measure("screened_on_time:m36", 0, 0, 0),
        # R1 (EI, day 44), R3 (community, day 29) on time; R2 (EI, day 46), R4 (community,
        # day 31), R6 (EI, no contact, deadline passed) late; R5's deadline is ahead;
        # R8 has no service recorded (missing); R7 was sent before the period.
        "referral_connected_on_time": Measure("referral_connected_on_time", 2, 5, 1),
        # A, B, C, D, E, H (G turns 36 months on the 30th; K is closed); A and H observed.
        "interaction_observed": Measure("interaction_observed", 2, 6, 0),
    }
    assert measures["screened_on_time:m36"].value is None
    assert measures["referral_connected_on_time"].value == 0.4


def test_the_other_tables_of_team_north(report_clinic):
    result = report(report_clinic.sam)
    assert result.screenings == 5
    assert [m for m in result.screenings_by_month if m.total] == [
        MonthCounts("2025-10", on_track=1, monitor=0, concern=1),  # K, H
        MonthCounts("2026-01", on_track=0, monitor=1, concern=0),  # C
        MonthCounts("2026-03", on_track=0, monitor=0, concern=1),  # A
        MonthCounts("2026-04", on_track=1, monitor=0, concern=0),  # D
    ]
    assert [m.month for m in result.screenings_by_month] == [
        "2025-10", "2025-11", "2025-12", "2026-01", "2026-02", "2026-03",
        "2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09",
    ]  # fmt: skip
    # A misses social and communication; H's current answers miss social only.
    assert {c.code: c.count for c in result.missed_by_domain} == {
        "sensory": 0, "social": 2, "communication": 1, "play": 0,
    }  # fmt: skip
    assert result.risk_factors_by_category == [
        Count("infant", "The infant's well-being", 1),
        Count("child", "The child's experience and environment", 1),
        Count("caregiver", "The caregiver's well-being", 1),
    ]
    referrals = result.referrals
    assert (referrals.opened, referrals.sent) == (8, 7)  # R1–R6, R8, R9 opened; R1–R6, R8 sent
    assert referrals.closed == {"completed": 2, "declined": 1, "unable_to_contact": 0}  # R1, R3; R2
    # Opened → sent: 16, 16, 10, 10, 10, 28, 12 days; sent → contact: 29, 31, 44, 46.
    assert referrals.median_days_opened_to_sent == 12
    assert referrals.median_days_sent_to_contact == 37.5


def test_an_admin_sees_every_team_or_one(report_clinic):
    everyone = {m.code: m for m in report(report_clinic.admin).measures}
    assert everyone["screened_on_time:m0_3"] == Measure("screened_on_time:m0_3", 2, 2, 0)  # A, S
    assert everyone["screened_on_time:m3_6"] == Measure("screened_on_time:m3_6", 1, 3, 0)  # K; not A, S
    assert everyone["referral_connected_on_time"] == Measure("referral_connected_on_time", 3, 6, 1)
    south = report(report_clinic.admin, team_id=report_clinic.walt.team_id)
    assert {m.code: (m.numerator, m.denominator) for m in south.measures if m.denominator} == {
        "screened_on_time:m0_3": (1, 1),
        "screened_on_time:m3_6": (0, 1),
        "referral_connected_on_time": (1, 1),
        "interaction_observed": (0, 1),
    }
    # Tess sees her team only, whatever team she asks for.
    assert report(report_clinic.tess).measures == south.measures
    assert report(report_clinic.tess, team_id=report_clinic.vera.team_id).measures == [
        Measure(m.code, 0, 0, 0) for m in south.measures
    ]


def test_an_earlier_period(report_clinic):
    """FFY 2025 (2024-10-01 to 2025-09-30): K's m0_3 closes on its last day."""
    measures = {m.code: (m.numerator, m.denominator) for m in report(report_clinic.sam, period=(
        date(2024, 10, 1), date(2025, 9, 30))).measures if m.denominator}  # fmt: skip
    # m0_3: B (2025-01-09), D (corrected: 2025-01-08), K (2025-09-30, the last day of the
    # period); E's closed 2025-08-31, before its family was created. m3_6: B (2025-04-09),
    # C (2024-12-09), D (2025-04-08). m4_10: B (2025-08-09), C (2025-04-09), D (2025-08-08).
    # m10_18: G (2025-04-29), H (2025-04-30). m18_20: G (2025-06-29), H (2025-06-30).
    # None screened in those windows. R7 was sent 2025-09-20, contact on day 5.
    assert measures == {
        "screened_on_time:m0_3": (0, 3),
        "screened_on_time:m3_6": (0, 3),
        "screened_on_time:m4_10": (0, 3),
        "screened_on_time:m10_18": (0, 2),
        "screened_on_time:m18_20": (0, 2),
        "referral_connected_on_time": (1, 1),
        # A, B, C, D, G, H (E created later, K closed); B observed 2025-09-15.
        "interaction_observed": (1, 6),
    }


def test_interaction_observed_on_the_edges_of_the_period_in_the_clinics_zone(db, app, monkeypatch):
    """Period 2025-01-01 to 2025-12-31 in Chicago (UTC-6 in winter). A family created at
    23:30 on the 31st there (05:30 UTC on 1 January) is counted; one created at 00:30
    on 1 January there is not. A child born 2022-12-31 completes 36 months on the
    period's last day (not under 36 any more); one born 2023-01-01 completes them on
    2026-01-01 (still under 36). Observations on the period's first and last day
    count, one the day before it does not. In UTC, the same period leaves out the
    family created at 05:30 UTC on 1 January."""
    admin = AdminFactory()
    visitor = UserFactory()

    def family(created: datetime, born: date, observed: date | None = None):
        made = FamilyFactory(assigned_visitor=visitor, created_at=created)
        ChildFactory(family=made, date_of_birth=born)
        if observed is not None:
            db.session.add(Observation(family_id=made.id, instrument_version=1, observed_on=observed,
                                       observed_by_id=visitor.id))  # fmt: skip

    family(datetime(2026, 1, 1, 5, 30, tzinfo=UTC), date(2024, 5, 1), observed=date(2025, 12, 31))  # counted, observed
    family(datetime(2026, 1, 1, 6, 30, tzinfo=UTC), date(2024, 5, 1), observed=date(2025, 12, 31))  # created 2026
    family(datetime(2024, 1, 1, 12, tzinfo=UTC), date(2022, 12, 31), observed=date(2025, 6, 1))  # 36 months on the 31st
    family(datetime(2024, 1, 1, 12, tzinfo=UTC), date(2023, 1, 1), observed=date(2024, 12, 31))  # counted, not observed
    family(datetime(2024, 1, 1, 12, tzinfo=UTC), date(2023, 2, 28), observed=date(2025, 1, 1))  # counted, observed
    family(datetime(2024, 1, 1, 12, tzinfo=UTC), date(2026, 1, 1))  # born after the period
    db.session.commit()
    in_utc = interaction_observed(dashboard_scope(admin), date(2025, 1, 1), date(2025, 12, 31))
    assert (in_utc.numerator, in_utc.denominator) == (1, 2)
    monkeypatch.setitem(app.config, "CLINIC_TIMEZONE", "America/Chicago")
    measure = interaction_observed(dashboard_scope(admin), date(2025, 1, 1), date(2025, 12, 31))
    assert (measure.numerator, measure.denominator) == (2, 3)
