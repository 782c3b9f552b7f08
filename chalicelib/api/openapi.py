"""The OpenAPI 3.1 document of the whole API, built from Chalice's route table.

`build_spec(app)` walks `app.routes` (path -> method -> RouteEntry) and describes every route from
the explicit `OPERATIONS` table below: a route without an entry is an error (the contract must be
written down, not guessed), and tests check the table against the app both ways. Request bodies are
the pydantic input models' JSON Schemas (their `$defs` moved into `components/schemas`); JSON
answers are the models of `answers()` (chalicelib/services/models_out.py, or the domain model a
handler dumps), and every error status an operation can answer references the one `Error` schema,
so schemathesis can check every answer against the document (tests/fuzz).

Security: people send `Authorization: Bearer <id token>` (`bearerAuth`); agencies' systems sign
`/api/agency-api/...` with AWS Signature Version 4 (`sigv4`); public routes need neither.

Import it only when `/openapi.json` is served (it loads the input models).
Regenerate the committed document with `python -m infra.openapi_doc > openapi.json`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
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
# Sign-in answers 401 for wrong credentials and 429 when Cognito throttles the attempts.
SIGN_IN_ERRORS = frozenset({401, 429})


@dataclass(frozen=True)
class Query:
    """An optional string query parameter."""

    name: str
    description: str


@dataclass(frozen=True)
class Op:
    """What the route table cannot tell: summary, input model, answer model, status, media types.

    `answer` is the pydantic model of the JSON success body (None: an untyped object, which
    tests/unit/test_openapi.py refuses for new entries). `upload` lists the media types of a raw
    (non-JSON) request body: a photo, a PDF. A 302 answer has no media (`media=()`)."""

    summary: str
    body: type[BaseModel] | None = None  # POST: the input model; None = no body
    body_required: bool = True
    status: int = 200
    media: tuple[str, ...] = (JSON,)
    query: tuple[Query, ...] = ()
    answer: type[BaseModel] | None = None
    upload: tuple[str, ...] = ()


def operations() -> dict[tuple[str, str], Op]:
    """(method, path) -> Op for every route of the app. POST entries name their input model."""
    from chalicelib.api.routes.privacy import (
        BreachIn,
        BreachReportedIn,
        ConsentIn,
        ErasureIn,
        IdNumberSearchIn,
    )
    from chalicelib.services.care.feedback import (
        AnswerIn,
        FeedbackIn,
        FeedbackReasonIn,
        InfoIn,
        NoteIn,
        QuestionIn,
        RatingIn,
        RouteIn,
        StaffFeedbackIn,
    )
    from chalicelib.services.identity.account_security import CompromisedIn, ProfileIn
    from chalicelib.services.identity.vneid import VneidCallbackIn, VneidStartIn
    from chalicelib.services.portal.models_portal import (
        PortalDossierIn,
        PortalIntakeAnswer,
        ReconcileReport,
    )

    work_q = (
        Query("q", "Free text: dossier code, procedure code or name, feedback subject."),
        Query("cursor", "Opaque cursor from the previous page's `next`."),
        Query("limit", "Page size 1-100 (default 50)."),
    )
    return {
        # ---- VNeID sign-in (api/routes/vneid.py, not yet on the routing registry)
        ("POST", "/api/auth/vneid/start"): Op(
            "Đăng nhập bằng VNeID: địa chỉ trang đăng nhập của VNeID (OIDC, PKCE)",
            body=VneidStartIn,
        ),
        ("POST", "/api/auth/vneid/callback"): Op(
            "Đăng nhập bằng VNeID: đổi mã (code, state) lấy phiên đăng nhập", body=VneidCallbackIn
        ),
        # ---- the account
        ("POST", "/api/me/profile"): Op("Cập nhật hồ sơ cá nhân", body=ProfileIn),
        ("POST", "/api/me/compromised"): Op(
            "Báo tài khoản bị xâm phạm: khóa tài khoản, báo quản trị viên",
            body=CompromisedIn,
            body_required=False,
        ),
        ("GET", "/api/admin/accounts/{username}"): Op("Trạng thái tài khoản (bị khóa hay không)"),
        ("POST", "/api/admin/accounts/{username}/enable"): Op("Mở khóa tài khoản"),
        # ---- personal data
        ("GET", "/api/my/consents"): Op("Sự đồng ý của tôi (trạng thái hiện tại và lịch sử)"),
        ("POST", "/api/my/consents"): Op(
            "Đồng ý hoặc rút lại sự đồng ý (có hiệu lực ngay)", body=ConsentIn
        ),
        ("POST", "/api/my/export"): Op("Xuất toàn bộ dữ liệu của tôi (ZIP, liên kết có thời hạn)"),
        ("POST", "/api/my/erasure"): Op(
            "Yêu cầu xóa dữ liệu cá nhân (giữ hồ sơ phải lưu trữ)", body=ErasureIn
        ),
        ("POST", "/api/admin/breaches"): Op(
            "Ghi nhận sự cố lộ dữ liệu cá nhân", body=BreachIn, status=201
        ),
        ("GET", "/api/admin/breaches"): Op(
            "Danh sách sự cố dữ liệu cá nhân (phân trang, lọc theo trạng thái, từ khóa)",
            query=(
                Query("state", "open | reported."),
                Query("q", "Free text (id, scope, description, categories, reference)."),
                Query("cursor", "Opaque cursor from the previous page's `next`."),
                Query("limit", "Page size 1-100 (default 20)."),
            ),
        ),
        ("GET", "/api/admin/breaches/{breach_id}"): Op(
            "Chi tiết sự cố, danh sách thông báo và báo cáo"
        ),
        ("POST", "/api/admin/breaches/{breach_id}/reported"): Op(
            "Đánh dấu đã báo cáo cơ quan chức năng", body=BreachReportedIn
        ),
        ("GET", "/api/my/access-log"): Op(
            "Ai đã xem dữ liệu của tôi (nhật ký truy cập)",
            query=(
                Query("cursor", "Opaque cursor from the previous page's `next`."),
                Query("limit", "Page size 1-100 (default 20)."),
            ),
        ),
        ("POST", "/api/staff/search/id-number"): Op(
            "Tìm hồ sơ theo số giấy tờ (băm có khóa, không giải mã)", body=IdNumberSearchIn
        ),
        # ---- feedback (phản ánh, kiến nghị) and the Q&A page
        ("POST", "/api/feedback"): Op(
            "Gửi phản ánh, kiến nghị (ẩn danh được; có mã đăng nhập thì gắn với công dân)",
            body=FeedbackIn,
            status=201,
        ),
        ("GET", "/api/feedback/{code}"): Op(
            "Người gửi xem phản ánh",
            query=(Query("token", "The token returned when the feedback was sent."),),
        ),
        ("POST", "/api/feedback/{code}/info"): Op("Người gửi bổ sung thông tin", body=InfoIn),
        ("GET", "/api/qa"): Op(
            "Hỏi đáp: phản ánh đã trả lời và được công khai (đã ẩn thông tin cá nhân)",
            query=(Query("q", "Words to find in the subject, question or answer."),),
        ),
        ("GET", "/api/my/feedback"): Op("Phản ánh của tôi"),
        ("POST", "/api/my/feedback/{feedback_id}/rating"): Op(
            "Đánh giá câu trả lời (một lần)", body=RatingIn
        ),
        ("POST", "/api/my/feedback/{feedback_id}/reopen"): Op(
            "Đề nghị xem xét lại (một lần)", body=FeedbackReasonIn
        ),
        ("POST", "/api/staff/feedback"): Op(
            "Nhập phản ánh nhận qua điện thoại, Zalo, ứng dụng, thư",
            body=StaffFeedbackIn,
            status=201,
        ),
        ("GET", "/api/staff/feedback"): Op("Phản ánh đang xử lý của đơn vị", query=work_q),
        ("GET", "/api/staff/feedback/{feedback_id}"): Op("Chi tiết phản ánh"),
        ("POST", "/api/staff/feedback/{feedback_id}/accept"): Op(
            "Thụ lý phản ánh", body=NoteIn, body_required=False
        ),
        ("POST", "/api/staff/feedback/{feedback_id}/refuse"): Op(
            "Từ chối thụ lý", body=FeedbackReasonIn
        ),
        ("POST", "/api/staff/feedback/{feedback_id}/request-info"): Op(
            "Đề nghị người gửi bổ sung thông tin", body=QuestionIn
        ),
        ("POST", "/api/staff/feedback/{feedback_id}/answer"): Op("Trả lời phản ánh", body=AnswerIn),
        ("POST", "/api/staff/feedback/{feedback_id}/publish"): Op(
            "Công khai trả lời lên trang Hỏi đáp"
        ),
        ("POST", "/api/staff/feedback/{feedback_id}/route"): Op(
            "Điều chuyển phản ánh sang cơ quan khác", body=RouteIn
        ),
        # ---- administrators
        ("GET", "/api/admin/audit/dossiers/{dossier_id}"): Op("Nhật ký kiểm tra của hồ sơ"),
        # ---- national portal (Cổng DVCQG): routes not yet converted to api/routing.py
        ("GET", "/api/ops/portal-sync/reconciliation"): Op(
            "Báo cáo đối soát gần nhất với Cổng DVCQG (TraCuuHoSo)", answer=ReconcileReport
        ),
        # signed by the portal (HMAC), no token
        ("POST", "/api/portal/dvcqg/hoso"): Op(
            "Cổng DVCQG chuyển hồ sơ đã nộp trên Cổng (ký HMAC: X-DVCQG-Timestamp, "
            "X-DVCQG-Signature)",
            body=PortalDossierIn,
            answer=PortalIntakeAnswer,
        ),
        ("GET", "/api/admin/audit/dossiers/{dossier_id}/verify"): Op(
            "Kiểm tra chuỗi băm nhật ký của hồ sơ"
        ),
        ("GET", "/api/admin/audit/verify"): Op(
            "Kiểm tra nhật ký theo khoảng ngày",
            query=(
                Query("from", "First day YYYY-MM-DD (Vietnam)."),
                Query("to", "Last day YYYY-MM-DD."),
            ),
        ),
    }


def answers() -> dict[tuple[str, str], type[BaseModel]]:
    """(method, path) -> the model of the JSON success body, for entries that do not name one."""
    from chalicelib.services import models_out as out

    return {
        # ---- VNeID sign-in
        ("POST", "/api/auth/vneid/start"): out.VneidStart,
        ("POST", "/api/auth/vneid/callback"): out.VneidTokens,
        # ---- account administration, the audit log
        ("GET", "/api/admin/accounts/{username}"): out.AccountStatus,
        ("POST", "/api/admin/accounts/{username}/enable"): out.AccountStatus,
        ("GET", "/api/admin/audit/dossiers/{dossier_id}"): out.Items,
        ("GET", "/api/admin/audit/dossiers/{dossier_id}/verify"): out.AuditChainCheck,
        ("GET", "/api/admin/audit/verify"): out.AuditChainCheck,
        # ---- the account, personal data
        ("POST", "/api/me/profile"): out.Profile,
        ("POST", "/api/me/compromised"): out.Compromised,
        ("GET", "/api/my/consents"): out.Consents,
        ("POST", "/api/my/consents"): out.Consents,
        ("POST", "/api/my/export"): out.Export,
        ("POST", "/api/my/erasure"): out.Erasure,
        ("GET", "/api/my/access-log"): out.Page,
        ("POST", "/api/staff/search/id-number"): out.Items,
        ("POST", "/api/admin/breaches"): out.Breach,
        ("GET", "/api/admin/breaches"): out.Breaches,
        ("GET", "/api/admin/breaches/{breach_id}"): out.Breach,
        ("POST", "/api/admin/breaches/{breach_id}/reported"): out.Breach,
        # ---- feedback and Q&A
        ("POST", "/api/feedback"): out.FeedbackSent,
        ("GET", "/api/feedback/{code}"): out.FeedbackView,
        ("POST", "/api/feedback/{code}/info"): out.FeedbackView,
        ("GET", "/api/qa"): out.Items,
        ("GET", "/api/my/feedback"): out.FeedbackList,
        ("POST", "/api/my/feedback/{feedback_id}/rating"): out.FeedbackView,
        ("POST", "/api/my/feedback/{feedback_id}/reopen"): out.FeedbackView,
        ("POST", "/api/staff/feedback"): out.FeedbackSent,
        ("GET", "/api/staff/feedback"): out.FeedbackQueue,
        ("GET", "/api/staff/feedback/{feedback_id}"): out.FeedbackStaffView,
        **{
            ("POST", f"/api/staff/feedback/{{feedback_id}}/{action}"): out.FeedbackStaffView
            for action in ("accept", "refuse", "request-info", "answer", "publish", "route")
        },
    }


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


# Sign-in and sign-up are how a person gets a token: they need none.
UNAUTHENTICATED_PATHS = frozenset(
    {
        "/api/auth/signin",
        "/api/auth/signup",
        "/api/auth/forgot-password",
        "/api/auth/forgot-password/confirm",
        "/api/auth/vneid/start",
        "/api/auth/vneid/callback",
    }
)


def security_of(path: str) -> list[dict[str, list[str]]]:
    """The operation's security requirement: [] means none."""
    tag = audience(path)
    if tag == "public" or path in UNAUTHENTICATED_PATHS:
        return []
    if tag == "agency-api":
        return [{SIGV4: []}]
    return [{BEARER: []}]


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


