"""API endpoints: families, caregivers and children (the cases)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from flask import g
from pydantic import EmailStr, Field

from clinic import clock
from clinic.api.blueprint import endpoint
from clinic.api.errors import ApiError
from clinic.api.schemas import Body, Id, Name, Note, Out, Page, Patch, ShortText, text
from clinic.cases import ages, queries, services
from clinic.cases.models import FAMILY_STATUSES, LANGUAGES, Caregiver, Child, Family
from clinic.errors import ServiceError
from clinic.permissions.roles import can_reassign
from clinic.permissions.scope import get_caregiver_or_404, get_child_or_404, get_family_or_404
from clinic.referrals import queries as referral_queries
from clinic.screening.schedule import NextScreening, next_screenings

Language = Literal[tuple(LANGUAGES)]  # type: ignore[valid-type]
Status = Literal[FAMILY_STATUSES]  # type: ignore[valid-type]
Address = text(500, multiline=True)
Relationship = text(100, min_length=1)
Phone = text(50)
GestationalWeeks = Annotated[int, Field(ge=20, le=45, description="Weeks at birth; leave out when unknown (40)")]

# ---- responses ----------------------------------------------------------------


class VisitorOut(Out):
    id: int
    name: str


class NextScreeningOut(Out):
    instrument: str
    title: str
    due_on: date


class ChildOut(Out):
    id: int
    family_id: int
    first_name: str
    last_name: str
    date_of_birth: date
    gestational_age_weeks: int | None
    age_months: int = Field(description="Whole months completed since birth")
    corrected_age_months: int | None = Field(
        description="Whole months since the due date, while rule 1 uses it (born before 37 weeks, "
        "under 24 months); otherwise null"
    )
    next_screening: NextScreeningOut | None


class CaregiverOut(Out):
    id: int
    family_id: int
    name: str
    relationship: str = Field(validation_alias="relationship_to_children")
    email: str | None
    phone: str | None
    is_primary: bool
    email_opt_in: bool
    opted_out_at: datetime | None


class FamilySummaryOut(Out):
    id: int
    name: str
    language: str
    status: str
    assigned_visitor: VisitorOut
    children: list[ChildOut]


class FamilyOut(FamilySummaryOut):
    address: str | None
    created_at: datetime
    updated_at: datetime
    caregivers: list[CaregiverOut]
    open_referral_id: int | None = Field(description="The family's referral that is open or reviewed, if any")


class FamilyPageOut(Out):
    items: list[FamilySummaryOut]
    total: int
    page: int
    per_page: int


def child_out(child: Child, today: date, next_screening: NextScreening | None) -> ChildOut:
    # Field by field: the ages and the next screening are computed for a date. The
    # model, not its JSON: a family's model takes it as it is, a dict it would
    # validate again.
    uses_corrected = ages.uses_corrected_age(child.date_of_birth, child.gestational_age_weeks, today)
    return ChildOut(
        id=child.id,
        family_id=child.family_id,
        first_name=child.first_name,
        last_name=child.last_name,
        date_of_birth=child.date_of_birth,
        gestational_age_weeks=child.gestational_age_weeks,
        age_months=ages.age_months(child.date_of_birth, today),
        corrected_age_months=(
            ages.corrected_age_months(child.date_of_birth, child.gestational_age_weeks, today)
            if uses_corrected
            else None
        ),
        next_screening=(
            NextScreeningOut(
                instrument=next_screening.instrument_code,
                title=next_screening.instrument_title,
                due_on=next_screening.due_on,
            )
            if next_screening is not None
            else None
        ),
    )


def caregiver_out(caregiver: Caregiver) -> dict:
    return CaregiverOut.model_validate(caregiver).model_dump(mode="json")


def _children_out(children: list[Child]) -> list[ChildOut]:
    """The children with their ages and next screening (one query for them all)."""
    today = clock.today()
    schedule = next_screenings(children, today)
    return [child_out(child, today, schedule.get(child.id)) for child in children]


def _child_json(child: Child) -> dict:
    return _children_out([child])[0].model_dump(mode="json")


def _summary(family: Family, children: dict[int, ChildOut]) -> dict:
    """A family's list fields; its children come computed (ages, next screening)."""
    return {
        "id": family.id,
        "name": family.name,
        "language": family.language,
        "status": family.status,
        "assigned_visitor": {"id": family.assigned_visitor.id, "name": family.assigned_visitor.name},
        "children": [children[child.id] for child in family.children],
    }


def family_out(family: Family) -> dict:
    children = {c.id: c for c in _children_out(family.children)}
    open_referral_id = referral_queries.active_referral_id(family.id)
    return FamilyOut(
        **_summary(family, children),
        address=family.address,
        created_at=family.created_at,
        updated_at=family.updated_at,
        caregivers=[CaregiverOut.model_validate(caregiver) for caregiver in family.caregivers],
        open_referral_id=open_referral_id,
    ).model_dump(mode="json")


# ---- families -----------------------------------------------------------------


class FamilyQuery(Page):
    q: ShortText = Field(default="", description="Part of a family's or a child's name")
    status: Status | None = Field(default=None, description="Only active or only closed families (default: both)")


@endpoint(
    "/families", summary="The families in your scope, by name; search family and child names",
    query=FamilyQuery, response=FamilyPageOut,
)
def families_list(query: FamilyQuery):
    page = queries.search_families(g.user, q=query.q, page=query.page, per_page=query.per_page, status=query.status)
    children = {c.id: c for c in _children_out([child for family in page.items for child in family.children])}
    services.record_family_list_view(g.user, page.items)
    return FamilyPageOut(
        items=[_summary(family, children) for family in page.items],
        total=page.total,
        page=page.page,
        per_page=page.per_page,
    ).model_dump(mode="json")


