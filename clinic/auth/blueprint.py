"""The auth package's blueprint; its view modules register their routes on it."""

from flask import Blueprint

bp = Blueprint("auth", __name__, template_folder="templates")
