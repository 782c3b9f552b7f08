"""The HTTP plumbing: error bodies, JSON parsing, idempotent POSTs, masked logs, metrics."""

from __future__ import annotations

import gzip
import io
import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from types import SimpleNamespace
from typing import Any, Literal

import boto3
import pytest
from chalice import BadRequestError, Chalice, NotFoundError, Response
from chalice.app import Request
from chalice.test import Client
from moto import mock_aws
from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field, ValidationError

from chalicelib.api import http
from chalicelib.api.auth import StaticJwks, TokenVerifier
from chalicelib.domain.errors import (
    Conflict,
    Forbidden,
    IllegalTransition,
    InvalidInput,
    NotFound,
    Unauthorized,
)
from chalicelib.integrations.cognito import CognitoAccounts

REGION = "ap-southeast-1"
TABLE = "tthc-http-test"
PASSWORD = "Passw0rd!!"
ID_NUMBER = "079123456789"


def moto_jwks() -> dict[str, Any]:
    """The public keys moto signs its Cognito tokens with (kid "dummy")."""
    data = (resources.files("moto") / "cognitoidp/resources/jwks-public.json.gz").read_bytes()
    return json.loads(gzip.decompress(data))


# ---- the app under test -------------------------------------------------------------------------
class Applicant(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=2)
    phone: str = Field(pattern=r"^0\d{9}$")
    id_number: str = Field(pattern=r"^\d{12}$")
    email: EmailStr | None = None


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    applicant: Applicant
    kind: Literal["online", "paper"] = "online"
    copies: int = 1


class Empty(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = ""


class Out(BaseModel):
    n: int
    at: datetime
    amount: Decimal


def build_app(calls: dict[str, int]) -> Chalice:
    app = Chalice(app_name="http-test")

    def current() -> Request:
        assert app.current_request is not None
        return app.current_request

    errors: dict[str, Exception] = {
        "not_found": NotFound("Không tìm thấy hồ sơ.", "Dossier not found.", field="id"),
        "forbidden": Forbidden("Không có quyền.", "Forbidden."),
        "conflict": Conflict("Hồ sơ đã thay đổi.", "Changed.", code="version_conflict"),
        "illegal": IllegalTransition("Không thể chuyển trạng thái.", "Illegal."),
        "unauthorized": Unauthorized("Cần đăng nhập.", "Sign in.", code="token_missing"),
        "invalid": InvalidInput("Sai.", "Wrong.", field="applicant.phone"),
        "chalice_not_found": NotFoundError("no such thing"),
        "chalice_bad_request": BadRequestError("bad"),
        "boom": RuntimeError(f"secret database detail for {ID_NUMBER}"),
    }

    @app.route("/raise/{kind}", methods=["GET"])
    def raise_kind(kind: str) -> Response:
        raise errors[kind]

    @app.route("/api/dossiers/{id}", methods=["GET"])
    def dossier(id: str) -> Response:
        return http.json_response(Out(n=1, at=datetime(2026, 11, 30, tzinfo=UTC), amount=1))

    @app.route("/items", methods=["POST"])
    def create_item() -> Response:
        calls["items"] = calls.get("items", 0) + 1
        body = http.parse_body(current(), ItemIn)
        return http.json_response(
            {
                "n": calls["items"],
                "kind": body.kind,
                "caller": http.caller_key(current()),
            },
            status=201,
        )

    @app.route("/flaky", methods=["POST"])
    def flaky() -> Response:
        calls["flaky"] = calls.get("flaky", 0) + 1
        if calls["flaky"] == 1:
            raise Conflict("Thử lại.", "Retry.")
        return http.json_response({"n": calls["flaky"]})

    @app.route("/empty", methods=["POST"])
    def empty() -> Response:
        return http.json_response(http.parse_body(current(), Empty))

    @app.route("/api/auth/signin", methods=["POST"])
    def signin() -> Response:
        calls["signin"] = calls.get("signin", 0) + 1
        return http.json_response({"id_token": "secret-token"})

    @app.route("/api/dossiers/{id}/boom", methods=["POST"])
    def post_boom(id: str) -> Response:
        http.parse_body(current(), ItemIn)
        raise RuntimeError(f"failed for {ID_NUMBER}")

    http.install(app)
    return app


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "true")
    http.reset()
    yield
    http.reset()


