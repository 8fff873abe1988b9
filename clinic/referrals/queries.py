"""Read models of the referral pages: each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, exists, func, select
from sqlalchemy.orm import aliased, contains_eager, selectinload

from clinic.auth.models import User
from clinic.cases.models import Family
from clinic.extensions import db
from clinic.pagination import Page, paginate
from clinic.permissions.scope import family_scope, get_in_family_scope_or_404, restricts
from clinic.referrals.models import ACTIVE_STATUSES, Referral, ReferralReason, ReferralSummary, ReferralTransition
from clinic.screening.models import Screening

PER_PAGE = 25
# The family's home visitor, joined beside the referral's own users. One alias for
# every request: a new one each time rebuilt its columns and its cache key.
_VISITOR = aliased(User, name="visitor")


@dataclass(frozen=True)
class ReferralRow:
    referral: Referral  # with its family (and the family's visitor) loaded
    reason_count: int
    summary_ready: bool


def _summary_exists():
    """Whether the row's referral has a compiled summary (a column, not the document)."""
    return exists().where(ReferralSummary.referral_id == Referral.id)


def _reason_count():
    return select(func.count(ReferralReason.id)).where(ReferralReason.referral_id == Referral.id).scalar_subquery()


def referral_page(
    user: User,
    *,
    status: str | None = None,
    visitor_id: int | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Page[ReferralRow]:
    """Referrals in the user's scope, the longest in their current status first: a
    count and one query (family, visitor, number of reasons and whether a summary is
    compiled come in the same row)."""
    on_families = [family_scope(user)]
    if visitor_id is not None:
        on_families.append(Family.assigned_visitor_id == visitor_id)
    on_referrals = []
    if status == "active":
        on_referrals.append(Referral.status.in_(ACTIVE_STATUSES))
    elif status:
        on_referrals.append(Referral.status == status)

    def counted():
        statement = select(func.count(Referral.id)).where(*on_referrals)
        if restricts(on_families):
            statement = statement.join(Family, Referral.family_id == Family.id).where(*on_families)
        return statement

    result = paginate(
        "referrals",
        [*on_families, *on_referrals],
        lambda: select(Referral, _reason_count(), _summary_exists())
        .join(Family, Referral.family_id == Family.id)
        .join(_VISITOR, Family.assigned_visitor_id == _VISITOR.id)
        .options(contains_eager(Referral.family).contains_eager(Family.assigned_visitor.of_type(_VISITOR)))
        .where(*on_families, *on_referrals)
        .order_by(Referral.status_since, Referral.id),
        counted,
        page,
        per_page,
        rows=True,
    )
    result.items = [ReferralRow(referral, count, bool(ready)) for referral, count, ready in result.items]
    return result


def load_referral(user: User, referral_id: int) -> Referral:
    """One referral in scope (404 otherwise) with its reasons' people and its moves."""
    get_in_family_scope_or_404(user, Referral, referral_id)
    return db.session.scalars(
        select(Referral)
        .where(Referral.id == referral_id)
        .options(
            selectinload(Referral.reasons).selectinload(ReferralReason.child),
            selectinload(Referral.reasons).selectinload(ReferralReason.caregiver),
            selectinload(Referral.transitions).selectinload(ReferralTransition.by),
        )
        .execution_options(populate_existing=True)
    ).one()


def summary_ready(referral: Referral) -> bool:
    """Whether the summary is compiled (without loading the document)."""
    return bool(db.session.scalar(select(exists().where(ReferralSummary.referral_id == referral.id))))


# Built once with the family's id as a parameter: building it and its cache key cost
# more than its round trip, on every family page.
_FAMILY_REFERRALS = (
    select(Referral, _reason_count(), _summary_exists())
    .where(Referral.family_id == bindparam("family_id"))
    .order_by(Referral.created_at.desc(), Referral.id.desc())
)


def family_referrals(family: Family) -> list[ReferralRow]:
    """The family's referrals, newest first, in one query."""
    rows = db.session.execute(_FAMILY_REFERRALS, {"family_id": family.id})
    return [ReferralRow(referral, count, bool(ready)) for referral, count, ready in rows]


def screening_referral_reasons(screening: Screening) -> list[ReferralReason]:
    """The referral reasons this screening gave (with their referral), oldest first."""
    return list(
        db.session.scalars(
            select(ReferralReason)
            .where(ReferralReason.screening_id == screening.id)
            .options(selectinload(ReferralReason.referral))
            .order_by(ReferralReason.id)
        )
    )


def referrals_in_scope(user: User, *, status: str | None = None, family_id: int | None = None) -> list[Referral]:
    """Referrals the user may see, newest first, with their reasons (two queries)."""
    statement = (
        select(Referral)
        .join(Family, Referral.family_id == Family.id)
        .where(family_scope(user))
        .options(selectinload(Referral.reasons))
        .order_by(Referral.created_at.desc(), Referral.id.desc())
    )
    if status:
        statement = statement.where(Referral.status == status)
    if family_id is not None:
        statement = statement.where(Referral.family_id == family_id)
    return list(db.session.scalars(statement))


def ids_with_summary(referral_ids: list[int]) -> set[int]:
    """Which referrals have a compiled summary (without loading the documents)."""
    if not referral_ids:
        return set()
    return set(
        db.session.scalars(select(ReferralSummary.referral_id).where(ReferralSummary.referral_id.in_(referral_ids)))
    )


def active_referral_id(family_id: int) -> int | None:
    """The family's referral that is open or reviewed, if any."""
    return db.session.scalar(
        select(Referral.id).where(Referral.family_id == family_id, Referral.status.in_(ACTIVE_STATUSES))
    )
