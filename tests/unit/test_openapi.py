"""The OpenAPI contract: it validates, it matches the app's routes both ways, it cannot drift."""

from __future__ import annotations

import copy
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from chalice import Chalice, NotFoundError
from openapi_spec_validator import OpenAPIV31SpecValidator, validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError
from pydantic import BaseModel

from app import app
from chalicelib.api import http, openapi

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
COMMITTED = ROOT / "openapi.json"
SERVE_ROUTE = ("GET", "/openapi.json")
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return openapi.build_spec(app)


def app_routes() -> set[tuple[str, str]]:
    return {(method, path) for path, methods in app.routes.items() for method in methods}


def spec_operations(doc: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): op
        for path, item in doc["paths"].items()
        for method, op in item.items()
        if method in METHODS
    }


def resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        ref = node["$ref"]
        assert ref.startswith("#/"), ref
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part]
        node = target
    return node


def all_refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for value in node.values() for r in all_refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in all_refs(value)]
    return []


# ---- validity -----------------------------------------------------------------------------------
def test_document_validates_as_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec, cls=OpenAPIV31SpecValidator)


def test_validator_catches_a_broken_document(spec: dict[str, Any]) -> None:
    broken = copy.deepcopy(spec)
    broken["paths"]["/api/lookup/{code}"]["get"]["parameters"][0]["in"] = "body"
    # the message quotes 'body' (jsonschema) or "body" (jsonschema-rs, when installed)
    with pytest.raises(OpenAPIValidationError, match=r"""["']body["'] is not one of"""):
        validate(broken, cls=OpenAPIV31SpecValidator)


def test_every_ref_resolves_and_no_defs_are_left(spec: dict[str, Any]) -> None:
    refs = all_refs(spec)
    assert refs
    for ref in refs:
        assert resolve(spec, {"$ref": ref}), ref
    assert "$defs" not in json.dumps(spec)
    # the nested model of CreateDossierIn was moved into components
    assert "ApplicantIn" in spec["components"]["schemas"]


# ---- routes <-> spec, both ways -----------------------------------------------------------------
def test_every_app_route_has_a_table_entry() -> None:
    missing = app_routes() - set(openapi.all_operations())
    assert not missing, f"declare these routes on chalicelib/api/routing.py's Router: {missing}"


def test_table_has_no_entry_for_a_route_the_app_lacks() -> None:
    # the serving route is listed ahead of its wiring in api/routes/public.py
    stale = set(openapi.all_operations()) - app_routes() - {SERVE_ROUTE}
    assert not stale, f"these contracts have no route in the app: {stale}"


def test_spec_operations_are_exactly_the_app_routes(spec: dict[str, Any]) -> None:
    assert set(spec_operations(spec)) == app_routes()


def test_a_route_without_an_entry_is_refused() -> None:
    other = Chalice(app_name="other")

    @other.route("/api/undocumented", methods=["POST"])
    def undocumented() -> dict[str, str]:
        return {}

    with pytest.raises(LookupError, match="POST /api/undocumented"):
        openapi.build_spec(other)


def test_operation_ids_are_unique_and_from_view_names(spec: dict[str, Any]) -> None:
    ops = spec_operations(spec)
    ids = [op["operationId"] for op in ops.values()]
    assert len(ids) == len(set(ids)) == len(app_routes())
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            op_id = ops[(method, path)]["operationId"]
            assert re.sub(r"([A-Z])", lambda m: "_" + m[1].lower(), op_id) == entry.view_name


def test_path_parameters_match_the_view_arguments(spec: dict[str, Any]) -> None:
    ops = spec_operations(spec)
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            params = [
                p["name"]
                for p in ops[(method, path)].get("parameters", [])
                if p.get("in") == "path"
            ]
            assert sorted(params) == sorted(entry.view_args), (method, path)


# ---- POST: input models and the Idempotency-Key header ------------------------------------------
def test_every_post_has_the_required_idempotency_header(spec: dict[str, Any]) -> None:
    posts = 0
    for (method, path), op in spec_operations(spec).items():
        headers = [
            resolve(spec, p) for p in op.get("parameters", []) if resolve(spec, p)["in"] == "header"
        ]
        names = {h["name"] for h in headers if h["required"]}
        if method == "POST":
            posts += 1
            assert http.IDEMPOTENCY_HEADER in names, path
        else:
            assert http.IDEMPOTENCY_HEADER not in names, path
    assert posts == sum(1 for method, _ in app_routes() if method == "POST") > 0


def test_idempotency_header_matches_the_http_layer() -> None:
    assert openapi.IDEMPOTENCY_HEADER == http.IDEMPOTENCY_HEADER
    assert openapi.IDEMPOTENCY_KEY_PATTERN == http._IDEMPOTENCY_KEY_RE.pattern