@pytest.fixture
def stack(tmp_path: Any) -> Iterator[SimpleNamespace]:
    """moto DynamoDB (our single table) + Cognito, the app, a test client and a log buffer."""
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        ddb.create_table(
            TableName=TABLE,
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.update_time_to_live(
            TableName=TABLE,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"},
        )
        cognito = SimpleNamespace(accounts=None, verifier=None)

        def verifier() -> TokenVerifier:
            """Cognito is created on first use: a moto user pool costs ~0.5 s to set up."""
            if cognito.verifier is None:
                idp = boto3.client("cognito-idp", region_name=REGION)
                pool_id = idp.create_user_pool(PoolName="tthc")["UserPool"]["Id"]
                client_id = idp.create_user_pool_client(
                    UserPoolId=pool_id,
                    ClientName="web",
                    ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
                )["UserPoolClient"]["ClientId"]
                cognito.accounts = CognitoAccounts(
                    idp, user_pool_id=pool_id, client_id=client_id, auto_confirm=True
                )
                cognito.verifier = TokenVerifier(
                    user_pool_id=pool_id,
                    client_id=client_id,
                    region=REGION,
                    jwks=StaticJwks(moto_jwks()),
                )
            return cognito.verifier

        from chalicelib.store.pii import FieldCipher

        kms = boto3.client("kms", region_name=REGION)
        pii_key = kms.create_key(Description="pii")["KeyMetadata"]["KeyId"]
        http.configure(
            verifier_provider=verifier,
            idempotency_store=http.build_idempotency_store(TABLE, ddb),
            record_cipher=FieldCipher(kms, pii_key),
            cors_headers={"Access-Control-Allow-Origin": "http://localhost:8000"},
        )
        logs = io.StringIO()
        handler = http.get_logger().registered_handler
        previous = handler.setStream(logs)
        calls: dict[str, int] = {}
        app = build_app(calls)
        try:
            with Client(app, project_dir=str(tmp_path)) as client:
                yield SimpleNamespace(
                    ddb=ddb,
                    cognito=cognito,
                    verifier=verifier,
                    client=client,
                    calls=calls,
                    logs=logs,
                )
        finally:
            handler.setStream(previous)


def token_for(stack: SimpleNamespace, username: str) -> str:
    stack.verifier()
    accounts = stack.cognito.accounts
    accounts.sign_up(username, PASSWORD, f"{username}@example.vn", username)
    return str(accounts.sign_in(username, PASSWORD)["id_token"])


def good_item(**changes: Any) -> dict[str, Any]:
    applicant = {"name": "Nguyễn Văn An", "phone": "0912345678", "id_number": ID_NUMBER}
    return {"applicant": applicant | changes, "kind": "online"}


def post(
    stack: SimpleNamespace,
    path: str,
    body: Any,
    key: str | None = "k-1",
    token: str | None = None,
    raw: str | None = None,
    content_type: str = "application/json",
) -> Any:
    headers = {"Content-Type": content_type}
    if key is not None:
        headers["Idempotency-Key"] = key
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return stack.client.http.post(
        path, headers=headers, body=raw if raw is not None else json.dumps(body)
    )


# ---- errors -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kind", "status", "code", "message", "field"),
    [
        ("not_found", 404, "not_found", "Không tìm thấy hồ sơ.", "id"),
        ("forbidden", 403, "forbidden", "Không có quyền.", None),
        ("conflict", 409, "version_conflict", "Hồ sơ đã thay đổi.", None),
        ("illegal", 409, "illegal_transition", "Không thể chuyển trạng thái.", None),
        ("unauthorized", 401, "token_missing", "Cần đăng nhập.", None),
        ("invalid", 400, "invalid_input", "Sai.", "applicant.phone"),
        ("chalice_not_found", 404, "not_found", "Không tìm thấy dữ liệu yêu cầu.", None),
        ("chalice_bad_request", 400, "bad_request", "Yêu cầu không hợp lệ.", None),
    ],
)
def test_errors_become_json_bodies(
    stack: SimpleNamespace, kind: str, status: int, code: str, message: str, field: str | None
) -> None:
    response = stack.client.http.get(f"/raise/{kind}")
    assert response.status_code == status
    body = response.json_body
    assert body["code"] == code
    assert body["message"] == message
    assert body["field"] == field
    assert body["message_en"]
    assert response.headers["Access-Control-Allow-Origin"] == "http://localhost:8000"
    assert response.headers["X-Request-Id"]
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_internal_error_leaks_nothing(stack: SimpleNamespace) -> None:
    response = stack.client.http.get("/raise/boom")
    assert response.status_code == 500
    assert response.json_body == {
        "code": "internal_error",
        "message": http.INTERNAL_ERROR_VI,
        "message_en": http.INTERNAL_ERROR_EN,
        "field": None,
    }
    assert b"secret" not in response.body and ID_NUMBER.encode() not in response.body
    logs = stack.logs.getvalue()
    assert "RuntimeError" in logs  # logged for us...
    assert ID_NUMBER not in logs  # ...without the personal data in the message


