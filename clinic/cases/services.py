"""Every write to a family, caregiver or child, with its audit event.

Services validate the rules a form or schema cannot (scope, dates), raise
:class:`ServiceError` naming the field, flush, and never commit.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from clinic import audit, clock
from clinic.auth.models import User
from clinic.cases import follow_ups
from clinic.cases.ages import LONGEST_GESTATION_WEEKS, SHORTEST_GESTATION_WEEKS
from clinic.cases.models import FAMILY_STATUSES, LANGUAGES, Caregiver, Child, Family, FamilyAssignment
from clinic.errors import ServiceError
from clinic.extensions import db
from clinic.permissions.roles import assigns_own_families, can_reassign
from clinic.permissions.scope import assignable_visitors
from clinic.translation import gettext as _

FAMILY_FIELDS = ("name", "language", "address", "status")
CAREGIVER_FIELDS = ("name", "relationship_to_children", "email", "phone", "is_primary", "email_opt_in")
CHILD_FIELDS = ("first_name", "last_name", "date_of_birth", "gestational_age_weeks")
OLDEST_CHILD_YEARS = 6


def _assignable_visitor(by: User, visitor_id: int | None) -> User:
    if visitor_id is None:
        if assigns_own_families(by):
            return by
        raise ServiceError(_("Choose the home visitor for this family."), "assigned_visitor_id")
    visitor = db.session.scalars(assignable_visitors(by).where(User.id == visitor_id)).first()
    if visitor is None:
        raise ServiceError(_("Choose an active home visitor you may assign."), "assigned_visitor_id")
    return visitor


def _check_family_values(values: dict) -> None:
    if "language" in values and values["language"] not in LANGUAGES:
        raise ServiceError(_("Language must be one of %(codes)s.", codes=", ".join(LANGUAGES)), "language")
    if "status" in values and values["status"] not in FAMILY_STATUSES:
        raise ServiceError(_("Status must be active or closed."), "status")
    if "name" in values and not (values["name"] or "").strip():
        raise ServiceError(_("Give the family a name."), "name")


def create_family(
    by: User,
    *,
    name: str,
    language: str = "en",
    address: str | None = None,
    assigned_visitor_id: int | None = None,
    caregivers: list[dict] | tuple = (),
) -> Family:
    """A new family; a home visitor's new family is assigned to them."""
    if assigns_own_families(by):
        assigned_visitor_id = by.id
    _check_family_values({"name": name, "language": language})
    visitor = _assignable_visitor(by, assigned_visitor_id)
    family = Family(name=name.strip(), language=language, address=address or None, assigned_visitor=visitor)
    db.session.add(family)
    db.session.flush()
    db.session.add(
        FamilyAssignment(family_id=family.id, visitor_id=visitor.id, assigned_by_id=by.id, team_id=visitor.team_id)
    )
    audit.change("create", "family", family.id, user=by, family_id=family.id)
    caregivers = list(caregivers)
    if caregivers and not any(values.get("is_primary") for values in caregivers):
        # Someone is the family's main contact: the first caregiver unless another is marked.
        caregivers[0] = {**caregivers[0], "is_primary": True}
    for index, values in enumerate(caregivers):
        try:
            add_caregiver(by, family, **values)
        except ServiceError as exc:
            raise ServiceError(exc.message, f"caregivers.{index}.{exc.field}", exc.code) from exc
    return family


def update_family(by: User, family: Family, **values) -> Family:
    values = {k: v for k, v in values.items() if k in FAMILY_FIELDS}
    _check_family_values(values)
    changed = _apply(family, values)
    if changed:
        audit.change("update", "family", family.id, user=by, family_id=family.id, detail=",".join(changed))
    if "status" in changed and family.status == "closed":
        follow_ups.cancel_scheduled(by, family)
    return family


def reassign_family(by: User, family: Family, visitor_id: int, note: str | None = None) -> FamilyAssignment:
    """Move a family to another visitor the user may assign; kept in its history.

    A move to a visitor of another team is a transfer (only an admin can reach the
    visitors of a team they do not supervise) and must say why. Scope follows the
    assigned visitor, so the old visitor and supervisor lose sight of the family as
    soon as this commits, and the new ones gain it.
    """
    if not can_reassign(by):
        raise ServiceError(_("Only supervisors reassign families."), "assigned_visitor_id", "forbidden")
    visitor = _assignable_visitor(by, visitor_id)
    if visitor.id == family.assigned_visitor_id:
        raise ServiceError(_("The family is already assigned to this visitor."), "assigned_visitor_id")
    note = (note or "").strip() or None
    previous = family.assigned_visitor
    transfer = previous.team_id != visitor.team_id
    if transfer and note is None:
        raise ServiceError(_("Say why the family moves to another team."), "note")
    family.assigned_visitor = visitor
    assignment = FamilyAssignment(
        family_id=family.id, visitor_id=visitor.id, assigned_by_id=by.id, note=note, team_id=visitor.team_id
    )
    db.session.add(assignment)
    db.session.flush()
    detail = f"from={previous.id},to={visitor.id}"
    if transfer:
        detail += f",from_team={previous.team_id},to_team={visitor.team_id}"
    audit.change("transfer" if transfer else "reassign", "family", family.id, user=by, family_id=family.id, detail=detail)
    return assignment


