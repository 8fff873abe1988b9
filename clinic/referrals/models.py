"""Referrals to child-development specialists, their reasons, moves and summaries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.auth.models import User
from clinic.cases.models import Caregiver, Child, Family
from clinic.db import Base, TimestampMixin, utcnow

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
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="RESTRICT"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")
    outcome: Mapped[str | None] = mapped_column(String(30))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Bumped whenever a reason joins; a compiled summary records the revision it
    # covers, so a stale compile never replaces a newer one.
    reasons_revision: Mapped[int] = mapped_column(default=1)

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
