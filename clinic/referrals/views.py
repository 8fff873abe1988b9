"""Pages of the referrals package."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("referrals", __name__, template_folder="templates")
