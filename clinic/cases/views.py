"""Caseload, family, caregiver and child pages."""

from __future__ import annotations

from flask import Blueprint, g, render_template

from clinic.permissions import STAFF, access

bp = Blueprint("cases", __name__, template_folder="templates")


@bp.get("/")
@access(STAFF)
def caseload():
    return render_template("cases/caseload.html")
