"""The referral summary document (rule 7): gather, render as HTML and PDF, store.

Run by the ``compile_referral_summary`` task. The document holds the family, the
children with their ages and corrected ages, every screening over time with its
missed milestones by domain and a chart per child, the risk factors, the interaction
observations, the reasons and the staff involved.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flask import render_template
from flask_babel import force_locale
from markupsafe import Markup
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from clinic import audit, clock
from clinic.auth.models import Team, User
from clinic.cases.ages import age_months, corrected_age_months, uses_corrected_age
from clinic.cases.models import LANGUAGES, Child, Family
from clinic.db import utcnow
from clinic.extensions import db
from clinic.instruments import ObservationInstrument, domain_labels, get_risk_factor, observation_instrument
from clinic.mail.links import external_url
from clinic.mail.outbox import queue_email
from clinic.referrals.models import Referral, ReferralReason, ReferralSummary, ReferralTransition
from clinic.screening.chart import milestones_chart_svg
from clinic.screening.models import Observation, RiskFactor, Screening, ScreeningAmendment
from clinic.screening.services import family_observations, family_risk_factors
from clinic.screening.timeline import ScreeningEntry, chart_points, screening_entry

log = logging.getLogger(__name__)

PRINT_CSS = Path(__file__).parent / "templates" / "referrals" / "summary.css"
REASON_LABELS = {"repeated_missed_milestones": "Repeatedly missed milestones", "risk_factor": "Risk factor"}


@dataclass(frozen=True)
class ChildSection:
    child: Child
    age_months: int
    corrected_age_months: int | None  # only while it applies (preterm, under 24 months)
    screenings: list[ScreeningEntry]  # oldest first
    chart_svg: Markup | None


@dataclass(frozen=True)
class ReasonLine:
    kind: str
    subject: str
    detail: str
    added_on: date


@dataclass(frozen=True)
class RiskLine:
    risk_factor: RiskFactor
    label: str
    subject: str


@dataclass(frozen=True)
class ObservationLine:
    observation: Observation
    subject: str
    ratings: list[tuple[str, str, str | None]]  # (cue label, rating label, note)


@dataclass(frozen=True)
class SummaryDocument:
    referral: Referral
    family: Family
    today: date
    compiled_at: datetime
    revision: int
    reasons: list[ReasonLine]
    children: list[ChildSection]
    risk_factors: list[RiskLine]
    observations: list[ObservationLine]
    staff: list[tuple[str, str]]  # (name, what they did in the case)
    domain_labels: dict[str, str]


def _risk_label(code: str, version: int | None = None) -> str:
    try:
        return get_risk_factor(code, version).label
    except KeyError:
        return code


def _family_screenings(family: Family) -> list[Screening]:
    """Every screening of the family's children, oldest first, in one query."""
    return list(
        db.session.scalars(
            select(Screening)
            .join(Child, Screening.child_id == Child.id)
            .where(Child.family_id == family.id)
            .order_by(Screening.administered_on, Screening.id)
            .options(
                selectinload(Screening.responses),
                selectinload(Screening.administered_by),
                selectinload(Screening.amendments).selectinload(ScreeningAmendment.amended_by),
            )
        )
    )


def _child_section(child: Child, screenings: list[Screening], today: date, labels: dict[str, str]) -> ChildSection:
    entries = [screening_entry(s) for s in screenings]
    corrected = None
    if uses_corrected_age(child.date_of_birth, child.gestational_age_weeks, today):
        corrected = corrected_age_months(child.date_of_birth, child.gestational_age_weeks, today)
    chart = None
    if entries:
        chart = Markup(
            milestones_chart_svg(
                chart_points(entries),
                labels,
                title=f"{child.full_name}: milestones met per domain, by age",
                element_id=f"chart-child-{child.id}",
            )
        )
    return ChildSection(child, age_months(child.date_of_birth, today), corrected, entries, chart)


