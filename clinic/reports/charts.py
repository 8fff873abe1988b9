"""The program report's charts as server-rendered SVG, in the manner of the
milestones chart (``clinic.screening.chart``): pure functions over counts, colours
as presentation attributes (the page's CSP forbids inline styles), a title and a
description for screen readers, every text escaped, in the page's language."""

from __future__ import annotations

from html import escape

from babel.dates import get_month_names

from clinic.reports.program import Measure, MonthCounts
from clinic.templating import page_language
from clinic.translation import gettext as _
from clinic.translation import lazy_gettext as _l

WIDTH = 720
AXIS = "#5b6776"
GRID = "#d6dde5"
INK = "#1d2733"
# Okabe–Ito colours, as the milestones chart; on track, monitor, concern.
RESULT_COLOURS = {"on_track": "#009E73", "monitor": "#E69F00", "concern": "#D55E00"}
RESULT_LABELS = {"on_track": _l("On track"), "monitor": _l("Monitor"), "concern": _l("Concern")}
BAR = "#0072B2"


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _text(value: object) -> str:
    return escape(str(value), quote=False)


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _open(element_id: str, height: int, title: str, description: str, css_class: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{_attr(element_id)}-title {_attr(element_id)}-desc" '
        f'font-family="sans-serif" font-size="12">',
        f'<title id="{_attr(element_id)}-title">{_text(title)}</title>',
        f'<desc id="{_attr(element_id)}-desc">{_text(description)}</desc>',
    ]


def _counted(measure: Measure) -> str:
    """"3 of 5", or "no window closed" when nothing was counted."""
    if not measure.denominator:
        return _("no window closed")
    return _("%(numerator)d of %(denominator)d", numerator=measure.numerator, denominator=measure.denominator)


