"""Rule 11: the program's measures for a period, as a funder's report asks for them.

Everything is counted in the database with aggregates: a fixed number of queries
whatever the number of families, and no row of a child or family ever reaches
Python (the report holds counts only).

The hard part is ``screened_on_time``: each child's window for each instrument
(rule 1's age, corrected until 24 months; rule 2's window) is computed in SQL, by
crossing the children in scope with the instruments (a small constant table) and
computing each window's first and last day with rule 1's month arithmetic
(``clinic.reports.sql``). The screening age is non-decreasing (the corrected age
grows, then jumps up to the chronological age at 24 months), so the window
``[min, max]`` is the run of days from the first day the age reaches ``min`` to the
day before it reaches ``max + 1``; the first day it reaches ``m`` is, as in
``clinic.cases.ages.date_at_screening_age``:

- born at 37 weeks or later: birth date + ``m`` months;
- born earlier: due date + ``m`` months while that is before the second birthday;
  else the second birthday when ``m`` < 24 (the jump to chronological age); else
  birth date + ``m`` months.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    distinct,
    exists,
    false,
    func,
    literal,
    select,
    true,
    union_all,
)

from clinic import clock
from clinic.cases.ages import CORRECT_UNTIL_MONTHS, FULL_TERM_WEEKS, PRETERM_BELOW_WEEKS
from clinic.cases.ages import add_months as months_after
from clinic.cases.models import Child, Family
from clinic.instruments import domain_labels, instruments, risk_factor_categories, risk_factor_category_of_codes
from clinic.permissions.scope import of_families, one_of, restricts
from clinic.prebuilt import Prebuilt
from clinic.referrals.loop import EARLY_INTERVENTION_DAYS, OTHER_SERVICE_DAYS
from clinic.referrals.models import OUTCOMES, Referral
from clinic.reports.sql import add_days, add_months, days_between, literal_int, local_date, materialized, year_month
from clinic.screening.models import RESULTS, Observation, RiskFactor, Screening, ScreeningResponse
from clinic.screening.rules import MISSED

# The report's statements differ from request to request only in the scope's values
# once the period, the day and the clinic's zone are set: each is built once for a
# shape of scope and those (``clinic.prebuilt``). Building them and their cache keys
# was most of the report's Python: a team's year 77 → 27 M instructions a request.
_STATEMENTS = Prebuilt()
UNDER_MONTHS = 36  # interaction_observed: children under 36 months
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Measure:
    code: str
    numerator: int
    denominator: int
    missing: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None


@dataclass(frozen=True)
class MonthCounts:
    month: str  # YYYY-MM
    on_track: int
    monitor: int
    concern: int

    @property
    def total(self) -> int:
        return self.on_track + self.monitor + self.concern


@dataclass(frozen=True)
class Count:
    code: str
    label: str
    count: int


@dataclass(frozen=True)
class ReferralCounts:
    opened: int
    sent: int
    closed: dict[str, int]  # outcome → referrals closed with it in the period
    median_days_opened_to_sent: float | None
    median_days_sent_to_contact: float | None


@dataclass(frozen=True)
class ProgramReport:
    period_from: date
    period_to: date
    team_id: int | None
    measures: list[Measure]
    screenings_by_month: list[MonthCounts]
    screenings: int  # screenings administered in the period
    missed_by_domain: list[Count]  # of those, how many missed a milestone of the domain
    risk_factors_by_category: list[Count]
    referrals: ReferralCounts


def federal_fiscal_year(on: date) -> tuple[date, date]:
    """The US federal fiscal year containing ``on``: 1 October to 30 September."""
    start_year = on.year if on.month >= 10 else on.year - 1
    return date(start_year, 10, 1), date(start_year + 1, 9, 30)


def program_report(
    scope: list[ColumnElement[bool]], period_from: date, period_to: date, today: date, team_id: int | None = None
) -> ProgramReport:
    """Rule 11 for the families matching ``scope`` (SQL conditions on ``Family``)."""
    zone = clock.clinic_timezone().key
    screening_measures = screened_on_time(scope, period_from, period_to, today, zone)
    referral_measure, referrals = referral_counts(scope, period_from, period_to, today, zone)
    by_month, screening_total = screenings_by_month(scope, period_from, period_to)
    return ProgramReport(
        period_from=period_from,
        period_to=period_to,
        team_id=team_id,
        measures=[*screening_measures, referral_measure, interaction_observed(scope, period_from, period_to)],
        screenings_by_month=by_month,
        screenings=screening_total,
        missed_by_domain=missed_by_domain(scope, period_from, period_to),
        risk_factors_by_category=risk_factors_by_category(scope, period_from, period_to),
        referrals=referrals,
    )


def _instrument_table(closing: tuple[date, date] | None = None):
    """The current instruments as a constant table: code, window min, window max + 1;
    with ``closing``, also the bounds on the date of birth of a child whose window
    can close in that period (``_birth_bounds``)."""
    rows = []
    for instrument in instruments():
        columns = [
            cast(literal(instrument.code), String).label("code"),
            cast(literal(instrument.window_min), Integer).label("opens_at"),
            cast(literal(instrument.window_max + 1), Integer).label("closes_before"),
        ]
        if closing is not None:
            # Not cast: SQLite would turn CAST('2025-10-01' AS DATE) into the number 2025.
            columns += [literal(bound, Date).label(name)
                        for name, bound in _birth_bounds(instrument.window_max + 1, *closing).items()]  # fmt: skip
        rows.append(select(*columns))
    return union_all(*rows).cte("instrument_windows")


def _last_birth_reaching(months: int, day: date) -> date:
    """The last date of birth from which ``months`` whole months are completed by
    ``day``; rule 1's month arithmetic never decreases, so every earlier birth
    completes them by then too."""
    born = day - relativedelta(months=months)
    while months_after(born + ONE_DAY, months) <= day:
        born += ONE_DAY
    return born


def _birth_bounds(closes_before: int, first: date, last: date) -> dict[str, date]:
    """Bounds on the date of birth of a child whose window ending the day before
    screening age ``closes_before`` can close between ``first`` and ``last``.

    That window closes the day before ``date_at_screening_age(closes_before)``, which
    is never before birth + ``closes_before`` months, and is exactly that for a
    child born at term; for a preterm child it is never after birth + 24 months
    (the switch to chronological age) when ``closes_before`` is below 24. So a child
    born after ``born_until`` closes the window after ``last``, and one born on or
    before ``born_after`` (``preterm_born_after`` if preterm) closes it before
    ``first``. The bounds only leave out windows the exact test would leave out
    too; they let the database skip most children × instruments of a long
    program before computing any window.
    """
    return {
        "born_after": _last_birth_reaching(closes_before, first),
        "preterm_born_after": _last_birth_reaching(max(closes_before, CORRECT_UNTIL_MONTHS), first),
        "born_until": _last_birth_reaching(closes_before, last + ONE_DAY),
    }


def screened_on_time(
    scope: list[ColumnElement[bool]], period_from: date, period_to: date, today: date, zone: str
) -> list[Measure]:
    """``screened_on_time:<instrument>`` for every current instrument, in one query.

    Nothing is ever missing: a child's date of birth is required, and an unknown
    gestational age counts as 40 weeks (SPEC's domain).
    """
    last = min(period_to, today)

    def build():
        windows = instrument_windows(scope, zone, closing=(period_from, last))
        counted = (
            select(windows.c.child_id, windows.c.code, windows.c.opens, windows.c.closes)
            .where(
                windows.c.opens <= windows.c.closes,  # a window the 24-month jump skipped has no day
                windows.c.closes >= period_from,
                windows.c.closes <= last,
                windows.c.family_created <= windows.c.closes,
            )
            .cte("report_counted_windows")
        )
        screened = exists().where(
            Screening.child_id == counted.c.child_id,
            Screening.instrument_code == counted.c.code,
            Screening.administered_on >= counted.c.opens,
            Screening.administered_on <= counted.c.closes,
        )
        return select(
            counted.c.code, func.count(), func.coalesce(func.sum(case((screened, 1), else_=0)), 0)
        ).group_by(counted.c.code)

    rows = _STATEMENTS.rows(("screened_on_time", period_from, last, zone), scope, build)
    counts = {code: (int(denominator), int(numerator)) for code, denominator, numerator in rows}
    return [
        Measure(f"screened_on_time:{instrument.code}", counts.get(instrument.code, (0, 0))[1],
                counts.get(instrument.code, (0, 0))[0], 0)  # fmt: skip
        for instrument in instruments()
    ]


def instrument_windows(scope: list[ColumnElement[bool]], zone: str, closing: tuple[date, date] | None = None):
    """A CTE of every (child in scope, current instrument): ``child_id``,
    ``family_created`` (the clinic-local date), ``code``, ``opens`` and ``closes``
    (the window's first and last day; ``opens > closes`` when it has no day).

    With ``closing`` (first, last day), only the pairs whose window may close in
    that period are computed (``_birth_bounds``); the caller still tests ``closes``.
    """
    preterm = Child.gestational_age_weeks < PRETERM_BELOW_WEEKS
    children = materialized(  # joined to its family once, not once per instrument
        select(
            Child.id.label("child_id"),
            Child.date_of_birth.label("born"),
            case((preterm, true()), else_=false()).label("preterm"),
            add_days(
                Child.date_of_birth,
                (literal_int(FULL_TERM_WEEKS) - func.coalesce(Child.gestational_age_weeks, literal_int(FULL_TERM_WEEKS)))
                * literal_int(7),
            ).label("due"),
            add_months(Child.date_of_birth, literal_int(CORRECT_UNTIL_MONTHS)).label("switch"),
            local_date(Family.created_at, zone).label("family_created"),
        )
        .join(Family, Family.id == Child.family_id)
        .where(*scope)
        .cte("report_children")
    )
    table = _instrument_table(closing)
    pairs = true()
    if closing is not None:
        pairs = and_(
            children.c.born <= table.c.born_until,
            (children.c.born > table.c.born_after)
            | (children.c.preterm & (children.c.born > table.c.preterm_born_after)),
        )

    def first_day(months):
        corrected = add_months(children.c.due, months)
        return case(
            (and_(children.c.preterm, corrected < children.c.switch), corrected),
            (and_(children.c.preterm, months < literal_int(CORRECT_UNTIL_MONTHS)), children.c.switch),
            else_=add_months(children.c.born, months),
        )

    # Each window's days computed once: the tests on them and the probe for a
    # screening inside it read them instead of computing them again.
    return materialized(
        select(
            children.c.child_id,
            children.c.family_created,
            table.c.code,
            first_day(table.c.opens_at).label("opens"),
            add_days(first_day(table.c.closes_before), literal_int(-1)).label("closes"),
        )
        .select_from(children.join(table, pairs))
        .cte("report_windows")
    )


def _instant(day: date) -> datetime:
    """The UTC instant at which the clinic's local ``day`` begins."""
    return datetime.combine(day, time(), clock.clinic_timezone()).astimezone(UTC)


def referral_counts(
    scope: list[ColumnElement[bool]], period_from: date, period_to: date, today: date, zone: str
) -> tuple[Measure, ReferralCounts]:
    """``referral_connected_on_time`` and the referral counts, in two queries.

    A referral sent before services were recorded has no known clock (45 or 30
    days), so the measure leaves it out as missing.
    """
    last = min(period_to, today)

    def build():
        sent = _sent_in((period_from, period_to))
        deadline = add_days(
            Referral.sent_on,
            case(
                (Referral.service == "early_intervention", literal_int(EARLY_INTERVENTION_DAYS)),
                else_=literal_int(OTHER_SERVICE_DAYS),
            ),
        )
        known = and_(sent, Referral.service.is_not(None))
        counted = and_(known, (Referral.service_contact_on.is_not(None)) | (deadline < last))
        on_time = and_(counted, Referral.service_contact_on <= deadline)
        begins, ends = _instant(period_from), _instant(period_to + timedelta(days=1))
        closed_in_period = and_(Referral.status == "closed", Referral.status_since >= begins, Referral.status_since < ends)
        opened = and_(Referral.created_at >= begins, Referral.created_at < ends)

        def total(condition):
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        return (
            select(
                total(on_time),
                total(counted),
                total(and_(sent, Referral.service.is_(None))),
                total(opened),
                total(sent),
                *(total(and_(closed_in_period, Referral.outcome == outcome)) for outcome in OUTCOMES),
            )
            .join(Family, Family.id == Referral.family_id)
            # Only referrals that can count: each branch has its index.
            .where(*scope, sent | opened | closed_in_period)
        )

    (row,) = _STATEMENTS.rows(("referral_counts", period_from, period_to, last, zone), scope, build)
    numerator, denominator, missing, opened_count, sent_count, *closed = (int(value) for value in row)
    medians = _medians(scope, (period_from, period_to), zone)
    return (
        Measure("referral_connected_on_time", numerator, denominator, missing),
        ReferralCounts(
            opened=opened_count,
            sent=sent_count,
            closed=dict(zip(OUTCOMES, closed, strict=True)),
            median_days_opened_to_sent=medians.get("opened_to_sent"),
            median_days_sent_to_contact=medians.get("sent_to_contact"),
        ),
    )


def _sent_in(period: tuple[date, date]) -> ColumnElement[bool]:
    """Referrals sent in the period: what the measure, the counts and the medians count."""
    return Referral.sent_on.between(*period)


def _kind(kind: str):
    """A constant text column naming which span a row of the medians' union holds."""
    return cast(literal(kind), String).label("kind")


def _medians(scope: list[ColumnElement[bool]], period: tuple[date, date], zone: str) -> dict[str, float]:
    """Median days opened → sent and sent → first contact of the referrals sent in the
    ``period``, in one query: both databases have window functions, only
    PostgreSQL a median aggregate, so the middle row (or the two middle rows) is
    picked by rank."""

    def build():
        base = (
            select().select_from(Referral).join(Family, Family.id == Referral.family_id).where(*scope, _sent_in(period))
        )
        spans = union_all(
            base.add_columns(
                _kind("opened_to_sent"),
                days_between(Referral.sent_on, local_date(Referral.created_at, zone)).label("days"),
            ),
            base.add_columns(
                _kind("sent_to_contact"),
                days_between(Referral.service_contact_on, Referral.sent_on).label("days"),
            ).where(Referral.service_contact_on.is_not(None)),
        ).subquery("spans")
        ranked = select(
            spans.c.kind,
            spans.c.days,
            func.row_number().over(partition_by=spans.c.kind, order_by=spans.c.days).label("position"),
            func.count().over(partition_by=spans.c.kind).label("size"),
        ).subquery("ranked")
        middle = (ranked.c.size + 1) // 2, (ranked.c.size + 2) // 2
        return (
            select(ranked.c.kind, func.avg(cast(ranked.c.days, Integer) * 1.0))
            .where(ranked.c.position.in_(middle))
            .group_by(ranked.c.kind)
        )

    rows = _STATEMENTS.rows(("medians", *period, zone), scope, build)
    return {kind: float(value) for kind, value in rows}


def interaction_observed(scope: list[ColumnElement[bool]], period_from: date, period_to: date) -> Measure:
    """Active families created by ``to`` with a child born by ``to`` and under 36
    months on ``to``; of them, those with an interaction observation in the period."""
    # Both bounds compared as they are stored, so nothing is computed per row: a
    # child is under 36 months on ``to`` exactly when born after the last birth
    # completing 36 months by then, and a family was created on or before ``to``
    # (the clinic's date) exactly when created before the next day begins there.

    def build():
        young = [Child.date_of_birth <= period_to, Child.date_of_birth > _last_birth_reaching(UNDER_MONTHS, period_to)]
        if restricts(scope):
            # A team's young children through the family index (11 → 6 ms, pgbench); for
            # the whole program, hashing its children stays the faster way.
            young_child = one_of(Family.id, select(Child.family_id).where(of_families(Child.family_id, scope), *young))
        else:
            young_child = exists().where(Child.family_id == Family.id, *young)
        observed = exists().where(
            Observation.family_id == Family.id, Observation.observed_on.between(period_from, period_to)
        )
        return select(func.count(), func.coalesce(func.sum(case((observed, 1), else_=0)), 0)).where(
            *scope, Family.status == "active", Family.created_at < _instant(period_to + ONE_DAY), young_child
        )

    ((denominator, numerator),) = _STATEMENTS.rows(
        ("interaction_observed", period_from, period_to, clock.clinic_timezone().key), scope, build
    )
    return Measure("interaction_observed", int(numerator), int(denominator), 0)


def _months(period_from: date, period_to: date) -> list[str]:
    months, month = [], period_from.replace(day=1)
    while month <= period_to:
        months.append(month.strftime("%Y-%m"))
        month += relativedelta(months=1)
    return months


def _screenings_in(scope: list[ColumnElement[bool]], period_from: date, period_to: date):
    query = select().select_from(Screening).where(Screening.administered_on.between(period_from, period_to))
    if restricts(scope):
        # A team's ~1,500 children through the family index, their year's screenings
        # through the child index (screenings by month 15 → 12 ms, missed milestones
        # 17 → 11 ms for a team's year, pgbench).
        query = query.where(one_of(Screening.child_id, select(Child.id).where(of_families(Child.family_id, scope))))
    return query


def screenings_by_month(
    scope: list[ColumnElement[bool]], period_from: date, period_to: date
) -> tuple[list[MonthCounts], int]:
    """Per calendar month of the period (every month listed), screenings by result."""
    # Counted per day first: the month's text is then formed once per day and
    # result, not once per screening (a year of the large program: 75,000 to_char).
    def build():
        by_day = (
            _screenings_in(scope, period_from, period_to)
            .add_columns(Screening.administered_on.label("day"), Screening.result, func.count().label("screenings"))
            .group_by(Screening.administered_on, Screening.result)
            .subquery("screenings_by_day")
        )
        month = year_month(by_day.c.day)
        return select(month, by_day.c.result, func.sum(by_day.c.screenings)).group_by(month, by_day.c.result)

    counts = {
        (found_month, result): int(count)
        for found_month, result, count in _STATEMENTS.rows(("screenings_by_month", period_from, period_to), scope, build)
    }
    by_month = [MonthCounts(m, *(counts.get((m, result), 0) for result in RESULTS)) for m in _months(period_from, period_to)]
    return by_month, sum(row.total for row in by_month)


def missed_by_domain(scope: list[ColumnElement[bool]], period_from: date, period_to: date) -> list[Count]:
    """Screenings of the period whose current answers miss at least one milestone of
    each domain (a screening missing two domains counts in both)."""
    counts = dict(
        _STATEMENTS.rows(
            ("missed_by_domain", period_from, period_to),
            scope,
            lambda: _screenings_in(scope, period_from, period_to)
            .join(
                ScreeningResponse,
                and_(
                    ScreeningResponse.screening_id == Screening.id,
                    ScreeningResponse.revision == Screening.revision,
                    ScreeningResponse.response == MISSED,
                ),
            )
            .add_columns(ScreeningResponse.domain, func.count(distinct(Screening.id)))
            .group_by(ScreeningResponse.domain),
        )
    )
    labels = domain_labels()
    return [Count(domain, labels.get(domain, domain), int(counts.get(domain, 0)))
            for domain in [*labels, *sorted(set(counts) - set(labels))]]  # fmt: skip


def _risk_factor_category():
    """The category of a noted risk factor's code, as a SQL expression."""
    return case(risk_factor_category_of_codes(), value=RiskFactor.code, else_="")


def risk_factors_by_category(scope: list[ColumnElement[bool]], period_from: date, period_to: date) -> list[Count]:
    """Risk factors noted in the period, per category of the catalog."""
    def build():
        category = _risk_factor_category()
        return (
            select(category, func.count())
            .join(Family, Family.id == RiskFactor.family_id)
            .where(*scope, RiskFactor.noted_on.between(period_from, period_to))
            .group_by(category)
        )

    counts = dict(_STATEMENTS.rows(("risk_factors_by_category", period_from, period_to), scope, build))
    labels = risk_factor_categories()
    return [Count(code, label, int(counts.get(code, 0))) for code, label in labels.items()]