def _reason_line(reason: ReferralReason, labels: dict[str, str]) -> ReasonLine:
    if reason.child is not None:
        subject = reason.child.full_name
    else:
        subject = reason.caregiver.name if reason.caregiver is not None else ""
    if reason.kind == "risk_factor":
        detail = _risk_label(reason.code) if reason.code else ""
    else:
        detail = ", ".join(labels.get(d, d) for d in (reason.domain or "").split(",") if d)
    return ReasonLine(REASON_LABELS.get(reason.kind, reason.kind), subject, detail, reason.created_at.date())


def _observation_line(observation: Observation, instrument: ObservationInstrument, names: dict) -> ObservationLine:
    cues = {cue.id: cue.label for cue in instrument.cues}
    ratings = [
        (cues.get(r.cue_id, r.cue_id), instrument.ratings.get(r.rating, r.rating), r.note) for r in observation.ratings
    ]
    subjects = [
        names[key] for key in (("child", observation.child_id), ("caregiver", observation.caregiver_id)) if key in names
    ]
    return ObservationLine(observation, " and ".join(subjects) or "the family", ratings)


def _staff(referral: Referral, family: Family, screenings, risk_factors, observations) -> list[tuple[str, str]]:
    """Everyone involved, once each, with what they did in the case."""
    roles: dict[int, tuple[User, list[str]]] = {}

    def add(user: User | None, role: str) -> None:
        if user is None:
            return
        what = roles.setdefault(user.id, (user, []))[1]
        if role not in what:
            what.append(role)

    add(family.assigned_visitor, "home visitor")
    team = family.assigned_visitor.team
    add(team.supervisor if team else None, "team supervisor")
    for screening in screenings:
        add(screening.administered_by, "screened")
        for amendment in screening.amendments:
            add(amendment.amended_by, "amended a screening")
    for risk_factor in risk_factors:
        add(risk_factor.noted_by, "noted risk factors")
    for observation in observations:
        add(observation.observed_by, "observed interactions")
    for transition in referral.transitions:
        add(transition.by, f"moved the referral to {transition.to_status}")
    return [(user.name, ", ".join(what)) for user, what in roles.values()]


def build_document(referral: Referral, today: date) -> SummaryDocument:
    """Everything the summary shows, in a fixed number of queries."""
    family = db.session.scalars(
        select(Family)
        .where(Family.id == referral.family_id)
        .options(
            selectinload(Family.caregivers),
            selectinload(Family.children),
            selectinload(Family.assigned_visitor).selectinload(User.team).selectinload(Team.supervisor),
        )
    ).one()
    referral = db.session.scalars(
        select(Referral)
        .where(Referral.id == referral.id)
        .options(
            selectinload(Referral.reasons).selectinload(ReferralReason.child),
            selectinload(Referral.reasons).selectinload(ReferralReason.caregiver),
            selectinload(Referral.transitions).selectinload(ReferralTransition.by),
        )
    ).one()
    labels = domain_labels()
    screenings = _family_screenings(family)
    by_child: dict[int, list[Screening]] = {}
    for screening in screenings:
        by_child.setdefault(screening.child_id, []).append(screening)
    risk_factors = sorted(family_risk_factors(family), key=lambda rf: (rf.noted_on, rf.id))
    observations = family_observations(family)
    names = {("child", c.id): c.full_name for c in family.children}
    names.update({("caregiver", c.id): c.name for c in family.caregivers})
    return SummaryDocument(
        referral=referral,
        family=family,
        today=today,
        compiled_at=utcnow(),
        revision=referral.reasons_revision,
        reasons=[_reason_line(reason, labels) for reason in referral.reasons],
        children=[_child_section(c, by_child.get(c.id, []), today, labels) for c in family.children],
        risk_factors=[
            RiskLine(
                rf,
                _risk_label(rf.code, rf.catalog_version),
                names.get(("child", rf.child_id)) or names.get(("caregiver", rf.caregiver_id), ""),
            )
            for rf in risk_factors
        ],
        observations=[_observation_line(o, observation_instrument(o.instrument_version), names) for o in observations],
        staff=_staff(referral, family, screenings, risk_factors, observations),
        domain_labels=labels,
    )


