"""The OpenAPI document, built from the pydantic models that validate requests."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema


@dataclass
class Operation:
    rule: str
    method: str
    summary: str
    body: type[BaseModel] | None = None
    response: type[BaseModel] | None = None
    status: int = 200
    query: type[BaseModel] | None = None
    public: bool = False
    errors: tuple[int, ...] = ()
    list_response: bool = False


@dataclass
class Registry:
    operations: list[Operation] = field(default_factory=list)

    def add(self, operation: Operation) -> None:
        self.operations.append(operation)

    def document(self) -> dict:
        models = {m for op in self.operations for m in (op.body, op.response) if m is not None}
        ordered = sorted(models, key=lambda m: m.__name__)
        mapping, definitions = models_json_schema(
            [(m, "validation" if _is_body(self, m) else "serialization") for m in ordered],
            ref_template="#/components/schemas/{model}",
        )
        paths: dict = {}
        for op in self.operations:
            path = _openapi_path(op.rule)
            item = paths.setdefault(path, {})
            entry: dict = {"summary": op.summary, "responses": {}}
            parameters = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
                for name in _path_params(op.rule)
            ]
            if op.query is not None:
                for name, prop in op.query.model_json_schema()["properties"].items():
                    parameters.append({"name": name, "in": "query", "required": False, "schema": prop})
            if parameters:
                entry["parameters"] = parameters
            if op.body is not None:
                entry["requestBody"] = {
                    "required": True,
                    "content": {"application/json": {"schema": mapping[(op.body, "validation")]}},
                }
            success: dict = {"description": "OK"}
            if op.response is not None:
                key = (op.response, "validation" if _is_body(self, op.response) else "serialization")
                schema = mapping[key]
                if op.list_response:
                    schema = {"type": "array", "items": schema}
                success["content"] = {"application/json": {"schema": schema}}
            entry["responses"][str(op.status)] = success
            for status in sorted({400, 401, 404, 422, 429, *op.errors} - ({401} if op.public else set())):
                entry["responses"][str(status)] = {
                    "description": _ERROR_DESCRIPTIONS.get(status, "Error"),
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            if not op.public:
                entry["security"] = [{"bearer": []}]
            item[op.method.lower()] = entry
        schemas = definitions.get("$defs", {})
        schemas["Error"] = _ERROR_SCHEMA
        return {
            "openapi": "3.1.0",
            "info": {"title": "Clinic API", "version": "1"},
            "servers": [{"url": "/api/v1"}],
            "paths": paths,
            "components": {
                "schemas": schemas,
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
        }


def _is_body(registry: Registry, model: type[BaseModel]) -> bool:
    return any(op.body is model for op in registry.operations)


def _openapi_path(rule: str) -> str:
    import re

    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _path_params(rule: str) -> list[str]:
    import re

    return re.findall(r"<(?:\w+:)?(\w+)>", rule)


_ERROR_DESCRIPTIONS = {
    400: "Malformed request",
    401: "Not signed in",
    403: "Not allowed for this role",
    404: "Not found (or not in your scope)",
    409: "Conflict",
    422: "Invalid fields",
    429: "Too many requests",
}

_ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        }
    },
}

registry = Registry()
