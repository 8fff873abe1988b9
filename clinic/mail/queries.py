"""Read models of the mail pages: the outbox as each staff member may see it."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, func, select

from clinic.auth.models import User
from clinic.cases.models import Caregiver, Family
from clinic.extensions import db
from clinic.mail.models import OutboxMessage
from clinic.pagination import Page, paginate
from clinic.permissions.scope import family_or_own_scope, first_or_404

PER_PAGE = 50
FAMILY_PANEL_FAILED = 20


def outbox_scope(user: User):
    """The emails ``user`` may read in the mail viewer: about families in their
    scope, or addressed to themselves (their overdue digests); admins all."""
    return family_or_own_scope(user, OutboxMessage.family_id, OutboxMessage.user_id)


def get_outbox_message_or_404(user: User, message_id: int) -> OutboxMessage:
    return first_or_404(select(OutboxMessage).where(OutboxMessage.id == message_id, outbox_scope(user)))


def outbox_page(
    user: User, *, status: str | None = None, family_id: int | None = None, page: int = 1, per_page: int = PER_PAGE
) -> Page[OutboxMessage]:
    """Newest first, in the user's scope: two queries (the count and the page)."""
    conditions = [outbox_scope(user)]
    if status:
        conditions.append(OutboxMessage.status == status)
    if family_id is not None:
        conditions.append(OutboxMessage.family_id == family_id)
    return paginate(
        "outbox",
        conditions,
        lambda: select(OutboxMessage)
        .where(*conditions)
        .order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()),
        lambda: select(func.count(OutboxMessage.id)).where(*conditions),
        page,
        per_page,
    )


def mail_log(page: int = 1, per_page: int = PER_PAGE) -> Page[OutboxMessage]:
    """For admins: emails that failed or may have gone out (unknown), and those
    retrying after an error."""
    condition = OutboxMessage.status.in_(("failed", "unknown")) | (
        (OutboxMessage.status == "queued") & OutboxMessage.last_error.is_not(None)
    )
    return paginate(
        "mail_log",
        [condition],
        lambda: select(OutboxMessage).where(condition).order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc()),
        lambda: select(func.count(OutboxMessage.id)).where(condition),
        page,
        per_page,
    )


@dataclass
class FamilyMailPanel:
    opted_out: list[Caregiver]
    failed: list[OutboxMessage]


# Built once with the family's id as a parameter: building it and its cache key cost
# more than its round trip, on every family page.
_FAMILY_FAILED = (
    select(OutboxMessage)
    .where(OutboxMessage.family_id == bindparam("family_id"), OutboxMessage.status.in_(("failed", "unknown")))
    .order_by(OutboxMessage.created_at.desc())
    .limit(FAMILY_PANEL_FAILED)
)


def family_mail_panel(family: Family) -> FamilyMailPanel:
    """What the family page shows about email: who unsubscribed, what failed."""
    opted_out = [c for c in family.caregivers if not c.email_opt_in and c.opted_out_at is not None]
    failed = list(db.session.scalars(_FAMILY_FAILED, {"family_id": family.id}))
    return FamilyMailPanel(opted_out=opted_out, failed=failed)
