"""Rule 6's loop to a service: sending records the service, the family's first contact
is recorded, closing as completed needs it, and the late clocks (45 days for Early
Intervention, 30 for any other service)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from clinic.audit import AuditEvent
from clinic.errors import ServiceError
from clinic.referrals import services
from clinic.referrals.loop import contact_deadline, is_late
from clinic.referrals.models import Referral, ReferralReason
from clinic.screening import rules
from tests.factories import FamilyFactory, SupervisorFactory, TeamFactory
from tests.screening.conftest import TODAY

SENT = date(2025, 5, 1)


# ---- the clocks, by hand ------------------------------------------------------


@pytest.mark.parametrize(
    ("service", "deadline"),
    [
        ("early_intervention", date(2025, 6, 15)),  # May 1 + 45 days
        ("community_service", date(2025, 5, 31)),  # May 1 + 30 days
        ("home_visitor_support", date(2025, 5, 31)),
        ("other", date(2025, 5, 31)),
        (None, date(2025, 5, 31)),  # sent before services were recorded
    ],
)
def test_the_deadline_is_45_days_for_early_intervention_30_otherwise(service, deadline):
    assert contact_deadline(service, SENT) == deadline


def test_late_from_the_day_after_the_deadline_until_contact():
    assert not is_late("sent", "early_intervention", SENT, None, date(2025, 6, 15))
    assert is_late("sent", "early_intervention", SENT, None, date(2025, 6, 16))
    assert not is_late("sent", "community_service", SENT, None, date(2025, 5, 31))
    assert is_late("sent", "community_service", SENT, None, date(2025, 6, 1))
    # A contact date, even a late one, resolves it; so does closing.
    assert not is_late("sent", "community_service", SENT, date(2025, 6, 10), date(2025, 7, 1))
    assert not is_late("closed", "community_service", SENT, None, date(2025, 7, 1))


# ---- sending and contact, through the service ---------------------------------


@pytest.fixture
def family(visitor):
    return FamilyFactory(assigned_visitor=visitor)


@pytest.fixture
def reviewed(db, visitor, supervisor, family):
    referral = services.add_reasons(visitor, family, [rules.risk_factor_reason("adopted")])
    services.transition(supervisor, referral, to="reviewed")
    # Opened on the clinic's fixed date line (the tests' today is 2025-06-16).
    referral.created_at = datetime(2025, 4, 1, 9, tzinfo=UTC)
    return referral


def _refused(call, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call(**kwargs)
    return caught.value


def test_sending_needs_a_known_service(db, supervisor, reviewed):
    send = lambda **kw: services.transition(supervisor, reviewed, to="sent", **kw)  # noqa: E731
    assert _refused(send).field == "service"
    assert _refused(send, service="dentist").field == "service"
    assert _refused(send, service="other", sent_on=TODAY + timedelta(days=1)).field == "sent_on"
    assert _refused(send, service="other", agency="x" * 201).field == "agency"
    assert reviewed.status == "reviewed"


def test_sent_on_defaults_to_today_and_is_never_before_opening(db, supervisor, reviewed):
    reviewed.created_at = datetime(2025, 6, 10, 12, tzinfo=UTC)
    error = _refused(services.transition, by=supervisor, referral=reviewed, to="sent", service="other",
                     sent_on=date(2025, 6, 9))  # fmt: skip
    assert (error.field, error.code) == ("sent_on", "invalid")
    services.transition(supervisor, reviewed, to="sent", service="early_intervention", agency="  County EI  ")
    assert (reviewed.service, reviewed.agency, reviewed.sent_on) == ("early_intervention", "County EI", TODAY)
    assert reviewed.contact_deadline() == TODAY + timedelta(days=45)


def test_only_sending_records_a_service(db, supervisor, visitor, family):
    referral = services.add_reasons(visitor, family, [rules.risk_factor_reason("adopted")])
    error = _refused(services.transition, by=supervisor, referral=referral, to="reviewed", service="other")
    assert error.field == "service"


def test_first_contact_not_before_sent_not_in_future_only_while_sent(db, supervisor, visitor, reviewed):
    early = _refused(services.record_service_contact, by=visitor, referral=reviewed, service_contact_on=TODAY)
    assert (early.field, early.code) == ("service_contact_on", "conflict")  # not sent yet
    services.transition(supervisor, reviewed, to="sent", service="community_service", sent_on=date(2025, 6, 1))
    before = _refused(services.record_service_contact, by=visitor, referral=reviewed,
                      service_contact_on=date(2025, 5, 31))  # fmt: skip
    future = _refused(services.record_service_contact, by=visitor, referral=reviewed,
                      service_contact_on=TODAY + timedelta(days=1))  # fmt: skip
    assert (before.field, before.code, future.field, future.code) == (
        "service_contact_on", "invalid", "service_contact_on", "invalid",
    )  # fmt: skip
    services.record_service_contact(visitor, reviewed, date(2025, 6, 1))  # a visitor in scope may record it
    db.session.commit()
    assert reviewed.service_contact_on == date(2025, 6, 1)
    events = db.session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "service_contact")).all()
    assert events == ["service_contact_on=2025-06-01"]


def test_closing_completed_needs_the_first_contact(db, supervisor, visitor, reviewed):
    services.transition(supervisor, reviewed, to="sent", service="early_intervention")
    error = _refused(services.transition, by=supervisor, referral=reviewed, to="closed", outcome="completed")
    assert (error.field, error.code) == ("service_contact_on", "conflict")
    services.record_service_contact(visitor, reviewed, TODAY)
    services.transition(supervisor, reviewed, to="closed", outcome="completed")
    assert (reviewed.status, reviewed.outcome) == ("closed", "completed")
    # Declined or unable to contact close without it.


def test_closing_declined_needs_no_contact(db, supervisor, reviewed):
    services.transition(supervisor, reviewed, to="sent", service="other")
    services.transition(supervisor, reviewed, to="closed", outcome="unable_to_contact")
    assert reviewed.status == "closed"


def test_status_since_follows_each_move(db, supervisor, reviewed):
    before = reviewed.status_since
    services.transition(supervisor, reviewed, to="sent", service="other")
    assert reviewed.status_since >= before


# ---- the API ------------------------------------------------------------------


def test_api_sends_records_contact_and_reports_late(db, api, visitor, supervisor, reviewed):
    db.session.commit()
    path = f"/referrals/{reviewed.id}"
    boss = api(supervisor)
    sent = boss.post(f"{path}/transitions", json={"to": "sent", "service": "community_service",
                                                  "sent_on": "2025-05-01"})  # fmt: skip
    assert sent.status_code == 201, sent.json
    # Sent May 1 to a community service: the deadline was May 31, today is June 16.
    assert (sent.json["contact_deadline"], sent.json["late"]) == ("2025-05-31", True)
    completed = boss.post(f"{path}/transitions", json={"to": "closed", "outcome": "completed"})
    assert completed.status_code == 409 and "service_contact_on" in completed.json["error"]["fields"]
    mine = api(visitor)
    before = mine.patch(path, json={"service_contact_on": "2025-04-30"})
    assert before.status_code == 422 and "service_contact_on" in before.json["error"]["fields"]
    assert mine.patch(path, json={"service_contact_on": "2025-13-01"}).status_code == 422
    assert mine.patch(path, json={"service_contact_on": 20250601}).status_code == 422
    assert mine.patch(path, json={}).status_code == 422
    recorded = mine.patch(path, json={"service_contact_on": "2025-06-02"})
    assert recorded.status_code == 200, recorded.json
    assert (recorded.json["service_contact_on"], recorded.json["late"]) == ("2025-06-02", False)
    assert boss.post(f"{path}/transitions", json={"to": "closed", "outcome": "completed"}).status_code == 201
    closed_again = mine.patch(path, json={"service_contact_on": "2025-06-03"})
    assert closed_again.status_code == 409


def test_api_patch_out_of_scope_is_404(db, api, supervisor, reviewed):
    services.transition(supervisor, reviewed, to="sent", service="other")
    db.session.commit()
    stranger = SupervisorFactory(supervises=[TeamFactory()])
    response = api(stranger).patch(f"/referrals/{reviewed.id}", json={"service_contact_on": "2025-06-16"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Referral, reviewed.id).service_contact_on is None


# ---- the pages ----------------------------------------------------------------


def _page(response) -> BeautifulSoup:
    return BeautifulSoup(response.data, "html.parser")


def test_the_referral_page_sends_and_records_contact(login, db, supervisor, reviewed):
    db.session.commit()
    browser = login(supervisor)
    path = f"/referrals/{reviewed.id}"
    form = _page(browser.get(path)).select_one("form.transition-form")
    assert form.find("select", attrs={"name": "service"}) is not None
    refused = browser.submit(path, {"to": "sent", "service": "", "agency": "County EI"},
                             action=f"{path}/transitions")  # fmt: skip
    assert refused.status_code == 422
    page = _page(refused)
    assert "Choose the service" in page.find("select", attrs={"name": "service"}).find_parent(class_="field").text
    assert page.find("input", attrs={"name": "agency"})["value"] == "County EI"
    sent = browser.submit(path, {"to": "sent", "service": "early_intervention", "agency": "County EI",
                                 "sent_on": "2025-04-20"}, action=f"{path}/transitions")  # fmt: skip
    assert sent.status_code == 302
    page = _page(browser.get(path))
    # April 20 + 45 days = June 4; today is June 16: late.
    contact = page.select_one("dd.service-contact").get_text(" ", strip=True)
    assert "due by Wed 4 Jun 2025" in contact and "late" in contact
    assert page.select_one("dd.service-contact time")["datetime"] == "2025-06-04"
    bad = browser.submit(path, {"service_contact_on": "2025-04-19"}, action=f"{path}/service-contact")
    assert bad.status_code == 422
    assert _page(bad).find("input", attrs={"name": "service_contact_on"})["value"] == "2025-04-19"
    ok = browser.submit(path, {"service_contact_on": "2025-05-02"}, action=f"{path}/service-contact")
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Referral, reviewed.id).service_contact_on == date(2025, 5, 2)


def test_the_queue_shows_days_in_status_oldest_first(login, db, supervisor, family, visitor):
    other = FamilyFactory(assigned_visitor=visitor)
    newer = Referral(family_id=family.id, status="open", status_since=datetime(2025, 6, 10, 9, tzinfo=UTC),
                     reasons=[ReferralReason(kind="risk_factor", code="adopted")])  # fmt: skip
    older = Referral(family_id=other.id, status="sent", service="other", sent_on=date(2025, 5, 1),
                     status_since=datetime(2025, 5, 1, 9, tzinfo=UTC),
                     reasons=[ReferralReason(kind="risk_factor", code="adopted")])  # fmt: skip
    db.session.add_all([newer, older])
    db.session.commit()
    page = _page(login(supervisor).get("/referrals"))
    rows = page.select("table.referrals tbody tr")
    assert [row.select_one("td a").get_text(strip=True) for row in rows] == [f"#{older.id}", f"#{newer.id}"]
    # June 16 - May 1 = 46 days; June 16 - June 10 = 6 days.
    assert [row.select_one("td.days-in-status").get_text(strip=True) for row in rows] == ["46", "6"]
    assert "late" in rows[0].get_text(" ")
