"""The national portal (Cổng DVCQG) adapter: the sync packets out, lookups, intake and catalogue.

`NationalPortal` is the Protocol the services use (`Deps.national_portal`); `NationalPortalClient`
is its HTTP implementation. Its calls (paths are DATA in `PATHS`, relative to the portal's base,
i.e. NATIONAL_PORTAL_URL without its `/api/hoso/dongbo` tail):
- `send(packet)`: DongBoHoSoMC, the dossier packet with its CapNhatTienDoHoSoMC lines;
- `lookup(codes)`: TraCuuHoSo, the portal's view of our dossiers (the daily reconciliation);
- `new_dossiers()` / `acknowledge(answer)`: the pull intake and its answer;
- `fetch_file(url, max_bytes)`: a document the applicant uploaded there;
- `catalogue(kind)`: LayThuTuc, LayDanhMucCoQuan, LayDanhMucLinhVuc.

Authentication: with a client id, a bearer token from the portal's token endpoint (OAuth 2 client
credentials, RFC 6749 §4.4), cached until a minute before it expires and fetched again after a 401;
the client secret is read from Secrets Manager or SSM (`read_secret`), never from the repo. Without
a client id the static NATIONAL_PORTAL_TOKEN (older portals) is sent. Neither is ever logged.

`send(packet)` makes at most `attempts` requests, sleeping `base_delay * 2**n` between them (the
sleep is injected, so tests do not wait). 5xx, 408, 429, timeouts and connection errors are
retried; another 4xx is the portal refusing this packet (`Refused`, not retried: the same bytes
would be refused again). After the last attempt `Unavailable` is raised and the queue redelivers.

Every request carries `Idempotency-Key: <packet_id>:<version>` (also in the body), so a retry
after a lost answer does not make a second record. The URL and token come from settings; the
token is never logged, and neither is the packet (personal data): logs name the dossier code.
"""

from __future__ import annotations

import base64
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

log = logging.getLogger(__name__)

RETRYABLE_STATUS = frozenset({408, 429})

# The national specification's endpoints, relative to the portal's base (DATA: it changes).
SYNC_TAIL = "/api/hoso/dongbo"
PATHS: dict[str, str] = {
    "sync": SYNC_TAIL,  # DongBoHoSoMC
    "lookup": "/api/hoso/tracuu",  # TraCuuHoSo
    "new_dossiers": "/api/hoso/moi",  # the pull intake: dossiers not yet acknowledged
    "acknowledge": "/api/hoso/xacnhan",  # our answer to a pulled dossier
    "procedures": "/api/danhmuc/thutuc",  # LayThuTuc
    "agencies": "/api/danhmuc/coquan",  # LayDanhMucCoQuan
    "fields": "/api/danhmuc/linhvuc",  # LayDanhMucLinhVuc
    "token": "/oauth/token",
}
CATALOGUES = ("procedures", "agencies", "fields")


