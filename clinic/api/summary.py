"""API endpoint: the compiled referral summary as PDF (404 until compiled)."""

from __future__ import annotations

from flask import g

from clinic.api.blueprint import endpoint
from clinic.api.errors import ApiError
from clinic.permissions.scope import get_in_family_scope_or_404
from clinic.referrals.models import Referral
from clinic.referrals.summary import pdf_response, read_summary


@endpoint(
    "/referrals/<int:referral_id>/summary.pdf",
    summary="The referral's compiled summary, as PDF (404 until it is compiled)",
)
def referral_summary_pdf(referral_id: int):
    referral = get_in_family_scope_or_404(g.user, Referral, referral_id)
    stored = read_summary(g.user, referral)
    if stored is None:
        raise ApiError(404, "The summary is not compiled yet.")
    return pdf_response(referral, stored), 200
