"""Send one outbox row through SMTP, at most once.

A sender first claims the row with a conditional UPDATE (queued → sending) that
writes a claim token of its own, in a transaction of its own: of two workers handed
the same row, one wins and the other does nothing. The claim lapses after
:data:`CLAIM_LEASE`, so a row whose sender died goes back to the sweep.

Each step's result is written down, and a write that fails because the database
dropped the connection (or SQLite stayed locked) is tried again on a fresh
connection, and checked by reading the row back when its commit failed:

1. the claim (token written);
2. just before the message is handed over (after the server accepted sender and
   recipient, before DATA), ``handed_over_at`` is written: from then on the server
   may have the message. If that cannot be written, DATA is never sent;
3. the outcome (sent, a failed attempt with backoff, failed for good).

A row whose claim lapsed without an outcome was either never handed over (the
sweep queues it again: nothing went out) or was handed over and the result is
lost: it becomes ``unknown`` and is *not* sent again by itself. Staff see it in
the mail log and on the family page and decide (see the README).

The Message-ID is derived from the row's key, so even a copy staff choose to send
again carries the same Message-ID and mail systems drop it as a duplicate.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import smtplib
import ssl
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr

from flask import current_app
from sqlalchemy import select, update

from clinic.cases.models import Caregiver, FollowUp
from clinic.db import unavailable, utcnow
from clinic.extensions import db
from clinic.mail.models import OutboxMessage
from clinic.text import problem

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
CLAIM_LEASE = timedelta(minutes=5)
SMTP_TIMEOUT_SECONDS = 30
BACKOFF_BASE = timedelta(minutes=1)
BACKOFF_MAX = timedelta(hours=4)
# Writing a step down is tried this many times, waiting 0.25 s, 0.5 s … at most 5 s
# between tries (about a minute in all), well inside the claim's lease.
RECORD_TRIES = 16
RECORD_WAIT_MAX = 5.0


class NotRecorded(Exception):
    """The database did not take a step's record after every try."""


def backoff(attempts: int) -> timedelta:
    """Wait after the ``attempts``-th failed attempt: 1, 2, 4 … minutes, at most 4 hours."""
    return min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)


def recorded(write: Callable[[], bool], check: Callable[[], bool | None]) -> bool:
    """Run ``write`` (one statement) and commit, again on a fresh connection while the
    database fails; when a commit failed, ``check`` reads whether it took effect
    after all (True/False, None while undecided). Returns what ``write`` returned."""
    wait = 0.25
    for attempt in range(1, RECORD_TRIES + 1):
        committing = False
        try:
            result = write()
            committing = True
            db.session.commit()
            return result
        except Exception as exc:
            if not unavailable(exc):
                raise
            db.session.rollback()
            log.warning("outbox: the database failed a write (try %d): %s", attempt, type(exc).__name__)
        if committing:
            try:
                outcome = check()
                db.session.rollback()
                if outcome is not None:
                    return outcome
            except Exception as exc:
                if not unavailable(exc):
                    raise
                db.session.rollback()
        time.sleep(wait)
        wait = min(wait * 2, RECORD_WAIT_MAX)
    raise NotRecorded()


