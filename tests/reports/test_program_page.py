"""The program report's page, CSV and API on the hand-built clinic of ``conftest.py``:
the same numbers everywhere, counts only, and a fixed number of queries."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup

from clinic.cases.models import Caregiver, Child, Family
from clinic.extensions import db as _db
from clinic.referrals.models import Referral
from clinic.reports.present import TABLES, to_csv
from clinic.screening.models import Observation, RiskFactor, Screening, ScreeningResponse
from tests.factories import ChildFactory, FamilyFactory, SupervisorFactory, TeamFactory, UserFactory
from tests.reports.conftest import report_today  # noqa: F401  (fixture)

# Team North's measures, worked out by hand in conftest.py:
# code → (numerator, denominator, missing, share on the page).
NORTH = {
    "screened_on_time:m0_3": ("1", "1", "0", "100.0%"),
    "screened_on_time:m3_6": ("1", "2", "0", "50.0%"),
    "screened_on_time:m4_10": ("0", "2", "0", "0.0%"),
    "screened_on_time:m10_18": ("2", "3", "0", "66.7%"),
    "screened_on_time:m18_20": ("1", "3", "0", "33.3%"),
    "screened_on_time:m24": ("1", "2", "0", "50.0%"),
    "screened_on_time:m36": ("0", "0", "0", "—"),
    "referral_connected_on_time": ("2", "5", "1", "40.0%"),
    "interaction_observed": ("2", "6", "0", "33.3%"),
}


def page_of(response) -> BeautifulSoup:
    assert response.status_code == 200
    return BeautifulSoup(response.data, "html.parser")


def measures_on(page: BeautifulSoup) -> dict[str, tuple[str, ...]]:
    return {
        tr["data-code"]: tuple(tr.select_one(f"td.{c}").get_text(strip=True)
                               for c in ("numerator", "denominator", "missing", "value"))  # fmt: skip
        for tr in page.select("table.measures tbody tr")
    }


def counts_on(page: BeautifulSoup, table_class: str) -> dict[str, str]:
    return {tr["data-code"]: tr.select_one(".count").get_text(strip=True) for tr in page.select(f"table.{table_class} tbody tr")}


def parse_csv(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv; charset=utf-8")
    text = response.data.decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")  # RFC 4180 line ends
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_a_supervisor_reads_the_current_federal_fiscal_year(report_clinic, login):
    browser = login(report_clinic.sam)
    page = page_of(browser.get("/reports/program"))
    assert page.select_one("#period-from")["value"] == "2025-10-01"
    assert page.select_one("#period-to")["value"] == "2026-09-30"
    assert measures_on(page) == NORTH
    # Each measure says in plain words what it counts.
    definitions = [p.get_text(strip=True) for p in page.select("table.measures p.definition")]
    assert len(definitions) == len(NORTH) and all(len(text) > 60 for text in definitions)
    assert "45 days" in page.select_one('tr[data-code="referral_connected_on_time"] .definition').get_text()
    # Both charts are drawn on the server.
    assert page.select_one("svg#screenings-by-month, svg[aria-labelledby^='screenings-by-month']") is not None
    bars = page.select("svg[aria-labelledby^='screened-on-time'] g.bar")
    assert [bar["data-code"] for bar in bars] == [code for code in NORTH if code.startswith("screened_on_time:")]
    stacked = {(rect.find_parent("g")["data-month"], rect["data-result"]): rect["data-count"]
               for rect in page.select("svg[aria-labelledby^='screenings-by-month'] rect[data-result]")}  # fmt: skip
    assert stacked == {("2025-10", "on_track"): "1", ("2025-10", "concern"): "1", ("2026-01", "monitor"): "1",
                       ("2026-03", "concern"): "1", ("2026-04", "on_track"): "1"}  # fmt: skip
    assert counts_on(page, "missed-by-domain") == {"sensory": "0", "social": "2", "communication": "1", "play": "0"}
    assert counts_on(page, "risk-factors") == {"infant": "1", "child": "1", "caregiver": "1"}
    assert counts_on(page, "referrals-counts") == {
        "opened": "8", "sent": "7", "closed_completed": "2", "closed_declined": "1", "closed_unable_to_contact": "0",
        "median_days_opened_to_sent": "12", "median_days_sent_to_contact": "37.5",
    }  # fmt: skip
    # Linked from the top navigation.
    assert any(a.get_text() == "Program report" for a in page.select("nav a"))


def test_the_previous_year_is_a_click_away(report_clinic, login):
    browser = login(report_clinic.sam)
    link = page_of(browser.get("/reports/program")).select_one("a.previous-year")["href"]
    page = page_of(browser.get(link))
    assert (page.select_one("#period-from")["value"], page.select_one("#period-to")["value"]) == (
        "2024-10-01", "2025-09-30",
    )  # fmt: skip
    measures = measures_on(page)
    assert measures["screened_on_time:m0_3"][:2] == ("0", "3")
    assert measures["referral_connected_on_time"][:2] == ("1", "1")
    assert measures["interaction_observed"][:2] == ("1", "6")


def test_every_table_downloads_as_csv_with_the_pages_numbers(report_clinic, login):
    browser = login(report_clinic.sam)
    page = page_of(browser.get("/reports/program"))
    links = {a["data-table"]: a["href"] for a in page.select("a.csv")}
    assert set(links) == set(TABLES)
    measures = parse_csv(browser.get(links["measures"]))
    assert {row["code"]: (row["numerator"], row["denominator"], row["missing"]) for row in measures} == {
        code: values[:3] for code, values in measures_on(page).items()
    }
    for row in measures:
        share = measures_on(page)[row["code"]][3]
        assert share == ("—" if row["value"] == "" else f"{float(row['value']) * 100:.1f}%")
    by_month = parse_csv(browser.get(links["screenings_by_month"]))
    on_page = {tr["data-month"]: tuple(td.get_text(strip=True) for td in tr.select("td")[1:])
               for tr in page.select("table.screenings-by-month tbody tr")}  # fmt: skip
    assert {row["month"]: (row["on_track"], row["monitor"], row["concern"], row["total"]) for row in by_month} == on_page
    domains = parse_csv(browser.get(links["missed_by_domain"]))
    assert {row["domain"]: row["screenings_missing_a_milestone"] for row in domains} == counts_on(page, "missed-by-domain")
    assert {row["screenings_in_period"] for row in domains} == {"5"}
    risks = parse_csv(browser.get(links["risk_factors_by_category"]))
    assert {row["category"]: row["risk_factors"] for row in risks} == counts_on(page, "risk-factors")
    referrals = parse_csv(browser.get(links["referrals"]))
    assert {row["count"]: row["value"] for row in referrals} == counts_on(page, "referrals-counts")
    assert browser.get(links["measures"].replace("measures.csv", "families.csv")).status_code == 404


def test_csv_cells_that_a_spreadsheet_would_run_are_neutralised():
    text = to_csv(["label", "count"], [["=HYPERLINK(\"x\")", 1], ["+1", 2], ["-2", 3], ["@SUM(A1)", 4],
                                       ["plain, with comma", -5]])  # fmt: skip
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows == [["label", "count"], ["'=HYPERLINK(\"x\")", "1"], ["'+1", "2"], ["'-2", "3"], ["'@SUM(A1)", "4"],
                    ["plain, with comma", "-5"]]  # fmt: skip


def test_the_api_answers_the_same_report(report_clinic, api):
    client = api(report_clinic.sam)
    response = client.get("/reports/program")
    assert response.status_code == 200
    body = response.get_json()
    assert (body["from"], body["to"], body["team_id"]) == ("2025-10-01", "2026-09-30", None)
    assert {m["code"]: (str(m["numerator"]), str(m["denominator"]), str(m["missing"])) for m in body["measures"]} == {
        code: values[:3] for code, values in NORTH.items()
    }
    assert next(m for m in body["measures"] if m["code"] == "screened_on_time:m36")["value"] is None
    assert body["referrals"] == {"opened": 8, "sent": 7, "closed": {"completed": 2, "declined": 1, "unable_to_contact": 0},
                                 "median_days_opened_to_sent": 12.0, "median_days_sent_to_contact": 37.5}  # fmt: skip
    assert {d["domain"]: d["screenings"] for d in body["missed_by_domain"]}["social"] == 2
    assert {c["category"]: c["count"] for c in body["risk_factors_by_category"]} == {"infant": 1, "child": 1, "caregiver": 1}
    assert sum(m["total"] for m in body["screenings_by_month"]) == body["screenings"] == 5
    # The same as CSV, by Accept header or by suffix.
    by_accept = parse_csv(client.get("/reports/program", headers={"Accept": "text/csv"}))
    by_suffix = parse_csv(client.get("/reports/program.csv"))
    assert by_accept == by_suffix
    assert {row["code"]: row["numerator"] for row in by_suffix} == {code: v[0] for code, v in NORTH.items()}
    referrals = parse_csv(client.get("/reports/program.csv?table=referrals"))
    assert {row["count"]: row["value"] for row in referrals}["median_days_sent_to_contact"] == "37.5"
    # An earlier period, and one team.
    earlier = client.get("/reports/program?from=2024-10-01&to=2025-09-30").get_json()
    assert next(m for m in earlier["measures"] if m["code"] == "interaction_observed")["denominator"] == 6


def test_bad_periods_are_named_and_nothing_breaks(report_clinic, login, api):
    browser = login(report_clinic.sam)
    page = page_of(browser.get("/reports/program?from=2026-13-01&to=2025-01-01"))
    assert page.select_one("#period-from-error").get_text(strip=True) == "Enter a date as YYYY-MM-DD."
    assert page.select_one("#period-from")["value"] == "2026-13-01"  # the typing is kept
    assert page.select_one("table.measures") is None
    page = page_of(browser.get("/reports/program?from=2026-01-01&to=2025-01-01"))
    assert "cannot be before" in page.select_one("#period-to-error").get_text()
    assert browser.get("/reports/program/measures.csv?from=junk").status_code == 400
    client = api(report_clinic.sam)
    for query, field in (("from=junk", "from"), ("from=2026-01-01&to=2025-01-01", "to"), ("to=2040-01-01", "to"),
                         ("table=families", "table"), ("team_id=0", "team_id")):  # fmt: skip
        response = client.get(f"/reports/program?{query}")
        assert response.status_code == 422, query
        assert field in response.get_json()["error"]["fields"], query


def test_visitors_may_not_read_it(report_clinic, login, api):
    assert login(report_clinic.vera).get("/reports/program").status_code == 403
    assert login(report_clinic.vera).get("/reports/program/measures.csv").status_code == 403
    assert api(report_clinic.vera).get("/reports/program").status_code == 403


def test_nothing_identifies_a_child_or_family(report_clinic, login, api):
    """The page, every CSV and the JSON hold counts and labels only: no name, id or
    date of birth of any family, caregiver or child."""
    # Names no page word can contain (a random surname such as "Case" is inside
    # "Caseload"), so that finding one means it leaked.
    for family in _db.session.query(Family):
        family.name = f"Qzfamily{family.id}"
    for child in _db.session.query(Child):
        child.first_name, child.last_name = f"Qzfirst{child.id}", f"Qzlast{child.id}"
    for caregiver in _db.session.query(Caregiver):
        caregiver.name, caregiver.email = f"Qzcaregiver{caregiver.id}", f"qz{caregiver.id}@families.test"
    _db.session.commit()
    names = {family.name for family in _db.session.query(Family)}
    names |= {f"{child.first_name} {child.last_name}" for child in _db.session.query(Child)}
    names |= {child.last_name for child in _db.session.query(Child)}
    names |= {caregiver.name for caregiver in _db.session.query(Caregiver)}
    names |= {caregiver.email for caregiver in _db.session.query(Caregiver)}
    births = {child.date_of_birth.isoformat() for child in _db.session.query(Child)}
    browser = login(report_clinic.admin)
    page = page_of(browser.get("/reports/program"))
    texts = [page.get_text(" ")]
    texts += [browser.get(a["href"]).data.decode() for a in page.select("a.csv")]
    texts.append(api(report_clinic.admin).get("/reports/program").data.decode())
    for text in texts:
        for name in names:
            assert name not in text, name
        assert not births & set(text.split()), births & set(text.split())
    # Nor any family or child link.
    assert not [a["href"] for a in page.select("a") if "/families/" in a["href"] or "/children/" in a["href"]]


def _families(visitor, count: int) -> None:
    """``count`` families each with a child, a screening with a missed milestone, a
    risk factor, an observation and a sent referral in the current fiscal year."""
    families = []
    for n in range(count):
        family = FamilyFactory.build(name=f"Bulk {n}", assigned_visitor=visitor,
                                     created_at=datetime(2024, 1, 1, tzinfo=UTC))  # fmt: skip
        child = ChildFactory.build(family=family, date_of_birth=date(2025, 7, 31), gestational_age_weeks=30 + n % 10)
        screening = Screening(child=child, instrument_code="m0_3", instrument_version=1,
                              administered_on=date(2025, 10, 20), administered_by_id=visitor.id, age_months=2,
                              result="concern")  # fmt: skip
        _db.session.add_all([
            family, child, screening,
            ScreeningResponse(screening=screening, item_id="x", domain="social", response="not_yet"),
            RiskFactor(family=family, child=child, code="difficult_birth", catalog_version=1,
                       noted_on=date(2025, 11, 1), noted_by_id=visitor.id),
            Referral(family=family, status="sent", service="early_intervention", sent_on=date(2026, 1, 5),
                     service_contact_on=date(2026, 1, 5 + n % 20), created_at=datetime(2025, 12, 1, tzinfo=UTC)),
        ])  # fmt: skip
        families.append(family)
    _db.session.flush()
    _db.session.add_all([Observation(family_id=family.id, instrument_version=1, observed_on=date(2025, 12, 1),
                                     observed_by_id=visitor.id) for family in families])  # fmt: skip
    _db.session.commit()


@pytest.mark.parametrize(
    "path", ["/reports/program", "/reports/program/measures.csv", "/api/v1/reports/program",
             "/api/v1/reports/program.csv?table=referrals"],  # fmt: skip
)
def test_the_same_queries_with_10_and_500_families(app, db, login, api, count_queries, report_today, path):  # noqa: F811
    team = TeamFactory()
    supervisor = SupervisorFactory(supervises=[team])
    visitor = UserFactory(team=team)
    if path.startswith("/api/"):
        client, path = api(supervisor), path.removeprefix("/api/v1")
    else:
        client = login(supervisor)
    _families(visitor, 10)
    with count_queries() as small:
        first = client.get(path)
        assert first.status_code == 200
    _families(visitor, 490)
    with count_queries() as large:
        second = client.get(path)
        assert second.status_code == 200
    assert len(small) == len(large)
    assert first.data != second.data  # the 490 families were counted


def test_the_report_reads_in_spanish_and_its_codes_stay_the_same(report_clinic, login):
    """Measure names, their definitions and the charts in the page's language (the
    checklist titles from the Spanish instrument data); codes and numbers unchanged."""
    browser = login(report_clinic.sam)
    english = page_of(browser.get("/reports/program"))
    spanish = page_of(browser.get("/reports/program", headers={"Accept-Language": "es"}))
    assert measures_on(spanish) == measures_on(english)

    def measure(page: BeautifulSoup, code: str) -> tuple[str, str]:
        cell = page.select_one(f'table.measures tr[data-code="{code}"] td.measure')
        return cell.strong.get_text(strip=True), " ".join(cell.p.get_text().split())

    assert measure(english, "screened_on_time:m0_3")[0] == "Screened on time: Birth to 3 months"
    assert measure(spanish, "screened_on_time:m0_3")[0] == "Evaluados a tiempo: Del nacimiento a los 3 meses"
    assert measure(spanish, "screened_on_time:m0_3")[1].startswith(
        "Niños cuya ventana para Del nacimiento a los 3 meses (de 0 a 3 meses de edad;"
    )
    assert measure(spanish, "referral_connected_on_time")[0] == "Derivación conectada a tiempo con un servicio"
    assert "de 45 días desde el envío para Intervención Temprana y de 30 para" in measure(spanish, "referral_connected_on_time")[1]
    assert measure(spanish, "interaction_observed")[0] == "Interacción entre cuidador(a) y niño(a) observada"

    on_time = spanish.select_one("svg[aria-labelledby^='screened-on-time']")
    assert on_time.title.get_text() == "Niños evaluados a tiempo, por lista de hitos"
    bar = on_time.select_one('g.bar[data-code="screened_on_time:m0_3"]')
    assert bar.find("text").get_text() == "Del nacimiento a los 3 meses"
    assert bar.rect.title.get_text() == "Del nacimiento a los 3 meses: 1 de 1"
    assert on_time.select_one('g.bar[data-code="screened_on_time:m36"]').find_all("text")[-1].get_text() == (
        "ninguna ventana cerrada"
    )
    by_month = spanish.select_one("svg[aria-labelledby^='screenings-by-month']")
    assert by_month.title.get_text() == "Evaluaciones por mes, según el resultado"
    assert {"Va bien", "Vigilar", "Preocupación", "Mes"} <= {t.get_text() for t in by_month.find_all("text")}
    # The federal fiscal year, October to September, in CLDR's Spanish abbreviations.
    assert [t.get_text() for t in by_month.select("g.month text")] == [
        "oct", "2025", "nov", "dic", "ene", "2026", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sept",
    ]  # fmt: skip