def test_validation_errors_name_the_field_in_vietnamese(stack: SimpleNamespace) -> None:
    item = good_item()
    del item["applicant"]["phone"]
    body = post(stack, "/items", item).json_body
    assert (body["code"], body["field"], body["message"]) == (
        "invalid_input",
        "applicant.phone",
        "Trường bắt buộc",
    )
    assert body["errors"][0] == {
        "loc": "applicant.phone",
        "type": "missing",
        "msg": "Field required",
        "message": "Trường bắt buộc",
    }

    cases = [
        (good_item(phone="12"), "applicant.phone", "Sai định dạng"),
        (good_item(name="A"), "applicant.name", "Quá ngắn (tối thiểu 2 ký tự)"),
        (good_item(email="not-an-email"), "applicant.email", "Email không hợp lệ"),
        (good_item(nickname="x"), "applicant.nickname", "Trường không được phép"),
        (
            good_item() | {"kind": "fax"},
            "kind",
            "Giá trị không hợp lệ (cho phép: 'online' hoặc 'paper')",
        ),
        (good_item() | {"copies": "many"}, "copies", "Phải là số nguyên"),
    ]
    for i, (payload, field, message) in enumerate(cases):
        response = post(stack, "/items", payload, key=f"v-{i}")
        assert response.status_code == 400
        assert (response.json_body["field"], response.json_body["message"]) == (field, message)


def test_literal_message_lists_the_choices_as_pydantic_gives_them() -> None:
    try:
        ItemIn.model_validate(good_item() | {"kind": "fax"})
    except ValidationError as exc:
        status, body = http.error_payload(exc)
    assert status == 400
    assert body["message"].startswith("Giá trị không hợp lệ (cho phép: ")


def test_a_datetime_without_offset_is_told_the_expected_format() -> None:
    class WindowIn(BaseModel):
        starts_at: AwareDatetime

    try:
        WindowIn.model_validate({"starts_at": "2026-12-17T22:00:00"})
    except ValidationError as exc:
        status, body = http.error_payload(exc)
    assert status == 400
    assert body["field"] == "starts_at"
    assert "múi giờ" in body["message"] and "+07:00" in body["message"]


def test_malformed_json_and_wrong_content_type(stack: SimpleNamespace) -> None:
    bad = post(stack, "/items", None, raw='{"applicant": ', key="j-1")
    assert (bad.status_code, bad.json_body["code"]) == (400, "invalid_json")
    nan = post(stack, "/items", None, raw='{"copies": NaN}', key="j-2")
    assert (nan.status_code, nan.json_body["code"]) == (400, "invalid_json")
    text = post(stack, "/items", None, raw="hello", key="j-3", content_type="text/plain")
    assert (text.status_code, text.json_body["code"]) == (400, "invalid_json")
    assert stack.calls.get("items", 0) == 2  # Chalice refused text/plain before the view


def test_empty_body_is_an_empty_object(stack: SimpleNamespace) -> None:
    ok = post(stack, "/empty", None, raw="", key="e-1")
    assert (ok.status_code, ok.json_body) == (200, {"note": ""})
    missing = post(stack, "/items", None, raw="", key="e-2")
    assert (missing.status_code, missing.json_body["field"]) == (400, "applicant")


def test_chalice_own_errors_are_rewritten(stack: SimpleNamespace) -> None:
    response = stack.client.http.put("/items", body="{}")
    assert response.status_code == 405
    assert response.json_body["code"] == "method_not_allowed"
    assert response.headers["Allow"] == "POST"


