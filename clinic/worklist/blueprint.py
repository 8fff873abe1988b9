"""The worklist package's blueprint; its view modules register their routes on it."""

from flask import Blueprint

bp = Blueprint("worklist", __name__, template_folder="templates")
