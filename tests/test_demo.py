"""``clinic demo``: a believable clinic, loaded through the same services as the app."""

from __future__ import annotations

from sqlalchemy import func, select

from clinic.auth.models import Team, User
from clinic.cases.ages import age_months
from clinic.cases.models import Child, Family
from clinic.mail.models import OutboxMessage
from clinic.referrals.models import Referral
from clinic.screening.models import Screening


def test_demo_fills_an_empty_database_once(app, db, monkeypatch):
    from clinic.referrals import summary

    monkeypatch.setattr(summary, "request_compile", lambda referral: None)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "admin@clinic.demo" in result.output and "clinic-demo-passphrase" in result.output
    assert "CLINICDEMOCLINICDEMOCLINICDEMO22" in result.output

    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(Team) == 2
    roles = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    assert roles == {"admin": 1, "supervisor": 2, "home_visitor": 6}
    with_second_factor = db.session.scalars(select(User.role).where(User.totp_enabled_at.is_not(None))).all()
    assert sorted(with_second_factor) == ["admin", "supervisor", "supervisor"]
    assert count(Family) == 60
    children = db.session.scalars(select(Child)).all()
    from clinic import clock

    ages = [age_months(child.date_of_birth, clock.today()) for child in children]
    assert min(ages) == 0 and 38 <= max(ages) <= 40
    assert any(child.gestational_age_weeks and child.gestational_age_weeks < 37 for child in children)
    assert count(Screening) > 100
    # Every stage of the referral loop is on show, a completed one with its contact.
    stages = {
        (status, outcome, contact is not None): n
        for status, outcome, contact, n in db.session.execute(
            select(Referral.status, Referral.outcome, Referral.service_contact_on, func.count()).group_by(
                Referral.status, Referral.outcome, Referral.service_contact_on
            )
        )
    }
    assert set(stages) == {
        ("open", None, False), ("reviewed", None, False), ("sent", None, False), ("closed", "completed", True),
    }
    assert db.session.scalar(select(func.count()).where(Referral.service.is_not(None))) == (
        stages[("sent", None, False)] + stages[("closed", "completed", True)]
    )
    assert db.session.scalar(select(func.count()).where(OutboxMessage.template == "follow_up_reminder")) > 0

    again = runner.invoke(args=["demo", "--if-empty"])
    assert again.exit_code == 0 and "not loaded again" in again.output
    assert count(Family) == 60
    refused = runner.invoke(args=["demo"])
    assert refused.exit_code != 0


def test_a_demo_load_the_day_turns_during_sends_no_referral_before_it_opened(app, db, monkeypatch):
    """Loading started yesterday (just before midnight): the referrals are written
    today, so they are opened today and sent today, not the day the load began."""
    from datetime import timedelta

    from clinic import clock
    from clinic.demo import load_demo
    from clinic.referrals import summary

    monkeypatch.setattr(summary, "request_compile", lambda referral: None)
    today = clock.today()
    load_demo(today - timedelta(days=1))
    db.session.commit()

    sent = db.session.execute(
        select(Referral.created_at, Referral.sent_on, Referral.service_contact_on).where(Referral.sent_on.is_not(None))
    ).all()
    assert sent
    for created_at, sent_on, contact_on in sent:
        assert sent_on == created_at.astimezone(clock.clinic_timezone()).date() >= today
        assert contact_on in (None, sent_on)