def test_every_post_route_has_an_explicit_input_entry() -> None:
    table = openapi.all_operations()
    for method, path in app_routes():
        if method == "POST":
            assert (method, path) in table, path
            body = table[(method, path)].body
            assert body is None or issubclass(body, BaseModel), path


def _models_in(fn: Any) -> set[str]:
    """Model names a view (or the module helper it calls) passes to `body(...)`."""
    fn = inspect.unwrap(fn)
    source = inspect.getsource(fn)
    names = set(re.findall(r"\bbody\((?:\w+\.)?(\w+)\)", source))
    module = sys.modules[fn.__module__]
    for helper in re.findall(r"\b(_\w+)\(", source):
        target = getattr(module, helper, None)
        if inspect.isfunction(target):
            names |= set(re.findall(r"\bbody\((?:\w+\.)?(\w+)\)", inspect.getsource(target)))
    return names


def test_request_bodies_are_the_models_the_views_parse() -> None:
    """Every route declares its contract: the model the handler's `req` parameter names is the
    one documented, and no view parses a body by hand."""
    from chalicelib.api.routing import CONTRACTS

    table = openapi.all_operations()
    for path, methods in app.routes.items():
        for method, entry in methods.items():
            contract = CONTRACTS[(method, path)]
            assert table[(method, path)].body is contract.body, (method, path)
            assert _models_in(entry.view_function) == set(), (method, path)


def test_request_body_schemas_come_from_the_models(spec: dict[str, Any]) -> None:
    from chalicelib.services.models import CreateDossierIn

    op = spec["paths"]["/api/my/dossiers"]["post"]
    schema = resolve(spec, op["requestBody"]["content"]["application/json"]["schema"])
    assert op["requestBody"]["required"] is True
    assert set(schema["required"]) == {"procedure_code", "applicant"}
    assert (
        schema["properties"]
        == CreateDossierIn.model_json_schema(ref_template=openapi.SCHEMA_REF)["properties"]
    )
    rotate = spec["paths"]["/api/admin/agency-keys/{key_id}/rotate"]["post"]
    assert rotate["requestBody"]["required"] is False  # the view accepts an empty body
    assert "requestBody" not in spec["paths"]["/api/my/dossiers/{dossier_id}/submit"]["post"]


# ---- security -----------------------------------------------------------------------------------
def test_security_from_the_actions_auth(spec: dict[str, Any]) -> None:
    from chalicelib.api.routing import CONTRACTS
    from chalicelib.domain.permissions import Auth, permission

    seen = set()
    for (method, path), op in spec_operations(spec).items():
        tag = op["tags"][0]
        seen.add(tag)
        auth = permission(CONTRACTS[(method, path)].action).auth
        if path.startswith("/api/agency-api/"):
            assert tag == "agency-api"
            assert auth is Auth.SIGV4, path
        if tag == "public":
            assert auth in (Auth.NONE, Auth.OPTIONAL, Auth.PORTAL), path
        if auth is Auth.SIGV4:
            assert op["security"] == [{"sigv4": []}], path
        elif auth is Auth.BEARER:
            assert op["security"] == [{"bearerAuth": []}], path
        else:
            assert op["security"] == [], path
    for path in (
        "/api/auth/signin",
        "/api/auth/signup",
        "/api/auth/forgot-password",
        "/api/auth/forgot-password/confirm",
        "/api/auth/vneid/start",
        "/api/auth/vneid/callback",
        "/api/portal/dvcqg/hoso",
        "/api/feedback",
    ):
        assert spec["paths"][path]["post"]["security"] == [], path
    assert seen == {
        "public",
        "auth",
        "citizen",
        "desk",
        "agency",
        "leader",
        "staff",
        "province",
        "agency-api",
        "admin",
    }
    assert {t["name"] for t in spec["tags"]} == seen


@pytest.mark.parametrize(
    ("method", "path", "tag"),
    [
        ("GET", "/api/procedures", "public"),
        ("GET", "/api/lookup/{code}/qr.png", "public"),
        ("POST", "/api/auth/signin", "auth"),
        ("GET", "/api/me", "auth"),
        ("GET", "/api/my/dossiers", "citizen"),
        ("POST", "/api/desk/dossiers/{dossier_id}/accept", "desk"),
        ("GET", "/api/agency/tasks", "agency"),
        ("GET", "/api/agency-api/tasks", "agency-api"),
        ("POST", "/api/admin/agency-keys", "admin"),
    ],
)
def test_tags(spec: dict[str, Any], method: str, path: str, tag: str) -> None:
    assert spec_operations(spec)[(method, path)]["tags"] == [tag]


