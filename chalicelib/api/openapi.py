"""The OpenAPI 3.1 document of the whole API, built from Chalice's route table.

`build_spec(app)` walks `app.routes` (path -> method -> RouteEntry) and describes every route from
the contract it declares where it is defined (chalicelib/api/routing.py `CONTRACTS`): a route
without one is an error (the contract must be written down, not guessed), and tests check the
contracts against the app both ways. There is no table of routes here. Request bodies are the
pydantic input models' JSON Schemas (their `$defs` moved into `components/schemas`); JSON answers
are the routes' `out` models, and every error status an operation can answer references the one
`Error` schema, so schemathesis can check every answer against the document (tests/fuzz).

Security comes from the route's action (chalicelib/domain/permissions.py `Auth`): people send
`Authorization: Bearer <id token>` (`bearerAuth`); agencies' systems sign `/api/agency-api/...`
with AWS Signature Version 4 (`sigv4`); public routes, and the national portal's HMAC-signed
push, need neither.

Import it only when `/openapi.json` is served (it loads the input models).
Regenerate the committed document with `python -m infra.openapi_doc > openapi.json`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from chalice import Chalice, Response

OPENAPI_VERSION = "3.1.0"
API_TITLE = "TTHC — hồ sơ thủ tục hành chính (API)"
API_VERSION = "0.1.0"
IDEMPOTENCY_HEADER = "Idempotency-Key"  # chalicelib.api.http.IDEMPOTENCY_HEADER
IDEMPOTENCY_KEY_PATTERN = r"^[A-Za-z0-9_\-:.]{1,100}$"  # chalicelib.api.http._IDEMPOTENCY_KEY_RE

SCHEMA_REF = "#/components/schemas/{model}"
JSON = "application/json"
PDF = "application/pdf"
HTML = "text/html"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Audiences (tags), in the order the document lists them.
TAGS: tuple[tuple[str, str], ...] = (
    ("public", "Công khai: danh mục thủ tục, đơn vị, tra cứu hồ sơ (no authentication)."),
    ("auth", "Đăng nhập, đăng ký, tài khoản hiện tại (sign-in proxy and the signed-in person)."),
    ("citizen", "Công dân: hồ sơ của tôi (citizen's own dossiers; bearer token)."),
    ("desk", "Bộ phận một cửa: tiếp nhận, trả kết quả (reception desk; bearer token)."),
    ("agency", "Cơ quan xử lý: nhiệm vụ và bước xử lý (agency staff; bearer token)."),
    ("leader", "Lãnh đạo cơ quan: duyệt gia hạn, dừng xử lý (agency leaders; bearer token)."),
    ("staff", "Cán bộ nói chung: biểu mẫu, sổ theo dõi, đề nghị miễn trễ hạn (staff; bearer)."),
    ("province", "Văn phòng UBND tỉnh: công bố thủ tục (province office; bearer token)."),
    ("agency-api", "Hệ thống của cơ quan, ký AWS SigV4 (agencies' systems; signed requests)."),
    ("admin", "Quản trị: khóa API của cơ quan (administrators; bearer token)."),
)

BEARER = "bearerAuth"
SIGV4 = "sigv4"
SECURITY_SCHEMES: dict[str, Any] = {
    BEARER: {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": (
            "The Cognito id token of a signed-in person (`POST /api/auth/signin` returns it), "
            "sent as `Authorization: Bearer <id token>`. Roles and unit scope come from the "
            "person's account profile."
        ),
    },
    SIGV4: {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": (
            "AWS Signature Version 4 (algorithm `AWS4-HMAC-SHA256`, service `execute-api`, the "
            "deployment's region) with an agency's access key id and secret issued by an "
            "administrator. Sign the method, path, query, the `host` and `x-amz-date` headers "
            "and the SHA-256 of the body; send `Authorization`, `X-Amz-Date` (within ±5 minutes "
            "of the server's clock) and `X-Amz-Content-Sha256`. A signature is accepted once "
            "(replays are refused); revoked or unknown keys are refused. botocore's `SigV4Auth`, "
            "`requests-aws4auth` and `curl --aws-sigv4 aws:amz:<region>:execute-api` all work; "
            "see docs/agency-api.md."
        ),
        "x-amazon-apigateway-authtype": "awsSigv4",
    },
}

ERROR_SCHEMA: dict[str, Any] = {
    "title": "Error",
    "type": "object",
    "description": "Every error answer. `message` is Vietnamese, `message_en` English.",
    "required": ["code", "message", "message_en", "field"],
    "properties": {
        "code": {"type": "string", "description": "Machine-readable code, e.g. `invalid_input`."},
        "message": {"type": "string"},
        "message_en": {"type": "string"},
        "field": {
            "type": ["string", "null"],
            "description": "The input field at fault, when there is one.",
        },
    },
    "additionalProperties": True,
}

ERROR_RESPONSES: dict[int, tuple[str, str]] = {
    400: ("BadRequest", "Invalid input, invalid JSON or a missing `Idempotency-Key` header."),
    401: ("Unauthorized", "Missing, invalid or expired credentials (token or signature)."),
    403: ("Forbidden", "The caller's role or key may not do this."),
    404: (
        "NotFound",
        "Not found (the path's resource, or one the body names), or not the caller's to see "
        "(existence is not disclosed).",
    ),
    409: (
        "Conflict",
        "The dossier or step is not in a state that allows this (an action, or a document not "
        "issued yet: a receipt before receipt, a fee receipt before payment).",
    ),
    422: ("UnprocessableEntity", "The `Idempotency-Key` was already used with another body."),
    429: ("TooManyRequests", "Too many attempts; try again later."),
    503: (
        "ServiceUnavailable",
        "A backing service is failing or throttling; nothing was half-written. Retry after "
        "`Retry-After` seconds (with the same `Idempotency-Key` for a POST).",
    ),
}


@dataclass(frozen=True)
class Query:
    """An optional string query parameter."""

    name: str
    description: str


@dataclass(frozen=True)
class Op:
    """One operation as the document needs it, read from a route's contract: summary, input
    model, answer model, status, media types, who may call it and its extra error statuses.

    `answer` is the pydantic model of the JSON success body (None: an untyped object, which
    tests/unit/test_openapi.py refuses). `upload` lists the media types of a raw (non-JSON)
    request body: a photo, a PDF. A 302 answer has no media (`media=()`). `auth` is the action's
    `Auth` value; `errors` the statuses the route declares beyond those its shape implies."""

    summary: str
    body: type[BaseModel] | None = None  # POST: the input model; None = no body
    body_required: bool = True
    status: int = 200
    media: tuple[str, ...] = (JSON,)
    query: tuple[Query, ...] = ()
    answer: type[BaseModel] | None = None
    upload: tuple[str, ...] = ()
    auth: str = "bearer"
    errors: tuple[int, ...] = ()


def audience(path: str) -> str:
    """The tag of a path: who calls it."""
    for prefix, tag in (
        ("/api/agency-api/", "agency-api"),
        ("/api/admin/", "admin"),
        ("/api/ops/", "admin"),
        ("/api/reports", "staff"),
        ("/api/dashboard", "staff"),
        ("/api/auth/", "auth"),
        ("/api/me", "auth"),
        ("/api/my/", "citizen"),
        ("/api/desk/", "desk"),
        ("/api/agency/", "agency"),
        ("/api/leader/", "leader"),
        ("/api/staff/", "staff"),
        ("/api/province/", "province"),
    ):
        if path == prefix.rstrip("/") or path.startswith(prefix):
            return tag
    return "public"


def security_of(auth: str) -> list[dict[str, list[str]]]:
    """The operation's security requirement from its action's `Auth`: [] means none (public
    routes; the national portal's push, which is HMAC-signed with a shared secret)."""
    if auth == "bearer":
        return [{BEARER: []}]
    if auth == "sigv4":
        return [{SIGV4: []}]
    return []


def _operation_id(view_name: str) -> str:
    """lower_snake view names -> lowerCamel operationIds."""
    head, *rest = view_name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _add_model(schemas: dict[str, Any], model: type[BaseModel]) -> dict[str, str]:
    """Put the model (and its $defs) into components/schemas; return a $ref to it."""
    schema = model.model_json_schema(ref_template=SCHEMA_REF)
    defs: dict[str, Any] = schema.pop("$defs", {})
    for name, sub in [*defs.items(), (model.__name__, schema)]:
        if schemas.setdefault(name, sub) != sub:
            raise ValueError(f"two different schemas are named {name!r}")
    return {"$ref": SCHEMA_REF.format(model=model.__name__)}


def _success(op: Op, schemas: dict[str, Any]) -> dict[str, Any]:
    if op.status in (301, 302, 303, 307):
        return {
            "description": "Redirect.",
            "headers": {"Location": {"required": True, "schema": {"type": "string"}}},
        }
    content: dict[str, Any] = {}
    for media in op.media:
        if media == JSON:
            schema = _add_model(schemas, op.answer) if op.answer else {"type": "object"}
            content[media] = {"schema": schema}
        else:
            content[media] = {"schema": {"type": "string", "contentMediaType": media}}
    description = "Created." if op.status == 201 else "OK."
    return {"description": description, "content": content}


def error_statuses(method: str, path: str, op: Op) -> set[int]:
    """The error answers an operation documents, by what it takes and who may call it, plus what
    the route declares (`errors=`: a public route's 401, sign-in's 429, a 404 without a path
    parameter)."""
    errors = {400, 503} | set(op.errors)
    if security_of(op.auth):
        errors |= {401, 403}
    if "{" in path or op.body is not None or op.upload:
        errors.add(404)  # the path's resource, or one the body names (a procedure, a unit)
    if method == "POST":
        errors |= {409, 422}
    if "{dossier_id}" in path:
        errors.add(409)  # e.g. a receipt before the dossier is received, a result before signing
    return errors


def _error_ref(status: int) -> dict[str, str]:
    return {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}


def _path_parameter(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


def _query_of(model: type[BaseModel] | None) -> tuple[Query, ...]:
    """A query model's fields, in order, as documented parameters (by alias)."""
    if model is None:
        return ()
    return tuple(
        Query(info.alias or name, info.description or "")
        for name, info in model.model_fields.items()
    )


def all_operations() -> dict[tuple[str, str], Op]:
    """Every documented operation: the contracts routes declare where they are defined
    (chalicelib/api/routing.py)."""
    from chalicelib.api.routing import CONTRACTS
    from chalicelib.domain.permissions import permission

    return {
        key: Op(
            c.summary,
            body=c.body,
            body_required=c.body_required,
            status=c.status,
            media=c.media,
            query=_query_of(c.query),
            answer=c.answer,
            upload=c.upload,
            auth=permission(c.action).auth.value,
            errors=c.errors,
        )
        for key, c in CONTRACTS.items()
    }


def build_spec(app: Chalice, *, strict: bool = True) -> dict[str, Any]:
    """The OpenAPI 3.1 document for every route of `app` (LookupError if one has no entry;
    with `strict=False` such routes are left out: the fuzzer's view while routes are added)."""
    table = all_operations()
    missing = sorted(
        f"{method} {path}"
        for path, methods in app.routes.items()
        for method in methods
        if (method, path) not in table
    )
    if missing and strict:
        raise LookupError(f"routes without an OpenAPI entry: {', '.join(missing)}")

    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    paths: dict[str, Any] = {}
    for path in sorted(app.routes):
        item: dict[str, Any] = {}
        for method, entry in sorted(app.routes[path].items()):
            if (method, path) not in table:
                continue
            op = table[(method, path)]
            params = re.findall(r"{(\w+)}", path)
            security = security_of(op.auth)
            operation: dict[str, Any] = {
                "operationId": _operation_id(entry.view_name),
                "summary": op.summary,
                "tags": [audience(path)],
                "security": security,
            }
            parameters: list[dict[str, Any]] = [_path_parameter(name) for name in params]
            parameters += [
                {
                    "name": q.name,
                    "in": "query",
                    "required": False,
                    "description": q.description,
                    "schema": {"type": "string"},
                }
                for q in op.query
            ]
            if method == "POST":
                parameters.append({"$ref": "#/components/parameters/IdempotencyKey"})
            if parameters:
                operation["parameters"] = parameters
            if op.body is not None:
                operation["requestBody"] = {
                    "required": op.body_required,
                    "content": {JSON: {"schema": _add_model(schemas, op.body)}},
                }
            elif op.upload:
                operation["requestBody"] = {
                    "required": True,
                    "content": {
                        media: {"schema": {"type": "string", "contentMediaType": media}}
                        for media in op.upload
                    },
                }
            errors = error_statuses(method, path, op)
            responses: dict[str, Any] = {str(op.status): _success(op, schemas)}
            responses.update({str(status): _error_ref(status) for status in sorted(errors)})
            operation["responses"] = responses
            item[method.lower()] = operation
        if item:
            paths[path] = item

    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": API_TITLE,
            "version": API_VERSION,
            "description": (
                "JSON API for a province's administrative-procedure dossiers. Errors are "
                '`{"code", "message", "message_en", "field"}`. Every POST requires an '
                "`Idempotency-Key` header: a repeated key with the same body returns the first "
                "answer, with another body 422."
            ),
        },
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "servers": [{"url": "/", "description": "This deployment."}],
        "tags": [{"name": name, "description": text} for name, text in TAGS],
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": SECURITY_SCHEMES,
            "parameters": {
                "IdempotencyKey": {
                    "name": IDEMPOTENCY_HEADER,
                    "in": "header",
                    "required": True,
                    "description": "Client-chosen key; a retry with the same key and body "
                    "returns the first answer.",
                    "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
                }
            },
            "responses": {
                name: _error_response(status, text)
                for status, (name, text) in ERROR_RESPONSES.items()
            },
        },
    }


def _error_response(status: int, text: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "description": text,
        "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if status in (429, 503):
        out["headers"] = {
            "Retry-After": {
                "description": "Seconds to wait before retrying.",
                "schema": {"type": "integer", "minimum": 0},
            }
        }
    return out


def render(spec: dict[str, Any]) -> str:
    """The committed form: sorted keys, UTF-8 text, two-space indent, final newline."""
    return json.dumps(spec, sort_keys=True, ensure_ascii=False, indent=2) + "\n"


def document_response(app: Chalice) -> Response:
    """The `GET /openapi.json` answer."""
    from chalice import Response

    return Response(
        body=render(build_spec(app)),
        status_code=200,
        headers={"Content-Type": "application/json; charset=utf-8"},
    )
