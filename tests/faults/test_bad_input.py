"""Control characters and out-of-range numbers, tried on every input the app has.

The inputs are found, not listed: every form of every page (the pages come from the
URL map), every string in every API body and every query parameter (from the
OpenAPI document), and every path. Whatever is tried, nothing answers 500, a refusal
names the field, a page shows the user's typing again, and no control character
reaches the database.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import String, Text, select

from clinic import text
from clinic.db import Base
from clinic.extensions import db as _db
from tests.conftest import sign_in
from tests.test_access import _routes, _url

SINGLE_LINE_BAD = ["a\x00b", "Evil\r\nBcc: victim@example.org", "a\x1bb", "line\nbreak"]
MULTI_LINE_BAD = ["a\x00b", "a\x1b[31mb", "a\x7fb"]
TOO_BIG = 2**31  # one more than the largest PostgreSQL integer
MESSAGES = (text.MESSAGE, text.LINE_MESSAGE)


def _pages(app, ids):
    """Every page (GET, not API) that can be built from the world's ids."""
    for rule, method, _access in _routes(app, lambda endpoint: not endpoint.startswith("api.")):
        if method == "GET" and (path := _url(rule, ids)) is not None:
            yield rule, path


def _post_forms(page: bytes, path: str):
    """``(action, fields)`` of each POST form of a page: fields are (name, kind,
    default value) with kind "line", "text" (a textarea), "password" or "other"."""
    soup = BeautifulSoup(page, "html.parser")
    for form in soup.find_all("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        fields = []
        for element in form.find_all(["input", "textarea", "select"]):
            name = element.get("name")
            if not name:
                continue
            kind = element.get("type", "text") if element.name == "input" else element.name
            if kind in ("submit", "button", "reset", "file"):
                continue
            if kind in ("radio", "checkbox"):
                if element.has_attr("checked") or kind == "radio" and not any(
                    n == name for n, _k, _v in fields
                ):
                    fields.append((name, "other", element.get("value", "on")))
                continue
            if element.name == "textarea":
                fields.append((name, "text", element.text))
            elif element.name == "select":
                chosen = element.find("option", selected=True) or element.find("option")
                fields.append((name, "other", chosen.get("value", chosen.text) if chosen else ""))
            else:
                kinds = {"password": "password", "hidden": "other"}
                fields.append((name, kinds.get(kind, "line"), element.get("value", "")))
        yield form.get("action") or path, fields


def _assert_no_control_characters_stored():
    """Every text column of every table, read back: none holds a control character
    other than tab and line breaks (which only multi-line fields may hold)."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | Text)]
        if not columns:
            continue
        for row in _db.session.execute(select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                if isinstance(value, str) and re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
                    found.append(f"{table.name}.{column.name}: {value!r}")
                if isinstance(value, str) and ("Bcc:" in value or "\x1b" in value):
                    found.append(f"{table.name}.{column.name}: {value!r}")
    assert found == []


def test_every_form_refuses_control_characters_beside_the_field(app, world):
    """Each input of each POST form on every page, filled with each bad value: the
    form comes back (never 500, never saved), naming the field and keeping the input."""
    browser = sign_in(app.test_client(), world["users"]["admin"])
    ids = world["mine"].ids
    tried_actions: set[str] = set()
    seen: set[tuple] = set()
    problems = []
    for _rule, path in _pages(app, ids):
        page = browser.get(path)
        assert page.status_code < 500, path
        for action, fields in _post_forms(page.data, path):
            names = tuple(sorted(name for name, _k, _v in fields))
            if action.endswith("/logout") or (action, names) in seen:
                continue
            seen.add((action, names))
            for name, kind, _default in fields:
                if name == "csrf_token":
                    continue
                tried_actions.add(action)
                for bad in MULTI_LINE_BAD if kind == "text" else SINGLE_LINE_BAD:
                    # A fresh page each time: a refused form must not have changed it.
                    current = dict((n, v) for n, _k, v in fields)
                    current["csrf_token"] = browser.csrf_token(path)
                    current[name] = bad
                    response = browser.post(action, data=current)
                    body = response.get_data(as_text=True)
                    where = f"{action} {name}={bad!r} (form on {path})"
                    if response.status_code not in (200, 400, 422):
                        problems.append(f"{where}: {response.status_code}")
                    elif kind == "other" and response.status_code == 400:
                        pass  # a button's hidden value or a choice nobody types: refused as malformed
                    elif not any(message in body for message in MESSAGES):
                        problems.append(f"{where}: no message about the control characters")
                    elif kind in ("line", "text") and html.escape(bad, quote=True) not in body:
                        problems.append(f"{where}: the input was not kept")
    assert "\n".join(problems) == ""
    _assert_no_control_characters_stored()
    # Every form that changes something was reached (a new page with a form shows up here).
    assert {
        "/families/new", f"/families/{ids['family_id']}/edit", f"/families/{ids['family_id']}/caregivers/new",
        f"/families/{ids['family_id']}/children/new", f"/children/{ids['child_id']}/screenings/new",
        f"/families/{ids['family_id']}/observations/new", f"/families/{ids['family_id']}/follow-ups/new",
        "/admin/staff/new", "/admin/teams/new",
    } <= tried_actions


def test_a_caregiver_name_with_a_line_break_is_refused_beside_the_field(app, world, db):
    """The header-injection case from the web form: the API already refused it."""
    browser = sign_in(app.test_client(), world["users"]["visitor"])
    family_id = world["mine"].ids["family_id"]
    path = f"/families/{family_id}/caregivers/new"
    response = browser.submit(path, {"name": "Evil\r\nBcc: victim@example.org", "relationship": "mother"})
    assert response.status_code == 422
    soup = BeautifulSoup(response.data, "html.parser")
    assert soup.find(id="name-error").text == text.LINE_MESSAGE
    assert soup.find(id="name")["value"] == "Evil\r\nBcc: victim@example.org"
    assert soup.find(id="relationship")["value"] == "mother"


def test_a_multi_line_field_keeps_its_line_breaks_and_tabs(app, world, db):
    from clinic.cases.models import Family

    browser = sign_in(app.test_client(), world["users"]["visitor"])
    family_id = world["mine"].ids["family_id"]
    response = browser.submit(
        f"/families/{family_id}/edit", {"name": "Rivera", "language": "en", "address": "12 Elm St\r\n\tApt 3"}
    )
    assert response.status_code == 302
    assert db.session.get(Family, family_id).address == "12 Elm St\r\n\tApt 3"


def _resolve(schema: dict, document: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    for option in schema.get("anyOf", ()):
        if option.get("type") != "null":
            return _resolve(option, document)
    return schema


def _string_places(schema: dict, document: dict, depth: int = 0):
    """``(build, top-level field, multiline)`` for every string a body can hold:
    ``build(value)`` is a body with ``value`` at that place."""
    schema = _resolve(schema, document)
    for name, prop in schema.get("properties", {}).items():
        prop = _resolve(prop, document)
        if prop.get("type") == "string":
            yield (lambda value, name=name: {name: value}), name, False
        elif prop.get("type") == "array" and depth < 2:
            for build, _field, _m in _string_places(prop.get("items", {}), document, depth + 1):
                yield (lambda value, name=name, build=build: {name: [build(value)]}), name, False
        elif prop.get("type") == "object" and "additionalProperties" in prop:
            yield (lambda value, name=name: {name: {value: "yes"}}), name, False  # a bad key
            if _resolve(prop["additionalProperties"], document).get("type") == "string":
                yield (lambda value, name=name: {name: {"key": value}}), name, False


def _api_operations(app, api_client, ids):
    document = api_client.get("/openapi.json").json
    for path, item in document["paths"].items():
        concrete = path
        for name in re.findall(r"\{(\w+)\}", path):
            concrete = concrete.replace(f"{{{name}}}", str(ids.get(name, 1)))
        for method, operation in item.items():
            yield concrete, method, operation, document


def test_every_api_body_string_refuses_control_characters(app, world, api):
    client = api(world["users"]["admin"])
    problems = []
    for path, method, operation, document in _api_operations(app, client, world["mine"].ids):
        content = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if not content:
            continue
        for build, field, _multiline in _string_places(content["schema"], document):
            for bad in SINGLE_LINE_BAD[:1] + MULTI_LINE_BAD[1:]:
                response = getattr(client, method)(path, json=build(bad))
                where = f"{method.upper()} {path} {field}={bad!r}"
                named = [key for key in (response.json or {}).get("error", {}).get("fields", {}) if key.split(".")[0] == field]
                if response.status_code != 422 or not named:
                    problems.append(f"{where}: {response.status_code} {response.json}")
    assert "\n".join(problems) == ""
    _assert_no_control_characters_stored()


def test_a_note_keeps_line_breaks_and_a_name_may_not(app, world, api):
    client = api(world["users"]["visitor"])
    family_id = world["mine"].ids["family_id"]
    response = client.patch(f"/families/{family_id}", json={"address": "12 Elm St\n\tApt 3"})
    assert response.status_code == 200, response.json
    assert response.json["address"] == "12 Elm St\n\tApt 3"
    response = client.post(
        f"/families/{family_id}/caregivers", json={"name": "Evil\r\nBcc: victim@example.org", "relationship": "mother"}
    )
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"name": text.LINE_MESSAGE}


def test_the_token_endpoint_refuses_a_nul_in_the_email(app, world, api):
    response = api().post("/auth/token", json={"email": "a\x00b@example.org", "password": "x" * 12})
    assert response.status_code == 422
    assert response.json["error"]["fields"] == {"email": text.MESSAGE}


def test_every_api_query_parameter_refuses_control_characters_and_huge_numbers(app, world, api):
    client = api(world["users"]["admin"])
    problems = []
    tried = 0
    for path, method, operation, _document in _api_operations(app, client, world["mine"].ids):
        for parameter in operation.get("parameters", ()):
            if parameter["in"] != "query":
                continue
            tried += 1
            name = parameter["name"]
            for bad in SINGLE_LINE_BAD:
                response = getattr(client, method)(f"{path}?{name}={quote(bad)}")
                if response.status_code != 400 or response.json["error"]["code"] != "malformed":
                    problems.append(f"{path}?{name}={bad!r}: {response.status_code}")
            if parameter.get("schema", {}).get("type") == "integer":
                response = getattr(client, method)(f"{path}?{name}={TOO_BIG}")
                if response.status_code not in (404, 422):
                    problems.append(f"{path}?{name}={TOO_BIG}: {response.status_code}")
    assert tried >= 5
    assert "\n".join(problems) == ""


@pytest.mark.parametrize("bad", ["%00", "%0a", "%1b", "%7f"])
def test_every_page_refuses_a_control_character_in_the_query_string(app, world, bad):
    browser = sign_in(app.test_client(), world["users"]["admin"])
    problems = []
    for _rule, path in _pages(app, world["mine"].ids):
        for query in (f"q=a{bad}b", f"status={bad}", f"page=1{bad}", f"family_id={bad}", f"x{bad}=1"):
            response = browser.get(f"{path}?{query}")
            if response.status_code != 400:
                problems.append(f"{path}?{query}: {response.status_code}")
    assert "\n".join(problems) == ""


def test_integer_query_parameters_beyond_the_database_answer_404(app, world):
    browser = sign_in(app.test_client(), world["users"]["admin"])
    problems = []
    for _rule, path in _pages(app, world["mine"].ids):
        for name in ("page", "family_id"):
            for value in (TOO_BIG, -TOO_BIG - 1, 10**30):
                response = browser.get(f"{path}?{name}={value}")
                if response.status_code not in (200, 404) or response.status_code >= 500:
                    problems.append(f"{path}?{name}={value}: {response.status_code}")
    assert "\n".join(problems) == ""
    assert browser.get(f"/mail?family_id={TOO_BIG}").status_code == 404
    assert browser.get(f"/families?page={TOO_BIG}").status_code == 404


def test_every_path_with_a_control_character_or_a_huge_id_is_refused(app, world, api):
    browser = sign_in(app.test_client(), world["users"]["admin"])
    client = api(world["users"]["admin"])
    problems = []
    for rule in app.url_map.iter_rules():
        if not rule.arguments or rule.endpoint == "static":
            continue
        # 405: werkzeug's answer when the path matches another method's rule shape;
        # 400 for a page's POST: the CSRF check comes first.
        for value, expected in ((str(TOO_BIG), {400, 404, 405}), ("1%00", {400, 404, 405}), ("a%0a", {400, 404, 405})):
            path = _url(rule, {argument: value for argument in rule.arguments})
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if rule.endpoint.startswith("api."):
                    response = getattr(client, method.lower())(path.removeprefix("/api/v1"), json={})
                else:
                    response = browser.client.open(path, method=method)
                if response.status_code not in expected:
                    problems.append(f"{method} {path}: {response.status_code}")
    assert "\n".join(problems) == ""


@pytest.mark.parametrize("bad", SINGLE_LINE_BAD)
def test_the_sign_in_form_refuses_control_characters_in_the_email(app, world, bad):
    from tests.conftest import Browser

    browser = Browser(app.test_client())
    response = browser.submit("/login", {"email": f"{bad}@example.org", "password": "x" * 12})
    assert response.status_code in (200, 422)
    soup = BeautifulSoup(response.data, "html.parser")
    assert soup.find(id="email-error").text in MESSAGES
    assert soup.find(id="email")["value"] == f"{bad}@example.org"
