"""Who may reach what: every route declares a rule, and every role is tried on every
route, in scope and out of scope.

Out of scope must be indistinguishable from "does not exist": the answer for another
team's record is compared with the answer for an id that no record has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from clinic import clock
from clinic.cases import follow_ups
from clinic.cases.ages import add_months
from clinic.extensions import db as _db
from clinic.instruments import get_instrument
from clinic.mail.models import OutboxMessage
from clinic.permissions.roles import ADMIN, PUBLIC, RULES, SUPERVISOR
from clinic.referrals.models import ReferralSummary
from clinic.screening import services as screening
from clinic.worklist.reminders import run_reminders
from tests.conftest import Browser, sign_in
from tests.factories import (
    AdminFactory,
    CaregiverFactory,
    ChildFactory,
    FamilyFactory,
    SupervisorFactory,
    TeamFactory,
    UserFactory,
)

MISSING_ID = 987654


def test_every_route_declares_an_access_rule(app):
    undeclared = [
        endpoint for endpoint, view in app.view_functions.items() if getattr(view, "access_rule", None) not in RULES
    ]
    assert undeclared == []


def test_a_route_without_a_rule_answers_404(tmp_path):
    from clinic import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}", "SECRET_KEY": "x"})
    app.add_url_rule("/undeclared", "undeclared", lambda: "leaked")
    response = app.test_client().get("/undeclared")
    assert response.status_code == 404
    assert b"leaked" not in response.data


@dataclass
class Side:
    """One family with one of every kind of record, and its visitor."""

    visitor: object
    ids: dict


def _side(team, visitor) -> Side:
    family = FamilyFactory(assigned_visitor=visitor)
    caregiver = CaregiverFactory(family=family)
    today = clock.today()
    child = ChildFactory(family=family, date_of_birth=add_months(today, -5))
    instrument = get_instrument("m3_6")
    outcome = screening.record_screening(
        visitor,
        child,
        instrument_code="m3_6",
        administered_on=today,
        responses={item.id: "not_yet" for item in instrument.items},
    )
    risk_factor, referral = screening.record_risk_factor(
        visitor, code="caregiver_stress", noted_on=today, caregiver=caregiver
    )
    follow_up = follow_ups.schedule_follow_up(visitor, family, kind="visit", due_on=today + timedelta(days=2))
    # A compiled summary, as the worker leaves it (its own tests compile real ones).
    _db.session.add(
        ReferralSummary(
            referral_id=referral.id, reasons_revision=referral.reasons_revision, html="<p>Summary</p>", pdf=b"%PDF-1.7"
        )
    )
    _db.session.commit()
    return Side(
        visitor=visitor,
        ids={
            "family_id": family.id,
            "caregiver_id": caregiver.id,
            "child_id": child.id,
            "screening_id": outcome.screening.id,
            "risk_factor_id": risk_factor.id,
            "referral_id": referral.id,
            "follow_up_id": follow_up.id,
            "team_id": team.id,
            "user_id": visitor.id,
        },
    )


@pytest.fixture
def world(db, monkeypatch):
    from clinic.referrals import summary

    monkeypatch.setattr(summary, "request_compile", lambda referral: None)
    team_a, team_b = TeamFactory(), TeamFactory()
    visitor_a = UserFactory(team=team_a)
    colleague_a = UserFactory(team=team_a)
    visitor_b = UserFactory(team=team_b)
    users = {
        "visitor": visitor_a,
        "colleague": colleague_a,  # same team, not assigned: sees nothing of visitor_a's
        "supervisor": SupervisorFactory(supervises=[team_a]),
        "admin": AdminFactory(),
    }
    world = {"users": users, "mine": _side(team_a, visitor_a), "theirs": _side(team_b, visitor_b)}
    run_reminders(clock.today())  # a reminder email for each family's follow-up
    _db.session.commit()
    for side in ("mine", "theirs"):
        family_id = world[side].ids["family_id"]
        world[side].ids["message_id"] = _db.session.scalars(
            select(OutboxMessage.id).where(OutboxMessage.family_id == family_id)
        ).first()
        assert world[side].ids["message_id"] is not None
    return world


def _routes(app, blueprint_filter):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        access_rule = getattr(view, "access_rule", None)
        if access_rule == PUBLIC or not blueprint_filter(rule.endpoint):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method, access_rule


def _url(rule, ids: dict) -> str | None:
    values = {}
    for argument in rule.arguments:
        if argument not in ids:
            return None
        values[argument] = ids[argument]
    path = rule.rule
    for name, value in values.items():
        path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
    return path


def _comparable(page: bytes) -> bytes:
    """A page without what differs from one call to the next: CSRF tokens (signed
    with the time) and messages flashed by the previous call."""
    page = re.sub(rb'name="csrf_token" value="[^"]+"', b"", page)
    page = re.sub(rb'<p class="flash[^>]*>.*?</p>', b"", page, flags=re.S)
    return re.sub(rb"\s+", b" ", page)


def _csrf(browser: Browser) -> str:
    return browser.csrf_token("/families/new")


def _page_call(browser: Browser, method: str, path: str, token: str):
    if method == "GET":
        return browser.get(path)
    return browser.client.open(path, method=method, data={"csrf_token": token})


STAFF_ROLE = {"visitor": "home_visitor", "colleague": "home_visitor", "supervisor": "supervisor", "admin": "admin"}
RECORD_ARGUMENTS = {
    "family_id", "caregiver_id", "child_id", "screening_id", "risk_factor_id", "referral_id", "follow_up_id",
    "message_id",
}


def _role_allows(role: str, access_rule: str) -> bool:
    if access_rule == ADMIN:
        return role == "admin"
    if access_rule == SUPERVISOR:
        return role in ("supervisor", "admin")
    return True


def _sees(role: str, owner: str) -> bool:
    """May ``role`` see the records of ``owner`` ("mine" is team A's family)?"""
    return role == "admin" or (role in ("visitor", "supervisor") and owner == "mine")


def _cases(rule, world):
    """(owner, path, scoped) for each way to call ``rule``."""
    if not RECORD_ARGUMENTS & set(rule.arguments):
        path = _url(rule, world["mine"].ids)
        return [("any", path, False)] if path else []
    return [(owner, _url(rule, world[owner].ids), True) for owner in ("theirs", "mine")]


ROLES = ("visitor", "colleague", "supervisor", "admin")


@pytest.mark.parametrize("role", ROLES)
def test_pages_answer_404_out_of_scope_and_work_in_scope(app, world, role):
    user = world["users"][role]
    browser = sign_in(app.test_client(), user)
    token = _csrf(browser)
    problems = []
    for rule, method, access_rule in _routes(app, lambda e: not e.startswith("api.")):
        if rule.endpoint == "auth.logout":
            continue
        for owner, path, scoped in _cases(rule, world):
            response = _page_call(browser, method, path, token)
            allowed = _role_allows(role, access_rule) and (not scoped or _sees(role, owner))
            status = response.status_code
            if status >= 500:
                problems.append(f"{method} {path} as {role}: {status}")
            elif allowed and status in (403, 404):
                problems.append(f"{method} {path} as {role}: {status}, expected access")
            elif not allowed and status not in (403, 404):
                problems.append(f"{method} {path} as {role}: {status}, expected 404 (or 403 for a role)")
            elif not allowed and scoped and _role_allows(role, access_rule):
                missing = _url(rule, {argument: MISSING_ID for argument in rule.arguments})
                other = _page_call(browser, method, missing, token)
                if (status, _comparable(response.data)) != (other.status_code, _comparable(other.data)):
                    problems.append(f"{method} {path} as {role}: answer differs from a missing record's")
    assert problems == []


@pytest.mark.parametrize("role", ROLES)
def test_api_answers_404_out_of_scope_like_a_missing_record(app, world, api, role):
    client = api(world["users"][role])
    problems = []
    for rule, method, access_rule in _routes(app, lambda e: e.startswith("api.")):
        for owner, path, scoped in _cases(rule, world):
            path = path.removeprefix("/api/v1")
            call = getattr(client, method.lower())
            kwargs = {} if method == "GET" else {"json": {}}
            response = call(path, **kwargs)
            allowed = _role_allows(role, access_rule) and (not scoped or _sees(role, owner))
            status = response.status_code
            if status >= 500:
                problems.append(f"{method} {path} as {role}: {status}")
            elif allowed and status in (403, 404):
                problems.append(f"{method} {path} as {role}: {status}, expected access")
            elif not allowed and not scoped and status != 403:
                problems.append(f"{method} {path} as {role}: {status}, expected 403")
            elif not allowed and scoped and _role_allows(role, access_rule):
                if method == "GET" and status != 404:
                    problems.append(f"{method} {path} as {role}: {status}, expected 404")
                missing = _url(rule, {argument: MISSING_ID for argument in rule.arguments}).removeprefix("/api/v1")
                other = call(missing, **kwargs)
                if (status, response.get_json()) != (other.status_code, other.get_json()):
                    problems.append(f"{method} {path} as {role}: {status} differs from a missing record's {other.status_code}")
    assert problems == []


def test_signed_out_pages_redirect_to_sign_in_and_api_answers_401(app, world, api):
    client = app.test_client()
    anonymous = api(None)
    for rule, method, _ in _routes(app, lambda e: True):
        path = _url(rule, world["mine"].ids)
        if path is None:
            continue
        if rule.endpoint.startswith("api."):
            response = getattr(anonymous, method.lower())(path.removeprefix("/api/v1"), json={})
            assert response.status_code == 401, (method, path)
            assert response.get_json()["error"]["code"] == "unauthorized"
        elif method == "GET":
            response = client.get(path)
            assert response.status_code == 302 and "/login" in response.headers["Location"], (method, path)


def test_ids_too_large_for_the_database_are_404(app, world, api):
    browser = sign_in(app.test_client(), world["users"]["admin"])
    page = browser.get("/families/99999999999999999999")
    assert page.status_code == 404
    assert b"Back to the caseload" in page.data  # the app's own page, not the server's
    response = api(world["users"]["admin"]).get("/families/99999999999999999999")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"
