"""AWS Signature Version 4 verification for agencies' systems.

The signature is *recomputed with botocore's own signer* (`botocore.auth.SigV4Auth` over an
`AWSRequest` rebuilt from what was received: method, path, query, the headers the client says it
signed, and the SHA-256 of the body received), then compared in constant time. Nothing here
implements the HMAC chain itself.

Checks, in order, each with its own error code (the secret and the expected signature are never
revealed; the body of the error names the failed check only):

- `Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...` present:
  401 `signature_missing` / `signature_malformed`;
- scope `<date>/<region>/<service>/aws4_request` matches ours and X-Amz-Date's day:
  401 `credential_scope`;
- `host` and `x-amz-date` are signed, every signed header was received: 401 `signed_headers`;
- `X-Amz-Date` well formed and within ±5 minutes of our clock: 401 `request_expired`;
- `X-Amz-Content-SHA256`, if sent, is the received body's hash: 401 `body_hash_mismatch`;
- the access key id exists: 401 `key_unknown`;
- the key is not revoked, nor past its rotation grace: 403 `key_revoked` / `key_expired`;
- recomputed signature equals the received one (hmac.compare_digest): 401 `signature_mismatch`;
- the signature was never seen before (DynamoDB conditional put with TTL): 403
  `signature_replayed`.

The replay record is written only after the signature holds, so nobody can poison it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote, unquote

from chalicelib.domain.errors import DomainError, Forbidden, Unauthorized

if TYPE_CHECKING:
    from chalice.app import Request

    from chalicelib.store.keys import AgencyKeyRecord

ALGORITHM = "AWS4-HMAC-SHA256"
DEFAULT_SERVICE = "execute-api"
MAX_SKEW = timedelta(minutes=5)
REPLAY_TTL = timedelta(minutes=15)  # longer than the whole ±5 min window
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
# botocore never signs these (SIGNED_HEADERS_BLACKLIST); a client that did could not be verified.
_UNSIGNABLE = frozenset({"expect", "user-agent", "x-amzn-trace-id"})
_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+"
    r"Credential=(?P<credential>[^,\s]+)\s*,\s*"
    r"SignedHeaders=(?P<signed>[^,\s]+)\s*,\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})\s*$"
)
_KEY_ID_RE = re.compile(r"^[A-Z0-9]{16,32}$")

_MESSAGES: dict[str, tuple[int, str, str]] = {
    "signature_missing": (
        401,
        "Thiếu chữ ký AWS Signature Version 4 (tiêu đề Authorization).",
        "The request is not signed with AWS Signature Version 4.",
    ),
    "signature_malformed": (
        401,
        "Tiêu đề Authorization không đúng định dạng AWS4-HMAC-SHA256.",
        "The Authorization header is not a well-formed AWS4-HMAC-SHA256 header.",
    ),
    "credential_scope": (
        401,
        "Phạm vi khóa (ngày/vùng/dịch vụ) trong chữ ký không đúng.",
        "The credential scope (date/region/service/aws4_request) does not match this API.",
    ),
    "signed_headers": (
        401,
        "Chữ ký phải bao gồm tiêu đề host và x-amz-date, và mọi tiêu đề đã ký phải được gửi kèm.",
        "host and x-amz-date must be signed, and every signed header must be present.",
    ),
    "request_expired": (
        401,
        "Thời điểm ký (X-Amz-Date) lệch quá 5 phút so với giờ hệ thống.",
        "X-Amz-Date is missing, malformed or more than 5 minutes from the server's clock.",
    ),
    "body_hash_mismatch": (
        401,
        "Mã băm nội dung (X-Amz-Content-SHA256) không khớp với nội dung nhận được.",
        "X-Amz-Content-SHA256 does not match the body received.",
    ),
    "key_unknown": (
        401,
        "Mã khóa truy cập không tồn tại.",
        "The access key id is unknown.",
    ),
    "key_revoked": (
        403,
        "Khóa truy cập đã bị thu hồi.",
        "The access key has been revoked.",
    ),
    "key_expired": (
        403,
        "Khóa truy cập đã được thay thế và hết thời gian chuyển tiếp.",
        "The access key was rotated and its grace period has ended.",
    ),
    "signature_mismatch": (
        401,
        "Chữ ký không đúng: kiểm tra khóa bí mật, vùng, dịch vụ và nội dung đã ký.",
        "The signature does not match the request (check the secret, region, service and what "
        "was signed).",
    ),
    "signature_replayed": (
        403,
        "Yêu cầu đã ký này đã được dùng trước đó. Hãy ký lại yêu cầu mới.",
        "This signature was already used; sign each request anew.",
    ),
}


def sigv4_error(code: str) -> DomainError:
    """The error for a failed check: 401 (not authenticated) or 403 (key not allowed)."""
    status, vi, en = _MESSAGES[code]
    if status == 403:
        return Forbidden(vi, en, code=code, field="Authorization")
    return Unauthorized(vi, en, code=code, field="Authorization")


@dataclass(frozen=True)
class ReceivedRequest:
    """What arrived, independent of Chalice: header names lower-cased, body as bytes."""

    method: str
    path: str  # decoded path, e.g. /api/agency-api/tasks
    query: Sequence[tuple[str, str]]  # decoded pairs, repeated names allowed
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True)
class AuthHeader:
    access_key_id: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


class KeySource(Protocol):
    """Where issued keys and their secrets come from (services.agency_keys in the app)."""

    def find(self, access_key_id: str) -> AgencyKeyRecord | None: ...

    def secret_of(self, record: AgencyKeyRecord) -> str: ...


class ReplayGuard(Protocol):
    def remember_signature(self, signature: str, access_key_id: str, expires_epoch: int) -> bool:
        """True the first time, False if the signature was seen before."""
        ...


def parse_authorization(header: str) -> AuthHeader:
    if not header.strip():
        raise sigv4_error("signature_missing")
    if not header.startswith(ALGORITHM):
        raise sigv4_error("signature_missing")  # e.g. a Bearer token: not a SigV4 request
    m = _AUTH_RE.match(header.strip())
    if m is None:
        raise sigv4_error("signature_malformed")
    parts = m.group("credential").split("/")
    if len(parts) != 5 or parts[4] != "aws4_request" or not _KEY_ID_RE.match(parts[0]):
        raise sigv4_error("signature_malformed")
    signed = tuple(m.group("signed").split(";"))
    if any(not h or h != h.lower() for h in signed) or list(signed) != sorted(set(signed)):
        raise sigv4_error("signature_malformed")
    return AuthHeader(parts[0], parts[1], parts[2], parts[3], signed, m.group("signature"))


def canonical_query(pairs: Sequence[tuple[str, str]]) -> str:
    """RFC 3986 encoding as SigV4 wants it (botocore then sorts the pairs)."""
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)


def expected_signature(
    received: ReceivedRequest,
    auth: AuthHeader,
    secret: str,
    *,
    region: str,
    service: str,
    amz_date: str,
    body_sha256: str,
) -> str:
    """botocore's SigV4 signature of `received` over exactly the headers the client signed."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    # Only the headers the client signed. If it signed X-Amz-Content-SHA256, botocore uses that
    # header as the payload hash; the verifier has already checked it equals the body's hash.
    headers = {name: received.headers[name] for name in auth.signed_headers}
    if "x-amz-content-sha256" in headers:
        headers["x-amz-content-sha256"] = body_sha256
    query = canonical_query(received.query)
    url = f"https://{received.headers['host']}{received.path}" + (f"?{query}" if query else "")
    request = AWSRequest(
        method=received.method.upper(), url=url, headers=headers, data=received.body
    )
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(auth.access_key_id, secret), service, region)
    canonical = signer.canonical_request(request)  # hashes the body itself (https: always)
    return str(signer.signature(signer.string_to_sign(request, canonical), request))


