"""The screening package's blueprint; its view modules register their routes on it."""

from flask import Blueprint

bp = Blueprint("screening", __name__, template_folder="templates")