# Paths without a parameter whose resource may not exist yet (no reconciliation has run).
NOT_YET_PATHS = frozenset({"/api/ops/portal-sync/reconciliation"})
# Unauthenticated routes that refuse a bad credential with 401: an unknown VNeID sign-in state, a
# push not signed by the national portal (HMAC).
REFUSES_CREDENTIALS = frozenset({"/api/auth/vneid/callback", "/api/portal/dvcqg/hoso"})


def error_statuses(method: str, path: str, op: Op) -> set[int]:
    """The error answers an operation documents, by what it takes and who may call it."""
    errors = {400, 503}
    if security_of(path):
        errors |= {401, 403}
    if path in UNAUTHENTICATED_PATHS and path.endswith("/signin"):
        errors |= SIGN_IN_ERRORS
    if path in REFUSES_CREDENTIALS:
        errors.add(401)
    if "{" in path or op.body is not None or op.upload or path in NOT_YET_PATHS:
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


def contract_operations() -> dict[tuple[str, str], Op]:
    """The operations routes declare where they are defined (chalicelib/api/routing.py)."""
    from chalicelib.api.routing import CONTRACTS

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
        )
        for key, c in CONTRACTS.items()
    }


def all_operations() -> dict[tuple[str, str], Op]:
    """Every documented operation: the routes' contracts and the hand-written table (the routes
    not converted yet). A route in both is an error: its table row must go."""
    table = operations()
    for key, model in answers().items():
        if key in table and table[key].answer is None:
            table[key] = replace(table[key], answer=model)
    contracts = contract_operations()
    both = sorted(f"{m} {p}" for m, p in set(table) & set(contracts))
    if both:
        raise LookupError(f"routes with a contract and a table row: {', '.join(both)}")
    stale = sorted(f"{m} {p}" for m, p in set(answers()) & set(contracts))
    if stale:
        raise LookupError(f"routes with a contract and an answers() row: {', '.join(stale)}")
    return {**table, **contracts}


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
            security = security_of(path)
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
