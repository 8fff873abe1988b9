"""The transactional outbox: every email is a row before it is a message."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from clinic.db import Base, TimestampMixin

# queued → sending → sent, or back to queued (a failed attempt, with backoff) and in
# the end failed; kept: no MAIL_SERVER, shown by the mail viewer and never sent;
# cancelled: the reason for a queued reminder went away before it could be sent;
# unknown: handed to the SMTP server, but the result was never recorded (the
# sender died or lost the database): not sent again unless staff decide so.
OUTBOX_STATUSES = ("queued", "sending", "sent", "kept", "failed", "cancelled", "unknown")


class OutboxMessage(TimestampMixin, Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(f"status IN {OUTBOX_STATUSES}", name="status"),
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
        # The reminder pass asks, for every due follow-up and caregiver, whether a
        # reminder exists already (NOT EXISTS): this answers it without a scan.
        Index("ix_outbox_messages_follow_up_id_caregiver_id", "follow_up_id", "caregiver_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # What makes a send unique (e.g. "reminder:<follow-up>:<caregiver>"): a second
    # attempt to queue the same email finds the row and adds nothing.
    key: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(320))
    template: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(10), default="en")
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    headers: Mapped[str | None] = mapped_column(Text)
    family_id: Mapped[int | None] = mapped_column(ForeignKey("families.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # A family reminder names its follow-up and caregiver, so delivery can drop it
    # when the follow-up is no longer scheduled or the caregiver opted out meanwhile.
    follow_up_id: Mapped[int | None] = mapped_column(ForeignKey("follow_ups.id", ondelete="SET NULL"))
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(1000))
    # When the row may next be tried: for a queued row, when the sweep takes it
    # (its task is presumed lost, or its backoff is over); while sending, when the
    # sender's claim lapses.
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    # The sender holding the claim (while sending), and when it started handing the
    # message to the SMTP server: a lapsed claim with a hand-over may have gone out.
    claim_token: Mapped[str | None] = mapped_column(String(32))
    handed_over_at: Mapped[datetime | None]

