"""A double submission that reaches the server twice at the same moment still saves
one screening: the form's token is unique in the database, so the second request's
insert waits for the first and then finds its screening.

Needs PostgreSQL (SQLite serialises every writer on its own).
"""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select

from clinic.screening import drafts
from clinic.screening.models import Screening
from tests.factories import ChildFactory, FamilyFactory, UserFactory
from tests.screening.conftest import answers, born_months_ago

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(os.environ.get("CLINIC_TEST_DB") != "postgresql", reason="needs PostgreSQL"),
]


def test_two_simultaneous_submissions_of_one_form_save_one_screening(login, db, monkeypatch):
    visitor = UserFactory()
    child = ChildFactory(family=FamilyFactory(assigned_visitor=visitor), date_of_birth=born_months_ago(4))
    path = f"/children/{child.id}/screenings/new"
    first, second = login(visitor), login(visitor)
    data = {
        "instrument": "m3_6", "administered_on": "2025-06-16", "form_token": "one-form-shown-once",
        **{f"responses-{item_id}": value for item_id, value in answers("m3_6").items()},
    }  # fmt: skip
    tokens = [first.csrf_token(path), second.csrf_token(path)]

    # Both requests get past "was this form already saved?" before either saves.
    barrier = threading.Barrier(2, timeout=10)
    real_check = drafts.saved_with_token
    checked = threading.local()

    def check_together(*args):
        found = real_check(*args)
        if not getattr(checked, "once", False):
            checked.once = True
            barrier.wait()
        return found

    monkeypatch.setattr(drafts, "saved_with_token", check_together)
    responses: list = [None, None]

    def submit(index, browser):
        responses[index] = browser.post(path, data={**data, "csrf_token": tokens[index]})

    threads = [threading.Thread(target=submit, args=(i, b)) for i, b in enumerate((first, second))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert [r.status_code for r in responses] == [302, 302]
    saved = db.session.scalars(select(Screening)).all()
    assert len(saved) == 1 and saved[0].form_token == "one-form-shown-once"
    assert {r.headers["Location"] for r in responses} == {f"/screenings/{saved[0].id}"}
    assert db.session.scalar(select(func.count(Screening.id))) == 1
