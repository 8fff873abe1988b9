"""How a worklist item reads: what to do, and the page where it is done.

Shared by the worklist page, the panels of the case pages and the daily digest, so
an item says the same thing everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import url_for

from clinic.screening.forms import FOLLOW_UP_KIND_LABELS
from clinic.templating import checklist_title
from clinic.translation import gettext as _
from clinic.translation import lazy_gettext as _l
from clinic.worklist.due import Item

KIND_LABELS = {
    "overdue_follow_up": _l("Follow-up past due"),
    "due_follow_up": _l("Follow-up due"),
    "screening_due": _l("Screening due"),
    "late_referral": _l("Late referral"),
    "stalled_referral": _l("Referral waiting"),
    "not_seen": _l("Not seen in 90 days"),
}


def what_to_do(item: Item) -> str:
    """One line saying what needs doing (no health detail beyond the kind of step)."""
    if item.kind in ("overdue_follow_up", "due_follow_up"):
        return str(FOLLOW_UP_KIND_LABELS.get(item.follow_up_kind or "", _("Follow-up")))
    if item.kind == "screening_due":
        title = checklist_title(item.instrument_code)
        if item.follow_up_id is not None:
            if not item.recordable:
                if title:
                    return _("Scheduled screening: %(title)s: its age window has passed, reschedule it", title=title)
                return _("Scheduled screening: its age window has passed, reschedule it")
            return _("Scheduled screening: %(title)s", title=title) if title else _("Scheduled screening")
        return _("Screening %(title)s: its age window closes", title=title)
    if item.kind == "late_referral":
        return _("Referral sent: record the family's first contact with the service")
    if item.kind == "stalled_referral":
        if item.referral_status == "open":
            return _("Referral waiting to be reviewed")
        return _("Referral waiting to be sent")
    return _("Visit the family: no screening, visit or observation in 90 days")


def action_target(item: Item) -> tuple[str, dict, str]:
    """(endpoint, its arguments, anchor) of the page where the item is acted on."""
    if item.referral_id is not None:
        return "referrals.detail", {"referral_id": item.referral_id}, ""
    if item.kind == "screening_due" and item.child_id is not None and item.recordable:
        # The checklist to record comes preselected.
        args = {"instrument": item.instrument_code} if item.instrument_code else {}
        return "screening.new_screening", {"child_id": item.child_id, **args}, ""
    return "cases.family", {"family_id": item.family_id}, "#follow-ups" if item.follow_up_id is not None else ""


def action_url(item: Item) -> str:
    endpoint, args, anchor = action_target(item)
    return url_for(endpoint, **args) + anchor


@dataclass(frozen=True)
class Section:
    title: str
    items: list[Item]


def sections(items: list[Item], today: date) -> list[Section]:
    """Overdue first, then today, then the days ahead (rule 10 lists a week ahead)."""
    return [
        Section(_("Overdue"), [i for i in items if i.due_on < today]),
        Section(_("Today"), [i for i in items if i.due_on == today]),
        Section(_("This week"), [i for i in items if i.due_on > today]),
    ]
