"""The API tests' fixtures: a fixed clinic date, and helpers for error bodies."""

from __future__ import annotations

from datetime import date

import pytest

from clinic import clock
from clinic.cases.ages import add_months

TODAY = date(2025, 6, 16)


@pytest.fixture(autouse=True)
def clinic_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    return TODAY


def born_months_ago(months: int) -> date:
    return add_months(TODAY, -months)


def error_of(response, status: int) -> dict:
    """The SPEC error body of ``response``, after checking its status."""
    assert response.status_code == status, (response.status_code, response.data[:500])
    error = response.json["error"]
    assert set(error) <= {"code", "message", "fields"} and error["code"] and error["message"]
    return error


def fields_of(response) -> dict:
    """The fields a 422 names."""
    return error_of(response, 422)["fields"]
