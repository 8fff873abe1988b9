"""A small clinic whose program report (rule 11) is worked out by hand for 2026-06-15.

The default period is the federal fiscal year 2026: 2025-10-01 to 2026-09-30, and
windows count only when their last day is not after today (2026-06-15). A window
``[min, max]`` ends the day before the screening age reaches ``max + 1`` months:
m0_3 before 4, m3_6 before 7, m4_10 before 11, m10_18 before 19, m18_20 before 21,
m24 before 28, m36 before 40.

Team North (visitor Vera, supervisor Sam), families created 2024-01-01 unless said:

| child | born (weeks) | windows whose last day falls in 2025-10-01..2026-06-15 | screened |
| --- | --- | --- | --- |
| A | 2025-07-31 | m0_3 2025-11-29; m3_6 2026-02-27 (31 Jul + 7 months = 28 Feb) | m0_3 2025-09-15 (in); m3_6 2026-03-01 (age 7: out) |
| B | 2024-09-10 | m10_18 2026-04-09; m18_20 2026-06-09 | m10_18 2025-07-10 (in, before the period) |
| C | 2024-03-01 (30) | due 2024-05-10: m10_18 2025-12-09; m18_20 2026-02-09 (corrected) | m18_20 2026-01-20 (corrected 20: in; chronological 22) |
| D | 2024-05-20 (24) | due 2024-09-09: m10_18 2026-04-08; m18_20 2026-05-19 (corrected 21 would be 06-09, after the 24-month switch on 05-20: the window ends the day before) | m10_18 2026-04-08 (its last day) |
| E | 2025-05-01, family created 2025-12-05 | m3_6 2025-11-30 (before the family: left out); m4_10 2026-03-31 | — |
| G | 2023-09-30 | m24 2026-01-29 | — |
| H | 2023-10-01 | m24 2026-01-31 | m24 2025-10-01 (in) |
| K | 2025-06-01, family closed | m0_3 2025-09-30 (before the period); m3_6 2025-12-31 | m3_6 2025-10-15 (in) |

Windows closing after today (A's m4_10 on 2026-06-29, C's m24 on 2026-06-30) are
not counted yet. So: m0_3 1/1, m3_6 1/2 (K; A late), m4_10 0/2 (E, K), m10_18
2/3 (B, D; not C), m18_20 1/3 (C; not B, D), m24 1/2 (H; not G), m36 0/0.

Team South (visitor Walt): family S, child born 2025-07-31 screened m0_3 on
2025-09-15, and one Early Intervention referral with contact on day 10.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from clinic import clock
from clinic.extensions import db as _db
from clinic.referrals.models import Referral
from clinic.screening.models import Observation, RiskFactor, Screening, ScreeningResponse
from tests.factories import (
    AdminFactory,
    CaregiverFactory,
    ChildFactory,
    FamilyFactory,
    SupervisorFactory,
    TeamFactory,
    UserFactory,
)

TODAY = date(2026, 6, 15)
CREATED = datetime(2024, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
def report_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@dataclass
class ReportClinic:
    vera: object
    sam: object
    walt: object
    tess: object
    admin: object


def _screen(child, visitor, code: str, on: date, result: str, missed: dict[int, list[str]] | None = None,
            revision: int = 0) -> Screening:  # fmt: skip
    """A screening row; ``missed`` maps each revision to the domains it misses."""
    screening = Screening(child=child, instrument_code=code, instrument_version=1, administered_on=on,
                          administered_by_id=visitor.id, age_months=0, result=result, revision=revision)  # fmt: skip
    _db.session.add(screening)
    for rev, domains in (missed or {}).items():
        for n, domain in enumerate(domains):
            _db.session.add(ScreeningResponse(screening=screening, revision=rev, item_id=f"{domain}_{n}",
                                              domain=domain, response="not_yet"))  # fmt: skip
        _db.session.add(ScreeningResponse(screening=screening, revision=rev, item_id="other", domain="sensory",
                                          response="yes"))  # fmt: skip
    return screening


def _referral(family, created: date, status: str, service: str | None = None, sent_on: date | None = None,
              contact: date | None = None, outcome: str | None = None, since: date | None = None) -> None:  # fmt: skip
    _db.session.add(Referral(family=family, created_at=at(created), status=status, service=service,
                             sent_on=sent_on, service_contact_on=contact, outcome=outcome,
                             status_since=at(since or sent_on or created)))  # fmt: skip


@pytest.fixture
def report_clinic(db, report_today) -> ReportClinic:
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    vera, walt = UserFactory(name="Vera", team=north), UserFactory(name="Walt", team=south)
    sam = SupervisorFactory(name="Sam", supervises=[north])
    tess = SupervisorFactory(name="Tess", supervises=[south])
    admin = AdminFactory(name="Ada")

    def family(name: str, visitor=vera, created: datetime = CREATED, status: str = "active"):
        return FamilyFactory(name=name, assigned_visitor=visitor, created_at=created, status=status)

    def child(fam, born: date, weeks: int | None = None):
        return ChildFactory(family=fam, first_name=fam.name, date_of_birth=born, gestational_age_weeks=weeks)

    a = child(fa := family("A"), date(2025, 7, 31))
    _screen(a, vera, "m0_3", date(2025, 9, 15), "on_track")
    _screen(a, vera, "m3_6", date(2026, 3, 1), "concern", {0: ["social", "communication"]})
    b = child(fb := family("B"), date(2024, 9, 10))
    _screen(b, vera, "m10_18", date(2025, 7, 10), "on_track")
    c = child(family("C"), date(2024, 3, 1), weeks=30)
    _screen(c, vera, "m18_20", date(2026, 1, 20), "monitor")
    d = child(family("D"), date(2024, 5, 20), weeks=24)
    _screen(d, vera, "m10_18", date(2026, 4, 8), "on_track")
    child(family("E", created=datetime(2025, 12, 5, 9, tzinfo=UTC)), date(2025, 5, 1))
    child(family("G"), date(2023, 9, 30))
    h = child(fh := family("H"), date(2023, 10, 1))
    # Amended: the first answers missed "play" too; only the current revision counts.
    _screen(h, vera, "m24", date(2025, 10, 1), "concern", {0: ["social", "play"], 1: ["social"]}, revision=1)
    k = child(family("K", status="closed"), date(2025, 6, 1))
    _screen(k, vera, "m3_6", date(2025, 10, 15), "on_track")

    # Interaction observations: A and H in the period, B before it.
    for fam, on in ((fa, date(2025, 11, 1)), (fh, date(2026, 6, 1)), (fb, date(2025, 9, 15))):
        _db.session.add(Observation(family_id=fam.id, instrument_version=1, observed_on=on, observed_by_id=vera.id))

    # Risk factors: one per category in the period, one before it.
    caregiver = CaregiverFactory(family=fa)
    for code, on, person in (
        ("caregiver_stress", date(2025, 11, 1), {"caregiver": caregiver}),
        ("difficult_birth", date(2026, 2, 1), {"child": a}),
        ("maltreatment", date(2025, 9, 30), {"child": b}),
        ("inconsistent_care", date(2026, 5, 5), {"child": b}),
    ):
        _db.session.add(RiskFactor(family=fa if "caregiver" in person or person["child"] is a else fb, code=code,
                                   catalog_version=1, noted_on=on, noted_by_id=vera.id, **person))  # fmt: skip

    # Referrals, each on a family of its own (no children).
    def referral_family(name: str):
        return family(f"Referral {name}")

    _referral(referral_family("R1"), date(2025, 12, 20), "closed", "early_intervention", date(2026, 1, 5),
              date(2026, 2, 18), "completed", date(2026, 3, 1))  # day 44  # fmt: skip
    _referral(referral_family("R2"), date(2025, 12, 20), "closed", "early_intervention", date(2026, 1, 5),
              date(2026, 2, 20), "declined", date(2026, 3, 10))  # day 46  # fmt: skip
    _referral(referral_family("R3"), date(2026, 1, 23), "closed", "community_service", date(2026, 2, 2),
              date(2026, 3, 3), "completed", date(2026, 4, 1))  # day 29  # fmt: skip
    _referral(referral_family("R4"), date(2026, 1, 23), "sent", "community_service", date(2026, 2, 2),
              date(2026, 3, 5))  # day 31  # fmt: skip
    _referral(referral_family("R5"), date(2026, 5, 22), "sent", "community_service", date(2026, 6, 1))  # deadline 07-01
    _referral(referral_family("R6"), date(2026, 2, 1), "sent", "early_intervention", date(2026, 3, 1))  # no contact
    _referral(referral_family("R7"), date(2025, 9, 1), "closed", "other", date(2025, 9, 20), date(2025, 9, 25),
              "completed", date(2025, 9, 30))  # before the period  # fmt: skip
    _referral(referral_family("R8"), date(2025, 10, 20), "sent", None, date(2025, 11, 1))  # service unknown
    _referral(referral_family("R9"), date(2026, 5, 1), "open")

    s = child(fs := family("S", visitor=walt), date(2025, 7, 31))
    _screen(s, walt, "m0_3", date(2025, 9, 15), "on_track")
    _referral(fs, date(2025, 12, 1), "sent", "early_intervention", date(2026, 1, 5), date(2026, 1, 15))
    _db.session.commit()
    return ReportClinic(vera=vera, sam=sam, walt=walt, tess=tess, admin=admin)