class CaregiverIn(Body):
    name: Name
    relationship: Relationship
    email: EmailStr | None = None
    phone: Phone | None = None
    is_primary: bool = False
    email_opt_in: bool = Field(default=False, description="Consent to reminder emails; needs an email")


class FamilyIn(Body):
    name: Name
    language: Language = "en"
    address: Address | None = None
    assigned_visitor_id: Id | None = Field(
        default=None, description="Required from supervisors and admins; a visitor's family is their own"
    )
    caregivers: Annotated[list[CaregiverIn], Field(max_length=20)] = []


@endpoint(
    "/families", "POST", summary="Open a family's case, with its caregivers",
    body=FamilyIn, response=FamilyOut, status=201,
)
def family_create(body: FamilyIn):
    family = services.create_family(
        g.user,
        name=body.name,
        language=body.language,
        address=body.address,
        assigned_visitor_id=body.assigned_visitor_id,
        caregivers=[caregiver.model_dump() for caregiver in body.caregivers],
    )
    return family_out(family)


@endpoint("/families/<int:family_id>", summary="One family with its caregivers and children", response=FamilyOut)
def family_detail(family_id: int):
    family = get_family_or_404(g.user, family_id)
    services.record_view(g.user, "family", family.id, family.id)
    return family_out(family)


class FamilyPatch(Patch):
    name: Name = None
    language: Language = None
    address: Address | None = None
    status: Status = None
    assigned_visitor_id: Id = Field(default=None, description="Reassign the family (supervisors and admins)")
    assignment_note: Note | None = Field(default=None, description="Why the family was reassigned")


@endpoint(
    "/families/<int:family_id>", "PATCH",
    summary="Change a family's name, language, address or status; supervisors also reassign it",
    body=FamilyPatch, response=FamilyOut,
)
def family_update(family_id: int, body: FamilyPatch):
    family = get_family_or_404(g.user, family_id)
    changes = body.changes()
    visitor_id = changes.pop("assigned_visitor_id", family.assigned_visitor_id)
    note = changes.pop("assignment_note", None)
    reassigning = visitor_id != family.assigned_visitor_id
    if reassigning and not can_reassign(g.user):
        message = "Only supervisors and admins reassign families."
        raise ApiError(422, message, {"assigned_visitor_id": message})
    services.update_family(g.user, family, **changes)
    if reassigning:
        try:
            services.reassign_family(g.user, family, visitor_id, note=note)
        except ServiceError as exc:
            if exc.field != "note":
                raise
            raise ApiError(422, exc.message, {"assignment_note": exc.message}) from exc
    return family_out(family)


# ---- caregivers ---------------------------------------------------------------


@endpoint(
    "/families/<int:family_id>/caregivers", "POST",
    summary="Add a caregiver to a family (beyond the SPEC table: a home-visiting program needs it)",
    body=CaregiverIn, response=CaregiverOut, status=201,
)
def caregiver_create(family_id: int, body: CaregiverIn):
    family = get_family_or_404(g.user, family_id)
    return caregiver_out(services.add_caregiver(g.user, family, **body.model_dump()))


class CaregiverPatch(Patch):
    name: Name = None
    relationship: Relationship = None
    email: EmailStr | None = None
    phone: Phone | None = None
    is_primary: bool = None
    email_opt_in: bool = None


@endpoint(
    "/caregivers/<int:caregiver_id>", "PATCH",
    summary="Change a caregiver, their contact details or email consent "
    "(beyond the SPEC table: a home-visiting program needs it)",
    body=CaregiverPatch, response=CaregiverOut,
)
def caregiver_update(caregiver_id: int, body: CaregiverPatch):
    caregiver = get_caregiver_or_404(g.user, caregiver_id)
    return caregiver_out(services.update_caregiver(g.user, caregiver, **body.changes()))


# ---- children -----------------------------------------------------------------


class ChildIn(Body):
    first_name: Name
    last_name: Name
    date_of_birth: date
    gestational_age_weeks: GestationalWeeks | None = None


@endpoint(
    "/families/<int:family_id>/children", "POST", summary="Add a child to a family",
    body=ChildIn, response=ChildOut, status=201,
)
def child_create(family_id: int, body: ChildIn):
    family = get_family_or_404(g.user, family_id)
    child = services.add_child(g.user, family, **body.model_dump())
    return _child_json(child)


@endpoint(
    "/children/<int:child_id>", summary="One child with ages (rule 1) and the screening due next (rule 2)",
    response=ChildOut,
)
def child_detail(child_id: int):
    child = get_child_or_404(g.user, child_id)
    services.record_view(g.user, "child", child.id, child.family_id)
    return _child_json(child)


class ChildPatch(Patch):
    first_name: Name = None
    last_name: Name = None
    date_of_birth: date = None
    gestational_age_weeks: GestationalWeeks | None = None


@endpoint(
    "/children/<int:child_id>", "PATCH",
    summary="Correct a child's names, date of birth or gestational age "
    "(beyond the SPEC table: a home-visiting program needs it)",
    body=ChildPatch, response=ChildOut,
)
def child_update(child_id: int, body: ChildPatch):
    child = get_child_or_404(g.user, child_id)
    return _child_json(services.update_child(g.user, child, **body.changes()))