def _check_caregiver_values(values: dict) -> None:
    if "name" in values and not (values["name"] or "").strip():
        raise ServiceError(_("Give the caregiver's name."), "name")
    if "relationship_to_children" in values and not (values["relationship_to_children"] or "").strip():
        raise ServiceError(_("Say how the caregiver is related to the children."), "relationship")
    email = values.get("email")
    if email and ("@" not in email or len(email) > 320):
        raise ServiceError(_("Give a valid email address."), "email")
    if values.get("email_opt_in") and "email" in values and not email:
        raise ServiceError(_("Reminders need an email address."), "email_opt_in")


def add_caregiver(by: User, family: Family, **values) -> Caregiver:
    if "relationship" in values:
        values["relationship_to_children"] = values.pop("relationship")
    values = {k: v for k, v in values.items() if k in CAREGIVER_FIELDS}
    values.setdefault("name", "")
    values.setdefault("relationship_to_children", "")
    _check_caregiver_values(values)
    caregiver = Caregiver(family=family)
    _apply(caregiver, {**values, "email": values.get("email") or None, "phone": values.get("phone") or None})
    db.session.add(caregiver)
    db.session.flush()
    audit.change("create", "caregiver", caregiver.id, user=by, family_id=family.id)
    return caregiver


def update_caregiver(by: User, caregiver: Caregiver, **values) -> Caregiver:
    if "relationship" in values:
        values["relationship_to_children"] = values.pop("relationship")
    values = {k: v for k, v in values.items() if k in CAREGIVER_FIELDS}
    _check_caregiver_values({"email": caregiver.email, "email_opt_in": caregiver.email_opt_in, **values})
    if "email" in values:
        values["email"] = values["email"] or None
    changed = _apply(caregiver, values)
    if changed:
        audit.change(
            "update", "caregiver", caregiver.id, user=by, family_id=caregiver.family_id, detail=",".join(changed)
        )
    return caregiver


def _check_child_values(values: dict) -> None:
    missing = {"first_name": _("Give the child's first name."), "last_name": _("Give the child's last name.")}
    for field, message in missing.items():
        if field in values and not (values[field] or "").strip():
            raise ServiceError(message, field)
    born = values.get("date_of_birth")
    if born is not None:
        if not isinstance(born, date):
            raise ServiceError(_("Give the date of birth as YYYY-MM-DD."), "date_of_birth")
        today = clock.today()
        if born > today:
            raise ServiceError(_("The date of birth cannot be in the future."), "date_of_birth")
        if born.year < today.year - OLDEST_CHILD_YEARS:
            raise ServiceError(
                _("The program serves children under %(years)d; check the year.", years=OLDEST_CHILD_YEARS),
                "date_of_birth",
            )
    weeks = values.get("gestational_age_weeks")
    if weeks is not None and not SHORTEST_GESTATION_WEEKS <= weeks <= LONGEST_GESTATION_WEEKS:
        raise ServiceError(_("Gestational age is between 20 and 45 weeks (leave empty if unknown)."), "gestational_age_weeks")


def add_child(by: User, family: Family, **values) -> Child:
    values = {k: v for k, v in values.items() if k in CHILD_FIELDS}
    for required in ("first_name", "last_name"):
        values.setdefault(required, "")
    if values.get("date_of_birth") is None:
        raise ServiceError(_("Give the date of birth."), "date_of_birth")
    _check_child_values(values)
    child = Child(family=family)
    _apply(child, values)
    db.session.add(child)
    db.session.flush()
    audit.change("create", "child", child.id, user=by, family_id=family.id)
    return child


def update_child(by: User, child: Child, **values) -> Child:
    values = {k: v for k, v in values.items() if k in CHILD_FIELDS}
    _check_child_values(values)
    changed = _apply(child, values)
    if changed:
        audit.change("update", "child", child.id, user=by, family_id=child.family_id, detail=",".join(changed))
    return child


def record_view(by: User, record_type: str, record_id: int, family_id: int) -> None:
    """Reads of health records are audited as well as changes."""
    audit.read(by, record_type, [(record_id, family_id)])


def record_family_list_view(by: User, families: list[Family]) -> None:
    """A list of families reads every family it shows."""
    audit.read(by, "family", [(family.id, family.id) for family in families])


def _apply(record, values: dict) -> list[str]:
    """Set the values that differ; returns the names of the fields changed."""
    changed = []
    for field, value in values.items():
        if isinstance(value, str):
            value = value.strip()
        if getattr(record, field) != value:
            setattr(record, field, value)
            changed.append(field)
    return changed


# Built once with the family's id as a parameter (building it with its loader options,
# and its cache key, cost more than its round trip). Each row's team, visitor and
# assigner in the same statement (many-to-one): the page shows all three.
_FAMILY_HISTORY = (
    select(FamilyAssignment)
    .where(FamilyAssignment.family_id == bindparam("family_id"))
    .options(
        joinedload(FamilyAssignment.team),
        joinedload(FamilyAssignment.visitor),
        joinedload(FamilyAssignment.assigned_by),
    )
    .order_by(FamilyAssignment.id)
)


def family_history(family: Family) -> list[FamilyAssignment]:
    return list(db.session.scalars(_FAMILY_HISTORY, {"family_id": family.id}))


def lock_family(family_id: int) -> None:
    """Take the family's row lock until the transaction ends (a no-op on SQLite,
    where a write already holds the database lock). Every write that may open or
    join a referral takes it first, so two staff saving at once are serialised."""
    db.session.execute(select(Family.id).where(Family.id == family_id).with_for_update())