def test_json_response_serialises_models_and_dynamo_numbers(stack: SimpleNamespace) -> None:
    response = stack.client.http.get("/api/dossiers/abc")
    assert response.json_body == {"n": 1, "at": "2026-11-30T00:00:00Z", "amount": "1"}
    direct = http.json_response({"count": Decimal("3"), "ratio": Decimal("0.5"), "name": "Ấp"})
    assert direct.body == '{"count":3,"ratio":0.5,"name":"Ấp"}'
    assert direct.headers["Content-Type"] == "application/json; charset=utf-8"


# ---- idempotency --------------------------------------------------------------------------------
def test_post_needs_an_idempotency_key(stack: SimpleNamespace) -> None:
    for key, code in ((None, "missing_idempotency_key"), ("has space", "invalid_idempotency_key")):
        response = post(stack, "/items", good_item(), key=key)
        assert response.status_code == 400
        assert response.json_body["code"] == code
        assert response.json_body["field"] == "Idempotency-Key"
    assert post(stack, "/items", good_item(), key="x" * 101).status_code == 400
    assert stack.calls.get("items", 0) == 0


def test_same_key_same_body_replays_the_first_answer(stack: SimpleNamespace) -> None:
    first = post(stack, "/items", good_item(), key="same-1")
    reordered = json.dumps(dict(reversed(list(good_item().items()))), indent=2)
    second = post(stack, "/items", None, raw=reordered, key="same-1")
    assert first.status_code == second.status_code == 201
    assert first.json_body == second.json_body == {"n": 1, "kind": "online", "caller": "anon"}
    assert stack.calls["items"] == 1
    assert "Idempotency-Replayed" not in first.headers
    assert second.headers["Idempotency-Replayed"] == "true"

    items = stack.ddb.scan(TableName=TABLE)["Items"]
    assert len(items) == 1
    record = items[0]
    assert record["PK"]["S"].startswith("IDEMP#") and record["SK"]["S"] == "IDEMP"
    assert record["status"]["S"] == "COMPLETED"
    assert abs(int(record["expiration"]["N"]) - (time.time() + 86400)) < 120


def test_same_key_other_body_is_refused(stack: SimpleNamespace) -> None:
    assert post(stack, "/items", good_item(), key="reuse").status_code == 201
    response = post(stack, "/items", good_item(name="Trần Thị Bình"), key="reuse")
    assert response.status_code == 422
    assert response.json_body["code"] == "idempotency_key_reused"
    assert stack.calls["items"] == 1


def test_callers_do_not_share_keys(stack: SimpleNamespace) -> None:
    an, binh = token_for(stack, "an"), token_for(stack, "binh")
    a = post(stack, "/items", good_item(), key="shared", token=an).json_body
    b = post(stack, "/items", good_item(), key="shared", token=binh).json_body
    anon = post(stack, "/items", good_item(), key="shared").json_body
    assert [a["n"], b["n"], anon["n"]] == [1, 2, 3]
    assert a["caller"].startswith("sub:") and a["caller"] != b["caller"]
    assert anon["caller"] == "anon"
    # A forged token does not reach a's stored answer: it counts as anonymous.
    forged = an[: an.rindex(".") + 1] + "AAAA"
    again = post(stack, "/items", good_item(), key="shared", token=forged)
    assert again.json_body["n"] == 3 and again.headers["Idempotency-Replayed"] == "true"


def test_errors_are_not_stored_so_the_client_can_retry(stack: SimpleNamespace) -> None:
    first = post(stack, "/flaky", {}, key="retry")
    second = post(stack, "/flaky", {}, key="retry")
    assert (first.status_code, second.status_code) == (409, 200)
    assert stack.calls["flaky"] == 2
    invalid = post(stack, "/items", good_item(phone="1"), key="fix-me")
    fixed = post(stack, "/items", good_item(), key="fix-me")
    assert (invalid.status_code, fixed.status_code) == (400, 201)


def test_credentials_are_never_stored(stack: SimpleNamespace) -> None:
    assert post(stack, "/api/auth/signin", {}, key=None).status_code == 400
    post(stack, "/api/auth/signin", {}, key="s-1")
    post(stack, "/api/auth/signin", {}, key="s-1")
    assert stack.calls["signin"] == 2
    assert stack.ddb.scan(TableName=TABLE)["Items"] == []


def _request(key: str, body: dict[str, Any]) -> Request:
    from chalice.local import LambdaContext

    return Request(
        {
            "multiValueQueryStringParameters": None,
            "headers": {"idempotency-key": key, "content-type": "application/json"},
            "pathParameters": None,
            "requestContext": {"httpMethod": "POST", "resourcePath": "/items", "path": "/items"},
            "body": json.dumps(body),
            "stageVariables": None,
        },
        LambdaContext("f", 128, max_runtime_ms=60_000),
    )


