"""API endpoint: rule 10's worklist for the signed-in user."""

from __future__ import annotations

from datetime import date

from flask import g

from clinic import clock
from clinic.api.blueprint import endpoint
from clinic.api.schemas import Out
from clinic.worklist.due import KINDS, due_items


class WorklistItemOut(Out):
    kind: str
    family_id: int
    child_id: int | None = None
    follow_up_id: int | None = None
    referral_id: int | None = None
    instrument: str | None = None
    due_on: date


class WorklistOut(Out):
    items: list[WorklistItemOut]


@endpoint(
    "/worklist",
    summary="Rule 10 for the signed-in user (a visitor: their families; a supervisor: their teams'; an admin: all), "
    f"oldest first; kinds: {', '.join(KINDS)}",
    response=WorklistOut,
)
def worklist():
    items = due_items(g.user, clock.today())
    return WorklistOut(
        items=[
            WorklistItemOut(
                kind=item.kind,
                family_id=item.family_id,
                child_id=item.child_id,
                follow_up_id=item.follow_up_id,
                referral_id=item.referral_id,
                instrument=item.instrument_code,
                due_on=item.due_on,
            )
            for item in items
        ]
    ).model_dump(mode="json")
