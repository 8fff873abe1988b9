"""Rule 10: what is due, for the families in a user's scope, on a clinic date.

This is the one computation of "what needs doing": the worklist page and API, the
caseload and dashboard numbers, the family and child panels and the visitor's
daily digest all read it, so they cannot disagree.

It is set-based: a fixed number of queries whatever the size of the scope (the
families, the children whose window may close soon and their screenings, the open
follow-ups, the referrals still waiting, and each family's last contact), then the
rules in Python (rule 1's ages and rule 2's windows, the referral loop's clocks).

Only a few children of a caseload have a window closing within 14 days, so SQL
picks them by date of birth first (``closing_birth_dates``: a range per instrument,
wide enough to hold every child whose window can close in those days, preterm ones
included), and the exact rule runs in Python on those few with all their
screenings. "Not seen" needs only each family's latest contact: a SQL ``max``.

Decisions where the SPEC is silent:

- Each item's ``due_on`` is the day by which the thing should have been done: the
  follow-up's date; the last day of the closing window; the past-due screening
  follow-up's date; the referral's contact deadline (late) or the 14th day after it
  opened (stalled); the 90th day after the family was last seen (not seen).
- A screening follow-up past its date is a ``screening_due`` item (naming the
  follow-up), not also an ``overdue_follow_up``; a window closing for the same
  child and instrument is then not listed a second time.
- Follow-ups, screenings and "not seen" concern active families only (closing a case
  cancels its follow-ups); referrals count whatever the family's status, since a
  referral waits for someone either way.
- "Seen" is a screening (its date), an observation (its date), or a visit follow-up
  marked done (its date); a family with none is counted from the day it was created.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from functools import lru_cache

from sqlalchemy import ColumnElement, Integer, and_, cast, func, literal_column, or_, select, union_all

from clinic import clock
from clinic.auth.models import User
from clinic.cases.ages import (
    FULL_TERM_WEEKS,
    PRETERM_BELOW_WEEKS,
    SHORTEST_GESTATION_WEEKS,
    add_months,
    date_at_screening_age,
)
from clinic.cases.follow_ups import DUE_STATUS
from clinic.cases.models import Child, Family, FollowUp
from clinic.instruments import Instrument, get_instrument, instruments
from clinic.permissions.scope import family_scope, in_families
from clinic.prebuilt import Prebuilt
from clinic.referrals.loop import contact_deadline
from clinic.referrals.models import ACTIVE_STATUSES, Referral
from clinic.screening import rules
from clinic.screening.models import Observation, Screening

KINDS = ("overdue_follow_up", "screening_due", "late_referral", "stalled_referral", "not_seen", "due_follow_up")
ALL_KINDS = frozenset(KINDS)
# Which kinds each part of the computation gives: asked for some kinds only (the list
# behind one of the dashboard's numbers), rule 10 leaves out the parts that give
# none of them, and the kinds it gives are the same items as in the whole list.
_FROM_FOLLOW_UPS = frozenset({"overdue_follow_up", "due_follow_up", "screening_due"})
_FROM_WINDOWS = frozenset({"screening_due"})
_FROM_REFERRALS = frozenset({"late_referral", "stalled_referral"})
_FROM_CONTACTS = frozenset({"not_seen"})
DUE_SOON_DAYS = 7
WINDOW_CLOSING_DAYS = 14
STALLED_AFTER_DAYS = 14
NOT_SEEN_DAYS = 90
ACTIVE = Family.status == "active"


# Rule 10's rows and items are plain (slotted) dataclasses, not frozen ones: a frozen
# dataclass sets each field through ``object.__setattr__``, four times the cost, and a
# supervisor's dashboard builds thousands of them (140 → 117 M instructions a request).
@dataclass(slots=True)
class Item:
    kind: str
    due_on: date
    family_id: int
    family_name: str
    visitor_id: int
    child_id: int | None = None
    child_name: str | None = None
    follow_up_id: int | None = None
    follow_up_kind: str | None = None
    instrument_code: str | None = None
    referral_id: int | None = None
    referral_status: str | None = None
    service: str | None = None
    # A screening item: whether its instrument can be recorded today (inside the
    # child's window); an overdue re-screen whose window has passed cannot.
    recordable: bool = True

    @property
    def sort_key(self) -> tuple:
        return (
            self.due_on,
            KINDS.index(self.kind),
            self.family_name,
            self.family_id,
            self.child_id or 0,
            self.follow_up_id or 0,
            self.referral_id or 0,
        )


@dataclass(slots=True)
class FamilyRow:
    """A family in scope as rule 10 reads it (any status)."""

    id: int
    name: str
    visitor_id: int
    active: bool
    created_on: date


@dataclass(slots=True)
class WaitingReferral:
    """An open or reviewed referral: it waits for a supervisor."""

    id: int
    family_id: int
    opened_on: date  # the clinic's date it was opened


@dataclass(frozen=True)
class Due:
    """Rule 10's items, and what the same queries tell the pages besides: the
    families in scope, their waiting referrals (the caseload's mark, the dashboard's
    counts) and, when "not seen" was computed, how many children each active family
    has (the dashboard's), so no page reads them again."""

    items: list[Item]
    families: dict[int, FamilyRow]
    waiting: list[WaitingReferral]
    children: dict[int, int]  # active family id → its children (none: left out)

    @property
    def waiting_referrals(self) -> dict[int, int]:
        """Family id → one of its waiting referrals."""
        return {referral.family_id: referral.id for referral in self.waiting}


def window_closes_on(instrument: Instrument, date_of_birth: date, gestational_age_weeks: int | None) -> date:
    """The last day on which the child's screening age is inside the window (the day
    before it reaches ``window_max + 1`` months; rule 1 decides which age)."""
    return date_at_screening_age(date_of_birth, gestational_age_weeks, instrument.window_max + 1) - timedelta(days=1)


def due_items(
    user: User,
    today: date,
    *,
    visitor_id: int | None = None,
    family_id: int | None = None,
    child_id: int | None = None,
    kinds: frozenset[str] = ALL_KINDS,
) -> list[Item]:
    """Rule 10 for ``user``'s scope on ``today``, oldest first.

    ``visitor_id`` narrows to one visitor's caseload (a supervisor opening it),
    ``family_id`` to one family (its page), ``child_id`` to one child's items (its
    page); all stay inside the user's scope. ``kinds`` keeps the items of those
    kinds only. A page of families (the caseload) is ``due_with_referrals``.
    """
    scope: list[ColumnElement[bool]] = [family_scope(user)]
    if visitor_id is not None:
        scope.append(Family.assigned_visitor_id == visitor_id)
    if family_id is not None:
        scope.append(Family.id == family_id)
    return due_in_scope(scope, today, child_id=child_id, kinds=kinds).items


def due_with_referrals(user: User, today: date, families: Sequence[Family]) -> Due:
    """Rule 10 for these families of ``user``'s scope (a caseload page, a family's
    page), with their waiting referrals (the case pages' mark).

    The page has loaded the families already (in the user's scope): rule 10 takes what
    it needs of them rather than reading them again."""
    return due_in_scope([family_scope(user), Family.id.in_([family.id for family in families])], today, loaded=families)


def items_in_scope(scope: list[ColumnElement[bool]], today: date, *, child_id: int | None = None) -> list[Item]:
    """Rule 10 for the families matching the SQL conditions ``scope`` (on ``Family``)."""
    return due_in_scope(scope, today, child_id=child_id).items


def due_in_scope(
    scope: list[ColumnElement[bool]],
    today: date,
    *,
    child_id: int | None = None,
    kinds: frozenset[str] = ALL_KINDS,
    loaded: Sequence[Family] | None = None,
) -> Due:
    """Rule 10 for the families matching ``scope`` (SQL conditions on ``Family``);
    ``loaded``: those families, as the page has them already."""
    zone = clock.clinic_timezone()
    # No shortcut for an empty scope: the same queries run whatever the caseload.
    if loaded is None:
        families = _families(scope, zone)
    else:
        families = {f.id: _family(f.id, f.name, f.assigned_visitor_id, f.status, f.created_at, zone) for f in loaded}
    items: list[Item] = []
    if kinds & _FROM_FOLLOW_UPS:
        follow_up_items, screening_follow_ups = _follow_ups(scope, child_id, today, families)
        items += follow_up_items
        if kinds & _FROM_WINDOWS:  # a window is not listed beside its screening follow-up
            children, administered = _children_and_screenings([*scope, ACTIVE], child_id, today)
            items += _closing_windows(today, families, children, administered, screening_follow_ups)
    waiting: list[WaitingReferral] = []
    children: dict[int, int] = {}
    if child_id is None:
        if kinds & _FROM_REFERRALS:
            referral_items, waiting = _referrals(scope, today, families, zone)
            items += referral_items
        if kinds & _FROM_CONTACTS:
            not_seen, children = _not_seen(scope, today, families)
            items += not_seen
    if kinds != ALL_KINDS:
        items = [item for item in items if item.kind in kinds]
    items.sort(key=lambda item: item.sort_key)
    return Due(items, families, waiting, children)


# Rule 10's statements differ from page to page only in the scope's values (and the
# day): each is built once per shape of scope and day, and run with the page's values
# (``clinic.prebuilt``). Their rows come straight from the connection: rule 10 reads a
# few thousand for a supervisor's ~1,000 families, and the ORM's handling of rows it
# builds no entity from was ~12% of rule 10's CPU. For the same reason the rows are
# unpacked by position: a ``Row``'s attribute (``row.name``) costs ~1.5 µs, its
# unpacking ~0.3 µs for all its columns.
_STATEMENTS = Prebuilt()


def _families(scope, zone: tzinfo) -> dict[int, FamilyRow]:
    rows = _STATEMENTS.rows(
        ("families",),
        scope,
        lambda: select(Family.id, Family.name, Family.assigned_visitor_id, Family.status, Family.created_at).where(
            *scope
        ),
    )
    return {row[0]: _family(*row, zone) for row in rows}


def _family(family_id: int, name: str, visitor_id: int, status: str, created_at: datetime, zone: tzinfo) -> FamilyRow:
    return FamilyRow(family_id, name, visitor_id, status == "active", created_at.astimezone(zone).date())


@dataclass(slots=True)
class _Child:
    id: int
    family_id: int
    name: str
    date_of_birth: date
    gestational_age_weeks: int | None


# relativedelta keeps the day of the month, or takes the month's last day when it
# is shorter: a month added then taken away lands at most 3 days early (31 → 28).
_MONTH_END_SLACK = timedelta(days=3)
_LONGEST_CORRECTION = timedelta(weeks=FULL_TERM_WEEKS - SHORTEST_GESTATION_WEEKS)


@dataclass(frozen=True)
class BirthDates:
    """Born between ``first`` and ``last`` (inclusive); a preterm child (rule 1)
    from ``first_preterm``."""

    first: date
    first_preterm: date
    last: date


def closing_birth_dates(instrument: Instrument, today: date) -> BirthDates:
    """The dates of birth of every child whose window for ``instrument`` can close
    from ``today`` to 14 days ahead (and a few more: the exact rule decides).

    The window closes the day before the screening age reaches ``window_max + 1``
    months (``M``). That day ``X`` is ``add_months(birth, M)`` for a child born at
    term; for a preterm child it lies between that and ``add_months(due date, M)``
    (rule 1: corrected age, or chronological age from 24 months), the due date
    being at most ``_LONGEST_CORRECTION`` after birth. ``X`` in
    ``[today + 1, today + 15]`` and ``add_months`` never moving a date back by more
    than ``_MONTH_END_SLACK`` give the bounds.
    """
    months = instrument.window_max + 1
    first = add_months(today + timedelta(days=1), -months)
    last = add_months(today + timedelta(days=WINDOW_CLOSING_DAYS + 1), -months) + _MONTH_END_SLACK
    return BirthDates(first, first - _LONGEST_CORRECTION, last)


@lru_cache(maxsize=4)
def _closing_candidates(today: date) -> ColumnElement[bool]:
    """SQL on ``Child``: born in one of ``closing_birth_dates``' ranges.

    The same for every request of a day (the instruments are shipped data): built
    once, not for each page (an OR of 14 ranges, a quarter of rule 10's Python for
    one family)."""
    preterm = and_(Child.gestational_age_weeks.is_not(None), Child.gestational_age_weeks < PRETERM_BELOW_WEEKS)
    ranges = []
    for instrument in instruments():
        born = closing_birth_dates(instrument, today)
        ranges.append(Child.date_of_birth.between(born.first, born.last))
        ranges.append(and_(preterm, Child.date_of_birth.between(born.first_preterm, born.last)))
    return or_(*ranges)


def _children_and_screenings(
    active_scope, child_id: int | None, today: date
) -> tuple[dict[int, _Child], dict[int, list[tuple[str, date]]]]:
    """The children who may have a window closing soon, and child id → (instrument
    code, date) of each of their screenings: one query, a row per screening (or one
    for a child with none)."""
    inputs = [*active_scope, *([Child.id == child_id] if child_id is not None else [])]
    rows = _STATEMENTS.rows(
        ("children", today),
        inputs,
        lambda: select(
            Child.id,
            Child.family_id,
            Child.first_name,
            Child.last_name,
            Child.date_of_birth,
            Child.gestational_age_weeks,
            Screening.instrument_code,
            Screening.administered_on,
        )
        .join(Family, Family.id == Child.family_id)
        .outerjoin(Screening, Screening.child_id == Child.id)
        .where(*inputs, _closing_candidates(today)),
    )
    children: dict[int, _Child] = {}
    administered: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for child, family_id, first_name, last_name, born, weeks, code, administered_on in rows:
        if child not in children:
            children[child] = _Child(child, family_id, f"{first_name} {last_name}", born, weeks)
        if code is not None:
            administered[child].append((code, administered_on))
    return children, administered


def _follow_ups(scope, child_id, today, families) -> tuple[list[Item], set[tuple[int, str | None]]]:
    """Scheduled follow-ups up to a week ahead, with their child; past-due screening
    ones are ``screening_due``. Also returns the (child, instrument) pairs those cover."""
    one_child = [FollowUp.child_id == child_id] if child_id is not None else []
    rows = _STATEMENTS.rows(
        ("follow_ups", today),
        [*scope, *one_child],
        lambda: select(
            FollowUp.id,
            FollowUp.family_id,
            FollowUp.child_id,
            FollowUp.kind,
            FollowUp.instrument_code,
            FollowUp.due_on,
            Child.first_name,
            Child.last_name,
            Child.date_of_birth,
            Child.gestational_age_weeks,
        )
        .outerjoin(Child, Child.id == FollowUp.child_id)
        .where(
            in_families(FollowUp.family_id, scope, ACTIVE),
            FollowUp.status == DUE_STATUS,
            FollowUp.due_on <= today + timedelta(days=DUE_SOON_DAYS),
            *one_child,
        ),
    )
    items = []
    covered: set[tuple[int, str | None]] = set()
    for follow_up_id, family_id, child_id, kind, code, due_on, first_name, last_name, born, weeks in rows:
        family = families[family_id]
        child = _Child(child_id, family_id, f"{first_name} {last_name}", born, weeks) if child_id is not None else None
        if due_on < today:
            item_kind = "screening_due" if kind == "screening" else "overdue_follow_up"
        else:
            item_kind = "due_follow_up"
        recordable = True
        if item_kind == "screening_due" and child is not None:
            covered.add((child.id, code))
            if code is not None:
                recordable = _recordable(code, child, today)
        items.append(
            Item(
                item_kind,
                due_on,
                family.id,
                family.name,
                family.visitor_id,
                child_id=child_id,
                child_name=child.name if child else None,
                follow_up_id=follow_up_id,
                follow_up_kind=kind,
                instrument_code=code,
                recordable=recordable,
            )
        )
    return items, covered


def _recordable(code: str, child: _Child, today: date) -> bool:
    try:
        instrument = get_instrument(code)
    except KeyError:
        return False
    return rules.in_window(instrument, child.date_of_birth, child.gestational_age_weeks, today)


def _closing_windows(today, families, children, administered, covered) -> list[Item]:
    """Instruments whose window is open today and closes within 14 days, not yet
    given to the child in that window (rule 2)."""
    items = []
    current = instruments()
    last_day = today + timedelta(days=WINDOW_CLOSING_DAYS)
    for child in children.values():
        if (child.id, None) in covered:
            continue  # a past-due screening follow-up for this child is already listed
        dob, weeks = child.date_of_birth, child.gestational_age_weeks
        for instrument in rules.recordable_on(dob, weeks, today, current):
            if rules.administered_in_window(instrument, dob, weeks, administered.get(child.id, [])):
                continue
            if (child.id, instrument.code) in covered:
                continue
            closes_on = window_closes_on(instrument, dob, weeks)
            if closes_on > last_day:
                continue
            family = families[child.family_id]
            items.append(
                Item(
                    "screening_due",
                    closes_on,
                    family.id,
                    family.name,
                    family.visitor_id,
                    child_id=child.id,
                    child_name=child.name,
                    instrument_code=instrument.code,
                )
            )
    return items


def _referrals(scope, today, families, zone) -> tuple[list[Item], list[WaitingReferral]]:
    """Late and stalled referrals; and the open or reviewed ones."""
    rows = _STATEMENTS.rows(
        ("referrals",),
        scope,
        lambda: select(
            Referral.id, Referral.family_id, Referral.status, Referral.created_at, Referral.service, Referral.sent_on
        )
        .join(Family, Family.id == Referral.family_id)
        .where(
            *scope,
            or_(
                Referral.status.in_(ACTIVE_STATUSES),
                and_(Referral.status == "sent", Referral.service_contact_on.is_(None), Referral.sent_on.is_not(None)),
            ),
        ),
    )
    items = []
    waiting = []
    for referral_id, family_id, status, created_at, service, sent_on in rows:
        family = families[family_id]
        if status == "sent":
            deadline = contact_deadline(service, sent_on)
            kind = "late_referral"
        else:
            opened_on = created_at.astimezone(zone).date()
            waiting.append(WaitingReferral(referral_id, family_id, opened_on))
            deadline = opened_on + timedelta(days=STALLED_AFTER_DAYS)
            kind = "stalled_referral"
        if today > deadline:
            items.append(
                Item(
                    kind,
                    deadline,
                    family.id,
                    family.name,
                    family.visitor_id,
                    referral_id=referral_id,
                    referral_status=status,
                    service=service,
                )
            )
    return items, waiting


def _not_seen(scope, today, families) -> tuple[list[Item], dict[int, int]]:
    """Active families whose last screening, observation or visit done (or, with
    none, creation) is more than 90 days ago; and active family id → its number of
    children, counted in the same pass over them (the dashboard's column)."""
    def build():
        latest_screening = (
            select(func.max(Screening.administered_on)).where(Screening.child_id == Child.id).scalar_subquery()
        )
        contacts = union_all(
            # The children through the family index (a supervisor's ~1,400: this statement
            # 14 → 10 ms, pgbench), each one's latest screening through the (child, date)
            # index: one row read per child, however many screenings it has.
            select(
                Child.family_id.label("family_id"),
                func.max(latest_screening).label("on"),
                func.count(Child.id).label("children"),
            )
            .where(in_families(Child.family_id, scope, ACTIVE))
            .group_by(Child.family_id),
            select(Observation.family_id, func.max(Observation.observed_on), literal_column("0"))
            .where(in_families(Observation.family_id, scope, ACTIVE))
            .group_by(Observation.family_id),
            select(FollowUp.family_id, func.max(FollowUp.due_on), literal_column("0"))
            .where(in_families(FollowUp.family_id, scope, ACTIVE), FollowUp.kind == "visit", FollowUp.status == "done")
            .group_by(FollowUp.family_id),
        ).subquery()
        return select(contacts.c.family_id, func.max(contacts.c.on), cast(func.sum(contacts.c.children), Integer)).group_by(
            contacts.c.family_id
        )

    # Families whose children were never screened come back with None, left out
    # here: a filter in SQL would make PostgreSQL find each child's latest screening twice.
    last_seen: dict[int, date] = {}
    children: dict[int, int] = {}
    for family_id, on, count in _STATEMENTS.rows(("not_seen",), scope, build):
        if on is not None:
            last_seen[family_id] = on
        if count:
            children[family_id] = count
    items = []
    for family in families.values():
        if not family.active:
            continue
        since = max(last_seen.get(family.id, date.min), family.created_on)
        deadline = since + timedelta(days=NOT_SEEN_DAYS)
        if today > deadline:
            items.append(Item("not_seen", deadline, family.id, family.name, family.visitor_id))
    return items, children
