"""The screening tests' fixtures: a fixed clinic date, compile requests recorded."""

from tests.screening.conftest import clinic_today, compile_requests  # noqa: F401
