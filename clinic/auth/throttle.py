"""Throttling failed sign-ins so that it cannot be turned against a person.

Three tiers of failure counts, in the limiter's storage (Redis when configured, so
every web process shares them):

- per account *and* address: the first brake, with growing waits (a few tries a
  minute, fewer per quarter hour, fewer per hour);
- per account, at a higher threshold: once reached, the account takes sign-ins
  only from addresses that have not failed for it, so an attacker elsewhere cannot
  lock its owner out, while each new address of a spread-out attack gets one try;
- per address, at a higher threshold still: a source guessing across many accounts.

Only failures count (wrong password, unknown email, wrong second-factor code): a
visitor signing in many times a day is never held back.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse_many

from clinic.extensions import limiter


@dataclass(frozen=True)
class Keys:
    pair: tuple[str, ...]
    account: tuple[str, ...]
    address: tuple[str, ...]


def keys_for(account: str, address: str | None) -> Keys:
    address = address or "unknown"
    return Keys(("login-pair", account, address), ("login-account", account), ("login-address", address))


def _limits(name: str) -> list[RateLimitItem]:
    return parse_many(current_app.config[name])


def _wait(limit: RateLimitItem, ids: tuple[str, ...]) -> int:
    reset_at, _remaining = limiter.limiter.get_window_stats(limit, *ids)
    return max(1, math.ceil(reset_at - time.time()))


def _blocking(limits: list[RateLimitItem], ids: tuple[str, ...]) -> list[tuple[RateLimitItem, int]]:
    strategy = limiter.limiter
    return [(limit, _wait(limit, ids)) for limit in limits if not strategy.test(limit, *ids)]


def _pair_has_failed(keys: Keys) -> bool:
    strategy = limiter.limiter
    return any(
        strategy.get_window_stats(limit, *keys.pair).remaining < limit.amount
        for limit in _limits("LOGIN_FAILURES_PER_PAIR")
    )


def retry_after(keys: Keys) -> tuple[str, int] | None:
    """(the tier holding the sign-in back, seconds to wait), or None when it may be tried."""
    found: list[tuple[str, int]] = []
    found += [("pair", wait) for _, wait in _blocking(_limits("LOGIN_FAILURES_PER_PAIR"), keys.pair)]
    if _pair_has_failed(keys):
        found += [("account", wait) for _, wait in _blocking(_limits("LOGIN_FAILURES_PER_ACCOUNT"), keys.account)]
    found += [("address", wait) for _, wait in _blocking(_limits("LOGIN_FAILURES_PER_ADDRESS"), keys.address)]
    return max(found, key=lambda item: item[1]) if found else None


def count_failure(keys: Keys) -> tuple[str, int] | None:
    """Count a failure; the lock it starts (tier, seconds), or None."""
    strategy = limiter.limiter
    for name, ids in (
        ("LOGIN_FAILURES_PER_PAIR", keys.pair),
        ("LOGIN_FAILURES_PER_ACCOUNT", keys.account),
        ("LOGIN_FAILURES_PER_ADDRESS", keys.address),
    ):
        for limit in _limits(name):
            strategy.hit(limit, *ids)
    return retry_after(keys)


def unlock_account(account: str) -> None:
    """Clear an account's own count (an admin's unlock); address counts stay."""
    for limit in _limits("LOGIN_FAILURES_PER_ACCOUNT"):
        limiter.limiter.clear(limit, "login-account", account)
