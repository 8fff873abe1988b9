"""The milestones chart: valid, accessible SVG with one series per domain."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from clinic.instruments import get_instrument
from clinic.screening.chart import chart_table, milestones_chart_svg
from clinic.screening.models import Screening, ScreeningResponse
from clinic.screening.timeline import chart_points, screening_entry

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def series(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "series"]


def markers(group: ET.Element) -> list[ET.Element]:
    """The points drawn for a series (not its legend's sample)."""
    return [element for element in group if element.get("class") == "marker"]


def centre(marker: ET.Element) -> tuple[float, float]:
    if marker.tag == f"{SVG}circle":
        return float(marker.get("cx")), float(marker.get("cy"))
    if marker.tag == f"{SVG}rect":
        half = float(marker.get("width")) / 2
        return float(marker.get("x")) + half, float(marker.get("y")) + half
    corners = [tuple(map(float, pair.split(","))) for pair in marker.get("points").split()]
    xs, ys = zip(*corners, strict=True)
    return (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2


def test_the_chart_is_valid_svg_with_one_series_per_domain():
    points = [
        (2, "sensory", 1, 2),
        (2, "social", 2, 2),
        (5, "social", 1, 2),
        (5, "communication", 0, 1),
        (8, "communication", 2, 2),
        (8, "social", 1, 1),
    ]

    root = parse(milestones_chart_svg(points, {"social": "Social and emotional exchange"}))

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Milestones met per domain, by age"
    assert [g.get("data-domain") for g in series(root)] == ["sensory", "social", "communication"]
    social = series(root)[1]
    assert social.find(f"{SVG}title").text == "Social and emotional exchange"
    assert len(markers(social)) == 3
    assert social.find(f"{SVG}polyline") is not None
    assert series(root)[0].find(f"{SVG}polyline") is None  # a single point draws no line
    point_titles = [c.find(f"{SVG}title").text for c in markers(social)]
    assert point_titles == [
        "Social and emotional exchange: 2 of 2 met at 2 months",
        "Social and emotional exchange: 1 of 2 met at 5 months",
        "Social and emotional exchange: 1 of 1 met at 8 months",
    ]


def test_points_are_placed_by_age_and_share_met():
    root = parse(milestones_chart_svg([(9, "play", 1, 2), (3, "play", 2, 2), (6, "play", 0, 2)]))

    points = [centre(marker) for marker in markers(series(root)[0])]
    xs = [x for x, _ in points]
    ys = [y for _, y in points]
    assert xs == sorted(xs)  # ordered by age, whatever the input order
    # 100 % met is drawn highest (smallest y), 0 % lowest.
    assert ys[0] < ys[2] < ys[1]


def test_text_is_escaped():
    svg = milestones_chart_svg(
        [(4, "<script>alert(1)</script>", 1, 2)],
        {"<script>alert(1)</script>": 'Tom & "Jerry" <b>'},
        title="A <title> & more",
    )

    root = parse(svg)  # would raise on unescaped markup
    assert "<script>" not in svg and "<b>" not in svg
    assert root.find(f"{SVG}title").text == "A <title> & more"
    assert series(root)[0].find(f"{SVG}title").text == 'Tom & "Jerry" <b>'
    assert series(root)[0].get("data-domain") == "<script>alert(1)</script>"


def test_an_empty_chart_is_still_a_valid_image():
    root = parse(milestones_chart_svg([]))

    assert series(root) == []
    assert root.find(f"{SVG}desc").text == "No screenings yet."


def test_domains_without_milestones_are_left_out():
    root = parse(milestones_chart_svg([(4, "social", 0, 0), (4, "play", 1, 1)]))

    assert [g.get("data-domain") for g in series(root)] == ["play"]


def test_chart_points_count_yes_answers_per_domain_of_each_screening():
    instrument = get_instrument("m3_6")  # social ×2, communication ×1
    answers = {
        "m3_6.joy_interacting": "yes",
        "m3_6.sounds_happy_unhappy": "not_yet",
        "m3_6.smiles_playtime": "sometimes",
    }
    screening = Screening(
        instrument_code=instrument.code,
        instrument_version=instrument.version,
        administered_on=date(2025, 1, 10),
        age_months=4,
        result="concern",
        revision=0,
        responses=[
            ScreeningResponse(revision=0, item_id=item_id, domain=instrument.domain_of(item_id), response=value)
            for item_id, value in answers.items()
        ],
    )

    points = chart_points([screening_entry(screening)])

    assert points == [(4, "social", 1, 2), (4, "communication", 0, 1)]
    root = parse(milestones_chart_svg(points))
    assert len(series(root)) == 2


def test_domains_with_equal_values_stay_visible_side_by_side():
    # Three domains, each 2 of 2 met at 4 months: the same spot on the plot.
    root = parse(milestones_chart_svg([(4, "social", 2, 2), (4, "play", 2, 2), (4, "motor", 2, 2)]))

    drawn = [markers(group) for group in series(root)]
    assert all(len(points) == 1 for points in drawn)  # a single point is drawn as a point
    spots = [centre(points[0]) for points in drawn]
    assert len({y for _, y in spots}) == 1
    xs = sorted(x for x, _ in spots)
    # Shifted 6 units apart (more than a marker's radius), centred on the true age.
    assert [round(b - a, 1) for a, b in zip(xs, xs[1:], strict=False)] == [6.0, 6.0]
    # And each has its own shape, so colour is not needed to tell them apart.
    assert len({(points[0].tag, points[0].get("fill")) for points in drawn}) == 3


def test_labels_are_drawn_large_enough_for_a_phone():
    root = parse(milestones_chart_svg([(4, "social", 1, 2)]))

    # 15-unit text on a 360-unit-wide drawing: at least 14 px whenever the chart is
    # 336 px wide or more (a 390 px phone gives it about 340).
    assert root.get("viewBox").split()[2] == "360"
    assert root.get("font-size") == "15"
    assert all(text.get("font-size") is None for text in root.iter(f"{SVG}text"))


def test_the_values_table_holds_what_the_chart_draws():
    table = chart_table(
        [(2, "social", 2, 2), (2, "sensory", 1, 2), (5, "social", 1, 2), (5, "social", 2, 2), (5, "sensory", 0, 0)],
        {"social": "Social"},
    )

    assert table.domains == [("social", "Social"), ("sensory", "sensory")]
    # The re-screen at 5 months is its own row; a domain without milestones is left out.
    assert table.rows == [(2, {"social": (2, 2), "sensory": (1, 2)}), (5, {"social": (1, 2)}), (5, {"social": (2, 2)})]
