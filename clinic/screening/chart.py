"""The milestones chart: share of milestones met per domain against age, as SVG.

A pure function over plain data, so the child page (inline SVG) and the referral
summary PDF draw the same chart without a browser, a CDN or JavaScript. Colours are
presentation attributes, not styles: the page's CSP forbids inline styles and the
PDF renderer needs a self-contained document.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape

from clinic.translation import gettext as _

# (age in months at the screening, domain, milestones met, milestones asked)
Point = tuple[int, str, int, int]

# Narrow, with the legend under the plot: drawn at most a little wider than a phone,
# so 15-unit text reads at 14 px or more on a 390 px screen (the page caps its width).
WIDTH = 360
LEFT, RIGHT, TOP = 48, 14, 12
PLOT_HEIGHT = 200
AXIS_SPACE = 44  # tick labels and the axis title under the plot
LEGEND_ROW = 24
FONT_SIZE = 15
# Okabe–Ito colours (distinguishable with colour-blindness), each with its own dash
# pattern and marker shape, so the series stay apart in black-and-white print too.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 2")
SHAPES = ("circle", "square", "triangle", "diamond", "triangle-down", "ring", "cross")
MARKER_RADIUS = 5
# Domains with the same share at the same age would hide one another: each series is
# shifted sideways by this many units from its neighbour, centred on the true age.
OFFSET_STEP = 6


def _marker(shape: str, cx: float, cy: float, css: str = "marker", r: float = MARKER_RADIUS) -> str:
    """One point's marker; the shape tells the series apart without colour."""
    n = _number
    if shape == "circle":
        return f'<circle class="{css}" cx="{n(cx)}" cy="{n(cy)}" r="{n(r)}">'
    if shape == "ring":
        return f'<circle class="{css}" cx="{n(cx)}" cy="{n(cy)}" r="{n(r)}" fill="#fff" stroke-width="2">'
    if shape == "square":
        return f'<rect class="{css}" x="{n(cx - r)}" y="{n(cy - r)}" width="{n(2 * r)}" height="{n(2 * r)}">'
    corners = {
        "triangle": [(0, -1.1), (1.2, 1.1), (-1.2, 1.1)],
        "triangle-down": [(0, 1.1), (1.2, -1.1), (-1.2, -1.1)],
        "diamond": [(0, -1.3), (1.3, 0), (0, 1.3), (-1.3, 0)],
        "cross": [(-0.4, -1.2), (0.4, -1.2), (0.4, -0.4), (1.2, -0.4), (1.2, 0.4), (0.4, 0.4), (0.4, 1.2),
                  (-0.4, 1.2), (-0.4, 0.4), (-1.2, 0.4), (-1.2, -0.4), (-0.4, -0.4)],
    }[shape]
    points = " ".join(f"{n(cx + dx * r)},{n(cy + dy * r)}" for dx, dy in corners)
    return f'<polygon class="{css}" points="{points}">'


def _marker_end(shape: str) -> str:
    return {"circle": "</circle>", "ring": "</circle>", "square": "</rect>"}.get(shape, "</polygon>")


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _text(value: object) -> str:
    return escape(str(value), quote=False)


