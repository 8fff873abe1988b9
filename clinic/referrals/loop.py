"""Rule 6's loop to a service, as pure functions: when a sent referral is late.

A sent referral waits for the date the family first had contact with the service.
Early Intervention (Part C) has 45 days from ``sent_on`` to that contact, every
other service 30. The deadline day itself is still on time (rule 11 counts contact
"on or before the deadline"); the referral is late from the day after, until a
contact date is recorded or the referral is closed.
"""

from __future__ import annotations

from datetime import date, timedelta

from clinic.translation import lazy_gettext as _l

SERVICES = ("early_intervention", "community_service", "home_visitor_support", "other")
SERVICE_LABELS = {
    "early_intervention": _l("Early Intervention (Part C)"),
    "community_service": _l("Community service"),
    "home_visitor_support": _l("Home visitor support"),
    "other": _l("Other service"),
}
EARLY_INTERVENTION_DAYS = 45
OTHER_SERVICE_DAYS = 30


def contact_days(service: str | None) -> int:
    """Days allowed from sending to first contact. A referral sent before services
    were recorded (service unknown) gets the clock of "any other service"."""
    return EARLY_INTERVENTION_DAYS if service == "early_intervention" else OTHER_SERVICE_DAYS


def contact_deadline(service: str | None, sent_on: date) -> date:
    """The last day on which first contact is on time."""
    return sent_on + timedelta(days=contact_days(service))


def is_late(
    status: str, service: str | None, sent_on: date | None, service_contact_on: date | None, today: date
) -> bool:
    """Whether the loop is late on ``today``: sent, no contact, deadline passed."""
    if status != "sent" or sent_on is None or service_contact_on is not None:
        return False
    return today > contact_deadline(service, sent_on)