def test_security_schemes(spec: dict[str, Any]) -> None:
    schemes = spec["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["bearerAuth"]["bearerFormat"] == "JWT"
    sig = schemes["sigv4"]
    assert (sig["type"], sig["in"], sig["name"]) == ("apiKey", "header", "Authorization")
    assert "Signature Version 4" in sig["description"]
    assert "execute-api" in sig["description"]
    assert "security" not in spec  # no global default: every operation says its own


# ---- responses ----------------------------------------------------------------------------------
def test_error_schema_matches_the_http_layer(spec: dict[str, Any]) -> None:
    _status, body = http.error_payload(NotFoundError("nope"))
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == set(body)
    names = spec["components"]["responses"]
    for status in (400, 401, 403, 404, 409, 422):
        name = openapi.ERROR_RESPONSES[status][0]
        assert names[name]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }


def test_error_responses_per_operation(spec: dict[str, Any]) -> None:
    from chalicelib.api.routing import CONTRACTS

    for (method, path), op in spec_operations(spec).items():
        codes = set(op["responses"])
        declared = {str(s) for s in CONTRACTS[(method, path)].errors}
        assert {"400", "503"} | declared <= codes, path
        takes_input = "{" in path or "requestBody" in op or "404" in declared
        assert ("404" in codes) == takes_input, path
        assert ({"403"} <= codes) == bool(op["security"]), path
        assert ("401" in codes) == (bool(op["security"]) or "401" in declared), path
        assert ("422" in codes) == (method == "POST"), path
        assert ("409" in codes) == (method == "POST" or "{dossier_id}" in path), path
        assert ({"401", "429"} <= codes) == (path == "/api/auth/signin") or op["security"], path
        assert any(c.startswith(("2", "3")) for c in codes), path


def test_a_report_not_made_yet_is_a_documented_404(spec: dict[str, Any]) -> None:
    # fuzz finding: GET /api/ops/portal-sync/reconciliation before the first reconciliation
    # (the route declares `errors=(404,)`)
    assert "404" in spec["paths"]["/api/ops/portal-sync/reconciliation"]["get"]["responses"]
    assert "404" not in spec["paths"]["/api/ops/portal-sync"]["get"]["responses"]


def test_public_routes_that_refuse_a_credential_document_401(spec: dict[str, Any]) -> None:
    # declared on the route (`errors=(401,)`), not guessed from the path
    for path in ("/api/auth/vneid/callback", "/api/portal/dvcqg/hoso"):
        responses = spec["paths"][path]["post"]["responses"]
        assert "401" in responses and "403" not in responses, path
    assert "401" not in spec["paths"]["/api/auth/vneid/start"]["post"]["responses"]
    signin = spec["paths"]["/api/auth/signin"]["post"]["responses"]
    assert {"401", "429"} <= set(signin)


def test_a_body_that_names_a_missing_resource_may_answer_404(spec: dict[str, Any]) -> None:
    # fuzz finding: POST /api/agency/procedure-changes with an unknown procedure_code is a 404
    assert "404" in spec["paths"]["/api/agency/procedure-changes"]["post"]["responses"]
    assert "404" in spec["paths"]["/api/my/dossiers"]["post"]["responses"]
    assert "404" not in spec["paths"]["/api/my/dossiers"]["get"]["responses"]


def test_a_dossier_document_not_issued_yet_may_answer_409(spec: dict[str, Any]) -> None:
    # fuzz finding: the fee receipt of a dossier with no fee paid is a 409
    fee = spec["paths"]["/api/my/dossiers/{dossier_id}/fee-receipt.pdf"]["get"]["responses"]
    assert "409" in fee
    assert "409" not in spec["paths"]["/api/procedures/{code}"]["get"]["responses"]


def test_retryable_errors_say_when_to_retry(spec: dict[str, Any]) -> None:
    responses = spec["components"]["responses"]
    for name in ("ServiceUnavailable", "TooManyRequests"):
        header = responses[name]["headers"]["Retry-After"]
        assert header["schema"] == {"type": "integer", "minimum": 0}
    assert "headers" not in responses["NotFound"]


def _json_success(op: dict[str, Any]) -> dict[str, Any] | None:
    for code, answer in op["responses"].items():
        if code.startswith("2") and "application/json" in answer.get("content", {}):
            schema: dict[str, Any] = answer["content"]["application/json"]["schema"]
            return schema
    return None


def test_every_json_answer_is_a_typed_model(spec: dict[str, Any]) -> None:
    untyped = []
    for (method, path), op in spec_operations(spec).items():
        schema = _json_success(op)
        if schema is None:
            continue
        target = resolve(spec, schema)
        if "$ref" not in schema or not target.get("properties"):
            untyped.append(f"{method} {path}")
    assert not untyped, f"give these an answer model (the route's `out=`): {untyped}"


