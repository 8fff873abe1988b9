"""The daily reminder pass (rule 8): family reminders from the mail package, and the
visitors' digests from the worklist, in one transaction of the caller's.

It lives here, the lowest package that may use both mail and rule 10's worklist;
the worker's task and the ``clinic reminders run`` command call it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, timedelta

from clinic.locks import periodic_lock
from clinic.mail.outbox import insert_emails
from clinic.mail.reminders import family_reminders
from clinic.worklist.digest import visitor_digests

RUN_LEASE = timedelta(hours=1)


@dataclass
class ReminderCounts:
    family_reminders: int = 0
    visitor_digests: int = 0


def run_reminders(today: date) -> ReminderCounts:
    """One reminder pass for the clinic date ``today``; the caller commits."""
    reminders = family_reminders(today)
    digests = visitor_digests(today)
    insert_emails(reminders + digests)
    return ReminderCounts(family_reminders=len(reminders), visitor_digests=len(digests))


def run_reminders_locked(today: date) -> dict | None:
    """A committed pass, unless another pass is running (then None)."""
    with periodic_lock("reminders", RUN_LEASE) as acquired:
        if not acquired:
            return None
        counts = run_reminders(today)
    return asdict(counts)
