"""The compiled referral summary: as a page and as the PDF (404 until compiled)."""

from __future__ import annotations

from flask import abort, g, render_template

from clinic.permissions.roles import STAFF, access
from clinic.permissions.scope import get_in_family_scope_or_404
from clinic.referrals.blueprint import bp
from clinic.referrals.models import Referral
from clinic.referrals.summary import pdf_response, read_summary


@bp.get("/referrals/<int:referral_id>/summary")
@access(STAFF)
def summary(referral_id: int):
    referral = get_in_family_scope_or_404(g.user, Referral, referral_id)
    stored = read_summary(g.user, referral)
    if stored is None:
        abort(404)
    return render_template("referrals/summary_page.html", referral=referral, summary=stored)


@bp.get("/referrals/<int:referral_id>/summary.pdf")
@access(STAFF)
def summary_pdf(referral_id: int):
    referral = get_in_family_scope_or_404(g.user, Referral, referral_id)
    stored = read_summary(g.user, referral)
    if stored is None:
        abort(404)
    return pdf_response(referral, stored)
