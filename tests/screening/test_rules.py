"""Rules 2–5 as pure functions: no database, no app."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from clinic.cases.ages import add_months, date_at_screening_age, screening_age_months
from clinic.instruments import get_instrument, instruments
from clinic.screening import rules
from clinic.screening.rules import Due, ScreeningFacts

INSTRUMENTS = instruments()
M0_3, M3_6, M4_10, M10_18, M18_20, M24, M36 = (
    get_instrument(code) for code in ("m0_3", "m3_6", "m4_10", "m10_18", "m18_20", "m24", "m36")
)
BORN = date(2023, 1, 15)


def at(months: int, born: date = BORN) -> date:
    return add_months(born, months)


def answers(instrument, value="yes", **overrides):
    responses = {item.id: value for item in instrument.items}
    responses.update({f"{instrument.code}.{key}": v for key, v in overrides.items()})
    return responses


def next_due(administered=(), on=None, born=BORN, weeks=None):
    due = rules.next_due(born, weeks, list(administered), on, INSTRUMENTS)
    return None if due is None else (due.instrument.code, due.due_on)


# Results -------------------------------------------------------------------------


def test_result_is_concern_when_any_milestone_is_missed():
    assert rules.screening_result({"a": "yes", "b": "sometimes", "c": "not_yet"}) == "concern"
    assert rules.screening_result({"a": "yes", "b": "sometimes"}) == "monitor"
    assert rules.screening_result({"a": "yes", "b": "yes"}) == "on_track"


def test_missed_items_and_domains_follow_the_instrument_order():
    first, second, third = M3_6.item_ids
    responses = {first: "not_yet", second: "sometimes", third: "not_yet"}
    assert rules.missed_items(M3_6, responses) == [first, third]
    assert rules.missed_domains(M3_6, responses) == list(
        dict.fromkeys(M3_6.domain_of(item) for item in (first, third))
    )
    assert rules.missed_domains(M3_6, answers(M3_6)) == []


# Validation ----------------------------------------------------------------------


def test_complete_answers_are_valid():
    assert rules.validate_responses(M3_6, answers(M3_6, "sometimes")) == {}


def test_every_item_must_be_answered():
    responses = answers(M3_6)
    missing = M3_6.item_ids[1]
    del responses[missing]
    assert list(rules.validate_responses(M3_6, responses)) == [f"responses.{missing}"]


def test_items_of_another_instrument_are_refused():
    responses = {**answers(M3_6), M4_10.item_ids[0]: "yes"}
    assert list(rules.validate_responses(M3_6, responses)) == [f"responses.{M4_10.item_ids[0]}"]


def test_only_the_three_answers_are_accepted():
    item = M3_6.item_ids[0]
    for value in ("no", "YES", "", None, 1):
        errors = rules.validate_responses(M3_6, {**answers(M3_6), item: value})
        assert list(errors) == [f"responses.{item}"], value


# Screening date (rule 2) ---------------------------------------------------------


def test_date_before_birth_or_in_the_future_is_refused():
    today = at(5)
    assert "before" in rules.screening_date_problem(M0_3, BORN, None, BORN - timedelta(days=1), today)
    assert "future" in rules.screening_date_problem(M3_6, BORN, None, today + timedelta(days=1), today)


def test_window_is_inclusive_in_whole_months():
    today = at(30)
    assert rules.screening_date_problem(M3_6, BORN, None, at(3), today) is None
    assert rules.screening_date_problem(M3_6, BORN, None, at(7) - timedelta(days=1), today) is None  # still 6
    assert "3 to 6 months" in rules.screening_date_problem(M3_6, BORN, None, at(7), today)
    assert rules.screening_date_problem(M3_6, BORN, None, at(3) - timedelta(days=1), today) is not None
    assert rules.screening_date_problem(M0_3, BORN, None, BORN, today) is None


def test_preterm_window_uses_corrected_age():
    # Born at 28 weeks: 12 weeks early; at 4 chronological months the corrected age is 1.
    assert rules.screening_date_problem(M0_3, BORN, 28, at(4), at(30)) is None
    assert "screening age is 1 months" in rules.screening_date_problem(M3_6, BORN, 28, at(4), at(30))
    assert rules.screening_date_problem(M0_3, BORN, None, at(4), at(30)) is not None


# Schedule (rule 2) ---------------------------------------------------------------


def test_newborn_is_due_the_first_instrument_at_its_target_age():
    assert next_due(on=BORN) == ("m0_3", at(2))


def test_overlapping_windows_3_6_and_4_10():
    # At 5 months both windows are open: the earlier instrument comes first (overdue).
    assert next_due(on=at(5)) == ("m3_6", at(4))
    # Given 3–6 at 4 months, 4–10 is next at 8 months.
    assert next_due([("m3_6", at(4))], on=at(5)) == ("m4_10", at(8))
    # Given 4–10 alone (at 5 months), 3–6 is still due until its window passes.
    assert next_due([("m4_10", at(5))], on=at(5)) == ("m3_6", at(4))
    assert next_due([("m4_10", at(5))], on=at(7)) == ("m10_18", at(14))
    assert next_due([("m3_6", at(4)), ("m4_10", at(9))], on=at(9)) == ("m10_18", at(14))


def test_a_screening_outside_the_instruments_window_does_not_count():
    assert next_due([("m3_6", at(8))], on=at(5)) == ("m3_6", at(4))


def test_from_20_to_21_months():
    day_before_21 = at(21) - timedelta(days=1)
    assert next_due(on=day_before_21) == ("m18_20", at(19))
    assert next_due(on=at(21)) == ("m24", at(24))
    assert next_due([("m18_20", at(19))], on=at(20)) == ("m24", at(24))


def test_the_gap_after_27_months():
    assert next_due(on=at(28) - timedelta(days=1)) == ("m24", at(24))
    assert next_due(on=at(28)) == ("m36", at(36))
    assert next_due([("m24", at(24))], on=at(25)) == ("m36", at(36))
    # Nothing is in window between 28 and 32 months, so nothing can be recorded.
    assert [i.code for i in INSTRUMENTS if rules.in_window(i, BORN, None, at(30))] == []


def test_prematurity_before_24_months_uses_corrected_age():
    # Born at 28 weeks (due 12 weeks later): at 4 months the corrected age is 1.
    due_date = BORN + timedelta(weeks=12)
    assert next_due(on=at(4), weeks=28) == ("m0_3", add_months(due_date, 2))
    assert next_due(on=at(4)) == ("m3_6", at(4))  # the same child born at term
    assert next_due([("m18_20", add_months(due_date, 19))], on=add_months(due_date, 20), weeks=28) == (
        "m24",
        at(24),  # corrected 24 months falls after 24 chronological months: chronological age from then
    )


def test_prematurity_after_24_months_uses_chronological_age():
    # At 28 chronological months the corrected age would be 25 (inside 21–27), but
    # correction stops at 24 months: the child is 28 and m24's window has passed.
    assert screening_age_months(BORN, 28, at(28)) == 28
    assert next_due(on=at(28), weeks=28) == ("m36", at(36))
    assert next_due(on=at(25), weeks=28) == ("m24", at(24))


def test_a_child_past_every_window_has_nothing_due():
    assert next_due(on=at(40)) is None
    assert next_due([("m36", at(36))], on=at(37)) is None


def test_unknown_gestational_age_is_term():
    assert next_due(on=at(4), weeks=None) == next_due(on=at(4), weeks=40)


births = st.dates(min_value=date(2018, 1, 1), max_value=date(2030, 12, 31))
weeks = st.one_of(st.none(), st.integers(min_value=22, max_value=42))


@given(
    births,
    weeks,
    st.integers(min_value=0, max_value=1500),
    st.lists(st.tuples(st.sampled_from(INSTRUMENTS), st.integers(0, 1500)), max_size=6),
)
def test_next_due_is_the_first_open_instrument_not_yet_given(born, gestation, days, given_at):
    on = born + timedelta(days=days)
    administered = [(i.code, born + timedelta(days=d)) for i, d in given_at]
    due = rules.next_due(born, gestation, administered, on, INSTRUMENTS)
    for instrument in INSTRUMENTS:
        if due is not None and instrument == due.instrument:
            break
        # Every instrument before the one due has passed or was given in its window.
        assert rules.window_passed(instrument, born, gestation, on) or rules.administered_in_window(
            instrument, born, gestation, administered
        )
    if due is not None:
        assert not rules.window_passed(due.instrument, born, gestation, on)
        assert not rules.administered_in_window(due.instrument, born, gestation, administered)
        assert due.due_on == date_at_screening_age(born, gestation, due.instrument.target_age_months)


# Follow-ups (rule 3) -------------------------------------------------------------


def follow_up(instrument, on, result, administered=(), weeks=None):
    due = rules.follow_up_after(
        BORN, weeks, instrument, on, result, [(instrument.code, on), *administered], INSTRUMENTS
    )
    return None if due is None else (due.instrument.code, due.due_on)


def test_concern_rescreens_with_the_same_instrument_30_days_later():
    assert follow_up(M3_6, at(4), "concern") == ("m3_6", at(4) + timedelta(days=30))
    assert follow_up(M3_6, at(4), "monitor") == ("m3_6", at(4) + timedelta(days=30))


def test_concern_at_the_end_of_a_window_moves_to_the_next_instrument():
    late_in_window = at(7) - timedelta(days=10)  # still 6 months; 30 days later, 7
    assert follow_up(M3_6, late_in_window, "concern") == ("m4_10", late_in_window + timedelta(days=30))
    # 30 days after turning 6 months the child is still 6: the same instrument again.
    assert follow_up(M3_6, at(6), "concern") == ("m3_6", at(6) + timedelta(days=30))
    assert follow_up(M18_20, at(20), "monitor") == ("m24", at(20) + timedelta(days=30))


def test_concern_before_the_gap_waits_for_the_next_window_to_open():
    assert follow_up(M24, at(27), "concern") == ("m36", at(33))


def test_on_track_schedules_the_next_instrument_at_its_target_age():
    assert follow_up(M0_3, at(2), "on_track") == ("m3_6", at(4))
    assert follow_up(M3_6, at(4), "on_track") == ("m4_10", at(8))
    assert follow_up(M24, at(24), "on_track") == ("m36", at(36))


def test_next_instrument_skips_one_already_given():
    assert follow_up(M3_6, at(5), "on_track", [("m4_10", at(4))]) == ("m10_18", at(14))


def test_nothing_left_after_the_last_instrument():
    assert follow_up(M36, at(36), "on_track") is None
    assert follow_up(M36, at(39), "concern") is None
    assert follow_up(M36, at(36), "concern") == ("m36", at(36) + timedelta(days=30))


def test_preterm_follow_up_uses_corrected_age():
    due_date = BORN + timedelta(weeks=12)
    assert follow_up(M0_3, add_months(due_date, 2), "on_track", weeks=28) == ("m3_6", add_months(due_date, 4))


@given(
    births,
    weeks,
    st.sampled_from(INSTRUMENTS),
    st.integers(0, 1500),
    st.sampled_from(("concern", "monitor", "on_track")),
)
def test_a_follow_up_is_never_earlier_and_always_recordable_on_its_date(born, gestation, instrument, days, result):
    on = born + timedelta(days=days)
    if not rules.in_window(instrument, born, gestation, on):
        return
    due = rules.follow_up_after(born, gestation, instrument, on, result, [(instrument.code, on)], INSTRUMENTS)
    if due is None:
        start = on if result == "on_track" else on + timedelta(days=30)
        later = [i for i in INSTRUMENTS if i.target_age_months > instrument.target_age_months]
        assert all(rules.window_passed(i, born, gestation, start) for i in later)
        return
    assert due.due_on >= on
    assert rules.in_window(due.instrument, born, gestation, due.due_on)
    if result != "on_track":
        assert due.due_on >= on + timedelta(days=30)
    if due.instrument == instrument:
        assert result != "on_track" and due == Due(instrument, on + timedelta(days=30))


# Repeatedly missed milestones (rule 4) -------------------------------------------


def facts(id_, on, *domains):
    return ScreeningFacts(id=id_, administered_on=on, missed_domains=frozenset(domains))


def test_two_consecutive_screenings_missing_the_same_domain():
    found = rules.repeated_missed_domains([facts(1, at(4), "social", "play"), facts(2, at(8), "social", "play")])
    assert [(p.earlier_id, p.later_id, p.domains) for p in found] == [(1, 2, ("play", "social"))]


def test_different_domains_or_a_clean_screening_between_do_not_count():
    assert rules.repeated_missed_domains([facts(1, at(4), "social"), facts(2, at(8), "play")]) == []
    assert rules.repeated_missed_domains([facts(1, at(4), "social"), facts(2, at(6)), facts(3, at(8), "social")]) == []


def test_screenings_are_ordered_by_date_then_id_not_by_input_order():
    found = rules.repeated_missed_domains(
        [facts(3, at(8), "social"), facts(1, at(4), "social"), facts(2, at(6))]
    )
    assert found == []  # 1 (social) → 2 (clean) → 3 (social)
    same_day = rules.repeated_missed_domains([facts(5, at(4), "play"), facts(4, at(4), "play"), facts(6, at(5))])
    assert [(p.earlier_id, p.later_id) for p in same_day] == [(4, 5)]


def test_reasons_come_only_from_pairs_with_the_new_screening():
    history = [facts(1, at(4), "social"), facts(2, at(6), "social"), facts(3, at(8), "play"), facts(4, at(10), "play")]
    assert rules.repeated_miss_reasons(7, 4, history) == [
        {"kind": "repeated_missed_milestones", "child_id": 7, "domain": "play", "screening_id": 4}
    ]
    assert [r["domain"] for r in rules.repeated_miss_reasons(7, 2, history)] == ["social"]
    # A screening entered late between two others: both of its pairs count.
    late = [facts(1, at(4), "social"), facts(9, at(5), "social", "play"), facts(2, at(6), "play")]
    assert [r["domain"] for r in rules.repeated_miss_reasons(7, 9, late)] == ["play", "social"]


def test_risk_factor_reason_names_the_code_and_the_person():
    reason = rules.risk_factor_reason("caregiver_stress", caregiver_id=3, risk_factor_id=8)
    assert reason == {
        "kind": "risk_factor",
        "code": "caregiver_stress",
        "child_id": None,
        "caregiver_id": 3,
        "risk_factor_id": 8,
    }
    assert rules.reason_key(reason) == rules.reason_key({**reason, "risk_factor_id": 9})