def test_a_request_in_progress_answers_409(stack: SimpleNamespace) -> None:
    store = http.build_idempotency_store(TABLE, stack.ddb)
    seen: list[Any] = []

    def handler(request: Request) -> Response:
        try:  # the same request arrives again while this one still runs
            http.idempotent_post(_request("busy", {"a": 1}), "anon", handler, store=store)
        except Conflict as exc:
            seen.append(exc)
        return http.json_response({"ok": True}, status=201)

    response = http.idempotent_post(_request("busy", {"a": 1}), "anon", handler, store=store)
    assert response.status_code == 201
    assert [e.code for e in seen] == ["idempotency_in_progress"]
    assert seen[0].status == 409


# ---- logs, metrics, tracing ---------------------------------------------------------------------
def _lines(stack: SimpleNamespace) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stack.logs.getvalue().splitlines() if line.strip()]


def test_request_log_line_and_correlation_id(stack: SimpleNamespace) -> None:
    stack.client.http.get("/api/dossiers/HS-42")
    line = next(entry for entry in _lines(stack) if entry["message"] == "request")
    assert line["correlation_id"] == "HS-42"
    assert line["method"] == "GET"
    assert line["route"] == "/api/dossiers/{id}"
    assert line["path"] == "/api/dossiers/HS-42"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float)
    assert line["service"] == "tthc"


def test_logs_hold_no_id_number_from_the_body(stack: SimpleNamespace) -> None:
    post(stack, "/api/dossiers/HS-7/boom", good_item(), key="pii-1")
    post(stack, "/items", good_item(phone="bad"), key="pii-2")
    http.get_logger().info("applicant", extra={"applicant": good_item()["applicant"]})
    text = stack.logs.getvalue()
    assert "request" in text and "RuntimeError" in text
    assert ID_NUMBER not in text
    assert "0912345678" not in text


def test_metrics_are_emf_per_request(
    stack: SimpleNamespace, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    stack.client.http.get("/raise/boom")
    documents = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith('{"_aws"')
    ]
    assert len(documents) == 1
    emf = documents[0]
    directive = emf["_aws"]["CloudWatchMetrics"][0]
    assert directive["Namespace"] == "TTHC"
    assert emf["route"] == "GET /raise/{kind}"
    assert (emf["Requests"], emf["ClientErrors"], emf["ServerErrors"]) == ([1.0], [0.0], [1.0])


def test_tracing_is_off_outside_lambda_and_never_breaks_requests(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LAMBDA_TASK_ROOT", "/var/task")
    assert not http._tracing_enabled()  # POWERTOOLS_TRACE_DISABLED=true
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", "false")
    assert http._tracing_enabled()

    class Broken:
        @property
        def provider(self) -> Any:
            raise RuntimeError("no X-Ray daemon")

    http.configure(tracer=Broken())
    with http._Span("## GET /x") as span:
        span.annotate(status=200)

    from aws_lambda_powertools.tracing import Tracer

    http.configure(tracer=Tracer(service="tthc", disabled=True))
    with http._Span("## GET /x") as span:
        span.annotate(status=200)


def test_parse_query_collects_repeated_parameters() -> None:
    class Q(BaseModel):
        q: str = ""
        level: list[int] = []

    request = Request(
        {
            "multiValueQueryStringParameters": {"q": ["khai sinh"], "level": ["3", "4"]},
            "headers": {},
            "pathParameters": None,
            "requestContext": {"httpMethod": "GET", "resourcePath": "/p", "path": "/p"},
            "body": None,
            "stageVariables": None,
        }
    )
    assert http.parse_query(request, Q) == Q(q="khai sinh", level=[3, 4])

    class Optional(BaseModel):
        level: list[int] | None = None

    one = Request(
        {
            "multiValueQueryStringParameters": {"level": ["3"]},
            "headers": {},
            "pathParameters": None,
            "requestContext": {"httpMethod": "GET", "resourcePath": "/p", "path": "/p"},
            "body": None,
            "stageVariables": None,
        }
    )
    assert http.parse_query(one, Q).level == [3]
    assert http.parse_query(one, Optional).level == [3]
