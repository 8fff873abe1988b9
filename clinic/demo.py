"""A believable demo clinic: two teams, their staff, sixty families over time.

Everything goes through the same services as the app, so the demo's screenings,
follow-ups and referrals obey the rules exactly as real ones do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from sqlalchemy import func, select

from clinic.auth import services as staff
from clinic.auth.models import User
from clinic.cases import follow_ups
from clinic.cases import services as cases
from clinic.cases.ages import date_at_screening_age, screening_age_months
from clinic.db import utcnow
from clinic.extensions import db
from clinic.instruments import instruments, risk_factor_catalog
from clinic.referrals import services as referrals
from clinic.referrals.models import Referral
from clinic.screening import services as screening
from clinic.worklist.reminders import ReminderCounts, run_reminders

DEMO_PASSWORD = "clinic-demo-passphrase"
# The demo supervisors' and admin's second factor (rule 12): a fixed key, printed by
# `clinic demo` and in the README, so a newcomer can add it to an app or compute codes.
DEMO_TOTP_SECRET = "CLINICDEMOCLINICDEMOCLINICDEMO22"

TEAMS = {
    "North": ("Grace Okafor", ["Lucía Fernández", "Tom Becker", "Aisha Rahman"]),
    "South": ("Daniel Kim", ["Maya Patel", "Jonas Lindqvist", "Rosa Jiménez"]),
}
FAMILY_NAMES = [
    "Abara", "Bauer", "Castillo", "Dubois", "Eriksen", "Flores", "García", "Haddad", "Ito",
    "Jensen", "Kowalski", "López", "Mensah", "Nakamura", "Ortiz", "Petrov", "Quispe", "Romero",
    "Silva", "Tanaka", "Umar", "Vargas", "Weber", "Xu", "Yilmaz", "Zapata", "Adeyemi", "Brennan",
    "Chávez", "Diallo", "Esposito", "Fischer", "Gómez", "Hernández", "Ibrahim", "Jovanović",
    "Kaplan", "Lindgren", "Morales", "Nguyen", "Okoye", "Pereira", "Ramírez", "Santos", "Torres",
    "Ueda", "Vasquez", "Walsh", "Yamamoto", "Zhang", "Alvarez", "Boateng", "Cruz", "Delgado",
    "Evans", "Fuentes", "Gutiérrez", "Hoang", "Islam", "Juárez",
]
CAREGIVER_FIRST = ["Ana", "Maria", "Fatima", "Sarah", "Li", "Amara", "Elena", "Jessica", "Carlos", "David", "Kofi", "Sofia"]
CHILD_FIRST = ["Mateo", "Emma", "Noah", "Olivia", "Liam", "Ava", "Lucas", "Mia", "Elijah", "Isabella",
               "Leo", "Amelia", "Ezra", "Zoe", "Kai", "Nora", "Omar", "Luna", "Theo", "Ivy"]


@dataclass
class DemoSummary:
    sign_ins: list[tuple[str, str]] = field(default_factory=list)
    families: int = 0
    children: int = 0
    screenings: int = 0
    referrals: set[int] = field(default_factory=set)
    reminders: ReminderCounts | None = None


def database_is_empty() -> bool:
    return not db.session.scalar(select(func.count(User.id)))


def load_demo(today: date, seed: int = 2026) -> DemoSummary:
    """Fill an empty database; the caller commits."""
    rng = random.Random(seed)
    summary = DemoSummary()
    admin = staff.create_user(
        email="admin@clinic.demo", name="Alex Admin", role="admin", password=DEMO_PASSWORD, by=None
    )
    _demo_second_factor(admin)
    summary.sign_ins.append(("admin", admin.email))
    visitors: list[User] = []
    supervisor_of: dict[int, User] = {}  # visitor id → their team's supervisor
    for team_name, (supervisor_name, visitor_names) in TEAMS.items():
        team = staff.create_team(team_name, by=admin)
        supervisor = staff.create_user(
            email=_email(supervisor_name), name=supervisor_name, role="supervisor",
            password=DEMO_PASSWORD, supervises=team, by=admin,
        )
        _demo_second_factor(supervisor)
        summary.sign_ins.append((f"supervisor, team {team_name}", supervisor.email))
        for name in visitor_names:
            visitor = staff.create_user(
                email=_email(name), name=name, role="home_visitor", password=DEMO_PASSWORD, team=team, by=admin
            )
            visitors.append(visitor)
            supervisor_of[visitor.id] = supervisor
            summary.sign_ins.append((f"home visitor, team {team_name}", visitor.email))

    for index, family_name in enumerate(FAMILY_NAMES):
        visitor = visitors[index % len(visitors)]
        _demo_family(rng, visitor, family_name, index, today, summary)
    _referral_loop(supervisor_of, summary.referrals, today)
    # One reminder pass, so the mail viewer already shows what families receive.
    summary.reminders = run_reminders(today)
    return summary


def _referral_loop(supervisor_of: dict[int, User], referral_ids: set[int], today: date) -> None:
    """The supervisors take the referrals along the loop in turn, so the queue, the
    referral pages and the program report show each stage: one in four stays open,
    then reviewed, sent to a service, and completed with the family's first contact."""
    waiting = db.session.scalars(select(Referral).where(Referral.id.in_(referral_ids)).order_by(Referral.id))
    for number, referral in enumerate(waiting):
        supervisor = supervisor_of[referral.family.assigned_visitor_id]
        stage = number % 4
        if stage == 0:
            continue
        referrals.transition(supervisor, referral, to="reviewed", note="Discussed with the home visitor.")
        if stage == 1:
            continue
        service = "early_intervention" if number % 3 else "community_service"
        # Loading takes a while: a referral opened after midnight cannot be sent the
        # day before (its opening date is the clinic's date when it was written).
        sent_on = max(today, referrals.opened_on(referral))
        referrals.transition(supervisor, referral, to="sent", service=service, agency="County Early Intervention"
                             if service == "early_intervention" else "Family Resource Center", sent_on=sent_on)
        if stage == 2:
            continue
        referrals.record_service_contact(supervisor, referral, sent_on)
        referrals.transition(supervisor, referral, to="closed", outcome="completed",
                             note="The family met the service's coordinator.")


