"""The JSON API's blueprint (mounted under /api/v1) and its endpoint decorator.

The endpoint modules (``auth_views``, ``cases``, ``screening``, ...) register on it.
Each endpoint is declared with :func:`endpoint`, which validates the body and the
query string with pydantic models, declares the access rule and records the
operation for the OpenAPI document, so the document cannot drift from the checks.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Blueprint, jsonify, request
from pydantic import BaseModel, ValidationError

from clinic.api import errors
from clinic.api.errors import ApiError, fields_from_validation_error
from clinic.api.openapi import Operation, registry
from clinic.permissions.roles import PUBLIC, STAFF, access

bp = Blueprint("api", __name__)
errors.register(bp)


def endpoint(
    rule: str,
    method: str = "GET",
    *,
    summary: str,
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    rule_access: str = STAFF,
    errors: tuple[int, ...] = (),
    list_response: bool = False,
) -> Callable:
    registry.add(
        Operation(
            rule=rule,
            method=method,
            summary=summary,
            body=body,
            response=response,
            status=status,
            query=query,
            public=rule_access == PUBLIC,
            errors=errors,
            list_response=list_response,
        )
    )

    def decorate(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(**kwargs):
            if body is not None:
                kwargs["body"] = parse_body(body)
            if query is not None:
                kwargs["query"] = parse_query(query)
            result = view(**kwargs)
            if isinstance(result, tuple):
                return result
            return jsonify(result), status

        access(rule_access)(wrapper)
        bp.add_url_rule(rule, endpoint=f"{view.__name__}_{method.lower()}", view_func=wrapper, methods=[method])
        return wrapper

    return decorate


def parse_body(model: type[BaseModel]) -> BaseModel:
    if not request.is_json:
        raise ApiError(400, "Send a JSON object with Content-Type: application/json.")
    try:
        data = request.get_json(silent=True)
    except RecursionError:  # Python's JSON decoder on very deep nesting
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "The body is not a JSON object.")
    try:
        return model.model_validate_json(request.get_data(), strict=True)
    except ValidationError as exc:
        raise ApiError(422, "Some fields are not valid.", fields_from_validation_error(exc)) from exc


def parse_query(model: type[BaseModel]) -> BaseModel:
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as exc:
        raise ApiError(422, "Some query parameters are not valid.", fields_from_validation_error(exc)) from exc


@bp.get("/openapi.json")
@access(PUBLIC)
def openapi_document():
    return jsonify(registry.document())
