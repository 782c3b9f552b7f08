"""HTTP plumbing every route shares: error bodies, JSON in and out, idempotent POSTs, and the
Powertools logger/metrics/tracer wiring, all in one Chalice "http" middleware.

Why a view wrapper is needed: Chalice turns any exception raised inside a view into its own 500
(`{"Code": "InternalServerError"}`) *before* middleware sees it; only `ChaliceUnhandledError`
escapes. `install(app)` therefore wraps every route's view so its exceptions escape as
`ViewFailed`, and the middleware maps the original with `error_response`. Chalice's own error
answers (405, 415, its 500) are rewritten into our error shape too.

Powertools is imported on first use, not at import time: every Lambda imports app.py.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import logging
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from decimal import Decimal
from enum import Enum
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_origin

from chalice.app import (
    BadRequestError,
    ChaliceUnhandledError,
    ChaliceViewError,
    Response,
)
from pydantic import BaseModel, ValidationError

from chalicelib.aws import unavailable_code
from chalicelib.domain.errors import Conflict, DomainError, InvalidInput
from chalicelib.store.idempotency import IDEMPOTENCY_PREFIX, build_idempotency_store

if TYPE_CHECKING:
    from chalice import Chalice
    from chalice.app import Request

    from chalicelib.api.auth import TokenVerifier

M = TypeVar("M", bound=BaseModel)
ViewFn = TypeVar("ViewFn", bound=Callable[..., Any])

SERVICE = "tthc"
METRICS_NAMESPACE = "TTHC"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_TTL_SECONDS = 24 * 3600
_IDEMPOTENCY_KEY_RE = re.compile(r"^[A-Za-z0-9_\-:.]{1,100}$")
# Answers holding credentials are never written to the table (the header is still required).
# Answers that carry a secret (tokens, a new account's one-time password) are never stored; a
# retried account creation answers 409 instead of replaying the password.
# A password reset's confirmation is not stored either: its record would keep a hash of a body
# holding the new password (a retry after success answers code_expired; the password is set).
DEFAULT_NO_STORE_ROUTES = frozenset(
    {
        "/api/auth/signin",
        "/api/auth/refresh",
        "/api/auth/forgot-password/confirm",
        "/api/admin/users",
        "/api/auth/vneid/start",  # a sign-in's state
        "/api/auth/vneid/callback",  # our session token
    }
)

# POST routes whose contract says `replay=False` (chalicelib/api/routing.py adds them).
_NEVER_STORED: set[str] = set()

_log = logging.getLogger(f"{SERVICE}.http")


def never_store(route: str) -> None:
    """A POST route (resource path) whose answers are never stored for replay."""
    with _lock:
        _NEVER_STORED.add(route)


# ---- configuration ------------------------------------------------------------------------------
@dataclass
class _Config:
    verifier_provider: Callable[[], TokenVerifier] | None = None
    idempotency_store: Any = None  # a Powertools BasePersistenceLayer
    tracer: Any = None
    cors_headers: dict[str, str] = field(default_factory=dict)
    no_store_routes: frozenset[str] = DEFAULT_NO_STORE_ROUTES
    record_cipher: Any = None  # seals stored answers; default: the store's PII cipher


_config = _Config()
_lock = threading.Lock()
_apps_to_wrap: list[Chalice] = []


def configure(
    *,
    verifier_provider: Callable[[], TokenVerifier] | None = None,
    idempotency_store: Any = None,
    tracer: Any = None,
    cors_headers: Mapping[str, str] | None = None,
    no_store_routes: Iterable[str] | None = None,
    record_cipher: Any = None,
) -> None:
    """Inject collaborators (tests, local stack). Arguments left as None keep their value.

    - verifier_provider: returns the TokenVerifier used to scope idempotency keys to the caller
      (default: `auth.default_verifier`).
    - idempotency_store: a Powertools persistence layer (default: `build_idempotency_store()`).
    - cors_headers: added to answers the middleware makes itself (errors), which bypass Chalice's
      CORS handling.
    - no_store_routes: POST routes (resource paths) whose answers are never stored.
    - record_cipher: seals stored answers (default: the store's personal-data cipher).
    """
    with _lock:
        if verifier_provider is not None:
            _config.verifier_provider = verifier_provider
        if idempotency_store is not None:
            _config.idempotency_store = idempotency_store
        if tracer is not None:
            _config.tracer = tracer
        if cors_headers is not None:
            _config.cors_headers = dict(cors_headers)
        if no_store_routes is not None:
            _config.no_store_routes = frozenset(no_store_routes)
        if record_cipher is not None:
            _config.record_cipher = record_cipher


def reset() -> None:
    """Back to defaults (tests)."""
    global _config
    with _lock:
        _config = _Config()


def install(app: Chalice, **config: Any) -> None:
    """Register the middleware on `app` and make every route's exceptions reach it.

    Views are wrapped on the first request, so blueprints registered after this call are covered
    too. `config` goes to `configure`.
    """
    if config:
        configure(**config)
    with _lock:
        _apps_to_wrap.append(app)
    app.register_middleware(http_middleware, "http")


def _wrap_pending_views() -> None:
    if not _apps_to_wrap:  # the common case: one list check per request
        return
    with _lock:  # other threads wait here until every view is wrapped
        for app in _apps_to_wrap:
            for methods in app.routes.values():
                for entry in methods.values():
                    entry.view_function = escalate_errors(entry.view_function)
        _apps_to_wrap.clear()


# ---- views' exceptions --------------------------------------------------------------------------
class ViewFailed(ChaliceUnhandledError):
    """Carries a view's exception past Chalice's own handler to the middleware."""

    def __init__(self, original: BaseException) -> None:
        super().__init__(type(original).__name__)
        self.original = original


def escalate_errors(fn: ViewFn) -> ViewFn:
    """Let a view's exceptions reach `http_middleware` (used by `install`; also usable by hand)."""
    if getattr(fn, "_tthc_escalates", False):
        return fn

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ChaliceUnhandledError:
            raise
        except Exception as exc:
            raise ViewFailed(exc) from exc

    wrapper._tthc_escalates = True  # type: ignore[attr-defined]
    return wrapper  # type: ignore[return-value]


def call_view(get_response: Callable[[Request], Response], request: Request) -> Response:
    """Run the next handler; a wrapped view's exception is re-raised as itself."""
    try:
        return get_response(request)
    except ViewFailed as failed:
        original = failed.original
    # Raised outside the except block, so the original keeps its own cause and context.
    raise original


# ---- JSON out -----------------------------------------------------------------------------------
def _json_default(obj: Any) -> Any:
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if isinstance(obj, Decimal):  # DynamoDB numbers
        return int(obj) if obj == obj.to_integral_value() else float(obj)
    if isinstance(obj, datetime | date | dtime):
        return obj.isoformat()
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    if isinstance(obj, uuid.UUID):
        return str(obj)
    raise TypeError(f"{type(obj).__name__} is not JSON serialisable")


def dumps(payload: Any) -> str:
    """Compact UTF-8 JSON (Vietnamese stays readable and half the size of \\u escapes)."""
    if isinstance(payload, BaseModel):
        payload = payload.model_dump(mode="json")
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def json_response(
    payload: Any, status: int = 200, headers: Mapping[str, str | list[str]] | None = None
) -> Response:
    """A JSON answer from a pydantic model (`model_dump(mode="json")`), dict or list."""
    all_headers: dict[str, str | list[str]] = {"Content-Type": JSON_CONTENT_TYPE, **(headers or {})}
    return Response(body=dumps(payload), status_code=status, headers=all_headers)


# ---- errors -------------------------------------------------------------------------------------
INTERNAL_ERROR_VI = "Hệ thống đang gặp sự cố. Vui lòng thử lại sau."
INTERNAL_ERROR_EN = "Internal server error."
INVALID_JSON_VI = "Nội dung yêu cầu phải là JSON hợp lệ (Content-Type: application/json)."
INVALID_JSON_EN = "The request body must be valid JSON (Content-Type: application/json)."

# Chalice's own errors, by class name (raised in views) or body "Code" (answers it makes itself).
_CHALICE_ERRORS: dict[str, tuple[int, str, str]] = {
    "BadRequestError": (400, "bad_request", "Yêu cầu không hợp lệ."),
    "BadRequest": (400, "bad_request", "Yêu cầu không hợp lệ."),
    "UnauthorizedError": (401, "unauthorized", "Bạn cần đăng nhập để thực hiện chức năng này."),
    "ForbiddenError": (403, "forbidden", "Bạn không có quyền thực hiện chức năng này."),
    "NotFoundError": (404, "not_found", "Không tìm thấy dữ liệu yêu cầu."),
    "MethodNotAllowedError": (405, "method_not_allowed", "Phương thức không được hỗ trợ."),
    "RequestTimeoutError": (408, "request_timeout", "Yêu cầu quá thời gian xử lý."),
    "ConflictError": (409, "conflict", "Dữ liệu đã thay đổi. Vui lòng tải lại và thử lại."),
    "UnprocessableEntityError": (422, "unprocessable_entity", "Yêu cầu không xử lý được."),
    "TooManyRequestsError": (429, "too_many_requests", "Quá nhiều yêu cầu. Vui lòng thử lại sau."),
    "UnsupportedMediaType": (400, "invalid_json", INVALID_JSON_VI),
}


_INVALID_VALUE = "Giá trị không hợp lệ"


def _translate(err: Mapping[str, Any]) -> str:
    """Vietnamese text for one pydantic error (by its stable `type`, not its English msg)."""
    kind = str(err.get("type", ""))
    ctx = err.get("ctx") or {}
    msg = str(err.get("msg", ""))
    if kind == "missing":
        return "Trường bắt buộc"
    if kind == "extra_forbidden":
        return "Trường không được phép"
    if kind == "string_too_short":
        return f"Quá ngắn (tối thiểu {ctx.get('min_length', '?')} ký tự)"
    if kind == "string_too_long":
        return f"Quá dài (tối đa {ctx.get('max_length', '?')} ký tự)"
    if kind == "string_pattern_mismatch":
        return "Sai định dạng"
    if kind == "string_type":
        return "Phải là chuỗi ký tự"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return "Phải là số nguyên"
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type", "finite_number"}:
        return "Phải là số"
    if kind in {"bool_parsing", "bool_type"}:
        return "Phải là đúng hoặc sai"
    if kind in {"greater_than", "greater_than_equal"}:
        bound = ctx.get("gt", ctx.get("ge", "?"))
        return f"Phải lớn hơn{' hoặc bằng' if kind.endswith('equal') else ''} {bound}"
    if kind in {"less_than", "less_than_equal"}:
        bound = ctx.get("lt", ctx.get("le", "?"))
        return f"Phải nhỏ hơn{' hoặc bằng' if kind.endswith('equal') else ''} {bound}"
    if kind == "too_short":
        return f"Cần ít nhất {ctx.get('min_length', '?')} phần tử"
    if kind == "too_long":
        return f"Tối đa {ctx.get('max_length', '?')} phần tử"
    if kind in {"date_parsing", "date_type", "date_from_datetime_parsing"}:
        return "Ngày không hợp lệ (định dạng YYYY-MM-DD)"
    if kind in {"datetime_parsing", "datetime_type", "datetime_from_date_parsing"}:
        return "Thời điểm không hợp lệ (định dạng ISO 8601)"
    if kind == "timezone_aware":
        return "Thời điểm phải kèm múi giờ (định dạng ISO 8601, ví dụ 2026-12-17T22:00:00+07:00)"
    if kind == "timezone_naive":
        return "Thời điểm không được kèm múi giờ (định dạng YYYY-MM-DDTHH:MM:SS)"
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return "Phải là một đối tượng JSON"
    if kind == "list_type":
        return "Phải là một danh sách"
    if kind == "uuid_parsing":
        return "Mã định danh không hợp lệ"
    if kind.startswith("url_"):
        return "Địa chỉ URL không hợp lệ"
    if kind in {"literal_error", "enum"}:
        expected = str(ctx.get("expected") or "").replace(" or ", " hoặc ")
        return f"Giá trị không hợp lệ (cho phép: {expected})" if expected else _INVALID_VALUE
    if kind == "value_error" and "email" in msg.lower():
        return "Email không hợp lệ"
    return _INVALID_VALUE


def _loc(err: Mapping[str, Any]) -> str | None:
    parts = [str(p) for p in err.get("loc", ()) if p != "__root__"]
    return ".".join(parts) or None


def _body(
    code: str, message: str, message_en: str, field: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {"code": code, "message": message, "message_en": message_en, "field": field, **extra}


def error_payload(exc: BaseException) -> tuple[int, dict[str, Any]]:
    """(status, body) for any exception; unknown ones are logged and answered generically."""
    if isinstance(exc, DomainError):
        if exc.status >= 500:
            get_logger()
            _log.error("domain error %s", exc.code, exc_info=exc)
        return exc.status, _body(exc.code, exc.message_vi, exc.message_en, exc.field)
    if isinstance(exc, ValidationError):
        errors = exc.errors(include_url=False, include_input=False)
        details = [
            {"loc": _loc(e), "type": e["type"], "msg": e["msg"], "message": _translate(e)}
            for e in errors
        ]
        return 400, _body(
            "invalid_input",
            str(details[0]["message"]) if details else "Giá trị không hợp lệ",
            str(details[0]["msg"]) if details else "Invalid input.",
            details[0]["loc"] if details else None,
            errors=details,
        )
    if isinstance(exc, BadRequestError) and str(exc) == "Error Parsing JSON":
        return 400, _body("invalid_json", INVALID_JSON_VI, INVALID_JSON_EN)
    if isinstance(exc, ChaliceViewError):
        known = _CHALICE_ERRORS.get(type(exc).__name__)
        if known is not None:
            status, code, vi = known
            return status, _body(code, vi, str(exc) or code)
    unavailable = unavailable_code(exc)
    if unavailable is not None:
        get_logger()
        _log.warning("AWS unavailable after retries: %s", unavailable, exc_info=exc)
        return 503, _body("service_unavailable", UNAVAILABLE_VI, UNAVAILABLE_EN)
    get_logger()  # so the record goes through the masking handler
    _log.error("unhandled %s", type(exc).__name__, exc_info=exc)
    return 500, _body("internal_error", INTERNAL_ERROR_VI, INTERNAL_ERROR_EN)


UNAVAILABLE_VI = "Hệ thống đang quá tải hoặc tạm gián đoạn. Vui lòng thử lại sau ít giây."
UNAVAILABLE_EN = "The service is temporarily unavailable (AWS throttling or error); retry shortly."
RETRY_AFTER_SECONDS = 2


def error_response(exc: BaseException) -> Response:
    """The JSON error answer `{"code", "message", "message_en", "field"}` for an exception."""
    return error_response_from(*error_payload(exc))


def error_response_from(status: int, body: Mapping[str, Any]) -> Response:
    """`error_response` for an already computed `error_payload`."""
    headers: dict[str, str | list[str]] = {}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return json_response(dict(body), status=status, headers=headers)


def _normalise_chalice_error(response: Response) -> Response:
    """Rewrite Chalice's own `{"Code", "Message"}` answers (405, 415, its 500) into our shape."""
    body = response.body
    if response.status_code < 400 or not isinstance(body, dict) or set(body) != {"Code", "Message"}:
        return response
    known = _CHALICE_ERRORS.get(str(body["Code"]))
    if known is not None:
        status, code, vi = known
        payload = _body(code, vi, str(body["Message"]))
    else:
        status = response.status_code if response.status_code < 500 else 500
        payload = (
            _body("internal_error", INTERNAL_ERROR_VI, INTERNAL_ERROR_EN)
            if status >= 500
            else _body("bad_request", "Yêu cầu không hợp lệ.", str(body["Message"]))
        )
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-type"}
    return json_response(payload, status=status, headers=headers)


# ---- JSON in ------------------------------------------------------------------------------------
def _invalid_json() -> InvalidInput:
    return InvalidInput(INVALID_JSON_VI, INVALID_JSON_EN, code="invalid_json")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def read_json(request: Request) -> Any:
    """The parsed body; an empty body is `{}` (the model decides whether that is enough)."""
    raw = request.raw_body
    data = raw.encode("utf-8") if isinstance(raw, str) else (raw or b"")
    if not data.strip():
        return {}
    ctype = (request.headers.get("content-type") or "application/json").split(";", 1)[0]
    ctype = ctype.strip().lower()
    if ctype != "application/json" and not ctype.endswith("+json"):
        raise _invalid_json()
    try:
        return json.loads(data, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError):
        raise _invalid_json() from None


def parse_body(request: Request, model: type[M]) -> M:
    """Validate the JSON body with `model` (expected `extra="forbid"`); a pydantic
    ValidationError propagates and the middleware answers 400 `invalid_input`."""
    return model.model_validate(read_json(request))


def _wants_many(annotation: Any) -> bool:
    origin = get_origin(annotation)
    if origin in (list, tuple, set, frozenset):
        return True
    return any(_wants_many(arg) for arg in get_args(annotation)) if origin is not None else False


def parse_query(request: Request, model: type[M]) -> M:
    """Validate query parameters with `model`: list-typed fields get every value (`?level=3`
    gives [3]), other fields their single value (repeated → a list, which validation refuses)."""
    params = request.query_params
    data: dict[str, Any] = {}
    if params is not None:
        fields = model.model_fields
        for name in params:
            values = params.getlist(name)
            info = fields.get(name)
            many = info is not None and _wants_many(info.annotation)
            data[name] = values if many or len(values) > 1 else values[0]
    return model.model_validate(data)


# ---- logging ------------------------------------------------------------------------------------
# Keys the masker leaves alone: structural, and needed intact to find a request in the logs.
_UNMASKED_KEYS = frozenset(
    {
        "level",
        "location",
        "timestamp",
        "service",
        "sampling_rate",
        "correlation_id",
        "request_id",
        "xray_trace_id",
        "route",
        "method",
        "status",
        "duration_ms",
        "error_code",
    }
)
_FALLBACK_DIGITS = re.compile(r"(?<!\d)\d{9,12}(?!\d)")
_FALLBACK_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_masker: Callable[[Any], Any] | None = None


def _fallback_mask(obj: Any) -> Any:
    """Used only if chalicelib.domain.masking is missing or fails: hide ID numbers and e-mails."""
    if isinstance(obj, str):
        return _FALLBACK_EMAIL.sub("***@***", _FALLBACK_DIGITS.sub("*********", obj))
    if isinstance(obj, Mapping):
        return {k: _fallback_mask(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_fallback_mask(v) for v in obj]
    return obj


def _resolve_masker() -> Callable[[Any], Any]:
    global _masker
    if _masker is None:
        try:
            from chalicelib.domain.masking import mask_pii, scrub_text

            def masker(obj: Any) -> Any:
                try:
                    return mask_pii(obj, scrub_strings=True)
                except TypeError:  # an older signature without scrub_strings
                    masked = mask_pii(obj)
                    return _walk_strings(masked, scrub_text)

            _masker = masker
        except ImportError:
            _masker = _fallback_mask
    return _masker


def _walk_strings(obj: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(obj, str):
        return fn(obj)
    if isinstance(obj, Mapping):
        return {k: _walk_strings(v, fn) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_walk_strings(v, fn) for v in obj]
    return obj


def _plain(obj: Any) -> Any:
    """JSON-native copy: the masker only sees strings, so objects (the exception instance in
    Powertools' `stack_trace.value`, a model in `extra`) become their text first."""
    if obj is None or isinstance(obj, str | int | float | bool):
        return obj
    if isinstance(obj, Mapping):
        return {str(k): _plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [_plain(v) for v in obj]
    if isinstance(obj, BaseModel):
        return _plain(obj.model_dump(mode="json"))
    return str(obj)


def mask_log_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """The structured record with personal data masked (never raises: a log line must not fail)."""
    keep = {k: v for k, v in record.items() if k in _UNMASKED_KEYS}
    rest = {k: _plain(v) for k, v in record.items() if k not in _UNMASKED_KEYS}
    try:
        masked = _resolve_masker()(rest)
    except Exception:
        masked = None
    if not isinstance(masked, Mapping):
        masked = _fallback_mask(rest)
    return {**masked, **keep}


def _masked_json(record: Mapping[str, Any]) -> str:
    return json.dumps(
        mask_log_record(record), default=str, separators=(",", ":"), ensure_ascii=False
    )


_logger: Any = None


class _LiveStdout:
    """Writes to whatever `sys.stdout` is now, not the one seen when the logger was built
    (test runners and local servers swap it; Lambda never does)."""

    def write(self, text: str) -> int:
        import sys

        return sys.stdout.write(text)

    def flush(self) -> None:
        import sys

        sys.stdout.flush()


def get_logger() -> Any:
    """The Powertools Logger (service "tthc", JSON to stdout, personal data masked).

    Modules may log through `logging.getLogger("tthc.<name>")`; records propagate to it.
    """
    global _logger
    if _logger is None:
        with _lock:
            if _logger is None:
                from aws_lambda_powertools.logging import Logger

                _logger = Logger(
                    service=SERVICE,
                    json_serializer=_masked_json,
                    logger_handler=logging.StreamHandler(_LiveStdout()),
                )
                # Only the masking handler may write these records: a root handler added later
                # (a framework's basicConfig) would print them unmasked.
                logging.getLogger(SERVICE).propagate = False
    return _logger


# ---- metrics and tracing ------------------------------------------------------------------------
def _emit_metrics(route: str, status: int, duration_ms: float) -> None:
    """One EMF document per request (EphemeralMetrics: no state shared between threads)."""
    try:
        from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

        metrics = EphemeralMetrics(namespace=METRICS_NAMESPACE, service=SERVICE)
        metrics.add_dimension(name="route", value=route or "unknown")
        metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        metrics.add_metric(
            name="ClientErrors", unit=MetricUnit.Count, value=int(400 <= status < 500)
        )
        metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=int(status >= 500))
        metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=duration_ms)
        metrics.flush_metrics()
    except Exception:
        _log.warning("metrics not emitted", exc_info=True)


def _tracing_enabled() -> bool:
    """Only inside Lambda and not turned off: X-Ray needs its daemon, absent locally."""
    disabled = os.getenv("POWERTOOLS_TRACE_DISABLED", "false").strip().lower()
    if disabled in {"1", "true", "yes", "on"}:
        return False
    if os.getenv("AWS_SAM_LOCAL") or os.getenv("AWS_CHALICE_CLI_MODE"):
        return False
    return bool(os.getenv("LAMBDA_TASK_ROOT"))


def _get_tracer() -> Any:
    if _config.tracer is None and _tracing_enabled():
        with _lock:
            if _config.tracer is None:
                from aws_lambda_powertools.tracing import Tracer

                _config.tracer = Tracer(service=SERVICE)
    return _config.tracer


_XRAY_BAD_CHARS = re.compile(r"[?;*()!$~^<>]")


class _Span:
    """An X-Ray subsegment when tracing is on; tracer failures never reach the request."""

    def __init__(self, name: str) -> None:
        self._name = _XRAY_BAD_CHARS.sub("", name)[:200]
        self._cm: Any = None
        self._segment: Any = None

    def __enter__(self) -> _Span:
        try:
            tracer = _get_tracer()
            if tracer is not None:
                self._cm = tracer.provider.in_subsegment(name=self._name)
                self._segment = self._cm.__enter__()
        except Exception:
            self._cm = self._segment = None
        return self

    def annotate(self, **values: Any) -> None:
        if self._segment is None:
            return
        for key, value in values.items():
            try:
                self._segment.put_annotation(key, value)
            except Exception:
                _log.debug("annotation %s skipped", key, exc_info=True)

    def __exit__(self, *exc: object) -> None:
        if self._cm is not None:
            try:
                self._cm.__exit__(None, None, None)
            except Exception:
                _log.debug("subsegment not closed", exc_info=True)


# ---- idempotency --------------------------------------------------------------------------------
def _idempotency_store() -> Any:
    if _config.idempotency_store is None:
        with _lock:
            if _config.idempotency_store is None:
                _config.idempotency_store = build_idempotency_store()
    return _config.idempotency_store


class _NotStored(Exception):
    """A non-2xx answer: raised inside the idempotent function so Powertools deletes the record
    (the client may retry with the same key), and returned as is outside."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


def idempotency_key(request: Request) -> str:
    """The `Idempotency-Key` header; 400 without one or with a malformed one."""
    key = (request.headers.get(IDEMPOTENCY_HEADER.lower()) or "").strip()
    if not key:
        raise InvalidInput(
            "Thiếu tiêu đề Idempotency-Key: mỗi yêu cầu POST cần một khóa chống gửi trùng.",
            "Every POST needs an Idempotency-Key header.",
            code="missing_idempotency_key",
            field=IDEMPOTENCY_HEADER,
        )
    if not _IDEMPOTENCY_KEY_RE.match(key):
        raise InvalidInput(
            "Idempotency-Key không hợp lệ (1-100 ký tự chữ, số, _ - : .).",
            "Idempotency-Key must be 1-100 characters of [A-Za-z0-9_-:.].",
            code="invalid_idempotency_key",
            field=IDEMPOTENCY_HEADER,
        )
    return key


def _request_digest(request: Request) -> str:
    """sha256 of the canonical JSON body (formatting-insensitive) and the query string."""
    raw = request.raw_body
    data = raw.encode("utf-8") if isinstance(raw, str) else (raw or b"")
    try:
        canonical = json.dumps(
            json.loads(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False
        ).encode("utf-8")
    except (ValueError, UnicodeDecodeError):
        canonical = data
    digest = hashlib.sha256(canonical)
    params = request.query_params
    if params is not None:
        query = sorted((k, v) for k in params for v in params.getlist(k))
        digest.update(b"\x00" + json.dumps(query, ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def _to_record(response: Response) -> dict[str, Any]:
    record: dict[str, Any] = {"status": response.status_code, "headers": dict(response.headers)}
    body = response.body
    if isinstance(body, bytes):
        record["body_b64"] = base64.b64encode(body).decode("ascii")
    elif isinstance(body, str):
        record["body"] = body
    else:
        record["body"] = dumps(body)
        record["headers"].setdefault("Content-Type", JSON_CONTENT_TYPE)
    return record


def _record_cipher() -> Any:
    """The personal-data cipher: a stored answer (a draft echoes ID numbers and phones) is kept
    encrypted like the dossier itself (envelope AES-GCM under the PII KMS key)."""
    if _config.record_cipher is not None:
        return _config.record_cipher
    from chalicelib.services.deps import get_deps

    return get_deps().store.pii_cipher()


def _seal(record: dict[str, Any], aad: str) -> dict[str, Any]:
    body = {k: record.pop(k) for k in ("body", "body_b64") if k in record}
    record["sealed"] = _record_cipher().encrypt([(["r"], json.dumps(body))], aad)
    return record


def _unseal(record: Mapping[str, Any], aad: str) -> dict[str, Any]:
    out = dict(record)
    if "sealed" in out:
        [(_path, body)] = _record_cipher().decrypt(str(out.pop("sealed")), aad)
        out.update(json.loads(str(body)))
    return out


def _from_record(record: Mapping[str, Any]) -> Response:
    if "body_b64" in record:
        body: str | bytes = base64.b64decode(record["body_b64"])
    else:
        body = str(record.get("body", ""))
    return Response(
        body=body, status_code=int(record["status"]), headers=dict(record.get("headers") or {})
    )


def idempotent_post(
    request: Request,
    caller_key: str,
    handler_fn: Callable[[Request], Response],
    *,
    store: Any = None,
) -> Response:
    """Run a POST at most once per (caller, route, URL params, Idempotency-Key) for 24 h.

    A repeat with the same body gets the stored answer (header `Idempotency-Replayed: true`),
    with another body 422 `idempotency_key_reused`, while the first is still running 409
    `idempotency_in_progress`. Only 2xx answers are stored; an error or non-2xx answer deletes
    the record so the client can retry with the same key.
    """
    key = idempotency_key(request)
    route = request.path
    if route in _config.no_store_routes or route in _NEVER_STORED:
        return call_view(handler_fn, request)

    from aws_lambda_powertools.utilities.idempotency import (
        IdempotencyConfig,
        idempotent_function,
    )
    from aws_lambda_powertools.utilities.idempotency.exceptions import (
        IdempotencyAlreadyInProgressError,
        IdempotencyValidationError,
    )

    config = IdempotencyConfig(
        event_key_jmespath="scope",
        payload_validation_jmespath="digest",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=IDEMPOTENCY_TTL_SECONDS,
        hash_function="sha256",
    )
    lambda_context = getattr(request, "lambda_context", None)
    if callable(getattr(lambda_context, "get_remaining_time_in_millis", None)):
        # Lets a record left INPROGRESS by a timed-out invocation expire with the invocation.
        config.register_lambda_context(lambda_context)  # type: ignore[arg-type]

    ran = False

    def run(payload: dict[str, Any]) -> dict[str, Any]:
        nonlocal ran
        ran = True
        response = call_view(handler_fn, request)
        if not 200 <= response.status_code < 300:
            raise _NotStored(response)
        return _seal(_to_record(response), aad)

    guarded = idempotent_function(
        run,
        data_keyword_argument="payload",
        persistence_store=store or _idempotency_store(),
        config=config,
        key_prefix=IDEMPOTENCY_PREFIX,
    )
    aad = f"{IDEMPOTENCY_PREFIX}|{caller_key}|{route}|{key}"
    payload = {
        "scope": {
            "caller": caller_key,
            "method": request.method,
            "route": route,
            "params": dict(sorted((request.uri_params or {}).items())),
            "key": key,
        },
        "digest": _request_digest(request),
    }
    try:
        record = guarded(payload=payload)
    except _NotStored as not_stored:
        return not_stored.response
    except IdempotencyValidationError:
        raise DomainError(
            "Idempotency-Key này đã được dùng cho một yêu cầu khác. Hãy dùng khóa mới.",
            "This Idempotency-Key was used with a different request body.",
            code="idempotency_key_reused",
            field=IDEMPOTENCY_HEADER,
            status=422,
        ) from None
    except IdempotencyAlreadyInProgressError:
        raise Conflict(
            "Yêu cầu với khóa này đang được xử lý. Vui lòng đợi giây lát rồi thử lại.",
            "A request with this Idempotency-Key is still in progress.",
            code="idempotency_in_progress",
            field=IDEMPOTENCY_HEADER,
        ) from None
    response = _from_record(_unseal(record, aad))
    if not ran:
        response.headers["Idempotency-Replayed"] = "true"
    return response


# ---- the middleware -----------------------------------------------------------------------------
def caller_key(request: Request) -> str:
    """Scope for idempotency keys: the *verified* `sub`, else "anon".

    Never an unverified claim: a replayed answer skips the handler and its checks, so a forged
    `sub` must not reach someone else's stored answer. An invalid token counts as "anon"; the
    handler then refuses it (401), and errors are never stored.
    """
    if not request.headers.get("authorization"):
        return "anon"
    try:
        from chalicelib.api.auth import default_verifier, verified_claims

        provider = _config.verifier_provider or default_verifier
        return "sub:" + str(verified_claims(request, provider())["sub"])
    except Exception:
        return "anon"


def _request_id(request: Request) -> str:
    context = request.context or {}
    rid = context.get("requestId") or getattr(request.lambda_context, "aws_request_id", None)
    return str(rid or uuid.uuid4())


def _dossier_ref(route: str, params: Mapping[str, str] | None) -> str | None:
    """The dossier id or code in the URL, so all lines about one dossier share a correlation id."""
    if not params or not ("/dossiers/" in route or "/lookup/" in route):
        return None
    for name in ("dossier_id", "id", "code"):
        if "{" + name + "}" in route and params.get(name):
            return str(params[name])
    return None


def http_middleware(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Errors → JSON, idempotent POSTs, one structured log line, EMF metrics and a trace
    subsegment per request. Register with `install(app)` (or `app.register_middleware(...,
    "http")` plus `escalate_errors` on each view)."""
    started = time.perf_counter()
    _wrap_pending_views()
    route = event.path or ""
    method = event.method or ""
    request_id = _request_id(event)
    logger = get_logger()
    logger.thread_safe_append_keys(
        correlation_id=_dossier_ref(route, event.uri_params) or request_id,
        request_id=request_id,
    )
    error_code: str | None = None
    try:
        with _Span(f"## {method} {route}") as span:
            try:
                if method == "POST":
                    response = idempotent_post(event, caller_key(event), get_response)
                else:
                    response = call_view(get_response, event)
            except Exception as exc:
                status, body = error_payload(exc)
                error_code = body["code"]
                response = error_response_from(status, body)
            response = _normalise_chalice_error(response)
            span.annotate(route=f"{method} {route}", status=response.status_code)
        if response.status_code >= 400:
            for name, value in _config.cors_headers.items():
                response.headers.setdefault(name, value)
            if error_code is None and isinstance(response.body, str):
                error_code = _code_of(response.body)
        response.headers.setdefault("X-Request-Id", request_id)
        duration_ms = round((time.perf_counter() - started) * 1000, 2)
        logger.info(
            "request",
            extra={
                "method": method,
                "path": (event.context or {}).get("path") or route,
                "route": route,
                "status": response.status_code,
                "duration_ms": duration_ms,
                "error_code": error_code,
            },
        )
        _emit_metrics(f"{method} {route}", response.status_code, duration_ms)
        return response
    finally:
        logger.thread_safe_remove_keys(["correlation_id", "request_id"])


def _code_of(body: str) -> str | None:
    if not body.startswith("{"):
        return None
    try:
        code = json.loads(body).get("code")
    except (ValueError, AttributeError):
        return None
    return str(code) if code else None