class SigV4Verifier:
    """Verifies agency requests; `now` is injectable (tests of the ±5 minute window)."""

    def __init__(
        self,
        keys: KeySource,
        replay: ReplayGuard,
        *,
        region: str,
        service: str = DEFAULT_SERVICE,
        max_skew: timedelta = MAX_SKEW,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.keys = keys
        self.replay = replay
        self.region = region
        self.service = service
        self.max_skew = max_skew
        self.now = now

    def verify(self, received: ReceivedRequest) -> AgencyKeyRecord:
        """The key that signed the request, or a 401/403 DomainError naming the failed check."""
        auth = parse_authorization(received.headers.get("authorization", ""))
        amz_date = received.headers.get("x-amz-date", "")
        if auth.region != self.region or auth.service != self.service:
            raise sigv4_error("credential_scope")
        if "host" not in auth.signed_headers or "x-amz-date" not in auth.signed_headers:
            raise sigv4_error("signed_headers")
        if any(h not in received.headers or h in _UNSIGNABLE for h in auth.signed_headers):
            raise sigv4_error("signed_headers")
        try:
            signed_at = datetime.strptime(amz_date, AMZ_DATE_FORMAT).replace(tzinfo=UTC)
        except ValueError:
            raise sigv4_error("request_expired") from None
        if auth.date != amz_date[:8]:
            raise sigv4_error("credential_scope")
        now = self.now()
        if abs(now - signed_at) > self.max_skew:
            raise sigv4_error("request_expired")
        body_sha256 = hashlib.sha256(received.body).hexdigest()
        claimed = received.headers.get("x-amz-content-sha256")
        claimed_hash = (claimed or "").strip().lower().encode()  # bytes: any header text
        if claimed is not None and not hmac.compare_digest(claimed_hash, body_sha256.encode()):
            raise sigv4_error("body_hash_mismatch")
        record = self.keys.find(auth.access_key_id)
        if record is None:
            raise sigv4_error("key_unknown")
        if record.status != "active":
            raise sigv4_error("key_revoked")
        if record.expires_at and now >= datetime.fromisoformat(record.expires_at):
            raise sigv4_error("key_expired")
        expected = expected_signature(
            received,
            auth,
            self.keys.secret_of(record),
            region=self.region,
            service=self.service,
            amz_date=amz_date,
            body_sha256=body_sha256,
        )
        if not hmac.compare_digest(expected.encode("ascii"), auth.signature.encode("ascii")):
            raise sigv4_error("signature_mismatch")
        expires = int((max(now, signed_at) + REPLAY_TTL).timestamp())
        if not self.replay.remember_signature(auth.signature, auth.access_key_id, expires):
            raise sigv4_error("signature_replayed")
        return record


def received_from_chalice(request: Request) -> ReceivedRequest:
    """The request as the client sent it. The path is API Gateway's `context.path` (what the
    client put on the wire, stage included), else the resource path with its parameters."""
    context = request.context or {}
    path = str(context.get("path") or "")
    if not path:
        path = request.path
        for name, value in (request.uri_params or {}).items():
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
    path = unquote(path.split("?", 1)[0])
    params = request.query_params
    query: list[tuple[str, str]] = []
    if params is not None:
        for name in params:
            query.extend((name, value) for value in params.getlist(name))
    raw = request.raw_body
    body = raw.encode("utf-8") if isinstance(raw, str) else (raw or b"")
    headers = {str(k).lower(): str(v) for k, v in dict(request.headers).items()}
    return ReceivedRequest(str(request.method), path, query, headers, body)
