"""Referrals to child-development specialists, their reasons, moves and summaries."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.auth.models import User
from clinic.cases.models import Caregiver, Child, Family
from clinic.db import Base, TimestampMixin, utcnow
from clinic.referrals.loop import SERVICES, contact_deadline, is_late

STATUSES = ("open", "reviewed", "sent", "closed")
OUTCOMES = ("completed", "declined", "unable_to_contact")
REASON_KINDS = ("repeated_missed_milestones", "risk_factor")
ACTIVE_STATUSES = ("open", "reviewed")


class Referral(TimestampMixin, Base):
    __tablename__ = "referrals"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint(f"outcome IS NULL OR outcome IN {OUTCOMES}", name="outcome"),
        CheckConstraint("(status = 'closed') = (outcome IS NOT NULL)", name="closed_has_outcome"),
        # Rule 6 in the database: at most one open or reviewed referral per family.
        Index(
            "uq_referrals_one_active_per_family",
            "family_id",
            unique=True,
            sqlite_where=text("status IN ('open', 'reviewed')"),
            postgresql_where=text("status IN ('open', 'reviewed')"),
        ),
        Index("ix_referrals_status", "status"),
        CheckConstraint(f"service IS NULL OR service IN {SERVICES}", name="service"),
        # Only a sent referral records a service; referrals sent before services were
        # recorded keep a null one.
        CheckConstraint("service IS NULL OR status IN ('sent', 'closed')", name="service_when_sent"),
        CheckConstraint(
            "service_contact_on IS NULL OR (sent_on IS NOT NULL AND service_contact_on >= sent_on)",
            name="contact_after_sent",
        ),
        # The referral queue: oldest in its current status first, within a status.
        Index("ix_referrals_status_since", "status", "status_since"),
        # Program reports: referrals sent, and opened, in a period.
        Index("ix_referrals_sent_on", "sent_on"),
        Index("ix_referrals_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    outcome: Mapped[str | None] = mapped_column(String(30))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Bumped whenever a reason joins; a compiled summary records the revision it
    # covers, so a stale compile never replaces a newer one.
    reasons_revision: Mapped[int] = mapped_column(default=1)
    # When the referral entered its current status (opened, or its last move).
    status_since: Mapped[datetime] = mapped_column(default=utcnow)
    # Rule 6's loop to a service, recorded when it is sent and when the family first
    # reaches the service (see clinic.referrals.loop for when it is late).
    service: Mapped[str | None] = mapped_column(String(30))
    agency: Mapped[str | None] = mapped_column(String(200))
    sent_on: Mapped[date | None]
    service_contact_on: Mapped[date | None]

    family: Mapped[Family] = relationship()
    reasons: Mapped[list[ReferralReason]] = relationship(
        back_populates="referral", order_by="ReferralReason.id"
    )
    transitions: Mapped[list[ReferralTransition]] = relationship(
        back_populates="referral", order_by="ReferralTransition.id"
    )
    summary: Mapped[ReferralSummary | None] = relationship(back_populates="referral")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    def contact_deadline(self) -> date | None:
        return contact_deadline(self.service, self.sent_on) if self.sent_on is not None else None

    def is_late(self, today: date) -> bool:
        return is_late(self.status, self.service, self.sent_on, self.service_contact_on, today)


class ReferralReason(Base):
    __tablename__ = "referral_reasons"
    __table_args__ = (CheckConstraint(f"kind IN {REASON_KINDS}", name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id", ondelete="RESTRICT"))
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id", ondelete="RESTRICT"))
    domain: Mapped[str | None] = mapped_column(String(50))
    code: Mapped[str | None] = mapped_column(String(100))
    screening_id: Mapped[int | None] = mapped_column(ForeignKey("screenings.id", ondelete="RESTRICT"))
    risk_factor_id: Mapped[int | None] = mapped_column(ForeignKey("risk_factors.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="reasons")
    child: Mapped[Child | None] = relationship()
    caregiver: Mapped[Caregiver | None] = relationship()


class ReferralTransition(Base):
    __tablename__ = "referral_transitions"

    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    outcome: Mapped[str | None] = mapped_column(String(30))
    note: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="transitions")
    by: Mapped[User] = relationship()


class ReferralSummary(Base):
    """The compiled document; kept apart so listing referrals never loads PDFs."""

    __tablename__ = "referral_summaries"

    referral_id: Mapped[int] = mapped_column(
        ForeignKey("referrals.id", ondelete="CASCADE"), primary_key=True
    )
    reasons_revision: Mapped[int]
    html: Mapped[str] = mapped_column(Text)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    compiled_at: Mapped[datetime] = mapped_column(default=utcnow)

    referral: Mapped[Referral] = relationship(back_populates="summary")
