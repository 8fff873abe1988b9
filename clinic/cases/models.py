"""Families (the cases), their caregivers, children, assignment history and follow-ups."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, Text, Time, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from clinic.auth.models import Team, User
from clinic.cases.ages import LONGEST_GESTATION_WEEKS, SHORTEST_GESTATION_WEEKS
from clinic.db import Base, TimestampMixin, utcnow

FAMILY_STATUSES = ("active", "closed")
LANGUAGES = {"en": "English", "es": "Spanish"}
FOLLOW_UP_KINDS = ("screening", "visit", "call")
FOLLOW_UP_STATUSES = ("scheduled", "done", "cancelled", "missed")


class Family(TimestampMixin, Base):
    __tablename__ = "families"
    __table_args__ = (
        CheckConstraint(f"status IN {FAMILY_STATUSES}", name="status"),
        Index("ix_families_visitor_status", "assigned_visitor_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
    address: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="active")
    assigned_visitor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    assigned_visitor: Mapped[User] = relationship()
    caregivers: Mapped[list[Caregiver]] = relationship(
        back_populates="family", order_by="(Caregiver.is_primary.desc(), Caregiver.id)"
    )
    children: Mapped[list[Child]] = relationship(
        back_populates="family", order_by="(Child.date_of_birth, Child.id)"
    )
    assignments: Mapped[list[FamilyAssignment]] = relationship(
        back_populates="family", order_by="FamilyAssignment.id"
    )


class FamilyAssignment(Base):
    """One entry of a family's assignment history."""

    __tablename__ = "family_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), index=True)
    visitor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str | None] = mapped_column(String(5000))
    # The visitor's team at the time: a transfer between teams shows in the history
    # even after the visitor moves on (null for assignments made before it was kept).
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id", ondelete="RESTRICT"))

    family: Mapped[Family] = relationship(back_populates="assignments")
    visitor: Mapped[User] = relationship(foreign_keys=[visitor_id])
    team: Mapped[Team | None] = relationship()
    assigned_by: Mapped[User | None] = relationship(foreign_keys=[assigned_by_id])


class Caregiver(TimestampMixin, Base):
    __tablename__ = "caregivers"

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    relationship_to_children: Mapped[str] = mapped_column("relationship", String(100))
    email: Mapped[str | None] = mapped_column(String(320))
    phone: Mapped[str | None] = mapped_column(String(50))
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)
    email_opt_in: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None]

    family: Mapped[Family] = relationship(back_populates="caregivers")


class Child(TimestampMixin, Base):
    __tablename__ = "children"
    __table_args__ = (
        CheckConstraint(
            "gestational_age_weeks IS NULL OR gestational_age_weeks "
            f"BETWEEN {SHORTEST_GESTATION_WEEKS} AND {LONGEST_GESTATION_WEEKS}",
            name="gestational_age_weeks",
        ),
        Index("ix_children_last_first", "last_name", "first_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), index=True)
    first_name: Mapped[str] = mapped_column(String(200))
    last_name: Mapped[str] = mapped_column(String(200))
    date_of_birth: Mapped[date] = mapped_column(Date)
    gestational_age_weeks: Mapped[int | None]

    family: Mapped[Family] = relationship(back_populates="children")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class FollowUp(TimestampMixin, Base):
    """A dated next step for a family, scheduled by hand or by the screening rules."""

    __tablename__ = "follow_ups"
    __table_args__ = (
        CheckConstraint(f"kind IN {FOLLOW_UP_KINDS}", name="kind"),
        CheckConstraint(f"status IN {FOLLOW_UP_STATUSES}", name="status"),
        Index("ix_follow_ups_status_due_on", "status", "due_on"),
        # Rule 10's "not seen" reads each family's last visit done from it.
        Index(
            "ix_follow_ups_visits_done",
            "family_id",
            "due_on",
            postgresql_where=text("kind = 'visit' AND status = 'done'"),
            sqlite_where=text("kind = 'visit' AND status = 'done'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    family_id: Mapped[int] = mapped_column(ForeignKey("families.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int | None] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    instrument_code: Mapped[str | None] = mapped_column(String(50))
    due_on: Mapped[date] = mapped_column(Date)
    due_time: Mapped[time | None] = mapped_column(Time)
    note: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="scheduled")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    completed_at: Mapped[datetime | None]

    family: Mapped[Family] = relationship()
    child: Mapped[Child | None] = relationship()
    created_by: Mapped[User | None] = relationship()
