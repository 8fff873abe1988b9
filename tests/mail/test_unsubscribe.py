"""One-click unsubscribe: a signed link, a confirmation page, no sign-in (rule 8)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from itsdangerous import URLSafeSerializer
from sqlalchemy import select

from clinic.audit import AuditEvent
from clinic.cases.models import Caregiver
from clinic.mail.models import OutboxMessage
from clinic.mail.unsubscribe import SALT, make_token
from clinic.worklist.reminders import run_reminders
from tests.factories import CaregiverFactory, FamilyFactory, FollowUpFactory


@pytest.fixture
def caregiver(db):
    return CaregiverFactory(email="ana.flores@families.test")


def reload(db, caregiver) -> Caregiver:
    db.session.expire_all()
    return db.session.get(Caregiver, caregiver.id)


def csrf_token(page: bytes) -> str:
    return re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1).decode()


def test_the_link_in_a_reminder_opens_a_confirmation_page_without_sign_in(db, client):
    family = FamilyFactory()
    caregiver = CaregiverFactory(family=family)
    FollowUpFactory(family=family, due_on=date(2025, 6, 17))
    run_reminders(date(2025, 6, 16))
    db.session.commit()
    [message] = db.session.scalars(select(OutboxMessage)).all()
    link = re.search(r"http://127\.0\.0\.1:5000(/unsubscribe/\S+)", message.body_text).group(1)

    page = client.get(link)

    assert page.status_code == 200
    assert b"Stop reminder emails" in page.data
    assert caregiver.email[0].encode() + "•••@families.test".encode() in page.data
    assert caregiver.email.encode() not in page.data
    assert reload(db, caregiver).email_opt_in is True  # opening the page changes nothing


def test_the_button_stops_the_emails_and_is_audited(db, client, caregiver):
    path = f"/unsubscribe/{make_token(caregiver.id)}"
    page = client.get(path)

    done = client.post(path, data={"csrf_token": csrf_token(page.data)})

    assert done.status_code == 200
    assert b"Reminder emails stopped" in done.data
    caregiver = reload(db, caregiver)
    assert caregiver.email_opt_in is False
    assert caregiver.opted_out_at is not None
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "unsubscribe")).all()
    assert (event.record_type, event.record_id, event.family_id, event.user_id) == (
        "caregiver", caregiver.id, caregiver.family_id, None
    )
    again = client.get(path)
    assert b"already stopped" in again.data


def test_the_form_needs_its_csrf_token(db, client, caregiver):
    response = client.post(f"/unsubscribe/{make_token(caregiver.id)}", data={})
    assert response.status_code == 400
    assert reload(db, caregiver).email_opt_in is True


def test_a_mail_client_one_click_post_needs_no_csrf_token(db, client, caregiver):
    response = client.post(
        f"/unsubscribe/{make_token(caregiver.id)}/one-click", data={"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    assert reload(db, caregiver).email_opt_in is False


def test_a_one_click_post_must_say_so(db, client, caregiver):
    response = client.post(f"/unsubscribe/{make_token(caregiver.id)}/one-click", data={})
    assert response.status_code == 400
    assert reload(db, caregiver).email_opt_in is True


def test_opening_the_one_click_address_in_a_browser_shows_the_confirmation(db, client, caregiver):
    token = make_token(caregiver.id)
    response = client.get(f"/unsubscribe/{token}/one-click")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/unsubscribe/{token}")


@pytest.mark.parametrize(
    "forge",
    [
        lambda caregiver_id: "tampered",
        lambda caregiver_id: make_token(caregiver_id)[:-3] + "abc",
        lambda caregiver_id: URLSafeSerializer("another-secret", salt=SALT).dumps(caregiver_id),
        lambda caregiver_id: URLSafeSerializer("test-secret-key", salt="another-purpose").dumps(caregiver_id),
        lambda caregiver_id: make_token(caregiver_id + 1000),
    ],
    ids=["garbage", "bad signature", "other secret", "other purpose", "no such caregiver"],
)
def test_a_forged_or_mangled_token_is_not_found(db, client, caregiver, forge):
    token = forge(caregiver.id)
    assert client.get(f"/unsubscribe/{token}").status_code == 404
    assert client.post(f"/unsubscribe/{token}/one-click", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    assert reload(db, caregiver).email_opt_in is True


def test_a_spanish_family_reads_the_page_in_spanish(db, client):
    caregiver = CaregiverFactory(family=FamilyFactory(language="es"))
    page = client.get(f"/unsubscribe/{make_token(caregiver.id)}")
    assert b'lang="es"' in page.data
    assert "Dejar de recibir recordatorios" in page.get_data(as_text=True)


def test_an_unsubscribed_caregiver_gets_no_further_reminder(db, client, caregiver):
    FollowUpFactory(family=caregiver.family, due_on=date(2025, 6, 16) + timedelta(days=2))
    client.post(f"/unsubscribe/{make_token(caregiver.id)}/one-click", data={"List-Unsubscribe": "One-Click"})
    assert run_reminders(date(2025, 6, 16)).family_reminders == 0
