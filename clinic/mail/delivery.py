"""Send one outbox row through SMTP, at most once per claim.

A sender first claims the row with a conditional UPDATE (queued → sending) in a
transaction of its own: of two workers handed the same row, one wins and the other
does nothing. The claim lapses after :data:`CLAIM_LEASE`, so a row whose sender
died goes back to the sweep. Failures are retried with exponential backoff until
:data:`MAX_ATTEMPTS`, then the row is ``failed`` for staff to see.

The Message-ID is derived from the row's key: should a sender die after the mail
server accepted the message but before the row was marked sent (the one window no
outbox can close), the second copy carries the same Message-ID and mail systems
drop it as a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app
from sqlalchemy import update

from clinic.cases.models import Caregiver, FollowUp
from clinic.db import utcnow
from clinic.extensions import db
from clinic.mail.models import OutboxMessage
from clinic.text import problem

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
CLAIM_LEASE = timedelta(minutes=5)
SMTP_TIMEOUT_SECONDS = 30
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=4)


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed attempt: 1, 2, 4 … minutes, at most 4 hours."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def deliver(message_id: int) -> str:
    """Send the row if it is still to be sent; returns the row's status afterwards
    (or "skipped" when another sender has it or it is done)."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        kept = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == "queued")
            .values(status="kept", next_attempt_at=None)
        )
        db.session.commit()
        return "kept" if kept.rowcount == 1 else "skipped"

    now = utcnow()
    if not claim(message_id, now):
        db.session.rollback()
        return "skipped"
    db.session.commit()

    message = db.session.get(OutboxMessage, message_id)
    reason = no_longer_wanted(message)
    if reason is not None:
        _finish(message, "cancelled", error=reason)
    else:
        try:
            send(message)
        except smtplib.SMTPRecipientsRefused as exc:
            permanent = all(code >= 500 for code, _ in exc.recipients.values())
            _failed_attempt(message, exc, permanent=permanent)
        except (smtplib.SMTPException, OSError) as exc:
            _failed_attempt(message, exc, permanent=False)
        else:
            _finish(message, "sent")
    db.session.commit()
    return message.status


def claim(message_id: int, now: datetime) -> bool:
    """queued → sending, for this sender only; counts the attempt."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "queued")
        .values(
            status="sending",
            attempts=OutboxMessage.attempts + 1,
            next_attempt_at=now + CLAIM_LEASE,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def no_longer_wanted(message: OutboxMessage) -> str | None:
    """Why a family reminder must not go out any more, if it must not (rule 8)."""
    if message.follow_up_id is not None:
        follow_up = db.session.get(FollowUp, message.follow_up_id)
        if follow_up.status != "scheduled":
            return f"follow-up is {follow_up.status}"
        if follow_up.family.status != "active":
            return "family is closed"
    if message.caregiver_id is not None:
        caregiver = db.session.get(Caregiver, message.caregiver_id)
        if not caregiver.email_opt_in:
            return "caregiver opted out"
        if (caregiver.email or "").lower() != message.recipient.lower():
            return "caregiver's address changed"
    return None


def _finish(message: OutboxMessage, status: str, error: str | None = None) -> None:
    message.status = status
    message.next_attempt_at = None
    if status == "sent":
        message.sent_at = utcnow()
        message.last_error = None
    if error is not None:
        message.last_error = error[:1000]


def _failed_attempt(message: OutboxMessage, exc: Exception, *, permanent: bool) -> None:
    error = f"{type(exc).__name__}: {exc}"[:1000]
    log.warning("outbox message %s: attempt %s failed: %s", message.id, message.attempts, error)
    if permanent or message.attempts >= MAX_ATTEMPTS:
        _finish(message, "failed", error=error)
        return
    message.status = "queued"
    message.last_error = error
    message.next_attempt_at = utcnow() + backoff(message.attempts)


def message_id_header(key: str, sender: str) -> str:
    domain = parseaddr(sender)[1].rpartition("@")[2] or "clinic.localhost"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:40]}@{domain}>"


class VerbatimHeader(str):
    """A header written exactly as given, never folded nor RFC 2047-encoded.

    Python's encoder turns a header longer than 78 characters without a space into
    an encoded word (``=?utf-8?q?...?=``), which mail clients do not read as a
    ``List-Unsubscribe`` URL (RFC 2369 wants ``<URL>``). Such values are ASCII with
    no line break, and far below the 998-character limit of a line (RFC 5322).
    """

    def __new__(cls, name: str, value: str):
        if not value.isascii() or problem(value) or len(name) + len(value) > 990:
            raise ValueError(f"{name} must be printable ASCII on one line")
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


# Headers a mail client reads as a URL or a keyword: written verbatim.
VERBATIM_HEADERS = frozenset({"List-Unsubscribe", "List-Unsubscribe-Post"})


def build_message(message: OutboxMessage, sender: str) -> EmailMessage:
    email = EmailMessage()
    email["Subject"] = message.subject
    email["From"] = sender
    email["To"] = message.recipient
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = message_id_header(message.key, sender)
    email["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    for name, value in json.loads(message.headers or "{}").items():
        email[name] = VerbatimHeader(name, value) if name in VERBATIM_HEADERS else value
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    return email


def send(message: OutboxMessage) -> None:
    config = current_app.config
    email = build_message(message, config["MAIL_DEFAULT_SENDER"])
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(email)
