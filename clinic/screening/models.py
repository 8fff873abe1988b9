"""Screenings (with amendments), risk factors and interaction observations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.auth.models import User
from clinic.cases.models import Caregiver, Child, Family
from clinic.db import Base, TimestampMixin, utcnow

RESPONSES = ("yes", "sometimes", "not_yet")
RESULTS = ("on_track", "monitor", "concern")
OBSERVATION_RATINGS = ("attuned", "partly", "not_attuned", "not_observed")


class Screening(TimestampMixin, Base):
    """A milestone checklist administered to a child.

    Never edited in place: a correction adds an amendment and a new revision of the
    responses; ``revision`` names the current one and ``result`` is its result.
    """

    __tablename__ = "screenings"
    __table_args__ = (
        CheckConstraint(f"result IN {RESULTS}", name="result"),
        Index("ix_screenings_child_administered_on", "child_id", "administered_on"),
        # Program reports: screenings of a period (with what the report counts of
        # them, read from the index alone), and a child's screenings with one
        # instrument inside its window.
        Index("ix_screenings_administered_on_result", "administered_on", "result", "revision", "id"),
        Index("ix_screenings_child_instrument_administered_on", "child_id", "instrument_code", "administered_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="RESTRICT"))
    instrument_code: Mapped[str] = mapped_column(String(50))
    instrument_version: Mapped[int]
    administered_on: Mapped[date] = mapped_column(Date)
    administered_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    age_months: Mapped[int]
    notes: Mapped[str | None] = mapped_column(Text)
    result: Mapped[str] = mapped_column(String(20))
    revision: Mapped[int] = mapped_column(default=0)
    # The screening form's one-time token: a second submission of the same form (a
    # double tap, a resent request) finds the screening the first one saved.
    form_token: Mapped[str | None] = mapped_column(String(64), unique=True)

    child: Mapped[Child] = relationship()
    administered_by: Mapped[User] = relationship()
    responses: Mapped[list[ScreeningResponse]] = relationship(
        back_populates="screening", order_by="(ScreeningResponse.revision, ScreeningResponse.id)"
    )
    amendments: Mapped[list[ScreeningAmendment]] = relationship(
        back_populates="screening", order_by="ScreeningAmendment.revision"
    )

    def answers(self, revision: int | None = None) -> dict[str, str]:
        """Item id → response for one revision (the current one by default)."""
        wanted = self.revision if revision is None else revision
        return {r.item_id: r.response for r in self.responses if r.revision == wanted}


class ScreeningResponse(Base):
    __tablename__ = "screening_responses"
    __table_args__ = (
        CheckConstraint(f"response IN {RESPONSES}", name="response"),
        UniqueConstraint("screening_id", "revision", "item_id"),
        # Program reports: screenings missing a milestone, per domain. Partial: only
        # the few "not_yet" answers are indexed, so recording a screening's answers
        # rarely writes to it.
        Index("ix_screening_responses_missed", "screening_id", "revision", "domain",
              postgresql_where=text("response = 'not_yet'"), sqlite_where=text("response = 'not_yet'")),  # fmt: skip
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(default=0)
    item_id: Mapped[str] = mapped_column(String(100))
    # Copied from the instrument so program reports can count by domain in SQL.
    domain: Mapped[str] = mapped_column(String(50))
    response: Mapped[str] = mapped_column(String(20))

    screening: Mapped[Screening] = relationship(back_populates="responses")


class ScreeningAmendment(Base):
    __tablename__ = "screening_amendments"
    __table_args__ = (UniqueConstraint("screening_id", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    screening_id: Mapped[int] = mapped_column(ForeignKey("screenings.id", ondelete="CASCADE"))
    revision: Mapped[int]
    amended_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    amended_at: Mapped[datetime] = mapped_column(default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    previous_result: Mapped[str] = mapped_column(String(20))

    screening: Mapped[Screening] = relationship(back_populates="amendments")
    amended_by: Mapped[User] = relationship()


class RiskFactor(TimestampMixin, Base):
    """A code from the risk-factor catalog noted for a child or a caregiver."""

    __tablename__ = "risk_factors"
    __table_args__ = (
        Index("ix_risk_factors_noted_on", "noted_on"),  # program reports: noted in a period
        CheckConstraint(
            "(child_id IS NULL) <> (caregiver_id IS NULL)", name="child_or_caregiver"
        ),
        CheckConstraint("resolved_on IS NULL OR resolved_on >= noted_on", name="resolved_after_noted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="RESTRICT"), index=True)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id", ondelete="RESTRICT"), index=True)
    caregiver_id: Mapped[int | None] = mapped_column(
        ForeignKey("caregivers.id", ondelete="RESTRICT"), index=True
    )
    code: Mapped[str] = mapped_column(String(100))
    catalog_version: Mapped[int]
    noted_on: Mapped[date] = mapped_column(Date)
    noted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    note: Mapped[str | None] = mapped_column(Text)
    resolved_on: Mapped[date | None] = mapped_column(Date)

    family: Mapped[Family] = relationship()
    child: Mapped[Child | None] = relationship()
    caregiver: Mapped[Caregiver | None] = relationship()
    noted_by: Mapped[User] = relationship()


class Observation(TimestampMixin, Base):
    """A caregiver–child interaction observation made during a visit."""

    __tablename__ = "observations"
    # Program reports: a family's observations in a period.
    __table_args__ = (Index("ix_observations_family_observed_on", "family_id", "observed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="RESTRICT"), index=True)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id", ondelete="RESTRICT"))
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregivers.id", ondelete="RESTRICT"))
    instrument_version: Mapped[int]
    observed_on: Mapped[date] = mapped_column(Date)
    observed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    notes: Mapped[str | None] = mapped_column(Text)

    child: Mapped[Child | None] = relationship()
    caregiver: Mapped[Caregiver | None] = relationship()
    observed_by: Mapped[User] = relationship()
    ratings: Mapped[list[ObservationRating]] = relationship(
        back_populates="observation", order_by="ObservationRating.id"
    )


class ObservationRating(Base):
    __tablename__ = "observation_ratings"
    __table_args__ = (
        CheckConstraint(f"rating IN {OBSERVATION_RATINGS}", name="rating"),
        UniqueConstraint("observation_id", "cue_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    observation_id: Mapped[int] = mapped_column(ForeignKey("observations.id", ondelete="CASCADE"))
    cue_id: Mapped[str] = mapped_column(String(100))
    rating: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)

    observation: Mapped[Observation] = relationship(back_populates="ratings")
