"""Every page type at tablet and phone size (issue 13): no serious or critical axe-core
violation, no sideways scroll, text at least 14 px, tap targets at least 44 px, a skip
link; a screenshot of each under ``screenshots/<size>/``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from clinic import clock
from clinic.cases.ages import add_months
from clinic.instruments import get_instrument
from clinic.referrals.models import Referral, ReferralSummary
from clinic.referrals.summary_document import build_document, render_html
from clinic.screening import services
from tests.e2e.checks import check_page
from tests.e2e.conftest import sign_in_on
from tests.factories import (
    AdminFactory,
    CaregiverFactory,
    ChildFactory,
    FamilyFactory,
    FollowUpFactory,
    SupervisorFactory,
    TeamFactory,
    UserFactory,
)

pytestmark = pytest.mark.e2e


def sign_in_as(page, user) -> None:
    sign_in_on(page, user, before_submit=lambda shown: check_page(shown, "sign in " + shown.url.split("/")[-1]))


@pytest.fixture
def clinic_world(db):
    """A team with a family whose child has two screenings (overlapping domains), a
    risk factor and so a referral with its compiled summary, and follow-ups."""
    today = clock.today()
    team = TeamFactory(name="North")
    visitor = UserFactory(name="Vera Visitor", team=team)
    supervisor = SupervisorFactory(name="Sam Supervisor", supervises=[team])
    admin = AdminFactory(name="Ada Admin")
    family = FamilyFactory(name="Okafor-Lindqvist", assigned_visitor=visitor, language="es")
    caregiver = CaregiverFactory(family=family, name="Ngozi Okafor-Lindqvist", email="ngozi.okafor@example.org")
    child = ChildFactory(
        family=family, first_name="Zanele", last_name="Okafor-Lindqvist", date_of_birth=add_months(today, -8),
        gestational_age_weeks=35,
    )
    for code, months_ago in (("m3_6", 3), ("m4_10", 0)):
        items = get_instrument(code).items
        services.record_screening(
            visitor, child, instrument_code=code, administered_on=add_months(today, -months_ago),
            responses={item.id: ("not_yet" if i == 0 else "yes") for i, item in enumerate(items)},
        )
    services.record_risk_factor(visitor, caregiver=caregiver, code="caregiver_stress", noted_on=today)
    FollowUpFactory(family=family, child=child, kind="visit", due_on=today + timedelta(days=2), note="Bring books")
    FollowUpFactory(family=family, kind="call", due_on=today - timedelta(days=3))
    db.session.flush()
    referral = db.session.query(Referral).filter_by(family_id=family.id).one()
    db.session.add(
        ReferralSummary(
            referral_id=referral.id, reasons_revision=referral.reasons_revision,
            html=render_html(build_document(referral, today)), pdf=b"%PDF-1.7",
        )
    )
    db.session.commit()
    return dict(visitor=visitor, supervisor=supervisor, admin=admin, family=family, child=child, referral=referral,
                team=team)


def test_a_visitors_pages(clinic_world, sized_page):
    page, w = sized_page, clinic_world
    sign_in_as(page, w["visitor"])
    child, family = w["child"], w["family"]
    for name, path in [
        ("worklist", "/worklist"),
        ("caseload", "/"),
        ("family", f"/families/{family.id}"),
        ("child", f"/children/{child.id}"),
        ("family form", f"/families/{family.id}/edit"),
        ("child form", f"/children/{child.id}/edit"),
        ("follow-up form", f"/families/{family.id}/follow-ups/new"),
        ("observation form", f"/families/{family.id}/observations/new"),
        ("risk factor form", f"/children/{child.id}/risk-factors/new"),
        ("referral", f"/referrals/{w['referral'].id}"),
        ("referral summary", f"/referrals/{w['referral'].id}/summary"),
        ("referrals", "/referrals"),
        ("mail", "/mail"),
        ("screening form", f"/children/{child.id}/screenings/new"),
    ]:
        page.goto(path)
        check_page(page, name)
    page.get_by_role("button", name="Save screening").click()
    expect(page.locator(".error-summary")).to_be_focused()
    check_page(page, "screening form refused")
    page.goto(f"/children/{child.id}")
    page.get_by_role("link", name="screening").first.click()
    check_page(page, "screening result")


def test_a_supervisors_and_an_admins_pages(clinic_world, sized_page):
    page, w = sized_page, clinic_world
    sign_in_as(page, w["supervisor"])
    for name, path in [("team dashboard", "/team"), ("referral as supervisor", f"/referrals/{w['referral'].id}")]:
        page.goto(path)
        check_page(page, name)
    page.context.clear_cookies()
    sign_in_as(page, w["admin"])
    for name, path in [
        ("staff", "/admin/staff"),
        ("staff form", "/admin/staff/new"),
        ("teams", "/admin/teams"),
        ("team", f"/admin/teams/{w['team'].id}"),
        ("audit log", "/admin/audit"),
        ("mail log", "/mail/log"),
    ]:
        page.goto(path)
        check_page(page, name)
