"""GET /api/v1/openapi.json: an OpenAPI 3.1 document of every endpoint."""

from __future__ import annotations

import re

import pytest

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
# Endpoints of this area, with the status of their success answer.
CASE_ENDPOINTS = {
    ("get", "/families"): "200",
    ("post", "/families"): "201",
    ("get", "/families/{family_id}"): "200",
    ("patch", "/families/{family_id}"): "200",
    ("post", "/families/{family_id}/caregivers"): "201",
    ("patch", "/caregivers/{caregiver_id}"): "200",
    ("post", "/families/{family_id}/children"): "201",
    ("get", "/children/{child_id}"): "200",
    ("patch", "/children/{child_id}"): "200",
    ("get", "/caseload"): "200",
    ("post", "/auth/token"): "201",
    ("get", "/me"): "200",
}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json


def request_schema(document: dict, method: str, path: str) -> dict:
    body = document["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]
    return resolve(document, body)


def resolve(document: dict, schema: dict) -> dict:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.removeprefix("#/components/schemas/")
    return document["components"]["schemas"][name]


def all_refs(node) -> list[str]:
    if isinstance(node, list):
        return [ref for value in node for ref in all_refs(value)]
    if not isinstance(node, dict):
        return []
    own = [node["$ref"]] if "$ref" in node else []
    return own + [ref for value in node.values() for ref in all_refs(value)]


def test_the_document_is_openapi_3_1(document):
    assert re.fullmatch(r"3\.1\.\d+", document["openapi"])
    assert document["info"]["title"] and document["info"]["version"]
    schemes = document["components"]["securitySchemes"]
    for path, item in document["paths"].items():
        assert path.startswith("/")
        assert set(item) <= HTTP_METHODS, path
        declared_in_path = set(re.findall(r"{(\w+)}", path))
        for method, operation in item.items():
            assert operation["summary"] and operation["responses"], (method, path)
            for status, answer in operation["responses"].items():
                assert re.fullmatch(r"[1-5]\d\d", status) and answer["description"]
            params = operation.get("parameters", [])
            assert {p["name"] for p in params if p["in"] == "path"} == declared_in_path, (method, path)
            assert all(p["required"] for p in params if p["in"] == "path")
            for requirement in operation.get("security", []):
                assert set(requirement) <= set(schemes)
    # Two models of one name would get module-qualified names: keep them distinct.
    assert all(re.fullmatch(r"[A-Za-z0-9]+", name) for name in document["components"]["schemas"])
    for ref in all_refs(document):
        assert ref.startswith("#/components/schemas/")
        assert ref.removeprefix("#/components/schemas/") in document["components"]["schemas"], ref


def test_every_api_route_is_documented(app, document):
    documented = {(method, path) for path, item in document["paths"].items() for method in item}
    routes = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")]
    assert len(routes) > len(CASE_ENDPOINTS)
    for rule in routes:
        if rule.endpoint == "api.openapi_document":
            continue  # the document itself
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (method.lower(), path) in documented, f"{method} {path} is missing from openapi.json"


@pytest.mark.parametrize(("operation", "status"), CASE_ENDPOINTS.items())
def test_the_case_endpoints_have_request_and_response_schemas(document, operation, status):
    method, path = operation
    entry = document["paths"][path][method]
    success = entry["responses"][status]["content"]["application/json"]["schema"]
    assert resolve(document, success.get("items", success)).get("properties")
    if method in ("post", "patch"):
        assert request_schema(document, method, path)["properties"]
    assert "422" in entry["responses"]
    if path != "/auth/token":
        assert entry["security"] == [{"bearer": []}]
        assert "401" in entry["responses"]


def test_the_request_schemas_carry_the_limits_that_validate(document):
    family_in = request_schema(document, "post", "/families")
    assert family_in["properties"]["name"]["maxLength"] == 200
    assert family_in["required"] == ["name"]
    caregiver = resolve(document, family_in["properties"]["caregivers"]["items"])
    assert caregiver["properties"]["name"]["maxLength"] == 200
    assert caregiver["properties"]["is_primary"]["type"] == "boolean"

    patch = request_schema(document, "patch", "/families/{family_id}")
    note = patch["properties"]["assignment_note"]["anyOf"][0]
    assert note["maxLength"] == 5000

    child_in = request_schema(document, "post", "/families/{family_id}/children")
    assert child_in["properties"]["date_of_birth"]["format"] == "date"
    assert set(child_in["required"]) == {"first_name", "last_name", "date_of_birth"}

    query = {p["name"]: p["schema"] for p in document["paths"]["/families"]["get"]["parameters"]}
    assert query["per_page"]["maximum"] == 100 and query["page"]["minimum"] == 1
    assert query["q"]["maxLength"] == 200
