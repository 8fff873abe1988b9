"""The screening pages: recording and correcting screenings, the child timeline, risk
factors, interaction observations and follow-ups, through the real forms (CSRF on)."""

from __future__ import annotations

from datetime import date, time

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select

from clinic import clock
from clinic.audit import AuditEvent
from clinic.cases.models import FollowUp
from clinic.instruments import get_instrument, observation_instrument
from clinic.referrals.models import Referral, ReferralReason
from clinic.screening import services
from clinic.screening.models import Observation, RiskFactor, Screening
from tests.factories import CaregiverFactory, ChildFactory, FamilyFactory, FollowUpFactory, UserFactory

TODAY = date(2025, 3, 15)
BORN = date(2024, 9, 10)  # 6 months old today: inside 3–6 (m3_6, due first) and 4–10 (m4_10)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)


@pytest.fixture
def visitor(db):
    return UserFactory(name="Vera Visitor")


@pytest.fixture
def child(visitor):
    family = FamilyFactory(name="Okafor", assigned_visitor=visitor)
    return ChildFactory(family=family, first_name="Ada", last_name="Okafor", date_of_birth=BORN)


def html(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def text_of(response) -> str:
    return " ".join(html(response).get_text(" ").split())


def form_data(code: str, administered_on: date | str = TODAY, **answers) -> dict:
    """The screening form as a visitor fills it: every item "yes" unless given
    (by the part of the id after the dot; None leaves the item unanswered)."""
    data = {f"responses-{item.id}": "yes" for item in get_instrument(code).items}
    for short_id, value in answers.items():
        data.pop(f"responses-{code}.{short_id}")
        if value is not None:
            data[f"responses-{code}.{short_id}"] = value
    return {
        "instrument": code,
        "administered_on": administered_on if isinstance(administered_on, str) else administered_on.isoformat(),
        **data,
    }


def plain_answers(code: str, **answers) -> dict[str, str]:
    values = {item.id: "yes" for item in get_instrument(code).items}
    values.update({f"{code}.{short_id}": value for short_id, value in answers.items()})
    return values


def record(db, by, child, code: str, on: date, **answers) -> Screening:
    outcome = services.record_screening(
        by, child, instrument_code=code, administered_on=on, responses=plain_answers(code, **answers)
    )
    db.session.commit()
    return outcome.screening


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def field_error(page: BeautifulSoup, name: str) -> str:
    """The error shown in the same field block as the input called ``name``."""
    control = page.find(attrs={"name": name})
    assert control is not None, f"no input {name}"
    block = control.find_parent(class_="field")
    error = block.find(class_="error")
    assert error is not None, f"no error beside {name}"
    assert "has-error" in block["class"]
    return error.get_text(" ", strip=True)


def row_error(page: BeautifulSoup, item_id: str) -> str:
    """The error shown on the milestone's own row."""
    row = page.find("input", attrs={"name": f"responses-{item_id}"}).find_parent("fieldset")
    error = row.find(class_="error")
    assert error is not None, f"no error on the row of {item_id}"
    assert "has-error" in row["class"]
    return error.get_text(" ", strip=True)


def checked(page: BeautifulSoup, name: str) -> str | None:
    chosen = page.find("input", attrs={"name": name, "checked": True})
    return chosen["value"] if chosen else None


# ---- the recording page -----------------------------------------------------


def test_page_shows_the_child_ages_and_the_due_checklist_grouped_by_domain(login, visitor):
    family = FamilyFactory(assigned_visitor=visitor)
    # Born at 32 weeks on 2024-10-01: 5 months old, 3 months corrected.
    preterm = ChildFactory(
        family=family, first_name="Ben", last_name="Lee", date_of_birth=date(2024, 10, 1), gestational_age_weeks=32
    )

    response = login(visitor).get(f"/children/{preterm.id}/screenings/new")

    assert response.status_code == 200
    page = html(response)
    header = " ".join(page.select_one(".child-header").get_text(" ").split())
    assert "Ben Lee" in header and "Age 5 months" in header and "Corrected age 3 months" in header
    # Corrected age 3 months: still inside birth to 3 months, the first checklist due.
    assert page.select_one("#instrument-choice option[selected]")["value"] == "m0_3"
    assert page.find("input", attrs={"name": "instrument"})["value"] == "m0_3"
    domains = [h2.get_text(strip=True) for h2 in page.select("section.domain h2")]
    assert domains == ["Seeing, hearing and attending", "Social and emotional exchange"]
    for item in get_instrument("m0_3").items:
        values = [i["value"] for i in page.find_all("input", attrs={"name": f"responses-{item.id}"})]
        assert values == ["yes", "sometimes", "not_yet"]
        assert page.find("input", attrs={"name": f"responses-{item.id}"}).find_parent("fieldset").legend.get_text(
            strip=True
        ) == item.text


def test_another_checklist_can_be_chosen(login, visitor, child):
    response = login(visitor).get(f"/children/{child.id}/screenings/new?instrument=m4_10")

    page = html(response)
    assert page.find("input", attrs={"name": "instrument"})["value"] == "m4_10"
    assert page.find("input", attrs={"name": "responses-m4_10.playful_exchanges"}) is not None
    assert page.find("input", attrs={"name": "responses-m3_6.joy_interacting"}) is None


def test_recording_a_screening_shows_its_result(login, db, visitor, child):
    browser = login(visitor)
    path = f"/children/{child.id}/screenings/new"

    response = browser.submit(path, {**form_data("m3_6", smiles_playtime="not_yet"), "notes": "Shy with strangers"})

    assert response.status_code == 302
    screening = db.session.scalars(select(Screening)).one()
    assert response.headers["Location"].endswith(f"/screenings/{screening.id}")
    assert screening.result == "concern" and screening.notes == "Shy with strangers"
    assert screening.answers()["m3_6.smiles_playtime"] == "not_yet"
    assert screening.administered_by_id == visitor.id

    result = browser.get(response.headers["Location"])
    assert result.status_code == 200
    page = html(result)
    assert page.select_one(".screening-result .badge.result").get_text(strip=True) == "Concern"
    missed = " ".join(page.select_one("dl.missed").get_text(" ").split())
    assert missed == f"Social and emotional exchange {get_instrument('m3_6').items[2].text}"
    # Rule 3: a concern is screened again 30 days later.
    follow_up = db.session.scalars(select(FollowUp)).one()
    assert follow_up.due_on == date(2025, 4, 14)
    # By then the child is past 3–6 months: the next checklist is due instead.
    assert follow_up.instrument_code == "m4_10"
    assert "Next screening scheduled: 4 to 10 months, due Mon 14 Apr 2025." in text_of(result)
    assert "Screening (4 to 10 months) due Mon 14 Apr 2025" in text_of(result)
    assert "Screening saved." in text_of(result)


def test_the_result_page_says_when_a_referral_was_opened_and_when_it_was_updated(login, db, visitor, child):
    record(db, visitor, child, "m3_6", date(2025, 1, 10), sounds_happy_unhappy="not_yet")
    browser = login(visitor)
    path = f"/children/{child.id}/screenings/new?instrument=m4_10"

    # The same domain (communication) missed again: rule 4 opens a referral.
    response = browser.submit(path, form_data("m4_10", expressions_sounds="not_yet"), action=path)

    assert response.status_code == 302
    referral = db.session.scalars(select(Referral)).one()
    page = browser.get(response.headers["Location"])
    assert f"A referral was opened for the family (referral #{referral.id})." in text_of(page)
    assert html(page).select_one("ul.referral-reasons a")["href"] == f"/referrals/{referral.id}"
    assert "Sounds, gestures and words missed at two screenings in a row" in text_of(page)

    # A risk factor then joins the same open referral.
    caregiver = CaregiverFactory(family=child.family, name="Grace Okafor")
    response = browser.submit(
        f"/caregivers/{caregiver.id}/risk-factors/new", {"code": "caregiver_stress", "noted_on": "2025-03-14"}
    )
    assert response.status_code == 302
    assert f"The family's open referral #{referral.id} was updated with this reason." in text_of(
        browser.get(response.headers["Location"])
    )
    assert count(db, Referral) == 1


@pytest.mark.parametrize(
    ("case", "data", "field", "message"),
    [
        (
            "outside the window",
            form_data("m3_6", administered_on="2024-11-15", smiles_playtime="not_yet"),
            "administered_on",
            "3 to 6 months is for children aged 3 to 6 months; on that date the child's screening age is 2 months.",
        ),
        (
            "before birth",
            form_data("m3_6", administered_on="2024-09-01", smiles_playtime="not_yet"),
            "administered_on",
            "The screening date is before the child's date of birth.",
        ),
        (
            "in the future",
            form_data("m3_6", administered_on="2025-03-16", smiles_playtime="not_yet"),
            "administered_on",
            "The screening date cannot be in the future.",
        ),
        (
            "not a date",
            form_data("m3_6", administered_on="2025-02-30", smiles_playtime="not_yet"),
            "administered_on",
            "Give a real date (YYYY-MM-DD).",
        ),
        (
            "an item missing",
            form_data("m3_6", smiles_playtime="not_yet", joy_interacting=None),
            "responses-m3_6.joy_interacting",
            "Answer this milestone: yes, sometimes or not yet.",
        ),
        (
            "an answer that is not one of the three",
            form_data("m3_6", smiles_playtime="not_yet", joy_interacting="maybe"),
            "responses-m3_6.joy_interacting",
            "The answer must be yes, sometimes or not_yet.",
        ),
    ],
)
def test_bad_input_is_shown_beside_its_field_with_the_answers_kept(
    login, db, visitor, child, case, data, field, message
):
    path = f"/children/{child.id}/screenings/new"

    response = login(visitor).submit(path, {**data, "notes": "Tired today"})

    assert response.status_code == 422, case
    page = html(response)
    if field.startswith("responses-"):
        assert row_error(page, field.removeprefix("responses-")) == message
    else:
        assert field_error(page, field) == message
        assert page.find("input", attrs={"name": field})["value"] == data[field]
    # The answers, the checklist and the notes are as the visitor left them.
    assert checked(page, "responses-m3_6.smiles_playtime") == "not_yet"
    assert checked(page, "responses-m3_6.sounds_happy_unhappy") == "yes"
    assert page.find("input", attrs={"name": "instrument"})["value"] == "m3_6"
    assert page.find("textarea", attrs={"name": "notes"}).get_text().strip() == "Tired today"
    assert "Nothing was saved." in text_of(response)
    assert count(db, Screening) == 0 and count(db, FollowUp) == 0 and count(db, Referral) == 0
    assert db.session.scalars(select(AuditEvent).where(AuditEvent.record_type == "screening")).first() is None


def test_an_item_of_another_checklist_is_refused(login, db, visitor, child):
    path = f"/children/{child.id}/screenings/new"
    data = {**form_data("m3_6", smiles_playtime="sometimes"), "responses-m4_10.playful_exchanges": "yes"}

    response = login(visitor).submit(path, data)

    assert response.status_code == 422
    page = html(response)
    assert "m4_10.playful_exchanges: This is not a milestone of 3 to 6 months (v1)." in " ".join(
        page.select_one(".stray-errors").get_text(" ").split()
    )
    assert checked(page, "responses-m3_6.smiles_playtime") == "sometimes"
    assert count(db, Screening) == 0


def test_every_problem_shows_at_once(login, db, visitor, child):
    path = f"/children/{child.id}/screenings/new"
    data = form_data("m3_6", administered_on="not a date", joy_interacting=None, smiles_playtime=None)

    page = html(login(visitor).submit(path, data))

    assert field_error(page, "administered_on") == "Give a real date (YYYY-MM-DD)."
    assert row_error(page, "m3_6.joy_interacting") and row_error(page, "m3_6.smiles_playtime")
    assert checked(page, "responses-m3_6.sounds_happy_unhappy") == "yes"


def test_an_unknown_checklist_is_named_in_the_summary(login, db, visitor, child):
    path = f"/children/{child.id}/screenings/new"

    response = login(visitor).submit(path, {**form_data("m3_6"), "instrument": "m99"})

    assert response.status_code == 422
    page = html(response)
    assert "Choose one of the program's instruments." in page.select_one(".error-summary").get_text()
    # The rows shown, and the checklist the next submission names, are today's one.
    assert page.find("input", attrs={"name": "instrument"})["value"] == "m3_6"
    assert count(db, Screening) == 0


# ---- the screening page and amendments --------------------------------------


def test_an_amendment_keeps_the_original(login, db, visitor, child):
    screening = record(db, visitor, child, "m3_6", date(2025, 3, 1), smiles_playtime="not_yet")
    visitor_name = visitor.name
    browser = login(visitor)
    path = f"/screenings/{screening.id}/amend"

    form = html(browser.get(path))
    assert checked(form, "responses-m3_6.smiles_playtime") == "not_yet"  # prefilled with the current answers
    assert checked(form, "responses-m3_6.joy_interacting") == "yes"

    corrected = {k: v for k, v in form_data("m3_6", smiles_playtime="yes").items() if k.startswith("responses-")}
    refused = browser.submit(path, {**corrected, "reason": "  "})
    assert refused.status_code == 422
    assert field_error(html(refused), "reason") == "Say why the answers are corrected."
    assert checked(html(refused), "responses-m3_6.smiles_playtime") == "yes"  # the correction is kept

    response = browser.submit(path, {**corrected, "reason": "Entered on the wrong row"})
    assert response.status_code == 302

    db.session.expire_all()
    screening = db.session.get(Screening, screening.id)
    assert screening.result == "on_track" and screening.revision == 1
    assert screening.answers(0)["m3_6.smiles_playtime"] == "not_yet"  # the original stays
    page = browser.get(f"/screenings/{screening.id}")
    amendment = " ".join(html(page).select_one("li.amendment").get_text(" ").split())
    assert visitor_name in amendment
    assert "Why: Entered on the wrong row" in amendment
    assert "Concern → On track" in amendment
    assert f"{get_instrument('m3_6').items[2].text}: Not yet → Yes" in amendment
    rows = html(page).select("table.answers tbody tr")
    smiles = next(row for row in rows if get_instrument("m3_6").items[2].text in row.get_text())
    assert [td.get_text(strip=True) for td in smiles.find_all("td")][1:] == ["Yes", "Not yet"]


def test_an_amendment_with_the_same_answers_is_refused(login, db, visitor, child):
    screening = record(db, visitor, child, "m3_6", date(2025, 3, 1))
    path = f"/screenings/{screening.id}/amend"
    same = {k: v for k, v in form_data("m3_6").items() if k.startswith("responses-")}

    response = login(visitor).submit(path, {**same, "reason": "Checking"})

    assert response.status_code == 422
    assert "nothing to correct" in text_of(response)
    assert count(db, Screening) == 1 and db.session.get(Screening, screening.id).revision == 0


def test_a_visitor_cannot_reach_another_visitors_screening(login, db, visitor, child):
    screening = record(db, visitor, child, "m3_6", date(2025, 3, 1))
    other = login(UserFactory())

    assert other.get(f"/screenings/{screening.id}").status_code == 404
    assert other.get(f"/screenings/{screening.id}/amend").status_code == 404
    assert other.get(f"/children/{child.id}/screenings/new").status_code == 404
    assert login(visitor).get(f"/screenings/{screening.id}").status_code == 200


def test_reading_a_screening_is_audited(login, db, visitor, child):
    screening = record(db, visitor, child, "m3_6", date(2025, 3, 1))

    login(visitor).get(f"/screenings/{screening.id}")

    views = db.session.scalars(
        select(AuditEvent).where(AuditEvent.record_type == "screening", AuditEvent.action == "view")
    ).all()
    assert [(e.record_id, e.user_id) for e in views] == [(screening.id, visitor.id)]


# ---- the child timeline -----------------------------------------------------


def test_the_child_page_shows_the_timeline_and_chart(login, db, visitor, child):
    record(db, visitor, child, "m3_6", date(2025, 1, 10), sounds_happy_unhappy="not_yet")
    record(db, visitor, child, "m4_10", date(2025, 3, 10), playful_exchanges="sometimes")
    caregiver = CaregiverFactory(family=child.family, name="Grace Okafor")
    services.record_risk_factor(visitor, code="adopted", noted_on=date(2025, 2, 1), child=child)
    services.record_risk_factor(visitor, code="caregiver_grief", noted_on=date(2025, 2, 2), caregiver=caregiver)
    services.record_observation(
        visitor,
        child.family,
        observed_on=date(2025, 2, 20),
        ratings={cue: "attuned" for cue in observation_instrument().cue_ids} | {"repair": "not_attuned"},
        child=child,
    )
    db.session.commit()

    response = login(visitor).get(f"/children/{child.id}")

    assert response.status_code == 200
    panel = html(response).select_one("#development")
    events = [" ".join(li.get_text(" ").split()) for li in panel.select("ol.timeline li.event")]
    days = [li.find("time")["datetime"] for li in panel.select("ol.timeline li.event")]
    assert days == ["2025-03-10", "2025-02-20", "2025-02-02", "2025-02-01", "2025-01-10"]
    assert events[0].startswith("Mon 10 Mar 2025 ")
    assert "4 to 10 months screening at 6 months Monitor" in events[0]
    assert "Attuned: 6 , Not attuned: 1" in events[1]
    assert "Grieving (Grace Okafor" in events[2]
    assert "Adopted (Ada Okafor" in events[3]
    assert "Missed in Sounds, gestures and words" in events[4] and "Concern" in events[4]
    svg = panel.select_one("svg.milestones-chart")
    assert svg["role"] == "img"
    assert {g["data-domain"] for g in svg.select("g.series")} == {"social", "communication"}
    # Beside the chart, its values as a table (touch screens show no tooltips).
    values = panel.select_one("table.chart-values")
    assert [th.get_text(strip=True) for th in values.select("thead th")] == [
        "Age", "Social and emotional exchange", "Sounds, gestures and words"
    ]
    assert [" | ".join(c.get_text(strip=True) for c in tr.find_all(["th", "td"])) for tr in values.select("tbody tr")] == [
        "4 months | 2 of 2 | 0 of 1",
        "6 months | 0 of 1 | 2 of 2",
    ]
    assert "Next checklist by age: 10 to 18 months, at Mon 10 Nov 2025" in " ".join(panel.get_text().split())
    # Rule 3's re-screen after the "monitor" result is shown too.
    scheduled = " ".join(panel.select_one("ul.scheduled-screenings").get_text(" ").split())
    assert scheduled == "Scheduled: screening (4 to 10 months) on Wed 9 Apr 2025"


def test_the_timeline_takes_the_same_queries_whatever_the_history(login, db, visitor, child, count_queries):
    browser = login(visitor)

    child_id = child.id

    def queries() -> int:
        with count_queries() as statements:
            response = browser.get(f"/children/{child_id}")
        assert response.status_code == 200
        # Every record shown is also an audited read (an INSERT each): only reads count here.
        reads = [" ".join(s.split()) for s in statements if s.lstrip().upper().startswith("SELECT")]
        # Who recorded, amended, noted and observed, and the caregivers a risk factor
        # is about, come joined to their rows: no statement of their own.
        assert not [s for s in reads if s.startswith(("SELECT users.", "SELECT caregivers."))]
        # The screenings' answers and amendments come with the screenings.
        assert not [s for s in reads if "FROM screening_responses" in s or "FROM screening_amendments" in s]
        return len(reads)

    def history(by, caregiver, on: date, code: str) -> None:
        """A screening corrected once, risk factors for the child and a caregiver, an observation."""
        screening = record(db, by, child, "m4_10", on, playful_exchanges="not_yet")
        services.amend_screening(by, screening, responses=plain_answers("m4_10"), reason="Wrong row")
        services.record_risk_factor(by, code=code, noted_on=on, child=child)
        services.record_risk_factor(by, code="caregiver_grief", noted_on=on, caregiver=caregiver)
        ratings = dict.fromkeys(observation_instrument().cue_ids, "partly")
        services.record_observation(by, child.family, observed_on=on, ratings=ratings, caregiver=caregiver)
        db.session.commit()

    history(visitor, CaregiverFactory(family=child.family), date(2025, 1, 20), "adopted")
    few = queries()
    # More of everything, by other staff, for other caregivers: no query per row.
    history(UserFactory(), CaregiverFactory(family=child.family), date(2025, 2, 20), "maltreatment")
    history(UserFactory(), CaregiverFactory(family=child.family), date(2025, 3, 10), "inconsistent_care")

    assert count(db, Screening) == 3
    assert queries() == few


# ---- risk factors -----------------------------------------------------------


def test_noting_a_risk_factor_opens_a_referral(login, db, visitor, child):
    browser = login(visitor)
    path = f"/children/{child.id}/risk-factors/new"

    form = html(browser.get(path))
    codes = [o["value"] for o in form.select("select[name=code] option")]
    assert "adopted" in codes and "caregiver_stress" not in codes  # a child's risk factors only
    assert [g["label"] for g in form.select("select[name=code] optgroup")] == [
        "The infant's well-being",
        "The child's experience and environment",
    ]

    response = browser.submit(path, {"code": "neonatal_unit_stay", "noted_on": "2025-03-01", "note": "3 weeks"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/families/{child.family_id}")
    risk_factor = db.session.scalars(select(RiskFactor)).one()
    assert (risk_factor.child_id, risk_factor.code, risk_factor.note) == (child.id, "neonatal_unit_stay", "3 weeks")
    referral = db.session.scalars(select(Referral)).one()
    reason = db.session.scalars(select(ReferralReason)).one()
    assert (reason.referral_id, reason.kind, reason.code) == (referral.id, "risk_factor", "neonatal_unit_stay")
    family_page = browser.get(response.headers["Location"])
    assert f"A referral was opened for the family (referral #{referral.id})." in text_of(family_page)
    rows = [" ".join(r.get_text(" ").split()) for r in html(family_page).select("table.risk-factors tbody tr")]
    assert rows and "Time in a hospital neonatal unit away from a parent Ada Okafor 3 weeks" in rows[0]


def test_a_risk_factor_of_the_wrong_kind_or_date_is_refused(login, db, visitor, child):
    caregiver = CaregiverFactory(family=child.family)
    browser = login(visitor)

    wrong_kind = browser.submit(
        f"/caregivers/{caregiver.id}/risk-factors/new", {"code": "adopted", "noted_on": "2025-03-01"}
    )
    future = browser.submit(
        f"/children/{child.id}/risk-factors/new", {"code": "adopted", "noted_on": "2025-04-01", "note": "x"}
    )

    assert wrong_kind.status_code == 422 and field_error(html(wrong_kind), "code") == "Not a valid choice."
    assert future.status_code == 422
    assert field_error(html(future), "noted_on") == "The date noted cannot be in the future."
    assert html(future).find("textarea", attrs={"name": "note"}).get_text().strip() == "x"
    assert count(db, RiskFactor) == 0 and count(db, Referral) == 0


def test_a_risk_factor_is_resolved_from_the_family_page(login, db, visitor, child):
    risk_factor, _ = services.record_risk_factor(visitor, code="adopted", noted_on=date(2025, 2, 1), child=child)
    db.session.commit()
    browser = login(visitor)
    family_path = f"/families/{child.family_id}"

    resolve = f"/risk-factors/{risk_factor.id}/resolve"

    too_early = browser.submit(family_path, {"resolved_on": "2025-01-01"}, action=resolve)
    assert too_early.status_code == 422
    assert field_error(html(too_early), "resolved_on") == "The date resolved is before the date noted."

    response = browser.submit(family_path, {"resolved_on": "2025-03-01"}, action=resolve)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(RiskFactor, risk_factor.id).resolved_on == date(2025, 3, 1)
    row = html(browser.get(family_path)).select_one("table.risk-factors tbody tr")
    assert "Sat 1 Mar 2025" in row.get_text() and row.find("form") is None


def test_risk_factors_of_another_visitors_family_are_out_of_reach(login, db, visitor, child):
    risk_factor, _ = services.record_risk_factor(visitor, code="adopted", noted_on=date(2025, 2, 1), child=child)
    db.session.commit()
    other = login(UserFactory())

    assert other.get(f"/risk-factors/{risk_factor.id}/resolve").status_code == 404
    assert other.get(f"/children/{child.id}/risk-factors/new").status_code == 404


# ---- interaction observations -----------------------------------------------


def test_an_observation_is_recorded_and_shown_over_time(login, db, visitor, child):
    cues = observation_instrument().cue_ids
    browser = login(visitor)
    path = f"/families/{child.family_id}/observations/new"
    data = {f"ratings-{cue}": "attuned" for cue in cues} | {
        "ratings-touch": "not_attuned",
        "cue_notes-touch": "Lifted abruptly",
        "observed_on": "2025-03-10",
        "child_id": str(child.id),
        "caregiver_id": "",
        "notes": "Good visit",
    }

    response = browser.submit(path, data)

    assert response.status_code == 302
    observation = db.session.scalars(select(Observation)).one()
    assert observation.child_id == child.id and observation.notes == "Good visit"
    assert {r.cue_id: (r.rating, r.note) for r in observation.ratings}["touch"] == ("not_attuned", "Lifted abruptly")
    table = html(browser.get(f"/families/{child.family_id}")).select_one("table.observations")
    headers = [th.get_text(strip=True) for th in table.select("thead th")]
    assert headers[1:-1] == [cue.label for cue in observation_instrument().cues]
    cells = [" ".join(td.get_text(" ").split()) for td in table.select("tbody tr td")]
    assert cells[3] == "Not attuned Lifted abruptly" and cells[0] == "Attuned"


def test_an_observation_with_a_cue_left_unrated_keeps_the_other_ratings(login, db, visitor, child):
    cues = observation_instrument().cue_ids
    path = f"/families/{child.family_id}/observations/new"
    data = {f"ratings-{cue}": "partly" for cue in cues if cue != "repair"} | {"observed_on": "2025-03-10"}

    response = login(visitor).submit(path, data)

    assert response.status_code == 422
    page = html(response)
    row = page.find("input", attrs={"name": "ratings-repair"}).find_parent("fieldset")
    assert row.find(class_="error").get_text(strip=True) == "Rate this cue (or choose not observed)."
    assert checked(page, "ratings-eye_contact") == "partly"
    assert count(db, Observation) == 0


def test_the_family_panels_take_the_same_queries_whatever_their_length(login, db, visitor, child, count_queries):
    browser = login(visitor)
    family_id = child.family_id

    def queries() -> int:
        with count_queries() as statements:
            response = browser.get(f"/families/{family_id}")
        assert response.status_code == 200
        return len([s for s in statements if s.lstrip().upper().startswith("SELECT")])

    def more(by, on: date, code: str) -> None:
        caregiver = CaregiverFactory(family=child.family)
        services.record_risk_factor(by, code=code, noted_on=on, child=child)
        services.record_risk_factor(by, code="caregiver_anger", noted_on=on, caregiver=caregiver)
        ratings = dict.fromkeys(observation_instrument().cue_ids, "attuned")
        services.record_observation(by, child.family, observed_on=on, ratings=ratings, child=child)
        db.session.commit()
        FollowUpFactory(family=child.family, due_on=date(2025, 4, on.month))
        FollowUpFactory(family=child.family, due_on=date(2025, 3, 1), status="done")

    more(visitor, date(2025, 1, 5), "adopted")
    few = queries()
    more(UserFactory(), date(2025, 2, 5), "maltreatment")
    more(UserFactory(), date(2025, 3, 5), "inconsistent_care")

    assert queries() == few


# ---- follow-ups -------------------------------------------------------------


def test_a_follow_up_is_scheduled_by_hand(login, db, visitor, child):
    browser = login(visitor)
    path = f"/families/{child.family_id}/follow-ups/new"

    bad = browser.submit(path, {"kind": "visit", "due_on": "2025-03-01", "time": "25:00", "note": "Bring toys"})
    assert bad.status_code == 422
    assert field_error(html(bad), "time") == "Give the time as HH:MM (24-hour clock)."
    past = browser.submit(path, {"kind": "visit", "due_on": "2025-03-01", "time": "09:30", "note": "Bring toys"})
    assert past.status_code == 422
    assert field_error(html(past), "due_on") == "A follow-up is a next step: its date cannot be in the past."
    assert count(db, FollowUp) == 0

    response = browser.submit(
        path,
        {"kind": "call", "due_on": "2025-03-20", "time": "09:30", "note": "Ask about sleep", "child_id": str(child.id)},
    )

    assert response.status_code == 302
    follow_up = db.session.scalars(select(FollowUp)).one()
    assert (follow_up.kind, follow_up.due_on, follow_up.due_time, follow_up.child_id, follow_up.created_by_id) == (
        "call", date(2025, 3, 20), time(9, 30), child.id, visitor.id,
    )  # fmt: skip
    family_page = html(browser.get(f"/families/{child.family_id}"))
    row = " ".join(family_page.select_one("#follow-ups tbody tr").get_text(" ").split())
    assert row.startswith("Thu 20 Mar 2025 09:30 Phone call Ada Okafor Ask about sleep scheduled")


def test_follow_ups_are_marked_done_or_cancelled(login, db, visitor, child):
    first = FollowUpFactory(family=child.family, due_on=date(2025, 3, 10))
    second = FollowUpFactory(family=child.family, due_on=date(2025, 3, 20))
    browser = login(visitor)
    family_path = f"/families/{child.family_id}"

    done = browser.submit(family_path, {"status": "done"}, action=f"/follow-ups/{first.id}/status")
    cancelled = browser.submit(family_path, {"status": "cancelled"}, action=f"/follow-ups/{second.id}/status")
    again = browser.submit(family_path, {"status": "cancelled"}, action=f"/follow-ups/{first.id}/status")

    assert done.status_code == cancelled.status_code == again.status_code == 302
    db.session.expire_all()
    assert db.session.get(FollowUp, first.id).status == "done"
    assert db.session.get(FollowUp, second.id).status == "cancelled"
    page = browser.get(again.headers["Location"])
    assert "A follow-up that is done cannot become cancelled." in text_of(page)
    assert html(page).select_one("details.past-follow-ups") is not None


def test_follow_ups_of_another_visitors_family_are_out_of_reach(login, db, visitor, child):
    follow_up = FollowUpFactory(family=child.family)
    other = login(UserFactory())

    response = other.submit("/", {"status": "done"}, action=f"/follow-ups/{follow_up.id}/status")

    assert response.status_code == 404
    assert other.get(f"/families/{child.family_id}/follow-ups/new").status_code == 404
    db.session.expire_all()
    assert db.session.get(FollowUp, follow_up.id).status == "scheduled"
