"""One error shape for the API: {"error": {"code", "message", "fields"?}}."""

from __future__ import annotations

from flask import jsonify, request
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from clinic.errors import ServiceError

CODES = {
    400: "malformed",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        fields: dict[str, str] | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.headers = headers or {}
        self.status = status
        self.message = message
        self.fields = fields
        self.code = code or CODES.get(status, "error")


def error_response(status: int, code: str | None, message: str, fields: dict[str, str] | None = None):
    body: dict = {"code": code or CODES.get(status, "error"), "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    return response


def fields_from_validation_error(exc: ValidationError) -> dict[str, str]:
    fields: dict[str, str] = {}
    for err in exc.errors():
        name = ".".join(str(part) for part in err["loc"]) or "body"
        fields.setdefault(name, err["msg"])
    return fields


def from_service_error(exc: ServiceError) -> ApiError:
    """A rule broken in a service: 409 for conflicts, 403 when forbidden, else 422."""
    status = {"conflict": 409, "forbidden": 403}.get(exc.code, 422)
    fields = exc.fields or None
    message = "Some fields are not valid." if fields and len(fields) > 1 else exc.message
    return ApiError(status, message, fields)


def answer_http_error(exc: HTTPException):
    """Any HTTP error under /api/ in the API's shape (routing errors included, which
    happen before a blueprint is chosen); None for other paths."""
    if not request.path.startswith("/api/"):
        return None
    status = exc.code or 500
    if isinstance(exc, MethodNotAllowed):
        response = error_response(405, None, f"This endpoint does not answer {request.method}.")
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ()))
        return response
    if isinstance(exc, NotFound):
        return error_response(404, None, "There is no such API endpoint or record.")
    return error_response(status, None, exc.description or CODES.get(status, "error"))


def register(bp) -> None:
    @bp.errorhandler(ServiceError)
    def _service_error(exc: ServiceError):
        error = from_service_error(exc)
        return error_response(error.status, error.code, error.message, error.fields)

    @bp.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        response = error_response(exc.status, exc.code, exc.message, exc.fields)
        response.headers.update(exc.headers)
        return response

    @bp.errorhandler(ValidationError)
    def _validation_error(exc: ValidationError):
        return error_response(422, "invalid", "Some fields are not valid.", fields_from_validation_error(exc))
