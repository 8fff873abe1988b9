"""The milestones chart: share of milestones met per domain against age, as SVG.

A pure function over plain data, so the child page (inline SVG) and the referral
summary PDF draw the same chart without a browser, a CDN or JavaScript. Colours are
presentation attributes, not styles: the page's CSP forbids inline styles and the
PDF renderer needs a self-contained document.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from html import escape

# (age in months at the screening, domain, milestones met, milestones asked)
Point = tuple[int, str, int, int]

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 52, 250, 16, 48
# Okabe–Ito colours (distinguishable with colour-blindness), each with its own dash
# pattern so the series stay apart in black-and-white print.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "4 4", "1 2", "10 2")


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


def milestones_chart_svg(
    points: Iterable[Point],
    labels: Mapping[str, str] | None = None,
    *,
    title: str = "Milestones met per domain, by age",
    element_id: str = "milestones-chart",
) -> str:
    """An accessible SVG line chart: one series per domain, % of milestones met by age.

    ``labels`` names the domains (their codes otherwise); every text is escaped.
    """
    points = [(int(age), str(domain), int(met), int(total)) for age, domain, met, total in points]
    labels = labels or {}
    series = _series(points)
    x_max, x_step = _age_axis(points)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(age: float) -> float:
        return LEFT + plot_w * age / x_max

    def y(share: float) -> float:
        return TOP + plot_h * (1 - share)

    described = ". ".join(
        f"{labels.get(domain, domain)}: "
        + "; ".join(f"{met} of {total} at {age} months" for age, met, total in values)
        for domain, values in series.items()
    )
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="milestones-chart" role="img" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        f'aria-labelledby="{_attr(element_id)}-title {_attr(element_id)}-desc" '
        f'font-family="sans-serif" font-size="12">',
        f'<title id="{_attr(element_id)}-title">{_text(title)}</title>',
        f'<desc id="{_attr(element_id)}-desc">{_text(described or "No screenings yet.")}</desc>',
        '<g class="axes" stroke="#5b6776" stroke-width="1">',
        f'<line x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{TOP + plot_h}"/>',
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{LEFT + plot_w}" y2="{TOP + plot_h}"/>',
        "</g>",
        '<g class="grid" fill="#5b6776">',
    ]
    for share in (0, 0.25, 0.5, 0.75, 1):
        out.append(
            f'<line x1="{LEFT}" y1="{_number(y(share))}" x2="{LEFT + plot_w}" y2="{_number(y(share))}" '
            f'stroke="#d6dde5" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{_number(y(share) + 4)}" text-anchor="end">{int(share * 100)}%</text>'
        )
    for age in range(0, x_max + 1, x_step):
        out.append(f'<text x="{_number(x(age))}" y="{TOP + plot_h + 16}" text-anchor="middle">{age}</text>')
    out.append(
        f'<text x="{_number(LEFT + plot_w / 2)}" y="{HEIGHT - 8}" text-anchor="middle">Age at screening (months)</text>'
    )
    out.append("</g>")

    for index, (domain, values) in enumerate(series.items()):
        colour, dash = PALETTE[index % len(PALETTE)], DASHES[index % len(DASHES)]
        label = labels.get(domain, domain)
        coordinates = [(x(age), y(met / total)) for age, met, total in values]
        out.append(f'<g class="series" data-domain="{_attr(domain)}" stroke="{colour}" fill="{colour}">')
        out.append(f"<title>{_text(label)}</title>")
        if len(coordinates) > 1:
            path = " ".join(f"{_number(cx)},{_number(cy)}" for cx, cy in coordinates)
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(f'<polyline points="{path}" fill="none" stroke-width="2"{dash_attr}/>')
        for (cx, cy), (age, met, total) in zip(coordinates, values, strict=True):
            out.append(
                f'<circle cx="{_number(cx)}" cy="{_number(cy)}" r="4">'
                f"<title>{_text(label)}: {met} of {total} met at {age} months</title></circle>"
            )
        legend_y = TOP + 8 + index * 20
        legend_x = LEFT + plot_w + 16
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        out.append(
            f'<line x1="{legend_x}" y1="{legend_y}" x2="{legend_x + 22}" y2="{legend_y}" stroke-width="2"{dash_attr}/>'
            f'<text x="{legend_x + 28}" y="{legend_y + 4}" stroke="none" fill="#1d2733">{_text(label)}</text>'
        )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)
