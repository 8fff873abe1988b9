"""Fixtures for the screening and referral tests: a fixed clinic date, and the
summary compile request recorded instead of queued (the worker's tests cover it)."""

from __future__ import annotations

from datetime import date

import pytest

from clinic import clock
from clinic.cases.ages import add_months
from clinic.instruments import get_instrument
from clinic.referrals import summary

TODAY = date(2025, 6, 16)


@pytest.fixture(autouse=True)
def clinic_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


@pytest.fixture(autouse=True)
def compile_requests(monkeypatch):
    """Ids of the referrals whose summary compile was requested, in order."""
    requested: list[int] = []
    monkeypatch.setattr(summary, "request_compile", lambda referral: requested.append(referral.id))
    return requested


def born_months_ago(months: int, days: int = 0) -> date:
    """A date of birth making the child ``months`` old (plus ``days``) on TODAY."""
    born = add_months(TODAY, -months)
    return date.fromordinal(born.toordinal() - days)


def answers(code: str, value: str = "yes", **overrides: str) -> dict[str, str]:
    """Every item of the instrument answered ``value``; ``overrides`` by short item id."""
    responses = {item.id: value for item in get_instrument(code).items}
    for short_id, response in overrides.items():
        responses[f"{code}.{short_id}"] = response
    return responses


def item_ids(code: str) -> list[str]:
    return list(get_instrument(code).item_ids)