def test_answer_schemas_come_from_the_models(spec: dict[str, Any]) -> None:
    from chalicelib.services import models_out

    op = spec["paths"]["/api/my/dossiers/{dossier_id}"]["get"]
    assert _json_success(op) == {"$ref": "#/components/schemas/DossierView"}
    view = spec["components"]["schemas"]["DossierView"]
    expected = models_out.DossierView.model_json_schema(ref_template=openapi.SCHEMA_REF)
    assert view["properties"] == expected["properties"]
    assert {"status", "procedure_name", "current_agencies"} <= set(view["required"])
    assert view["properties"]["status"] == {"$ref": "#/components/schemas/StatusView"}
    # the dossier's lookup token is never answered, so never required
    assert "lookup_token" not in view["required"]
    # the signed result is shown without its storage key
    assert "key" not in spec["components"]["schemas"]["ResultView"]["properties"]
    assert _json_success(spec["paths"]["/api/lookup/{code}"]["get"]) == {
        "$ref": "#/components/schemas/PublicLookup"
    }


def test_redirect_and_raw_uploads(spec: dict[str, Any]) -> None:
    back = spec["paths"]["/api/payments/vnpay/return"]["get"]["responses"]
    assert "302" in back and "content" not in back["302"]
    assert back["302"]["headers"]["Location"]["required"] is True
    face = spec["paths"]["/api/lookup/face"]["post"]["requestBody"]["content"]
    assert set(face) == {"image/jpeg", "image/png"}
    pdf = spec["paths"]["/api/verify/{result_id}"]["post"]["requestBody"]["content"]
    assert pdf["application/pdf"]["schema"]["contentMediaType"] == "application/pdf"


def test_non_strict_build_leaves_out_routes_without_an_entry() -> None:
    other = Chalice(app_name="other")

    @other.route("/api/undocumented", methods=["GET"])
    def undocumented() -> dict[str, str]:
        return {}

    @other.route("/api/config", methods=["GET"])
    def config() -> dict[str, str]:
        return {}

    doc = openapi.build_spec(other, strict=False)
    assert list(doc["paths"]) == ["/api/config"]


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/api/my/dossiers/{dossier_id}/receipt.pdf", "application/pdf"),
        ("/api/desk/dossiers/{dossier_id}/receipt.pdf", "application/pdf"),
        ("/api/lookup/{code}/qr.png", "image/png"),
        ("/api/lookup/{code}/qr.svg", "image/svg+xml"),
    ],
)
def test_binary_responses(spec: dict[str, Any], path: str, media: str) -> None:
    content = spec["paths"][path]["get"]["responses"]["200"]["content"]
    assert list(content) == [media]
    assert content[media]["schema"]["contentMediaType"] == media


def test_created_routes_answer_201(spec: dict[str, Any]) -> None:
    created = {
        path for (method, path), op in spec_operations(spec).items() if "201" in op["responses"]
    }
    assert "/api/my/dossiers" in created
    assert "/api/admin/agency-keys" in created
    assert "/api/desk/dossiers/{dossier_id}/accept" not in created


# ---- the committed file and serving ------------------------------------------------------------
def test_committed_document_is_current(spec: dict[str, Any]) -> None:
    expected = openapi.render(spec)
    assert COMMITTED.read_text(encoding="utf-8") == expected, (
        "openapi.json is stale: run `python -m infra.openapi_doc > openapi.json`"
    )


def test_render_is_deterministic_and_keeps_vietnamese(spec: dict[str, Any]) -> None:
    text = openapi.render(spec)
    assert text == openapi.render(openapi.build_spec(app))
    assert "Tạo hồ sơ nháp" in text  # ensure_ascii=False
    assert json.loads(text) == spec


def test_module_main_prints_the_document() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "infra.openapi_doc"],
        cwd=ROOT,
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout.decode("utf-8")
    assert out == COMMITTED.read_text(encoding="utf-8")


def test_document_response(spec: dict[str, Any]) -> None:
    response = openapi.document_response(app)
    assert response.status_code == 200
    assert str(response.headers["Content-Type"]).startswith("application/json")
    assert json.loads(response.body) == spec


def test_importing_the_app_does_not_load_the_openapi_module() -> None:
    code = "import sys, app; print('chalicelib.api.openapi' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, check=True, timeout=120
    )
    assert out.stdout.decode().strip() == "False"


def test_served_at_openapi_json() -> None:
    if ("/openapi.json" not in app.routes) or ("GET" not in app.routes["/openapi.json"]):
        pytest.skip("GET /openapi.json is not wired in api/routes/public.py yet")
    entry = app.routes["/openapi.json"]["GET"]
    response = entry.view_function()
    assert response.status_code == 200
    assert json.loads(response.body) == openapi.build_spec(app)
