"""Imports every module of API endpoints so they register on the blueprint."""

from clinic.api import auth_views, caseload, cases, referrals, screening, summary  # noqa: F401
