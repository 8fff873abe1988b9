"""Pages of the worklist package: the worklist (a visitor's start page), a visitor's
worklist opened by their supervisor, and what the case pages show of it (the macros
``family_todo`` and ``child_todo`` of ``worklist/_macros.html``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import g, render_template, request

from clinic import clock
from clinic.auth.models import User
from clinic.cases.models import Child, Family
from clinic.permissions.roles import STAFF, SUPERVISOR, access
from clinic.permissions.scope import get_overseen_visitor_or_404
from clinic.worklist import present
from clinic.worklist.blueprint import bp
from clinic.worklist.due import ALL_KINDS, KINDS, Item, due_items, due_with_referrals


@dataclass
class FamilyDue:
    """What a case page shows of rule 10 for one family."""

    items: list[Item] = field(default_factory=list)
    open_referral_id: int | None = None

    def for_child(self, child_id: int) -> list[Item]:
        return [item for item in self.items if item.child_id == child_id]

    def for_family(self) -> list[Item]:
        return [item for item in self.items if item.child_id is None]


def due_for_families(user: User, families: list[Family]) -> dict[int, FamilyDue]:
    """Family id → its items and its open (or reviewed) referral: rule 10's one
    computation for this page of families."""
    result = {family.id: FamilyDue() for family in families}
    if not result:
        return result
    found = due_with_referrals(user, clock.today(), families)
    for item in found.items:
        result[item.family_id].items.append(item)
    for family_id, referral_id in found.waiting_referrals.items():
        result[family_id].open_referral_id = referral_id
    return result


def due_for_child(user: User, child: Child) -> list[Item]:
    return due_items(user, clock.today(), family_id=child.family_id, child_id=child.id)


@bp.record_once
def _template_globals(state) -> None:
    """Globals, not a context processor: the macros that use them are imported
    without context, which lets Jinja build their module once, not once per row."""
    state.app.jinja_env.globals.update(
        due_for_families=lambda families: due_for_families(g.user, list(families)),
        due_for_child=lambda child: due_for_child(g.user, child),
        worklist_kind_labels=present.KIND_LABELS,
        worklist_what_to_do=present.what_to_do,
        worklist_action_url=present.action_url,
    )


def _kind() -> str:
    """``?kind=``: the list behind a number of the supervisor's dashboard, or all."""
    kind = request.args.get("kind", "")
    return kind if kind in KINDS else ""


def _page(visitor: User | None = None, **narrowed):
    """Rule 10 for the signed-in user, of the kind asked for only, on one day: the
    items and the page's dates read the clock once."""
    today = clock.today()
    kind = _kind()
    items = due_items(g.user, today, kinds=frozenset({kind}) if kind else ALL_KINDS, **narrowed)
    return render_template(
        "worklist/index.html",
        sections=present.sections(items, today),
        total=len(items),
        today=today,
        visitor=visitor,
        kind=kind,
    )


@bp.get("/worklist")
@access(STAFF)
def index():
    """Rule 10 for the signed-in user: a visitor's own families, a supervisor's teams."""
    return _page()


@bp.get("/worklist/visitors/<int:visitor_id>")
@access(SUPERVISOR)
def visitor_worklist(visitor_id: int):
    """One visitor's worklist, as their supervisor (or an admin) sees it."""
    visitor = get_overseen_visitor_or_404(g.user, visitor_id)
    return _page(visitor, visitor_id=visitor.id)