class SyncError(Exception):
    """The packet was not delivered. `message_vi` is what the ops view shows."""

    def __init__(self, message_vi: str, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.message_vi = message_vi
        self.status = status


class NotConfigured(SyncError):
    """No portal address: nothing to retry until an administrator sets NATIONAL_PORTAL_URL."""


class Refused(SyncError):
    """The portal answered 4xx: this packet will not be accepted as it is."""


class Unavailable(SyncError):
    """5xx, timeout or no connection on every attempt: let the queue redeliver later."""


def idempotency_key(packet: Mapping[str, Any]) -> str:
    return f"{packet['packet_id']}:{packet['version']}"


class NationalPortal(Protocol):
    """What the services need of the portal (the HTTP client below; tests may pass another)."""

    def send(self, packet: Mapping[str, Any]) -> dict[str, Any]: ...
    def lookup(self, codes: list[str]) -> list[dict[str, Any]]: ...
    def new_dossiers(self) -> list[dict[str, Any]]: ...
    def acknowledge(self, answer: Mapping[str, Any]) -> None: ...
    def fetch_file(self, url: str, max_bytes: int) -> bytes | None: ...
    def catalogue(self, kind: str) -> list[dict[str, Any]]: ...


def read_secret(ref: str, client_factory: Callable[[str], Any] | None = None) -> dict[str, str]:
    """The portal's secrets (JSON: `client_secret`, `push_secret`) from `secretsmanager:<id>` or
    `ssm:<parameter name>` (a SecureString). {} when `ref` is empty."""
    if not ref:
        return {}
    if client_factory is None:
        from chalicelib import aws

        client_factory = aws.client
    kind, _, name = ref.partition(":")
    if kind == "secretsmanager":
        raw = client_factory("secretsmanager").get_secret_value(SecretId=name)["SecretString"]
    elif kind == "ssm":
        raw = client_factory("ssm").get_parameter(Name=name, WithDecryption=True)["Parameter"][
            "Value"
        ]
    else:
        raise ValueError("NATIONAL_PORTAL_SECRET_ID must start with secretsmanager: or ssm:")
    data = json.loads(raw)
    if not isinstance(data, dict):
        raise ValueError("the portal secret must be a JSON object")
    return {str(k): str(v) for k, v in data.items()}


def read_parameter(name: str, client_factory: Callable[[str], Any] | None = None) -> str:
    """One SSM SecureString (decrypted): the push intake's HMAC secret on its own."""
    if client_factory is None:
        from chalicelib import aws

        client_factory = aws.client
    answer = client_factory("ssm").get_parameter(Name=name, WithDecryption=True)
    return str(answer["Parameter"]["Value"])


@dataclass
class ClientCredentials:
    """OAuth 2 client credentials for the portal's token endpoint; the token is cached."""

    token_url: str
    client_id: str
    client_secret: str = field(repr=False)
    timeout_seconds: float = 10.0
    opener: Callable[..., Any] = urllib.request.urlopen  # noqa: S310 (scheme checked in token)
    clock: Callable[[], float] = time.time
    _token: str = field(default="", repr=False)
    _expires: float = 0.0

    def token(self, *, fresh: bool = False) -> str:
        if self._token and not fresh and self.clock() < self._expires - 60:
            return self._token
        if not self.token_url.startswith(("https://", "http://")):
            raise NotConfigured(
                "Địa chỉ cấp mã truy cập của Cổng DVCQG phải là http(s)://.",
                "The national portal's token URL must be http(s)://.",
            )
        body = urllib.parse.urlencode({"grant_type": "client_credentials"}).encode()
        basic = base64.b64encode(f"{self.client_id}:{self.client_secret}".encode()).decode()
        req = urllib.request.Request(  # noqa: S310 (the portal's configured URL)
            self.token_url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": f"Basic {basic}",
                "Accept": "application/json",
            },
        )
        try:
            with self.opener(req, timeout=self.timeout_seconds) as resp:
                answer = json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            if 400 <= exc.code < 500:
                raise Refused(
                    f"Cổng DVCQG từ chối thông tin xác thực (HTTP {exc.code}).",
                    f"The national portal refused our client credentials (HTTP {exc.code}).",
                    exc.code,
                ) from exc
            raise Unavailable(
                f"Máy chủ xác thực Cổng DVCQG lỗi (HTTP {exc.code}).",
                f"The national portal's token endpoint failed (HTTP {exc.code}).",
                exc.code,
            ) from exc
        except (OSError, ValueError) as exc:
            raise Unavailable(
                "Không lấy được mã truy cập Cổng DVCQG.",
                f"No access token from the national portal ({type(exc).__name__}).",
            ) from exc
        token = answer.get("access_token") if isinstance(answer, dict) else None
        if not isinstance(token, str) or not token:
            raise Unavailable(
                "Máy chủ xác thực Cổng DVCQG trả lời sai định dạng.",
                "The national portal's token answer is malformed.",
            )
        self._token = token
        self._expires = self.clock() + float(answer.get("expires_in") or 300)
        return token


