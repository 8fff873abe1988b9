"""The clinic's clock: local dates in CLINIC_TIMEZONE (rule 9)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app


def clinic_timezone() -> ZoneInfo:
    return ZoneInfo(current_app.config["CLINIC_TIMEZONE"])


def today() -> date:
    return datetime.now(clinic_timezone()).date()
