"""The mail viewer (staff, scoped), the admins' mail log, and the family page panel."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from clinic.cases.models import Family
from clinic.db import utcnow
from clinic.mail.models import OutboxMessage
from clinic.worklist.reminders import run_reminders
from tests.factories import (
    AdminFactory,
    CaregiverFactory,
    FamilyFactory,
    FollowUpFactory,
    SupervisorFactory,
    UserFactory,
)

TODAY = date(2025, 6, 16)


@pytest.fixture
def clinic(db):
    """Two visitors' families, each with a reminder, and each visitor's digest."""
    mine, theirs = UserFactory(), UserFactory()
    for visitor, name in ((mine, "Mine"), (theirs, "Theirs")):
        family = FamilyFactory(assigned_visitor=visitor, name=name)
        CaregiverFactory(family=family, email=f"{name.lower()}@families.test")
        FollowUpFactory(family=family, due_on=TODAY + timedelta(days=1))
        FollowUpFactory(family=family, due_on=TODAY - timedelta(days=1))
    run_reminders(TODAY)
    db.session.commit()
    return mine, theirs


def message_to(db, recipient: str) -> OutboxMessage:
    return db.session.scalars(select(OutboxMessage).where(OutboxMessage.recipient == recipient)).one()


def test_a_visitor_reads_the_emails_of_their_families_and_their_own_digest(db, login, clinic):
    mine, theirs = clinic
    browser = login(mine)

    page = browser.get("/mail")

    assert page.status_code == 200
    assert b"mine@families.test" in page.data and mine.email.encode() in page.data
    assert b"theirs@families.test" not in page.data and theirs.email.encode() not in page.data
    assert b"No mail server is set" in page.data
    own = message_to(db, "mine@families.test")
    detail = browser.get(f"/mail/{own.id}")
    assert detail.status_code == 200 and b"will visit you at home" in detail.data
    other = message_to(db, "theirs@families.test")
    assert browser.get(f"/mail/{other.id}").status_code == 404
    assert browser.get(f"/mail/{other.id}/html").status_code == 404
    assert browser.get(f"/mail?family_id={other.family_id}").status_code == 404


def test_a_supervisor_reads_their_teams_emails_and_an_admin_all(db, login, clinic):
    mine, _ = clinic
    supervisor = SupervisorFactory(supervises=[mine.team])
    page = login(supervisor).get("/mail").data
    assert b"mine@families.test" in page and b"theirs@families.test" not in page

    page = login(AdminFactory()).get("/mail").data
    assert b"mine@families.test" in page and b"theirs@families.test" in page


def test_the_html_version_is_shown_alone_under_a_locked_down_policy(db, login, clinic):
    mine, _ = clinic
    own = message_to(db, "mine@families.test")
    response = login(mine).get(f"/mail/{own.id}/html")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "sandbox" in policy and "script-src" not in policy
    assert b"Stop reminder emails" in response.data


def test_the_mail_log_lists_failed_emails_for_admins_only(db, login, clinic, app, monkeypatch):
    mine, _ = clinic
    failed = message_to(db, "mine@families.test")
    failed.status, failed.attempts, failed.last_error = "failed", 10, "SMTPServerDisconnected: gone"
    db.session.commit()

    assert login(mine).get("/mail/log").status_code in (403, 404)
    admin = login(AdminFactory())
    page = admin.get("/mail/log")
    assert page.status_code == 200
    assert b"SMTPServerDisconnected: gone" in page.data and b"mine@families.test" in page.data

    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    response = admin.submit("/mail/log", {}, action=f"/mail/{failed.id}/retry")
    assert response.status_code == 302
    db.session.refresh(failed)
    assert (failed.status, failed.attempts) == ("queued", 0)


def test_the_family_page_shows_opt_outs_and_failed_emails(db, login, clinic):
    mine, _ = clinic
    message = message_to(db, "mine@families.test")
    message.status, message.last_error = "failed", "SMTPRecipientsRefused: 550 No such mailbox"
    CaregiverFactory(family=db.session.get(Family, message.family_id), name="Ana Optedout", email_opt_in=False, opted_out_at=utcnow())
    db.session.commit()

    page = login(mine).get(f"/families/{message.family_id}")

    assert page.status_code == 200
    assert b"Ana Optedout unsubscribed from reminder emails" in page.data
    assert b"1 email to this family could not be delivered" in page.data
    assert b"550 No such mailbox" in page.data