def _scale_top(largest: int) -> int:
    """A round top for a count axis (at least 4, so small counts get whole ticks)."""
    top = max(4, largest)
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if top <= step * 4:
            return step * 4
    return -(-top // 10000) * 10000


def screenings_by_month_svg(months: list[MonthCounts], *, element_id: str = "screenings-by-month") -> str:
    """Stacked bars: screenings per month, split by result."""
    height, left, right, top, bottom = 310, 48, 130, 16, 58
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    y_top = _scale_top(max((m.total for m in months), default=0))
    described = "; ".join(
        _("%(month)s: %(total)d (%(on_track)d on track, %(monitor)d monitor, %(concern)d concern)",
          month=m.month, total=m.total, on_track=m.on_track, monitor=m.monitor, concern=m.concern)
        for m in months
    )  # fmt: skip
    out = _open(element_id, height, _("Screenings per month, by result"), described or _("No months."), "report-chart")
    month_names = get_month_names("abbreviated", context="stand-alone", locale=page_language() or "en")
    out.append(f'<g class="axes" stroke="{AXIS}" stroke-width="1">'
               f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}"/>'
               f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}"/></g>')  # fmt: skip
    out.append(f'<g class="grid" fill="{AXIS}">')
    for tick in range(0, y_top + 1, y_top // 4):
        y = top + plot_h * (1 - tick / y_top)
        out.append(f'<line x1="{left}" y1="{_number(y)}" x2="{left + plot_w}" y2="{_number(y)}" '
                   f'stroke="{GRID}" stroke-width="1"/>'
                   f'<text x="{left - 6}" y="{_number(y + 4)}" text-anchor="end">{tick}</text>')  # fmt: skip
    out.append("</g>")
    slot = plot_w / max(len(months), 1)
    bar_w = slot * 0.7
    label_every = max(1, -(-len(months) // 12))
    for index, month in enumerate(months):
        x = left + slot * index + (slot - bar_w) / 2
        base = top + plot_h
        out.append(f'<g class="month" data-month="{_attr(month.month)}">')
        for result in ("on_track", "monitor", "concern"):
            count = getattr(month, result)
            if not count:
                continue
            bar_h = plot_h * count / y_top
            base -= bar_h
            out.append(
                f'<rect x="{_number(x)}" y="{_number(base)}" width="{_number(bar_w)}" height="{_number(bar_h)}" '
                f'fill="{RESULT_COLOURS[result]}" data-result="{result}" data-count="{count}">'
                f"<title>{_text(month.month)}: {count} {_text(str(RESULT_LABELS[result]).lower())}</title></rect>"
            )
        if index % label_every == 0:
            # "Oct", with the year under the first month and under each January.
            year, number = month.month.split("-")
            centre = _number(x + bar_w / 2)
            out.append(f'<text x="{centre}" y="{top + plot_h + 16}" text-anchor="middle" '
                       f'fill="{INK}">{_text(month_names[int(number)])}</text>')  # fmt: skip
            if index == 0 or number == "01":
                out.append(f'<text x="{centre}" y="{top + plot_h + 30}" text-anchor="middle" '
                           f'fill="{INK}">{_text(year)}</text>')  # fmt: skip
        out.append("</g>")
    for index, result in enumerate(("concern", "monitor", "on_track")):
        legend_y = top + 8 + index * 20
        legend_x = left + plot_w + 16
        out.append(f'<rect x="{legend_x}" y="{legend_y - 6}" width="14" height="12" fill="{RESULT_COLOURS[result]}"/>'
                   f'<text x="{legend_x + 20}" y="{legend_y + 4}" fill="{INK}">{_text(RESULT_LABELS[result])}</text>')  # fmt: skip
    out.append(f'<text x="{_number(left + plot_w / 2)}" y="{height - 8}" text-anchor="middle" fill="{INK}">{_text(_("Month"))}</text>')
    out.append("</svg>")
    return "\n".join(out)


def on_time_svg(measures: list[Measure], labels: dict[str, str], *, element_id: str = "screened-on-time") -> str:
    """Horizontal bars: the on-time share per instrument, with its numerator and
    denominator written beside it (an empty bar and "no window closed" when 0/0)."""
    row_h, left, right, top = 28, 230, 110, 12
    height = top * 2 + row_h * max(len(measures), 1) + 20
    plot_w = WIDTH - left - right
    described = "; ".join(f"{labels.get(m.code, m.code)}: {_counted(m)}" for m in measures)
    out = _open(element_id, height, _("Children screened on time, per checklist"), described or _("No checklists."),
                "report-chart")  # fmt: skip
    out.append(f'<g class="grid" fill="{AXIS}">')
    for share in (0, 0.25, 0.5, 0.75, 1):
        x = left + plot_w * share
        out.append(f'<line x1="{_number(x)}" y1="{top}" x2="{_number(x)}" y2="{height - top - 20}" '
                   f'stroke="{GRID}" stroke-width="1"/>'
                   f'<text x="{_number(x)}" y="{height - top - 4}" text-anchor="middle">{int(share * 100)}%</text>')  # fmt: skip
    out.append("</g>")
    for index, measure in enumerate(measures):
        y = top + row_h * index
        label = labels.get(measure.code, measure.code)
        value = measure.value
        out.append(f'<g class="bar" data-code="{_attr(measure.code)}">')
        out.append(f'<text x="{left - 8}" y="{y + row_h / 2 + 4}" text-anchor="end" fill="{INK}">{_text(label)}</text>')
        if value is not None:
            out.append(f'<rect x="{left}" y="{y + 5}" width="{_number(plot_w * value)}" height="{row_h - 10}" '
                       f'fill="{BAR}"><title>{_text(label)}: {_text(_counted(measure))}</title></rect>')  # fmt: skip
        note = f"{measure.numerator} / {measure.denominator}" if measure.denominator else _counted(measure)
        out.append(f'<text x="{left + plot_w + 8}" y="{y + row_h / 2 + 4}" fill="{INK}">{_text(note)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