@dataclass
class NationalPortalClient:
    url: str
    token: str = field(default="", repr=False)
    timeout_seconds: float = 10.0
    attempts: int = 3
    base_delay_seconds: float = 0.5
    sleep: Callable[[float], None] = time.sleep
    opener: Callable[..., Any] = urllib.request.urlopen  # noqa: S310 (scheme checked in _request)
    credentials: ClientCredentials | None = None

    @property
    def base_url(self) -> str:
        return self.url[: -len(SYNC_TAIL)] if self.url.endswith(SYNC_TAIL) else self.url

    def _bearer(self, fresh: bool = False) -> str:
        if self.credentials is not None:
            return self.credentials.token(fresh=fresh)
        return self.token

    def _request(
        self,
        payload: Any,
        key: str | None = None,
        path: str = "sync",
        method: str = "POST",
        url: str | None = None,
        fresh: bool = False,
    ) -> urllib.request.Request:
        target = url or (self.url if path == "sync" else self.base_url + PATHS[path])
        if not target.startswith(("https://", "http://")):
            raise NotConfigured(
                "Địa chỉ Cổng DVCQG phải là http(s)://.",
                "The national portal URL must be http(s)://.",
            )
        headers = {"Accept": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        bearer = self._bearer(fresh)
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        body = None
        if method == "POST":
            headers["Content-Type"] = "application/json; charset=utf-8"
            body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return urllib.request.Request(  # noqa: S310 (scheme checked above)
            target, data=body, headers=headers, method=method
        )

    def _once(self, req: urllib.request.Request, max_bytes: int = 0) -> bytes:
        with self.opener(req, timeout=self.timeout_seconds) as resp:
            return bytes(resp.read(max_bytes) if max_bytes else resp.read())

    @staticmethod
    def _json(raw: bytes) -> Any:
        """The answer as JSON; a body that is not JSON is a portal fault (retried), not success."""
        if not raw:
            return {}
        try:
            return json.loads(raw)
        except ValueError:
            raise Unavailable(
                "Cổng DVCQG trả lời sai định dạng.", "The national portal's answer is malformed."
            ) from None

    def send(self, packet: Mapping[str, Any]) -> dict[str, Any]:
        """Deliver the packet; the portal's JSON answer. Raises a SyncError subclass."""
        answer = self._exchange(packet, idempotency_key(packet), "sync", str(packet.get("MaHoSo")))
        return answer if isinstance(answer, dict) else {}

    def lookup(self, codes: list[str]) -> list[dict[str, Any]]:
        """TraCuuHoSo: the portal's record of each dossier code it has."""
        answer = self._exchange({"DanhSachMaHoSo": codes}, None, "lookup", "TraCuuHoSo")
        items = answer.get("DanhSachHoSo") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise Unavailable(
                "Cổng DVCQG trả lời tra cứu sai định dạng.", "Malformed TraCuuHoSo answer."
            )
        return [i for i in items if isinstance(i, dict)]

    def new_dossiers(self) -> list[dict[str, Any]]:
        answer = self._exchange(None, None, "new_dossiers", "new dossiers", method="GET")
        items = answer.get("DanhSachHoSo") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise Unavailable(
                "Cổng DVCQG trả lời danh sách hồ sơ sai định dạng.", "Malformed dossier list."
            )
        return [i for i in items if isinstance(i, dict)]

    def acknowledge(self, answer: Mapping[str, Any]) -> None:
        ref = str(answer.get("MaHoSoQuocGia") or "")
        self._exchange(dict(answer), f"ack:{ref}", "acknowledge", ref)

    def catalogue(self, kind: str) -> list[dict[str, Any]]:
        """LayThuTuc / LayDanhMucCoQuan / LayDanhMucLinhVuc (`kind` one of CATALOGUES)."""
        if kind not in CATALOGUES:
            raise ValueError(kind)
        answer = self._exchange(None, None, kind, kind, method="GET")
        items = answer.get("DanhSach") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise Unavailable("Danh mục Cổng DVCQG sai định dạng.", f"Malformed {kind} list.")
        return [i for i in items if isinstance(i, dict)]

    def fetch_file(self, url: str, max_bytes: int) -> bytes | None:
        """A document from the portal, at most `max_bytes` + 1 bytes (so an oversize file shows);
        None when the portal has no such file (404/410)."""
        try:
            raw = self._exchange(
                None, None, "sync", "file", method="GET", url=url, max_bytes=max_bytes + 1
            )
        except Refused as exc:
            if exc.status in (404, 410):
                return None
            raise
        return raw if isinstance(raw, bytes) else None

    def _exchange(
        self,
        payload: Any,
        key: str | None,
        path: str,
        what: str,
        *,
        method: str = "POST",
        url: str | None = None,
        max_bytes: int = 0,
    ) -> Any:
        """One call with retries and backoff: JSON (or the bytes, for a file). A SyncError."""
        if not self.url:
            raise NotConfigured(
                "Chưa cấu hình địa chỉ Cổng DVCQG (NATIONAL_PORTAL_URL).",
                "The national portal URL (NATIONAL_PORTAL_URL) is not configured.",
            )
        last: SyncError | None = None
        fresh = False
        for attempt in range(max(1, self.attempts)):
            if attempt:
                self.sleep(self.base_delay_seconds * 2 ** (attempt - 1))
            try:
                req = self._request(payload, key, path, method, url, fresh)
                raw = self._once(req, max_bytes)
                return raw if url else self._json(raw)
            except Unavailable as exc:
                last = exc
            except urllib.error.HTTPError as exc:
                status = exc.code
                if status == 401 and self.credentials is not None and not fresh:
                    fresh = True  # the token expired early or was revoked: one fresh token
                    last = Unavailable(
                        "Mã truy cập Cổng DVCQG hết hạn.", "Access token expired.", 401
                    )
                    continue
                if 400 <= status < 500 and status not in RETRYABLE_STATUS:
                    raise Refused(
                        f"Cổng DVCQG từ chối gói tin (HTTP {status}).",
                        f"The national portal refused the packet (HTTP {status}).",
                        status,
                    ) from exc
                last = Unavailable(
                    f"Cổng DVCQG lỗi (HTTP {status}).",
                    f"The national portal failed (HTTP {status}).",
                    status,
                )
            except TimeoutError:
                last = Unavailable(
                    "Cổng DVCQG không trả lời kịp (quá thời gian chờ).",
                    "The national portal did not answer in time.",
                )
            except urllib.error.URLError as exc:
                timed_out = isinstance(exc.reason, TimeoutError)
                last = Unavailable(
                    "Cổng DVCQG không trả lời kịp (quá thời gian chờ)."
                    if timed_out
                    else "Không kết nối được Cổng DVCQG.",
                    "The national portal did not answer in time."
                    if timed_out
                    else f"Cannot reach the national portal ({type(exc.reason).__name__}).",
                )
            except OSError as exc:  # connection reset mid-answer
                last = Unavailable(
                    "Không kết nối được Cổng DVCQG.",
                    f"Cannot reach the national portal ({type(exc).__name__}).",
                )
            log.warning(
                "national portal: %s attempt %d of %d failed: %s",
                what,
                attempt + 1,
                self.attempts,
                last,
            )
        assert last is not None
        raise last
