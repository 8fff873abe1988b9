"""The program report as people read it: the period asked for, what each measure
means in plain words, and every table as rows for the page, CSV and the API."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from flask import Response

from clinic.instruments import get_instrument
from clinic.referrals.loop import EARLY_INTERVENTION_DAYS, OTHER_SERVICE_DAYS
from clinic.referrals.models import OUTCOMES
from clinic.reports.program import Measure, ProgramReport, federal_fiscal_year
from clinic.templating import checklist_title
from clinic.translation import gettext as _

MAX_PERIOD_DAYS = 5 * 366  # a funder asks for one year; five keep every query small
EARLIEST, LATEST = date(1900, 1, 1), date(2200, 12, 31)

TABLES = ("measures", "screenings_by_month", "missed_by_domain", "risk_factors_by_category", "referrals")


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    errors: dict[str, str]  # field → message; the period falls back to the default then


def read_period(raw_from: str | None, raw_to: str | None, today: date) -> Period:
    """The period typed in the query string (``from``, ``to``), by default the
    federal fiscal year containing ``today``; a field that is not a date, or a
    period that runs backwards or is too long, is named in ``errors``."""
    default_from, default_to = federal_fiscal_year(today)
    errors: dict[str, str] = {}
    start = _read_date("from", raw_from, default_from, errors)
    end = _read_date("to", raw_to, default_to, errors)
    if not errors:
        errors.update(period_problems(start, end))
    if errors:
        return Period(default_from, default_to, errors)
    return Period(start, end, {})


def _read_date(field: str, raw: str | None, default: date, errors: dict[str, str]) -> date:
    if raw is None or not raw.strip():
        return default
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        errors[field] = "Enter a date as YYYY-MM-DD."
        return default


def period_problems(start: date, end: date) -> dict[str, str]:
    """Field errors of a period (empty when it is fine)."""
    if not (EARLIEST <= start <= LATEST):
        return {"from": f"Choose a date between {EARLIEST.year} and {LATEST.year}."}
    if not (EARLIEST <= end <= LATEST):
        return {"to": f"Choose a date between {EARLIEST.year} and {LATEST.year}."}
    if end < start:
        return {"to": "The end of the period cannot be before its start."}
    if (end - start).days >= MAX_PERIOD_DAYS:
        return {"to": "A report covers at most five years."}
    return {}


def previous_year(start: date) -> tuple[date, date]:
    """The federal fiscal year before the one containing ``start``."""
    current_from, _ = federal_fiscal_year(start)
    return federal_fiscal_year(current_from.replace(year=current_from.year - 1))


def measure_checklist(code: str) -> str:
    """The checklist a ``screened_on_time`` measure is about, titled in the page's language."""
    instrument = get_instrument(code.split(":", 1)[1])
    return checklist_title(instrument.code, instrument.title)


def measure_label(code: str) -> str:
    """The measure's name in the page's language (its code is the same in every one)."""
    if code.startswith("screened_on_time:"):
        return _("Screened on time: %(checklist)s", checklist=measure_checklist(code))
    if code == "referral_connected_on_time":
        return _("Referral connected to a service on time")
    return _("Caregiver–child interaction observed")


def measure_definition(code: str) -> str:
    """What the measure counts, in plain words."""
    if code.startswith("screened_on_time:"):
        instrument = get_instrument(code.split(":", 1)[1])
        return _(
            "Children whose window for %(checklist)s (ages %(min)d to %(max)d months; corrected age for children "
            "born before 37 weeks, until they are two) ended inside the period and by today, and whose family was "
            "in the program by then. Counted: those screened with it while inside the window.",
            checklist=measure_checklist(code), min=instrument.window_min, max=instrument.window_max,
        )
    if code == "referral_connected_on_time":
        return _(
            "Referrals sent inside the period whose deadline has passed or that have a first-contact date (the "
            "deadline is %(early)d days after sending for Early Intervention, %(other)d for any other service). "
            "Counted: first contact on or before the deadline. Missing: referrals sent before the service was "
            "recorded.",
            early=EARLY_INTERVENTION_DAYS, other=OTHER_SERVICE_DAYS,
        )
    return _(
        "Active families with a child under 36 months at the end of the period. "
        "Counted: families with a caregiver–child interaction observation inside the period."
    )


