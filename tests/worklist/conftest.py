"""A hand-built clinic whose worklist is known, worked out by hand for 2025-06-16.

Team North (visitor Vera, supervisor Sam) holds the families below; team South
(visitor Walt, supervisor Tess) holds one family with overdue work, which nobody
of North may ever count or see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import pytest

from clinic import clock
from clinic.extensions import db as _db
from clinic.referrals.models import Referral, ReferralReason
from clinic.screening.models import Observation, Screening
from tests.factories import (
    AdminFactory,
    ChildFactory,
    FamilyFactory,
    FollowUpFactory,
    SupervisorFactory,
    TeamFactory,
    UserFactory,
)

TODAY = date(2025, 6, 16)


@pytest.fixture(autouse=True)
def clinic_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


@dataclass
class HandBuilt:
    vera: object
    sam: object
    walt: object
    tess: object
    admin: object
    f: dict = field(default_factory=dict)  # families by short name
    c: dict = field(default_factory=dict)  # children by short name
    fu: dict = field(default_factory=dict)  # follow-ups by short name
    r: dict = field(default_factory=dict)  # referrals by short name


def _referral(family, status, opened: date, **values) -> Referral:
    referral = Referral(
        family_id=family.id,
        status=status,
        created_at=at(opened),
        status_since=at(values.get("sent_on") or opened),
        reasons=[ReferralReason(kind="risk_factor", code="adopted")],
        **values,
    )
    _db.session.add(referral)
    return referral


def _observation(family, on: date, by) -> None:
    _db.session.add(Observation(family_id=family.id, instrument_version=1, observed_on=on, observed_by_id=by.id))


@pytest.fixture
def hand_built(db) -> HandBuilt:
    north, south = TeamFactory(name="North"), TeamFactory(name="South")
    vera, walt = UserFactory(name="Vera", team=north), UserFactory(name="Walt", team=south)
    world = HandBuilt(
        vera=vera,
        sam=SupervisorFactory(name="Sam", supervises=[north]),
        walt=walt,
        tess=SupervisorFactory(name="Tess", supervises=[south]),
        admin=AdminFactory(),
    )
    recent = at(date(2025, 6, 1))

    def family(name, visitor=vera, created=recent, **values):
        world.f[name] = FamilyFactory(name=name, assigned_visitor=visitor, created_at=created, **values)
        return world.f[name]

    # Follow-ups: overdue, due today..+7 (both ends), further out, and finished ones.
    f = family("A Follow-ups", created=at(date(2025, 1, 1)))
    for key, kind, due, status in [
        ("overdue", "visit", date(2025, 6, 10), "scheduled"),
        ("today", "call", date(2025, 6, 16), "scheduled"),
        ("week", "visit", date(2025, 6, 23), "scheduled"),  # today + 7: still "due"
        ("later", "visit", date(2025, 6, 24), "scheduled"),  # today + 8: not yet
        ("cancelled", "visit", date(2025, 6, 1), "cancelled"),
        ("visited", "visit", date(2025, 6, 1), "done"),
    ]:
        world.fu[key] = FollowUpFactory(family=f, kind=kind, due_on=due, status=status)

    # A 24-month window closing in 10 days: born 2023-02-27, 28 months on 2025-06-27,
    # so the last day at 27 months (window 21–27) is 2025-06-26. Her brother's
    # window closes 2025-07-06, 20 days away: not yet.
    f = family("B Window")
    world.c["closing"] = ChildFactory(family=f, first_name="Cora", last_name="B", date_of_birth=date(2023, 2, 27))
    world.c["later"] = ChildFactory(family=f, first_name="Cal", last_name="B", date_of_birth=date(2023, 3, 7))

    # The 24-month re-screen scheduled for 2025-01-04 was never done. The child
    # (born 2022-12-01, 30 months today) had m24 in its window, so rule 2 alone
    # would say "m36 at 36 months, 2025-12-01"; the worklist says: screening due.
    f = family("C Overdue screening", created=at(date(2024, 6, 1)))
    child = world.c["overdue"] = ChildFactory(
        family=f, first_name="Omar", last_name="C", date_of_birth=date(2022, 12, 1)
    )
    _db.session.add(
        Screening(child_id=child.id, instrument_code="m24", instrument_version=1,
                  administered_on=date(2024, 12, 5), administered_by_id=vera.id, age_months=24, result="concern")
    )  # fmt: skip
    world.fu["rescreen"] = FollowUpFactory(
        family=f, child=child, kind="screening", instrument_code="m24", due_on=date(2025, 1, 4)
    )
    _observation(f, date(2025, 5, 20), vera)

    # Referrals: sent 31 days ago (2025-05-16) and 46 days ago (2025-05-01).
    world.r["community_31"] = _referral(family("D Community 31"), "sent", date(2025, 5, 2),
                                        service="community_service", sent_on=date(2025, 5, 16))  # fmt: skip
    world.r["ei_31"] = _referral(family("E EI 31"), "sent", date(2025, 5, 2),
                                 service="early_intervention", sent_on=date(2025, 5, 16))  # fmt: skip
    world.r["ei_46"] = _referral(family("F EI 46"), "sent", date(2025, 4, 20),
                                 service="early_intervention", sent_on=date(2025, 5, 1))  # fmt: skip
    world.r["community_46_contact"] = _referral(
        family("G Community 46 contact"), "sent", date(2025, 4, 20),
        service="community_service", sent_on=date(2025, 5, 1), service_contact_on=date(2025, 5, 20),
    )  # fmt: skip
    world.r["legacy_closed"] = _referral(family("H Closed"), "closed", date(2025, 3, 1), outcome="declined",
                                         sent_on=date(2025, 3, 5))  # fmt: skip
    # Open 15 days (stalled) and reviewed 14 days (not yet).
    world.r["open_15"] = _referral(family("I Open 15"), "open", date(2025, 6, 1))
    world.r["reviewed_14"] = _referral(family("J Reviewed 14"), "reviewed", date(2025, 6, 2))

    # Not seen: last observation 91 days ago; last visit done 90 days ago (seen).
    _observation(family("K Not seen 91", created=at(date(2025, 1, 1))), date(2025, 3, 17), vera)
    FollowUpFactory(family=family("L Seen 90", created=at(date(2025, 1, 1))), kind="visit",
                    due_on=date(2025, 3, 18), status="done")  # fmt: skip
    # A closed family is never on a worklist, whatever it holds.
    f = family("M Closed case", created=at(date(2024, 1, 1)), status="closed")
    FollowUpFactory(family=f, kind="visit", due_on=date(2025, 6, 1))

    # Team South: overdue follow-up and a late referral.
    f = family("S South", visitor=walt)
    world.fu["south"] = FollowUpFactory(family=f, kind="visit", due_on=date(2025, 6, 12))
    world.r["south"] = _referral(f, "sent", date(2025, 4, 1), service="other", sent_on=date(2025, 4, 2))
    _db.session.commit()
    return world