def render_html(document: SummaryDocument) -> str:
    """The summary as an HTML fragment: no styles or scripts of its own, so the
    summary page shows it under the app's CSP and the PDF adds print styles."""
    return render_template("referrals/summary.html", doc=document, languages=LANGUAGES)


def _refuse_fetch(url: str, *args, **kwargs):
    # The summary is self-contained: nothing in it may make the renderer fetch a URL
    # or read a file.
    raise ValueError(f"the referral summary fetches nothing ({url[:40]})")


def render_pdf(html: str, title: str) -> bytes:
    from weasyprint import CSS, HTML  # heavy; only the worker needs it

    document = render_template("referrals/summary_document.html", body=Markup(html), title=title)
    stylesheet = CSS(string=PRINT_CSS.read_text(encoding="utf-8"), url_fetcher=_refuse_fetch)
    return HTML(string=document, url_fetcher=_refuse_fetch).write_pdf(stylesheets=[stylesheet])


def compile_summary(referral_id: int) -> bool:
    """Compile and store the referral's summary; False when there was nothing to do
    (no such referral, or a summary of this revision or a newer one is stored)."""
    referral = db.session.get(Referral, referral_id)
    if referral is None:
        return False
    revision = referral.reasons_revision
    stored_revision = db.session.scalar(
        select(ReferralSummary.reasons_revision).where(ReferralSummary.referral_id == referral_id)
    )
    if stored_revision is not None and stored_revision >= revision:
        return False
    # The summary goes to a specialist: in English, whoever's action queued it.
    with force_locale("en"):
        document = build_document(referral, clock.today())
        html = render_html(document)
    pdf = render_pdf(html, f"Referral {referral_id}: summary")
    if not _store(referral_id, revision, html, pdf, document.compiled_at, insert=stored_revision is None):
        return False
    audit.change(
        "compile_summary", "referral", referral_id, user=None, family_id=referral.family_id, detail=f"revision={revision}"
    )
    _notify_supervisor(document)
    return True


def _store(referral_id: int, revision: int, html: str, pdf: bytes, compiled_at: datetime, *, insert: bool) -> bool:
    """Store over an older revision only; True when this compile's summary is kept."""
    if insert:
        try:
            with db.session.begin_nested():
                db.session.add(
                    ReferralSummary(
                        referral_id=referral_id, reasons_revision=revision, html=html, pdf=pdf, compiled_at=compiled_at
                    )
                )
            return True
        except IntegrityError:
            pass  # another compile stored one meanwhile: replace it only if it is older
    result = db.session.execute(
        update(ReferralSummary)
        .where(ReferralSummary.referral_id == referral_id, ReferralSummary.reasons_revision < revision)
        .values(reasons_revision=revision, html=html, pdf=pdf, compiled_at=compiled_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def _notify_supervisor(document: SummaryDocument) -> None:
    """Rule 7: a link for the team's supervisor, once per revision; no health detail."""
    referral = document.referral
    team = document.family.assigned_visitor.team
    supervisor = team.supervisor if team else None
    if supervisor is None or not supervisor.is_active:
        log.info("referral %s: no active team supervisor to tell about its summary", referral.id)
        return
    queue_email(
        f"referral-summary:{referral.id}:{document.revision}",
        supervisor.email,
        "referral_summary_ready",
        "en",
        {
            "supervisor_name": supervisor.name,
            "referral_id": referral.id,
            "summary_url": external_url("referrals.summary", referral_id=referral.id),
        },
        family_id=referral.family_id,
        user_id=supervisor.id,
    )
