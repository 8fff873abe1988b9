"""Date arithmetic as SQL expressions that mean the same on SQLite and PostgreSQL.

The program report computes each child's instrument windows (rules 1 and 2) in the
database, so it needs rule 1's month arithmetic in SQL: a month is completed on the
same day of a later month, or on that month's last day when it is shorter (31
January + 1 month = 28 or 29 February). PostgreSQL's ``date + interval 'N months'``
already clamps to the month's end; SQLite's ``date(d, '+N months')`` overflows into
the next month instead (31 January → 3 March), so there the day is checked and an
overflow is taken back to the last day of the month it overshot.

Arguments must be columns or ``literal_int`` values, never bound parameters: the
SQLite form repeats its date argument, and PostgreSQL cannot type a bound integer
added to a date.
"""

from __future__ import annotations

from sqlalchemy import Date, Integer, String, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import InternalTraversal


def literal_int(value: int):
    """An integer written into the SQL text (safe: it is formatted from an int)."""
    return literal_column(str(int(value)), Integer)


class add_months(FunctionElement):  # noqa: N801  (used like a SQL function)
    """``add_months(day, months)``: the day ``months`` whole months after ``day`` (rule 1)."""

    type = Date()
    inherit_cache = True
    name = "add_months"


@compiles(add_months, "postgresql")
def _add_months_postgresql(element, compiler, **kw):
    day, months = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST({day} + make_interval(months => {months}) AS DATE)"


@compiles(add_months, "sqlite")
def _add_months_sqlite(element, compiler, **kw):
    day, months = (compiler.process(clause, **kw) for clause in element.clauses)
    shifted = f"date({day}, ({months}) || ' months')"
    return (
        f"CASE WHEN strftime('%d', {shifted}) = strftime('%d', {day}) THEN {shifted} "
        f"ELSE date({shifted}, 'start of month', '-1 day') END"
    )


class add_days(FunctionElement):  # noqa: N801
    """``add_days(day, days)``; ``days`` may be negative."""

    type = Date()
    inherit_cache = True
    name = "add_days"


@compiles(add_days, "postgresql")
def _add_days_postgresql(element, compiler, **kw):
    day, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST({day} + ({days}) AS DATE)"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    day, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"date({day}, ({days}) || ' days')"


class days_between(FunctionElement):  # noqa: N801
    """``days_between(later, earlier)``: whole days from ``earlier`` to ``later``."""

    type = Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between, "postgresql")
def _days_between_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({later} - {earlier})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"


class year_month(FunctionElement):  # noqa: N801
    """``year_month(day)``: ``'YYYY-MM'``."""

    type = String()
    inherit_cache = True
    name = "year_month"


@compiles(year_month, "postgresql")
def _year_month_postgresql(element, compiler, **kw):
    (day,) = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"to_char({day}, 'YYYY-MM')"


@compiles(year_month, "sqlite")
def _year_month_sqlite(element, compiler, **kw):
    (day,) = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"strftime('%Y-%m', {day})"


class local_date(FunctionElement):  # noqa: N801
    """``local_date(timestamp)``: the clinic's local date (rule 9) of a UTC timestamp.

    PostgreSQL converts with its own time-zone database. SQLite has none: for any
    zone but UTC it calls ``clinic_local_date``, which ``clinic.db`` registers on every
    SQLite connection (Python's zoneinfo, the same conversion the pages make).
    """

    type = Date()
    # The zone is written into the SQL text, so it is part of the cache key: without
    # one, the program report's two statements that use it were compiled anew on
    # every request (~12 ms of a team's report in-process, under the profiler).
    inherit_cache = True
    _traverse_internals = [*FunctionElement._traverse_internals, ("zone", InternalTraversal.dp_string)]

    name = "local_date"

    def __init__(self, timestamp, zone: str):
        self.zone = zone
        super().__init__(timestamp)


def _zone_literal(zone: str) -> str:
    return "'" + zone.replace("'", "''") + "'"


@compiles(local_date, "postgresql")
def _local_date_postgresql(element, compiler, **kw):
    (timestamp,) = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"CAST(timezone({_zone_literal(element.zone)}, {timestamp}) AS DATE)"


@compiles(local_date, "sqlite")
def _local_date_sqlite(element, compiler, **kw):
    (timestamp,) = (compiler.process(clause, **kw) for clause in element.clauses)
    if element.zone == "UTC":
        return f"date({timestamp})"
    return f"clinic_local_date({timestamp}, {_zone_literal(element.zone)})"


def materialized(cte):
    """``cte`` computed once, before the query that reads it, on PostgreSQL.

    PostgreSQL inlines a CTE read once, and then may join a large CTE's rows to a
    table row by row, or compute its expressions again wherever the outer query
    repeats them; ``MATERIALIZED`` keeps it a fence. SQLite plans the report's
    queries well either way, and older SQLite versions do not know the keyword.
    """
    return cte.prefix_with("MATERIALIZED", dialect="postgresql")
