"""Queue an email: a row written in the caller's transaction, sent after the commit.

Every email is an :class:`OutboxMessage` first. Its unique ``key`` says what the
email is about ("reminder:<follow-up>:<caregiver>"), so asking twice for the same
email adds nothing, whatever retries or crashes happen around it. With no
``MAIL_SERVER`` the row is ``kept``: never sent, shown by the in-app mail viewer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from clinic.cases.models import LANGUAGES
from clinic.db import utcnow
from clinic.dispatch import queue_after_commit
from clinic.extensions import db
from clinic.mail.models import OutboxMessage

# A queued row whose task has not claimed it by then is presumed lost by the
# broker; the sweep queues it again.
LOST_TASK_AFTER = timedelta(minutes=2)
# The Celery task that sends one row (``clinic.mail.tasks``), queued by name.
DELIVER_TASK = "clinic.mail.tasks.deliver_email"
DEFAULT_LANGUAGE = "en"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def email_language(language: str | None) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def render_email(template: str, language: str, context: dict) -> RenderedEmail:
    """Subject, text and HTML from ``mail/<template>.txt`` and ``.html``, in ``language``.

    The text template sets ``subject`` at its top level; both are rendered with the
    family's language forced, so their ``_()`` strings come from its catalog.
    """
    env = current_app.jinja_env
    language = email_language(language)
    with force_locale(language):
        text = env.get_template(f"mail/{template}.txt").make_module({**context, "language": language})
        subject = " ".join(str(text.subject).split())
        html = env.get_template(f"mail/{template}.html").render(context, subject=subject, language=language)
    return RenderedEmail(subject=subject, text=str(text).strip() + "\n", html=html)


def email_row(
    key: str,
    recipient: str,
    template: str,
    language: str,
    context: dict,
    *,
    family_id: int | None = None,
    user_id: int | None = None,
    headers: dict[str, str] | None = None,
    follow_up_id: int | None = None,
    caregiver_id: int | None = None,
) -> dict:
    """The column values of an outbox row for an email (rendered now)."""
    language = email_language(language)
    rendered = render_email(template, language, context)
    sending = bool(current_app.config.get("MAIL_SERVER"))
    return {
        "key": key,
        "recipient": recipient,
        "template": template,
        "language": language,
        "subject": rendered.subject,
        "body_text": rendered.text,
        "body_html": rendered.html,
        "headers": json.dumps(headers) if headers else None,
        "family_id": family_id,
        "user_id": user_id,
        "follow_up_id": follow_up_id,
        "caregiver_id": caregiver_id,
        "status": "queued" if sending else "kept",
        "attempts": 0,
        "next_attempt_at": utcnow() + LOST_TASK_AFTER if sending else None,
        "created_at": utcnow(),
    }


def insert_emails(rows: list[dict]) -> None:
    """Insert many outbox rows in one statement; their delivery is queued after the commit.

    The caller has made sure the keys are new (a duplicate fails the transaction, as
    it must rather than send twice).
    """
    if not rows:
        return
    statement = (
        insert(OutboxMessage)
        .returning(OutboxMessage.id, OutboxMessage.status)
        # NULLs as NULLs, so every row has the same columns and goes in one batch.
        .execution_options(render_nulls=True)
    )
    inserted = db.session.execute(statement, rows).all()
    queued = sorted(row.id for row in inserted if row.status == "queued")
    if queued:
        dispatch_after_commit(queued)


def queue_email(
    key: str,
    recipient: str,
    template: str,
    language: str,
    context: dict,
    family_id: int | None = None,
    user_id: int | None = None,
    **columns,
) -> OutboxMessage | None:
    """Write the email in the current transaction; None when ``key`` exists already.

    Delivery is queued once the transaction commits (never for a rolled-back change).
    """
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    message = OutboxMessage(
        **email_row(key, recipient, template, language, context, family_id=family_id, user_id=user_id, **columns)
    )
    try:
        with db.session.begin_nested():
            db.session.add(message)
    except IntegrityError:
        return None  # queued by a concurrent transaction a moment ago
    if message.status == "queued":
        dispatch_after_commit([message.id])
    return message


def dispatch_after_commit(message_ids: list[int]) -> None:
    """One delivery task per message, queued once the transaction commits."""
    for message_id in message_ids:
        queue_after_commit(DELIVER_TASK, message_id)


def sweep(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Queue again the rows whose task was lost or whose backoff is over.

    A row still ``sending`` after its claim lapsed belongs to a sender that died (or
    hangs, or lost the database): it goes back to ``queued`` when it was never
    handed to the SMTP server, and becomes ``unknown`` when it was. Each row taken gets a new deadline, so the
    next sweep does not queue it again while its task waits in the broker.
    """
    now = now or utcnow()
    lapsed = (OutboxMessage.status == "sending", OutboxMessage.next_attempt_at <= now)
    # Handed over and never recorded: the server may have it. Not sent again.
    db.session.execute(
        update(OutboxMessage)
        .where(*lapsed, OutboxMessage.handed_over_at.is_not(None))
        .values(
            status="unknown",
            next_attempt_at=None,
            claim_token=None,
            last_error="The mail server may have accepted this email; its sender lost the result.",
        )
    )
    # Never handed over: nothing went out, so it is simply queued again.
    db.session.execute(
        update(OutboxMessage).where(*lapsed, OutboxMessage.handed_over_at.is_(None)).values(status="queued", claim_token=None)
    )
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
    )
    if ids:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "queued")
            .values(next_attempt_at=now + LOST_TASK_AFTER)
        )
        dispatch_after_commit(ids)
    return ids


def retry_failed(message: OutboxMessage) -> bool:
    """Give a failed email a fresh round of attempts (an admin fixed the cause), or
    send an ``unknown`` one again (staff judged a possible second copy better than
    none; it carries the same Message-ID)."""
    if message.status not in ("failed", "unknown") or not current_app.config.get("MAIL_SERVER"):
        return False
    message.status = "queued"
    message.attempts = 0
    message.next_attempt_at = utcnow() + LOST_TASK_AFTER
    db.session.flush()
    dispatch_after_commit([message.id])
    return True
