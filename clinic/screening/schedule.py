"""Rule 2: which instrument is due next for each child, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from clinic.cases.models import Child


@dataclass(frozen=True)
class NextScreening:
    instrument_code: str
    instrument_title: str
    due_on: date


def next_screenings(children: list[Child], on: date) -> dict[int, NextScreening | None]:
    """Child id → the screening due next (None past every window), in one query."""
    return {}
