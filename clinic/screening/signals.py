"""What the screening package announces to the packages above it.

Rules 4 and 5 (a pure function each, in ``rules``) decide that a family needs a
referral; opening or joining it is the referrals package's work (rule 6), which sits
above screening and may read it. A synchronous signal lets the screening services
hand the reasons up without importing ``referrals``: the receiver runs at once, in
the same transaction as the screening or risk factor that caused it, and its answer
(the referral) comes back to the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from blinker import Namespace

_signals = Namespace()

referral_needed = _signals.signal("referral-needed")
"""Sent with ``family`` and ``reasons`` (rule 4/5 reason dicts); the sender is the user."""


def ask_for_referral(by: Any, family: Any, reasons: list[Mapping]) -> Any | None:
    """The referral (opened or joined) that now holds ``reasons``; None when there are none.

    Exactly one receiver must answer: a reason dropped because nothing listened
    would be a referral silently lost, so that is an error, not a no-op.
    """
    if not reasons:
        return None
    answers = referral_needed.send(by, family=family, reasons=reasons)
    if len(answers) != 1:
        raise RuntimeError(f"{len(answers)} receivers of referral_needed; clinic.referrals must be loaded (once)")
    return answers[0][1]
