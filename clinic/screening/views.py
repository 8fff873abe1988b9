"""Pages of the screening package."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("screening", __name__, template_folder="templates")
