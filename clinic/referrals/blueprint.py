"""The referrals package's blueprint; its view modules register their routes on it."""

from flask import Blueprint

bp = Blueprint("referrals", __name__, template_folder="templates")
