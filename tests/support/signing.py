"""Signed requests as agency systems make them: botocore's SigV4Auth on the client side, in-memory
stand-ins for the verifier's key source and replay guard, and the calls through the in-process app
(the agency API, `/api/agency-api/...`)."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from chalicelib.api.sigv4 import ReceivedRequest, SigV4Verifier
from chalicelib.domain.errors import DomainError
from chalicelib.store.keys import AgencyKeyRecord
from tests.support.client import ApiClient, Reply

# ---- the verifier on its own (tests/unit/test_sigv4.py) -----------------------------------------

REGION = "ap-southeast-1"
KEY_ID = "AKTTABCDEFGHIJKLMNOP"
SECRET = "s3cr3t-value-that-is-forty-characters-xx"
HOST = "api.example.vn"  # the unit tests' host; the app in process is APP_HOST


class FakeKeys:
    """The key source: one live key of H33.03."""

    def __init__(self) -> None:
        self.records = {
            KEY_ID: AgencyKeyRecord(KEY_ID, "H33.03", "cipher", "2026-01-01T00:00:00Z", "admin")
        }
        self.secrets = {KEY_ID: SECRET}

    def find(self, access_key_id: str) -> AgencyKeyRecord | None:
        return self.records.get(access_key_id)

    def secret_of(self, record: AgencyKeyRecord) -> str:
        return self.secrets[record.access_key_id]


class FakeReplay:
    """The replay guard: a signature is accepted once."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def remember_signature(self, signature: str, access_key_id: str, expires_epoch: int) -> bool:
        if signature in self.seen:
            return False
        self.seen[signature] = expires_epoch
        return True


def sign(
    method: str = "GET",
    path: str = "/api/agency-api/tasks",
    query: str = "",
    body: bytes = b"",
    *,
    key_id: str = KEY_ID,
    secret: str = SECRET,
    region: str = REGION,
    service: str = "execute-api",
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """Headers botocore's SigV4Auth puts on the request (the client side)."""
    url = f"https://{HOST}{path}" + (f"?{query}" if query else "")
    req = AWSRequest(method=method, url=url, data=body, headers={"host": HOST, **(extra or {})})
    SigV4Auth(Credentials(key_id, secret), service, region).add_auth(req)
    return {k.lower(): v for k, v in req.headers.items()}


def received(
    headers: dict[str, str],
    method: str = "GET",
    path: str = "/api/agency-api/tasks",
    query: list[tuple[str, str]] | None = None,
    body: bytes = b"",
) -> ReceivedRequest:
    """The request as the verifier receives it."""
    return ReceivedRequest(method, path, query or [], headers, body)


def verifier(
    keys: FakeKeys | None = None, replay: FakeReplay | None = None, skew: float = 0
) -> SigV4Verifier:
    """A verifier over the stand-ins, its clock `skew` seconds off."""
    return SigV4Verifier(
        keys or FakeKeys(),
        replay or FakeReplay(),
        region=REGION,
        now=lambda: datetime.now(UTC) + timedelta(seconds=skew),
    )


def code_of(exc: pytest.ExceptionInfo[DomainError]) -> tuple[int, str]:
    """The refusal's HTTP status and code."""
    return exc.value.status, exc.value.code


# ---- through the in-process app ----------------------------------------------------------------
APP_HOST = "localhost"


def signed_headers(
    key: dict[str, Any], method: str, path: str, data: bytes, headers: dict[str, str] | None = None
) -> dict[str, str]:
    """The headers botocore's SigV4Auth sends for `data` to the app (a POST gets its JSON type
    and an Idempotency-Key unless `headers` say otherwise)."""
    h = {"host": APP_HOST, **(headers or {})}
    if method == "POST":
        h.setdefault("content-type", "application/json")
        h.setdefault("idempotency-key", uuid.uuid4().hex)
    req = AWSRequest(method=method, url=f"http://{APP_HOST}{path}", data=data, headers=h)
    creds = Credentials(key["access_key_id"], key["secret_access_key"])
    SigV4Auth(creds, "execute-api", REGION).add_auth(req)
    return dict(req.headers.items())


def signed_call(
    api: ApiClient,
    key: dict[str, Any],
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    tamper: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[Reply, dict[str, str]]:
    """Sign with botocore's SigV4Auth as an agency's system would, then send through the app.
    The body is `body` as JSON, or `raw` bytes as they are; `tamper` sends other bytes than
    those signed. Returns the answer and the headers sent."""
    if raw is None:
        raw = b"" if body is None else json.dumps(body, ensure_ascii=False).encode()
    sent = signed_headers(key, method, path, raw, headers)
    return send(api, method, path, sent, tamper if tamper is not None else raw), sent


def send(api: ApiClient, method: str, path: str, headers: dict[str, str], raw: bytes) -> Reply:
    """Send already-signed headers and body through the app."""
    r = api.client.http.request(method, path, headers=headers, body=raw)
    return Reply(r.status_code, dict(r.headers), r.body)


def new_key(admin: ApiClient, agency: str) -> dict[str, Any]:
    """An administrator issues `agency` a key; its secret (shown once) is in the answer."""
    r = admin.post("/api/admin/agency-keys", {"agency": agency, "description": "test system"})
    assert r.status_code == 201, r.text
    key: dict[str, Any] = r.json()
    return key
