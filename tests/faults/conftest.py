"""Fault tests reuse the access tests' world (one family with one of every record)
and the worker tests' real worker processes and per-test Redis queue."""

from tests.test_access import world  # noqa: F401  (a fixture)
from tests.worker.test_processes import redis_queue, workers  # noqa: F401  (fixtures)
