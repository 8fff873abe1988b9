"""Rule 7: the referral summary for the child-development specialist."""

from __future__ import annotations

from clinic.referrals.models import Referral


def request_compile(referral: Referral) -> None:
    """Ask the worker to compile the referral's summary once this transaction commits."""