def _number(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _age_axis(points: list[Point]) -> tuple[int, int]:
    """(upper bound, tick step) of the age axis, in months."""
    oldest = max((age for age, *_ in points), default=0)
    step = 3 if oldest <= 24 else 6
    return max(2 * step, math.ceil((oldest + 1) / step) * step), step


def _series(points: Iterable[Point]) -> dict[str, list[tuple[int, int, int]]]:
    """Domain → its (age, met, total) points by age, domains in order of first appearance."""
    series: dict[str, list[tuple[int, int, int]]] = {}
    for age, domain, met, total in points:
        if total > 0:
            series.setdefault(domain, []).append((age, met, total))
    for values in series.values():
        values.sort(key=lambda value: value[0])  # stable: same-age rescreens keep their order
    return series


def point_title(met: int, total: int, age: int) -> str:
    return _("%(met)d of %(total)d met at %(age)d months", met=met, total=total, age=age)


def milestones_chart_svg(
    points: Iterable[Point],
    labels: Mapping[str, str] | None = None,
    *,
    title: str | None = None,
    element_id: str = "milestones-chart",
) -> str:
    """An accessible SVG line chart: one series per domain, % of milestones met by age.

    Each series has its colour, dash pattern and marker shape, and is shifted a few
    units sideways so that domains with equal values stay visible; a single point is
    drawn as its marker. ``labels`` names the domains (their codes otherwise); every
    text is escaped. The values are also given as a table (:func:`chart_table`).
    """
    points = [(int(age), str(domain), int(met), int(total)) for age, domain, met, total in points]
    labels = labels or {}
    title = title or _("Milestones met per domain, by age")
    series = _series(points)
    x_max, x_step = _age_axis(points)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, PLOT_HEIGHT
    legend_top = TOP + plot_h + AXIS_SPACE + 8
    height = legend_top + LEGEND_ROW * max(len(series), 1)

    def x(age: float) -> float:
        return LEFT + plot_w * age / x_max

    def y(share: float) -> float:
        return TOP + plot_h * (1 - share)

    no_screenings = _("No screenings yet.")
    axis_title = _("Age at screening (months)")
    described = ". ".join(
        f"{labels.get(domain, domain)}: "
        + "; ".join(_("%(met)d of %(total)d at %(age)d months", met=met, total=total, age=age) for age, met, total in values)
        for domain, values in series.items()
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="milestones-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" '
        f'aria-labelledby="{_attr(element_id)}-title {_attr(element_id)}-desc" '
        f'font-family="sans-serif" font-size="{FONT_SIZE}">',
        f'<title id="{_attr(element_id)}-title">{_text(title)}</title>',
        f'<desc id="{_attr(element_id)}-desc">{_text(described or no_screenings)}</desc>',
        '<g class="axes" stroke="#5b6776" stroke-width="1">',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}"/>',
        "</g>",
        '<g class="grid" fill="#3d4754">',
    ]
    for share in (0, 0.25, 0.5, 0.75, 1):
        out.append(
            f'<line x1="{LEFT}" y1="{_number(y(share))}" x2="{LEFT + plot_w}" y2="{_number(y(share))}" '
            f'stroke="#d6dde5" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{_number(y(share) + 5)}" text-anchor="end">{int(share * 100)}%</text>'
        )
    for age in range(0, x_max + 1, x_step):
        out.append(f'<text x="{_number(x(age))}" y="{TOP + plot_h + 18}" text-anchor="middle">{age}</text>')
    out.append(
        f'<text x="{_number(LEFT + plot_w / 2)}" y="{TOP + plot_h + 38}" text-anchor="middle">'
        f"{_text(axis_title)}</text>"
    )
    out.append("</g>")

    count = len(series)
    for index, (domain, values) in enumerate(series.items()):
        colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
        shape = SHAPES[index % len(SHAPES)]
        offset = (index - (count - 1) / 2) * OFFSET_STEP
        label = labels.get(domain, domain)
        coordinates = [(x(age) + offset, y(met / total)) for age, met, total in values]
        out.append(f'<g class="series" data-domain="{_attr(domain)}" stroke="{colour}" fill="{colour}">')
        out.append(f"<title>{_text(label)}</title>")
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(coordinates) > 1:
            path = " ".join(f"{_number(cx)},{_number(cy)}" for cx, cy in coordinates)
            out.append(f'<polyline points="{path}" fill="none" stroke-width="2"{dash_attr}/>')
        for (cx, cy), (age, met, total) in zip(coordinates, values, strict=True):
            out.append(
                _marker(shape, cx, cy)
                + f"<title>{_text(label)}: {_text(point_title(met, total, age))}</title>"
                + _marker_end(shape)
            )
        legend_y = legend_top + index * LEGEND_ROW
        out.append(
            f'<line x1="{LEFT}" y1="{legend_y}" x2="{LEFT + 26}" y2="{legend_y}" stroke-width="2"{dash_attr}/>'
            + _marker(shape, LEFT + 13, legend_y, "legend-marker")
            + _marker_end(shape)
            + f'<text x="{LEFT + 34}" y="{legend_y + 5}" stroke="none" fill="#1d2733">{_text(label)}</text>'
        )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


@dataclass(frozen=True)
class ChartTable:
    """The chart's values as a table: a row per screening age, a column per domain."""

    domains: list[tuple[str, str]]  # (code, label), in the chart's order
    rows: list[tuple[int, dict[str, tuple[int, int]]]]  # (age, domain → (met, asked)), by age


def chart_table(points: Iterable[Point], labels: Mapping[str, str] | None = None) -> ChartTable:
    """What the chart draws, for reading without the picture (touch has no tooltips).

    Two screenings at the same age (a re-screen within the month) are two rows.
    """
    labels = labels or {}
    series = _series(points)
    rows: dict[tuple[int, int], dict[str, tuple[int, int]]] = {}
    for domain, values in series.items():
        seen: dict[int, int] = {}
        for age, met, total in values:
            occurrence = seen.get(age, 0)
            seen[age] = occurrence + 1
            rows.setdefault((age, occurrence), {})[domain] = (met, total)
    return ChartTable(
        domains=[(domain, labels.get(domain, domain)) for domain in series],
        rows=[(age, values) for (age, _), values in sorted(rows.items())],
    )
