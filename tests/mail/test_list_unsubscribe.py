"""List-Unsubscribe reaches mail clients as a plain ``<URL>`` however long the URL
(RFC 2369, RFC 8058), and the reminder reads well on a phone."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from clinic.cases.models import Caregiver
from clinic.mail.delivery import deliver
from clinic.mail.models import OutboxMessage
from clinic.mail.reminders import run_reminders
from tests.factories import CaregiverFactory, FamilyFactory, FollowUpFactory, UserFactory

TODAY = date(2026, 3, 2)
BASE = "http://c.ex"


def _send_reminder(db, app, monkeypatch, public_url: str, visitor_email: str = "lucia.gomez@clinic.example"):
    monkeypatch.setitem(app.config, "PUBLIC_URL", public_url)
    visitor = UserFactory(name="Lucía Gómez", email=visitor_email)
    family = FamilyFactory(assigned_visitor=visitor)
    caregiver = CaregiverFactory(family=family, email="ana@families.test")
    FollowUpFactory(family=family, due_on=TODAY + timedelta(days=1))
    run_reminders(TODAY)
    db.session.commit()
    [message] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.caregiver_id == caregiver.id)).all()
    assert deliver(message.id) == "sent"
    return caregiver


# Lengths of PUBLIC_URL's path, so the one-click URL runs from about 60 to 300 characters.
@pytest.mark.parametrize("padding", [0, 2, 5, 6, 40, 120, 240])
def test_the_header_is_a_plain_url_in_angle_brackets_of_any_length(db, app, client, smtp, monkeypatch, padding):
    public_url = BASE + ("/" + "p" * padding if padding else "")
    caregiver = _send_reminder(db, app, monkeypatch, public_url)

    [raw] = smtp.recorder.raw
    header = re.search(rb"^List-Unsubscribe: (.*?)\r\n(?![ \t])", raw, re.M | re.S).group(1).decode("ascii")
    assert "=?" not in header  # no RFC 2047 encoded word
    url = header.removeprefix("<").removesuffix(">")
    assert header == f"<{url}>"
    assert re.fullmatch(rf"{re.escape(public_url)}/unsubscribe/[\w.-]+/one-click", url), url
    assert 55 <= len(url) <= 310
    assert b"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in raw

    # The URL works: a mail client's one-click POST unsubscribes the caregiver.
    response = client.post(url.removeprefix(public_url), data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Caregiver, caregiver.id).email_opt_in is False


def test_the_lengths_tried_span_60_to_300_characters(db, app, smtp, monkeypatch):
    """The parametrized paddings above give URLs from about 60 to over 300 characters."""
    lengths = []
    for padding in (0, 240):
        public_url = BASE + ("/" + "p" * padding if padding else "")
        _send_reminder(db, app, monkeypatch, public_url, visitor_email=f"v{padding}@clinic.example")
        raw = smtp.recorder.raw[-1]
        lengths.append(len(re.search(rb"^List-Unsubscribe: <(.*?)>\r\n", raw, re.M).group(1)))
    assert lengths[0] <= 65 and lengths[1] >= 300  # the shortest PUBLIC_URL gives about 64


def test_the_reminder_fits_a_phone_and_says_how_to_reach_the_visitor(db, app, smtp, monkeypatch):
    _send_reminder(db, app, monkeypatch, BASE)
    [received] = smtp.recorder.wait_for(1)
    html = BeautifulSoup(received.get_body(("html",)).get_content(), "html.parser")
    assert html.find("meta", attrs={"name": "viewport"})["content"] == "width=device-width, initial-scale=1"
    assert html.find("a", href="mailto:lucia.gomez@clinic.example").text == "lucia.gomez@clinic.example"
    assert "You can reach Lucía Gómez by email:" in html.text
    assert "You can reach Lucía Gómez by email: lucia.gomez@clinic.example" in received.get_body(("plain",)).get_content()