def _demo_second_factor(user: User) -> None:
    user.totp_secret = DEMO_TOTP_SECRET
    user.totp_enabled_at = utcnow()


def _email(name: str) -> str:
    first = name.split()[0].lower()
    return f"{first.translate(str.maketrans('áéíóúñü', 'aeiouna'))}@clinic.demo"


def _demo_family(rng: random.Random, visitor: User, family_name: str, index: int, today: date, summary: DemoSummary) -> None:
    spanish = family_name.endswith(("ez", "ía", "o")) and rng.random() < 0.7
    caregiver_name = f"{rng.choice(CAREGIVER_FIRST)} {family_name}"
    family = cases.create_family(
        visitor,
        name=f"{family_name} family",
        language="es" if spanish else "en",
        address=f"{rng.randint(10, 999)} {rng.choice(['Oak', 'Maple', 'River', 'Hill', 'Cedar'])} Street",
        caregivers=[
            {
                "name": caregiver_name,
                "relationship": rng.choice(["mother", "father", "grandmother", "aunt"]),
                "email": f"{family_name.lower().translate(str.maketrans('áéíóúñćčš', 'aeiouncce'))}{index}@families.demo",
                "phone": f"555-01{index:02d}",
                "is_primary": True,
                "email_opt_in": rng.random() < 0.75,
            }
        ],
    )
    summary.families += 1
    # Children of every age from newborn to 40 months; every sixth born early.
    for child_number in range(1 + (index % 4 == 0)):
        age_days = (index * 41 + child_number * 380) % 1220 + 3
        weeks = rng.choice([28, 31, 33, 35]) if (index + child_number) % 6 == 0 else rng.choice([None, 38, 39, 40, 41])
        child = cases.add_child(
            visitor,
            family,
            first_name=rng.choice(CHILD_FIRST),
            last_name=family_name,
            date_of_birth=today - timedelta(days=age_days),
            gestational_age_weeks=weeks,
        )
        summary.children += 1
        _screening_history(rng, visitor, child, today, summary, struggles=index % 7 == 3)
    if index % 9 == 4:
        caregiver = family.caregivers[0]
        code = rng.choice([r.code for r in risk_factor_catalog() if r.applies_to == "caregiver"])
        _, referral = screening.record_risk_factor(
            visitor, code=code, noted_on=today - timedelta(days=rng.randint(3, 60)), caregiver=caregiver,
            note="Discussed during the home visit; caregiver agreed to a referral.",
        )
        summary.referrals.add(referral.id)
    # Scheduled "earlier" (by=None): some are already overdue, for the visitors' digests.
    follow_ups.schedule_follow_up(
        None, family, kind=rng.choice(["visit", "call"]),
        due_on=today + timedelta(days=rng.randint(-4, 10)),
        time=time(rng.choice([9, 10, 14, 16]), rng.choice([0, 30])), note="Regular home visit",
    )


def _screening_history(rng, visitor, child, today, summary, struggles: bool) -> None:
    """Screen the child at the target age of every instrument already reached."""
    weak_domain = rng.choice(["communication", "social"]) if struggles else None
    for instrument in instruments():
        on = date_at_screening_age(child.date_of_birth, child.gestational_age_weeks, instrument.target_age_months)
        if on > today - timedelta(days=1):
            break
        if not instrument.window_min <= screening_age_months(child.date_of_birth, child.gestational_age_weeks, on) <= instrument.window_max:
            continue
        responses = {}
        for item in instrument.items:
            if item.domain == weak_domain:
                responses[item.id] = rng.choice(["not_yet", "not_yet", "sometimes"])
            else:
                responses[item.id] = rng.choices(["yes", "sometimes", "not_yet"], [0.85, 0.12, 0.03])[0]
        outcome = screening.record_screening(
            visitor, child, instrument_code=instrument.code, administered_on=on, responses=responses
        )
        summary.screenings += 1
        if outcome.referral is not None:
            summary.referrals.add(outcome.referral.id)