def share(measure: Measure) -> str:
    """The value as people read it: a percentage, or a dash when nothing was counted."""
    return "—" if measure.value is None else f"{measure.value * 100:.1f}%"


def table_rows(report: ProgramReport, table: str) -> tuple[list[str], list[list[object]]]:
    """One table of the report: its header and rows (counts only)."""
    if table == "measures":
        return (
            ["code", "measure", "numerator", "denominator", "missing", "value"],
            [[m.code, measure_label(m.code), m.numerator, m.denominator, m.missing,
              "" if m.value is None else round(m.value, 4)] for m in report.measures],  # fmt: skip
        )
    if table == "screenings_by_month":
        return (
            ["month", "on_track", "monitor", "concern", "total"],
            [[m.month, m.on_track, m.monitor, m.concern, m.total] for m in report.screenings_by_month],
        )
    if table == "missed_by_domain":
        return (
            ["domain", "label", "screenings_missing_a_milestone", "screenings_in_period"],
            [[c.code, c.label, c.count, report.screenings] for c in report.missed_by_domain],
        )
    if table == "risk_factors_by_category":
        return (["category", "label", "risk_factors"], [[c.code, c.label, c.count] for c in report.risk_factors_by_category])
    if table == "referrals":
        referrals = report.referrals
        rows: list[list[object]] = [["opened", referrals.opened], ["sent", referrals.sent]]
        rows += [[f"closed_{outcome}", referrals.closed[outcome]] for outcome in OUTCOMES]
        rows += [
            ["median_days_opened_to_sent", days(referrals.median_days_opened_to_sent, "")],
            ["median_days_sent_to_contact", days(referrals.median_days_sent_to_contact, "")],
        ]
        return ["count", "value"], rows
    raise KeyError(table)


def days(value: float | None, none: str = "—") -> str:
    """A median number of days: whole when it is, else with its half day."""
    if value is None:
        return none
    return str(int(value)) if value.is_integer() else f"{value:.1f}"


# A spreadsheet runs a cell that begins with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: object) -> object:
    """A text cell that a spreadsheet would take for a formula, made plain text."""
    if isinstance(cell, str) and cell.startswith(FORMULA_STARTS):
        return "'" + cell
    return cell


def to_csv(header: list[str], rows: list[list[object]]) -> str:
    """RFC 4180: comma-separated, CRLF line ends, quotes where needed, a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([neutralise(cell) for cell in header])
    writer.writerows([[neutralise(cell) for cell in row] for row in rows])
    return out.getvalue()


def csv_filename(report: ProgramReport, table: str) -> str:
    return f"program-{table.replace('_', '-')}-{report.period_from.isoformat()}-{report.period_to.isoformat()}.csv"


def as_json(report: ProgramReport) -> Mapping[str, object]:
    """The whole report as ``GET /api/v1/reports/program`` answers it (SPEC's shape)."""
    return {
        "from": report.period_from.isoformat(),
        "to": report.period_to.isoformat(),
        "team_id": report.team_id,
        "measures": [
            {"code": m.code, "numerator": m.numerator, "denominator": m.denominator, "missing": m.missing,
             "value": m.value}  # fmt: skip
            for m in report.measures
        ],
        "screenings_by_month": [
            {"month": m.month, "on_track": m.on_track, "monitor": m.monitor, "concern": m.concern, "total": m.total}
            for m in report.screenings_by_month
        ],
        "screenings": report.screenings,
        "missed_by_domain": [{"domain": c.code, "screenings": c.count} for c in report.missed_by_domain],
        "risk_factors_by_category": [{"category": c.code, "count": c.count} for c in report.risk_factors_by_category],
        "referrals": {
            "opened": report.referrals.opened,
            "sent": report.referrals.sent,
            "closed": dict(report.referrals.closed),
            "median_days_opened_to_sent": report.referrals.median_days_opened_to_sent,
            "median_days_sent_to_contact": report.referrals.median_days_sent_to_contact,
        },
    }


def csv_response(report: ProgramReport, table: str) -> Response:
    """A download of one table: UTF-8 CSV with a header row."""
    header, rows = table_rows(report, table)
    return Response(
        to_csv(header, rows),
        headers={
            "Content-Type": "text/csv; charset=utf-8; header=present",
            "Content-Disposition": f'attachment; filename="{csv_filename(report, table)}"',
        },
    )
