"""Fault tests reuse the access tests' world: one family with one of every record."""

from tests.test_access import world  # noqa: F401  (a fixture)
