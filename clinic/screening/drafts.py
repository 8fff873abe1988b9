"""Drafts of the screening form: a half-filled screening kept server-side, for the
person who typed it and that child only, so an idle sign-out loses nothing.

The form's script sends what is typed as it changes (never in a URL); after signing
in again the form opens with the draft, and saving the screening deletes it. A draft
is not a record: it is neither audited nor shown to anyone else, and it goes when
the screening is saved, when its author discards it, or with the child or person.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import ForeignKey, Text, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from clinic.auth.models import User
from clinic.cases.models import Child
from clinic.db import Base, utcnow
from clinic.extensions import db
from clinic.forms import NOTE_MAX
from clinic.screening.models import Screening

MAX_ANSWERS = 200  # more than any checklist has items: a bound on what is stored
FIELD_MAX = 100
FORM_TOKEN_MAX = 64  # the column's length


class ScreeningDraft(Base):
    __tablename__ = "screening_drafts"
    __table_args__ = (UniqueConstraint("user_id", "child_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    child_id: Mapped[int] = mapped_column(ForeignKey("children.id", ondelete="CASCADE"), index=True)
    content: Mapped[str] = mapped_column(Text)  # JSON: what the form held, as typed
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


def draft_content(formdata: Mapping[str, str]) -> dict:
    """The parts of a submitted screening form worth keeping, bounded in size."""
    answers = {
        name: str(formdata.get(name, ""))[:FIELD_MAX]
        for name in list(formdata)[: MAX_ANSWERS * 2]
        if name.startswith("responses-") and len(name) <= FIELD_MAX
    }
    return {
        "instrument": str(formdata.get("instrument", ""))[:FIELD_MAX],
        "administered_on": str(formdata.get("administered_on", ""))[:FIELD_MAX],
        "notes": str(formdata.get("notes", ""))[:NOTE_MAX],
        "answers": dict(list(answers.items())[:MAX_ANSWERS]),
    }


def keep_draft(user: User, child: Child, formdata: Mapping[str, str]) -> ScreeningDraft | None:
    """Store (or replace) the user's draft for the child; nothing when the form it
    comes from was already saved (a late autosave must not bring the draft back)."""
    if saved_with_token(child, formdata.get("form_token")) is not None:
        return None
    draft = db.session.scalar(
        select(ScreeningDraft).where(ScreeningDraft.user_id == user.id, ScreeningDraft.child_id == child.id)
    )
    if draft is None:
        draft = ScreeningDraft(user_id=user.id, child_id=child.id, content="{}")
        db.session.add(draft)
    draft.content = json.dumps(draft_content(formdata))
    draft.updated_at = utcnow()
    db.session.flush()
    return draft


def find_draft(user: User, child: Child) -> ScreeningDraft | None:
    return db.session.scalar(
        select(ScreeningDraft).where(ScreeningDraft.user_id == user.id, ScreeningDraft.child_id == child.id)
    )


def as_formdata(draft: ScreeningDraft) -> dict[str, str]:
    """The draft as the form's fields, to fill the form with."""
    content = json.loads(draft.content)
    return {
        "instrument": content.get("instrument", ""),
        "administered_on": content.get("administered_on", ""),
        "notes": content.get("notes", ""),
        **content.get("answers", {}),
    }


def discard_draft(user: User, child: Child) -> None:
    db.session.execute(
        delete(ScreeningDraft).where(ScreeningDraft.user_id == user.id, ScreeningDraft.child_id == child.id)
    )


class AlreadySaved(Exception):
    """A second submission of a screening form the first one already saved."""

    def __init__(self, screening_id: int):
        super().__init__(screening_id)
        self.screening_id = screening_id


def saved_with_token(child: Child, token: str | None) -> Screening | None:
    """The screening a submission of this form already saved, if any."""
    if not token:
        return None
    return db.session.scalar(select(Screening).where(Screening.form_token == token, Screening.child_id == child.id))


def mark_saved(user: User, child: Child, screening: Screening, token: str | None) -> None:
    """Tie the screening to its form's token (unique: a concurrent second submission
    fails here and finds the first one's screening) and drop the author's draft."""
    if token:
        screening.form_token = token[:FORM_TOKEN_MAX]
        try:
            with db.session.begin_nested():
                db.session.flush()
        except IntegrityError:
            db.session.rollback()
            earlier = saved_with_token(child, token[:FORM_TOKEN_MAX])
            if earlier is None:
                raise
            raise AlreadySaved(earlier.id) from None
    discard_draft(user, child)
