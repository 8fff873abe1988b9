"""Clinic: case management for early-childhood home-visiting programs."""

from __future__ import annotations

import logging
from pathlib import Path

from flask import (
    Flask,
    abort,
    current_app,
    g,
    has_request_context,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from werkzeug.exceptions import HTTPException, ServiceUnavailable
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from clinic import config as config_module
from clinic import db as db_module
from clinic import extensions, text
from clinic.permissions.roles import PUBLIC, role_allows

log = logging.getLogger(__name__)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.request_class = text.ClinicRequest
    app.config.update(config_module.from_environment(Path(app.instance_path)))
    if config:
        app.config.update(config)
    if app.config.get("PROXY_COUNT"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_COUNT"], x_proto=1, x_host=1)

    # Imported as a module: ``clinic.db`` must stay the module (migrations use it).
    extensions.db.init_app(app)
    extensions.csrf.init_app(app)
    extensions.limiter.init_app(app)
    extensions.babel.init_app(app, locale_selector=select_locale)
    extensions.login_manager.init_app(app)

    # Record ids beyond a 32-bit integer cannot exist: such URLs do not match (404)
    # instead of overflowing the database driver.
    app.url_map.converters["int"] = RecordIdConverter

    _import_models()
    _register_blueprints(app)
    _register_health_route(app)
    _register_request_lifecycle(app)
    _register_template_helpers(app)
    _register_error_pages(app)

    from clinic.cli import register_commands

    register_commands(app)
    return app


def select_locale() -> str:
    """The language of a page: the best match of the browser's Accept-Language among
    the languages the app is translated into, English when none matches.

    The API answers in English whatever the client asks: its messages are part of a
    machine contract (SPEC). Family-facing pages and emails force the family's
    language over this choice (``force_locale``).
    """
    from clinic.cases.models import LANGUAGES

    if not has_request_context() or request.blueprint == "api":
        return "en"
    return request.accept_languages.best_match(tuple(LANGUAGES), default="en")


class RecordIdConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def _import_models() -> None:
    """Every model module, so relationships resolve and Alembic sees all tables."""
    import clinic.audit  # noqa: F401
    import clinic.auth.models  # noqa: F401
    import clinic.cases.models  # noqa: F401
    import clinic.locks  # noqa: F401
    import clinic.mail.models  # noqa: F401
    import clinic.referrals.models  # noqa: F401
    import clinic.screening.drafts  # noqa: F401
    import clinic.screening.models  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    """Each package's view modules register their routes on its ``blueprint.py``;
    importing them here, in the factory, is what wires a package into the app."""
    from clinic.admin import views as _admin_views  # noqa: F401
    from clinic.admin.blueprint import bp as admin_bp
    from clinic.api import auth_views, caseload, cases, referrals, reports, screening, summary, worklist  # noqa: F401
    from clinic.api.blueprint import bp as api_bp
    from clinic.auth import account_views as _account_views  # noqa: F401
    from clinic.auth import keep_alive as _keep_alive  # noqa: F401
    from clinic.auth import views as _auth_views  # noqa: F401
    from clinic.auth.blueprint import bp as auth_bp
    from clinic.cases import views as _cases_views  # noqa: F401
    from clinic.cases.blueprint import bp as cases_bp
    from clinic.mail import views as _mail_views  # noqa: F401
    from clinic.mail.blueprint import bp as mail_bp
    from clinic.referrals import summary_views, views  # noqa: F401
    from clinic.referrals.blueprint import bp as referrals_bp
    from clinic.reports import views as _reports_views  # noqa: F401
    from clinic.reports.blueprint import bp as reports_bp
    from clinic.screening import views as _screening_views  # noqa: F401
    from clinic.screening.blueprint import bp as screening_bp
    from clinic.worklist import views as _worklist_views  # noqa: F401
    from clinic.worklist.blueprint import bp as worklist_bp

    blueprints = (auth_bp, cases_bp, screening_bp, referrals_bp, worklist_bp, reports_bp, mail_bp, admin_bp)
    for blueprint in blueprints:
        app.register_blueprint(blueprint)
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    extensions.csrf.exempt(api_bp)  # bearer tokens only, never cookies: nothing to forge
    app.view_functions["static"].access_rule = PUBLIC


def _register_health_route(app: Flask) -> None:
    """``/healthz``: public, answers "ok" without touching the database.

    The benchmark's trivial route (the server's ceiling, measured beside each page)
    and a liveness probe for a proxy: it says the process serves requests, nothing more.
    """

    def healthz():
        return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}

    healthz.access_rule = PUBLIC
    app.add_url_rule("/healthz", "healthz", healthz, methods=["GET"])


def _register_request_lifecycle(app: Flask) -> None:
    from clinic import audit
    from clinic.api.auth import authenticate_request
    from clinic.api.errors import error_response
    from clinic.auth import sessions

    @app.before_request
    def refuse_control_characters_in_address():
        """The path and query string, for every route, before anything reads them."""
        text.check_address(request.path, request.args)

    @app.before_request
    def enforce_access_rule():
        """Load the user, then apply the route's declared rule (404 when undeclared)."""
        view = app.view_functions.get(request.endpoint or "")
        if view is None:
            return None  # werkzeug answers 404/405 itself
        rule = getattr(view, "access_rule", None)
        if rule is None:
            abort(404)
        if request.blueprint == "api":
            user = authenticate_request()
        else:
            user = sessions.current_session_user()
        g.user = user
        if rule == PUBLIC:
            return None
        if user is None:
            if request.blueprint == "api":
                return error_response(401, "unauthorized", "Sign in with a bearer token.")
            return extensions.login_manager.unauthorized()
        if not role_allows(user, rule):
            abort(403)
        if request.blueprint != "api" and sessions.second_factor_setup_required(user, request.endpoint):
            return redirect(url_for("auth.second_factor_setup"))
        return None

    @app.after_request
    def commit_or_roll_back(response):
        """One transaction per request: commit on success, roll back otherwise."""
        try:
            if response.status_code < 400:
                extensions.db.session.commit()
            else:
                extensions.db.session.rollback()
            audit.write_kept_events()
        except Exception as exc:
            if not db_module.unavailable(exc):
                raise
            return database_unavailable(exc)
        return response

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'",
        )
        if request.blueprint == "api" or request.endpoint in NO_STORE_PUBLIC_ENDPOINTS or current_user_is_signed_in():
            # Health information, tokens and a family's contact details are never kept
            # in a cache: every API answer, every signed-in page, the unsubscribe page.
            response.headers["Cache-Control"] = "no-store"
        if app.config["PUBLIC_URL"].startswith("https://"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: Exception):
    """503 with Retry-After for a request the database failed (``db.unavailable``).

    The transaction is rolled back whole: nothing of the request is saved. The API
    answers in its error shape; a page that was posted comes back with the entries
    in a form that posts them again.
    """
    from clinic.api.errors import error_response

    log.warning("database unavailable during %s %s: %s", request.method, request.path, type(exc).__name__)
    try:
        extensions.db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection is gone; the pool replaces it
        extensions.db.session.invalidate()
    message = "The database did not answer; nothing was saved. Try again in a few seconds."
    if request.path.startswith("/api/"):
        response = error_response(503, "unavailable", message)
    else:
        # Rendered without the context processors, which would ask the database
        # for the signed-in user.
        templates = current_app.jinja_env
        if request.method == "POST":
            entries = [(name, value) for name, value in request.form.items(multi=True) if name != "csrf_token"]
            page = templates.get_template("unsaved.html").render(entries=entries, request=request, user=None)
        else:
            page = templates.get_template("error.html").render(error=ServiceUnavailable(message), user=None)
        response = make_response(page, 503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _register_error_pages(app: Flask) -> None:
    from clinic.api.errors import answer_http_error

    @app.errorhandler(DBAPIError)
    @app.errorhandler(PoolTimeoutError)
    def database_error(exc: Exception):
        if not db_module.unavailable(exc):
            raise exc
        return database_unavailable(exc)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        """JSON under /api/, a page of the app elsewhere."""
        api_answer = answer_http_error(exc)
        if api_answer is not None:
            return api_answer
        return render_template("error.html", error=exc), exc.code or 500


# Public pages that still must not be cached: the unsubscribe page names the
# caregiver; the password link page and the code step belong to one person.
NO_STORE_PUBLIC_ENDPOINTS = frozenset({"mail.unsubscribe", "mail.unsubscribe_one_click", "auth.set_password", "auth.login_code"})


def current_user_is_signed_in() -> bool:
    return getattr(g, "user", None) is not None


def _register_template_helpers(app: Flask) -> None:
    from clinic import templating

    templating.init_app(app)