def _row_state(message_id: int):
    return db.session.execute(
        select(OutboxMessage.status, OutboxMessage.claim_token, OutboxMessage.handed_over_at).where(
            OutboxMessage.id == message_id
        )
    ).one()


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

    token = secrets.token_hex(16)
    claimed = recorded(
        lambda: claim(message_id, utcnow(), token),
        lambda: _row_state(message_id).claim_token == token,
    )
    if not claimed:
        db.session.rollback()
        return "skipped"

    try:
        message = db.session.get(OutboxMessage, message_id)
        attempts = message.attempts
        reason = no_longer_wanted(message)
    except Exception as exc:
        if not unavailable(exc):
            raise
        # Nothing was handed over: give the row back uncounted, and let the task's
        # retry (or the sweep) try again.
        db.session.rollback()
        _record_outcome(
            message_id, token, {"status": "queued", "attempts": OutboxMessage.attempts - 1, "next_attempt_at": utcnow()}
        )
        raise
    if reason is not None:
        outcome = {"status": "cancelled", "next_attempt_at": None, "last_error": reason}
    else:
        try:
            send(message, before_data=lambda: _record_handover(message_id, token))
        except NotRecorded:
            outcome = _failed_attempt(message_id, attempts, "the database did not answer before sending")
        except smtplib.SMTPRecipientsRefused as exc:
            permanent = all(code >= 500 for code, _ in exc.recipients.values())
            outcome = _failed_attempt(message_id, attempts, f"{type(exc).__name__}: {exc}", permanent=permanent)
        except (smtplib.SMTPException, OSError) as exc:
            outcome = _failed_attempt(message_id, attempts, f"{type(exc).__name__}: {exc}")
        else:
            outcome = {"status": "sent", "next_attempt_at": None, "sent_at": utcnow(), "last_error": None}
    db.session.rollback()  # the message was only read; each write below is its own transaction
    _record_outcome(message_id, token, outcome)
    return outcome["status"]


def claim(message_id: int, now: datetime, token: str | None = None) -> bool:
    """queued → sending, for this sender only (its ``token``); counts the attempt."""
    result = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id, OutboxMessage.status == "queued")
        .values(
            status="sending",
            attempts=OutboxMessage.attempts + 1,
            next_attempt_at=now + CLAIM_LEASE,
            claim_token=token or secrets.token_hex(16),
            handed_over_at=None,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _record_handover(message_id: int, token: str) -> None:
    """Written before DATA: from now on the server may have the message."""

    def write() -> bool:
        result = db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token)
            .values(handed_over_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def check() -> bool:
        state = _row_state(message_id)
        return state.claim_token == token and state.handed_over_at is not None

    if not recorded(write, check):
        raise NotRecorded()  # the claim is no longer ours: do not send


def _record_outcome(message_id: int, token: str, values: dict) -> None:
    """The attempt's result, for this claim only; tried again while the database fails.
    If it never gets through, the row keeps its claim: the sweep decides (lapsed,
    handed over → unknown)."""

    def write() -> bool:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.claim_token == token)
            .values(**values, claim_token=None)
            .execution_options(synchronize_session=False)
        )
        return True

    def check() -> bool | None:
        state = _row_state(message_id)
        return True if state.claim_token != token else None

    try:
        recorded(write, check)
    except NotRecorded:
        log.error("outbox message %s: could not record %s; the sweep will decide", message_id, values["status"])
        raise


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


def _failed_attempt(message_id: int, attempts: int, error: str, *, permanent: bool = False) -> dict:
    error = error[:1000]
    log.warning("outbox message %s: attempt %s failed: %s", message_id, attempts, error)
    if permanent or attempts >= MAX_ATTEMPTS:
        return {"status": "failed", "next_attempt_at": None, "last_error": error}
    return {"status": "queued", "next_attempt_at": utcnow() + backoff(attempts), "last_error": error}


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


def send(message: OutboxMessage, before_data: Callable[[], None] = lambda: None) -> None:
    """Hand the message to the SMTP server; ``before_data`` runs once the server has
    accepted sender and recipient, just before the message itself goes (DATA)."""
    config = current_app.config
    sender = config["MAIL_DEFAULT_SENDER"]
    email = build_message(message, sender)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.ehlo_or_helo_if_needed()
        code, response = smtp.mail(parseaddr(sender)[1] or sender)
        if code != 250:
            smtp.rset()
            raise smtplib.SMTPSenderRefused(code, response, sender)
        code, response = smtp.rcpt(message.recipient)
        if code not in (250, 251):
            smtp.rset()
            raise smtplib.SMTPRecipientsRefused({message.recipient: (code, response)})
        try:
            before_data()
        except NotRecorded:
            smtp.rset()
            raise
        code, response = smtp.data(email.as_bytes(policy=SMTP))
        if code != 250:  # data() raises only when DATA itself is refused
            raise smtplib.SMTPDataError(code, response)
