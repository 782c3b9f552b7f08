"""A twin of the national portal (Cổng DVCQG): http.server on localhost, in a thread.

Both directions, over real HTTP, as a provincial system sees the portal:
- **Token** `POST /dvcqg/oauth/token` (OAuth 2 client credentials, HTTP Basic client auth): with
  `client_secret` set, every other API call needs a bearer token it issued (or the static
  `token`); a token expires after `token_ttl_seconds`.
- **Sync** `POST /dvcqg/api/hoso/dongbo` (DongBoHoSoMC with the CapNhatTienDoHoSoMC lines): each
  packet validated against `national_portal_packet.schema.json` (400 with the errors), the
  `Idempotency-Key` must be `<packet_id>:<version>`, ONE record per (packet_id, version), and
  `arrivals` lists what was accepted in order (a version older than the latest is refused 409,
  so a sender that broke the order would see it).
- **TraCuuHoSo** `POST /dvcqg/api/hoso/tracuu` `{DanhSachMaHoSo}` -> the latest record of each.
- **Intake**: `submit(...)` (the page at `/`, the control route `POST /_twin/submit`, or
  `python -m infra.twins.national_portal submit ...`) stores a dossier as the portal would, its
  files served at `/dvcqg/files/<id>`. With `push_url` it is pushed at once, HMAC-signed with
  `push_secret`; without, it waits in `GET /dvcqg/api/hoso/moi` until acknowledged at
  `POST /dvcqg/api/hoso/xacnhan`. A push our front door fails (no connection, 5xx, 408, 429, an
  answer that is not JSON) is retried with backoff (`push_attempts`, sleeping
  `push_backoff_seconds * 2**n`, the sleep injectable), each attempt signed afresh with the same
  Idempotency-Key; a 4xx is an answer (not retried). Every attempt is in `push_attempts_log`; a
  push that never got an answer leaves the dossier in the pull list.
- **Catalogue** `GET /dvcqg/api/danhmuc/{thutuc,coquan,linhvuc}` from `catalogue`.
- **The page** `/`: each submitted dossier, the answer, its status on the portal, every step
  reported back (handler, title, unit, time, content) and the result link; a form to submit.
- **Failing on demand**: `fail_next(n, status)` (5xx or any status, nothing stored),
  `slow_next(n, seconds)` (stores, then answers late), `down_next(n)` (closes the connection
  without an answer), `malformed_next(n)` (200 with a body that is not JSON), or a lasting
  `set_mode("down" | "5xx" | "slow" | "malformed" | "ok")`; `POST /_twin/mode` does the same
  over HTTP for a tester.

Requests are never logged (packets carry personal data).
"""

from __future__ import annotations

import argparse
import base64
import html
import json
import secrets
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

SCHEMA_PATH = Path(__file__).with_name("national_portal_packet.schema.json")
BASE = "/dvcqg"
PATH = f"{BASE}/api/hoso/dongbo"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
# A one-page PDF (what the page and the script attach when no file is given).
SAMPLE_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def load_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    return schema


def validation_errors(packet: Any) -> list[str]:
    """Every way `packet` breaks the schema ([] when it is valid)."""
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(load_schema())
    return sorted(
        f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}"
        for e in validator.iter_errors(packet)
    )


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The portal's push signature (the same rule as chalicelib.domain.portal_intake.sign)."""
    import hashlib
    import hmac

    mac = hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


@dataclass
class Received:
    """One request as it arrived (also the refused and failed ones)."""

    key: str
    status: int
    packet: Any
    path: str = PATH


class FakeNationalPortal:
    """`with FakeNationalPortal() as portal:` then call it at `portal.url` (the sync endpoint)
    or `portal.base_url`."""

    def __init__(
        self,
        token: str | None = None,
        host: str = "127.0.0.1",
        *,
        port: int = 0,
        client_id: str = "",
        client_secret: str = "",
        push_url: str = "",
        push_secret: str = "",
        token_ttl_seconds: float = 3600.0,
        push_attempts: int = 5,
        push_backoff_seconds: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.token = token
        self.host = host
        self.port = port
        self.client_id = client_id
        self.client_secret = client_secret
        self.push_url = push_url
        self.push_secret = push_secret
        self.token_ttl_seconds = token_ttl_seconds
        self.push_attempts = push_attempts
        self.push_backoff_seconds = push_backoff_seconds
        self.sleep = sleep
        # portal_ref -> each push attempt's HTTP status (0: no connection or no JSON answer)
        self.push_attempts_log: dict[str, list[int]] = {}
        self.records: dict[tuple[str, int], dict[str, Any]] = {}
        self.arrivals: list[tuple[str, int]] = []
        self.requests: list[Received] = []
        self.submissions: dict[str, dict[str, Any]] = {}
        self.answers: dict[str, dict[str, Any]] = {}
        self.files: dict[str, tuple[bytes, str]] = {}
        self.catalogue: dict[str, list[dict[str, Any]]] = {
            "thutuc": [],
            "coquan": [],
            "linhvuc": [],
        }
        self.issued: dict[str, float] = {}
        self.token_requests = 0
        self._fail: list[tuple[str, Any]] = []
        self._slow: list[float] = []
        self._mode = "ok"
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- control ------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://{self.host}:{self._server.server_address[1]}{BASE}"

    @property
    def url(self) -> str:
        return self.base_url + "/api/hoso/dongbo"

    @property
    def page_url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://{self.host}:{self._server.server_address[1]}/"

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        with self._lock:
            self._fail.extend([("status", status)] * n)

    def down_next(self, n: int = 1) -> None:
        with self._lock:
            self._fail.extend([("down", None)] * n)

    def malformed_next(self, n: int = 1) -> None:
        with self._lock:
            self._fail.extend([("malformed", None)] * n)

    def slow_next(self, n: int = 1, seconds: float = 1.0) -> None:
        with self._lock:
            self._slow.extend([seconds] * n)

    def set_mode(self, mode: str) -> None:
        """A lasting failure until `recover()`: down, 5xx, slow (2 s), malformed, ok."""
        if mode not in ("ok", "down", "5xx", "slow", "malformed"):
            raise ValueError(mode)
        with self._lock:
            self._mode = mode

    def recover(self) -> None:
        """Stop failing: the queued failures, slow answers and the mode are dropped."""
        with self._lock:
            self._fail.clear()
            self._slow.clear()
            self._mode = "ok"

    def record(self, packet_id: str, version: int) -> dict[str, Any] | None:
        with self._lock:
            return self.records.get((packet_id, version))

    def records_for(self, packet_id: str) -> dict[int, dict[str, Any]]:
        with self._lock:
            return {v: p for (i, v), p in self.records.items() if i == packet_id}

    def latest(self, packet_id: str) -> dict[str, Any] | None:
        mine = self.records_for(packet_id)
        return mine[max(mine)] if mine else None

    def latest_by_code(self, code: str) -> dict[str, Any] | None:
        with self._lock:
            found = [p for p in self.records.values() if p.get("MaHoSo") == code]
        return max(found, key=lambda p: int(p["version"])) if found else None

    def latest_for_submission(self, portal_ref: str) -> dict[str, Any] | None:
        with self._lock:
            found = [p for p in self.records.values() if p.get("MaHoSoDVCQG") == portal_ref]
        return max(found, key=lambda p: int(p["version"])) if found else None

    def forget(self, packet_id: str) -> None:
        """The portal lost a dossier's records (what the reconciliation must repair)."""
        with self._lock:
            for k in [k for k in self.records if k[0] == packet_id]:
                del self.records[k]

    def start(self) -> FakeNationalPortal:
        self._server = ThreadingHTTPServer((self.host, self.port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="twin-dvcqg", kwargs={"poll_interval": 0.1}
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeNationalPortal:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---- intake -------------------------------------------------------------------------------
    def submit(
        self,
        procedure_code: str,
        receiving_unit: str,
        applicant: dict[str, str],
        form_data: dict[str, Any] | None = None,
        documents: dict[str, tuple[str, bytes, str]] | None = None,
        fees: list[dict[str, Any]] | None = None,
        portal_ref: str | None = None,
        submitted_at: datetime | None = None,
        push: bool = True,
    ) -> dict[str, Any]:
        """A dossier submitted on the portal: stored, its files served; pushed when `push_url`
        is set (the answer is recorded), else listed for the pull. Returns the dossier JSON."""
        ref = portal_ref or f"G22.{datetime.now(UTC):%y%m%d}.{secrets.token_hex(4).upper()}"
        files = []
        for doc_id, (filename, body, ctype) in (documents or {}).items():
            fid = secrets.token_hex(8)
            with self._lock:
                self.files[fid] = (body, ctype)
            files.append(
                {
                    "MaThanhPhanHoSo": doc_id,
                    "TenTep": filename,
                    "DuongDan": f"{self.base_url}/files/{fid}",
                    "LoaiTep": ctype,
                }
            )
        at = (submitted_at or datetime.now(UTC)).astimezone(VN)
        dossier = {
            "MaHoSoQuocGia": ref,
            "MaTTHC": procedure_code,
            "MaDonViTiepNhan": receiving_unit,
            "ChuHoSo": {
                "HoTen": applicant.get("name", ""),
                "SoGiayTo": applicant.get("id_number", ""),
                "DiaChi": applicant.get("address", ""),
                "SoDienThoai": applicant.get("phone", ""),
                "Email": applicant.get("email", ""),
            },
            "DuLieuBieuMau": form_data or {},
            "TepDinhKem": files,
            "DanhSachLePhi": fees or [],
            "NgayNopHoSo": at.strftime("%Y%m%d%H%M%S"),
        }
        with self._lock:
            self.submissions[ref] = dossier
        if push and self.push_url:
            self.push(ref)
        return dossier

    def push(self, portal_ref: str) -> dict[str, Any]:
        """POST the stored dossier to `push_url`, signed, retrying with backoff while our side
        fails; the answer is recorded (when there is one) and returned."""
        body = json.dumps(self.submissions[portal_ref], ensure_ascii=False).encode()
        answer: dict[str, Any] = {}
        for attempt in range(max(1, self.push_attempts)):
            if attempt:
                self.sleep(self.push_backoff_seconds * 2 ** (attempt - 1))
            answer = self._push_once(portal_ref, body)
            with self._lock:
                self.push_attempts_log.setdefault(portal_ref, []).append(int(answer["http"]))
            if not _push_retryable(answer):
                with self._lock:
                    self.answers[portal_ref] = answer
                return answer
        return {**answer, "gave_up_after": max(1, self.push_attempts)}

    def _push_once(self, portal_ref: str, body: bytes) -> dict[str, Any]:
        ts = str(int(time.time()))  # signed afresh: a retry after a long backoff is not stale
        req = urllib.request.Request(
            self.push_url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Idempotency-Key": f"dvcqg-{portal_ref}",
                "X-DVCQG-Timestamp": ts,
                "X-DVCQG-Signature": sign(self.push_secret, ts, body),
            },
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                return {"http": resp.status, **_json_object(resp.read())}
        except urllib.error.HTTPError as exc:
            try:
                return {"http": exc.code, **_json_object(exc.read())}
            except ValueError:
                return {"http": exc.code, "error": "not JSON"}
        except ValueError:
            return {"http": 0, "error": "not JSON"}  # a 2xx that is not our answer
        except OSError as exc:
            return {"http": 0, "error": type(exc).__name__}

    # ---- serving ------------------------------------------------------------------------------
    def _authorised(self, auth: str) -> bool:
        if self.client_secret:
            bearer = auth.removeprefix("Bearer ")
            with self._lock:
                expires = self.issued.get(bearer, 0.0)
            return expires > time.time() or (bool(self.token) and bearer == self.token)
        return not self.token or auth == f"Bearer {self.token}"

    def _token(self, auth: str, raw: bytes) -> tuple[int, dict[str, Any]]:
        with self._lock:
            self.token_requests += 1
        form = urllib.parse.parse_qs(raw.decode(errors="replace"))
        if form.get("grant_type") != ["client_credentials"]:
            return 400, {"error": "unsupported_grant_type"}
        try:
            cid, _, secret = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        except ValueError:
            return 401, {"error": "invalid_client"}
        if not self.client_secret or cid != self.client_id or secret != self.client_secret:
            return 401, {"error": "invalid_client"}
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.issued[token] = time.time() + self.token_ttl_seconds
        return 200, {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(self.token_ttl_seconds),
        }

    def _sync(self, key: str, packet: Any) -> tuple[int, dict[str, Any]]:
        errors = validation_errors(packet)
        if errors:
            return 400, {"error": "schema", "details": errors}
        expected = f"{packet['packet_id']}:{packet['version']}"
        if key != expected:
            return 400, {"error": f"Idempotency-Key must be {expected}"}
        ident = (str(packet["packet_id"]), int(packet["version"]))
        with self._lock:
            duplicate = ident in self.records
            newest = max((v for (i, v) in self.records if i == ident[0]), default=0)
            if not duplicate and ident[1] < newest:
                return 409, {"error": f"version {ident[1]} is older than {newest}"}
            self.records.setdefault(ident, packet)
            if not duplicate:
                self.arrivals.append(ident)
        return 200, {"status": "ok", "duplicate": duplicate}

    def _lookup(self, body: Any) -> tuple[int, dict[str, Any]]:
        codes = body.get("DanhSachMaHoSo") if isinstance(body, dict) else None
        if not isinstance(codes, list):
            return 400, {"error": "DanhSachMaHoSo"}
        found = []
        for code in codes:
            p = self.latest_by_code(str(code))
            if p is not None:
                found.append(
                    {
                        "MaHoSo": p["MaHoSo"],
                        "PhienBan": p["version"],
                        "TrangThaiHoSo": p["TrangThaiHoSo"],
                        "NgayHenTra": p["NgayHenTra"],
                    }
                )
        return 200, {"DanhSachHoSo": found}

    def _pending_pull(self) -> list[dict[str, Any]]:
        with self._lock:
            return [d for ref, d in self.submissions.items() if ref not in self.answers]

    def _acknowledge(self, body: Any) -> tuple[int, dict[str, Any]]:
        ref = body.get("MaHoSoQuocGia") if isinstance(body, dict) else None
        if not isinstance(ref, str) or ref not in self.submissions:
            return 404, {"error": "unknown MaHoSoQuocGia"}
        with self._lock:
            self.answers[ref] = dict(body)
        return 200, {"status": "ok"}

    def _injected(self) -> tuple[str, Any] | None:
        with self._lock:
            if self._fail:
                return self._fail.pop(0)
            mode = self._mode
        if mode == "down":
            return ("down", None)
        if mode == "5xx":
            return ("status", 503)
        if mode == "malformed":
            return ("malformed", None)
        return None

    def _delay(self) -> float:
        with self._lock:
            if self._slow:
                return self._slow.pop(0)
            return 2.0 if self._mode == "slow" else 0.0

    def _api(self, method: str, path: str, headers: Any, raw: bytes) -> tuple[int, Any]:
        """(status, body) of one API call; body bytes for a file."""
        auth = headers.get("Authorization") or ""
        if path == f"{BASE}/oauth/token" and method == "POST":
            return self._token(auth, raw)
        if path.startswith(f"{BASE}/files/") and method == "GET":
            with self._lock:
                found = self.files.get(path.rsplit("/", 1)[-1])
            return (200, found[0]) if found else (404, {"error": "no such file"})
        if not self._authorised(auth):
            return 401, {"error": "unauthorized"}
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            return 400, {"error": "invalid JSON"}
        key = headers.get("Idempotency-Key") or ""
        if path == PATH and method == "POST":
            return self._sync(key, body)
        if path == f"{BASE}/api/hoso/tracuu" and method == "POST":
            return self._lookup(body)
        if path == f"{BASE}/api/hoso/moi" and method == "GET":
            return 200, {"DanhSachHoSo": self._pending_pull()}
        if path == f"{BASE}/api/hoso/xacnhan" and method == "POST":
            return self._acknowledge(body)
        name = path.removeprefix(f"{BASE}/api/danhmuc/")
        if method == "GET" and name in self.catalogue:
            return 200, {"DanhSach": self.catalogue[name]}
        return 404, {"error": "not found"}

    def _control(self, path: str, raw: bytes) -> tuple[int, Any]:
        """The tester's controls: the mode, and a submission (JSON, or the page's form)."""
        try:
            body = json.loads(raw) if raw.startswith(b"{") else _form(raw)
        except ValueError:
            return 400, {"error": "invalid JSON"}
        if path == "/_twin/mode":
            try:
                self.set_mode(str(body.get("mode", "ok")))
            except ValueError:
                return 400, {"error": "mode: ok, down, 5xx, slow or malformed"}
            return 200, {"mode": self._mode}
        if path == "/_twin/submit":
            docs = {
                d.strip(): (f"{d.strip()}.pdf", SAMPLE_PDF, "application/pdf")
                for d in str(body.get("documents", "")).split(",")
                if d.strip()
            }
            for doc_id, (filename, b64, ctype) in (body.get("files") or {}).items():
                docs[doc_id] = (filename, base64.b64decode(b64), ctype)
            form_data = body.get("form_data") or {}
            if isinstance(form_data, str):
                form_data = json.loads(form_data or "{}")
            fee = int(body.get("fee_paid") or 0)
            dossier = self.submit(
                str(body.get("procedure_code", "")),
                str(body.get("receiving_unit", "")),
                {
                    "name": str(body.get("name", "")),
                    "id_number": str(body.get("id_number", "")),
                    "phone": str(body.get("phone", "")),
                },
                form_data,
                docs,
                [
                    {
                        "TenPhiLePhi": "Lệ phí",
                        "MucPhi": fee,
                        "DaThanhToan": True,
                        "MaGiaoDich": "PAYGOV-" + secrets.token_hex(4),
                    }
                ]
                if fee
                else [],
            )
            ref = dossier["MaHoSoQuocGia"]
            return 200, {"MaHoSoQuocGia": ref, "answer": self.answers.get(ref)}
        return 404, {"error": "not found"}

    def page(self) -> str:
        """Every submission with its answer, status, steps reported back and result link."""
        rows = []
        with self._lock:
            subs = list(self.submissions.items())
        for ref, d in reversed(subs):
            packet = self.latest_for_submission(ref)
            answer = self.answers.get(ref, {})
            steps = "".join(
                "<tr>"
                + "".join(
                    f"<td>{html.escape(str(line.get(k) or ''))}</td>"
                    for k in (
                        "ThoiDiemXuLy",
                        "NguoiXuLy",
                        "ChucDanh",
                        "PhongBanXuLy",
                        "NoiDungXuLy",
                        "TrangThai",
                    )
                )
                + "</tr>"
                for line in (packet or {}).get("QuaTrinhXuLy", [])
            )
            results = "".join(
                f'<a class="result" href="{html.escape(str(r.get("DuongDanKetQua") or ""))}">'
                f"{html.escape(str(r.get('TenGiayTo')))}</a> "
                for r in (packet or {}).get("DanhSachGiayToKetQua", [])
            )
            said = html.escape(json.dumps(answer, ensure_ascii=False))
            status = packet.get("TrangThaiHoSo") if packet else "—"
            code = packet.get("MaHoSo") if packet else "—"
            rows.append(
                f'<section class="dossier" data-ref="{html.escape(ref)}">'
                f"<h2>{html.escape(ref)} · {html.escape(str(d['MaTTHC']))}</h2>"
                f"<p>Trả lời: <span class='answer'>{said}</span></p>"
                f"<p>Mã hồ sơ tỉnh: <span class='code'>{html.escape(str(code))}</span>"
                f" · Trạng thái: <span class='status'>{html.escape(str(status))}</span></p>"
                f"<p>Kết quả: {results or '—'}</p>"
                "<table><thead><tr><th>Thời điểm</th><th>Người xử lý</th><th>Chức danh</th>"
                "<th>Phòng ban</th><th>Nội dung</th><th>Trạng thái</th></tr></thead>"
                f"<tbody>{steps}</tbody></table></section>"
            )
        return (
            '<!doctype html><html lang="vi"><meta charset="utf-8">'
            "<title>Cổng DVCQG (bản sao thử nghiệm)</title>"
            "<style>body{font-family:sans-serif;max-width:70rem;margin:1rem auto}"
            "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .4rem}"
            "label{display:block;margin:.3rem 0}</style>"
            "<h1>Cổng Dịch vụ công quốc gia — bản sao thử nghiệm</h1>"
            '<form method="post" action="/_twin/submit"><h2>Nộp hồ sơ</h2>'
            '<label>Mã thủ tục <input name="procedure_code" required></label>'
            '<label>Đơn vị tiếp nhận <input name="receiving_unit" required></label>'
            '<label>Họ tên <input name="name" required></label>'
            '<label>Số giấy tờ <input name="id_number"></label>'
            "<label>Thành phần hồ sơ (mã, cách nhau bởi dấu phẩy; đính kèm PDF mẫu) "
            '<input name="documents"></label>'
            '<label>Dữ liệu biểu mẫu (JSON) <textarea name="form_data">{}</textarea></label>'
            '<label>Lệ phí đã nộp (đồng) <input name="fee_paid" value="0"></label>'
            '<button type="submit">Nộp</button></form>'
            "<h2>Hồ sơ đã nộp</h2>" + ("".join(rows) or "<p>Chưa có hồ sơ.</p>") + "</html>"
        )

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self, method: str) -> None:
                path = self.path.split("?", 1)[0]
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                if path == "/" and method == "GET":
                    self._send(200, portal.page().encode(), "text/html; charset=utf-8")
                    return
                if path.startswith("/_twin/") and method == "POST":
                    status, body = portal._control(path, raw)
                    if path == "/_twin/submit" and not raw.startswith(b"{"):
                        self.send_response(303)
                        self.send_header("Location", "/")
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    self._json(status, body)
                    return
                injected = portal._injected()
                delay = portal._delay()
                if injected is not None and injected[0] == "down":
                    self.close_connection = True
                    self.connection.close()  # no answer at all: the portal is down
                    self._record(path, 0, raw)
                    return
                if injected is not None and injected[0] == "status":
                    self._record(path, int(injected[1]), raw)
                    if delay:
                        time.sleep(delay)
                    self._json(int(injected[1]), {"error": "injected failure"})
                    return
                status, body = portal._api(method, path, self.headers, raw)
                self._record(path, status, raw)
                if delay:
                    time.sleep(delay)  # the slow portal: the client may have given up by now
                if injected is not None and injected[0] == "malformed":
                    self._send(200, b"<html>Bad Gateway</html>", "text/html")
                elif isinstance(body, bytes):
                    self._send(status, body, "application/octet-stream")
                else:
                    self._json(status, body)

            def _record(self, path: str, status: int, raw: bytes) -> None:
                if path == f"{BASE}/oauth/token" or path.startswith(f"{BASE}/files/"):
                    return
                try:
                    packet: Any = json.loads(raw) if raw else None
                except ValueError:
                    packet = None
                key = self.headers.get("Idempotency-Key") or ""
                with portal._lock:
                    portal.requests.append(Received(key, status, packet, path))

            def do_POST(self) -> None:
                self._serve("POST")

            def do_GET(self) -> None:
                self._serve("GET")

            def _json(self, status: int, body: Any) -> None:
                self._send(
                    status, json.dumps(body, ensure_ascii=False).encode(), "application/json"
                )

            def _send(self, status: int, data: bytes, ctype: str) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client timed out and closed the socket
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass  # packets carry personal data: never log requests

        return Handler


def _json_object(raw: bytes) -> dict[str, Any]:
    """An answer body as a JSON object; ValueError when it is not one."""
    data = json.loads(raw or b"{}")
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


def _push_retryable(answer: dict[str, Any]) -> bool:
    """No connection or no JSON answer (0), 5xx, 408 or 429: our side failed, try again later."""
    status = int(answer["http"])
    return status == 0 or status >= 500 or status in (408, 429)


def _form(raw: bytes) -> dict[str, Any]:
    return {k: v[-1] for k, v in urllib.parse.parse_qs(raw.decode()).items()}


@contextmanager
def running_portal(token: str | None = None, **kwargs: Any) -> Iterator[FakeNationalPortal]:
    portal = FakeNationalPortal(token=token, **kwargs).start()
    try:
        yield portal
    finally:
        portal.stop()


def national_catalogue(
    procedures: list[dict[str, Any]], units: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """LayThuTuc / LayDanhMucLinhVuc / LayDanhMucCoQuan as the portal would list our demo data
    (so a first catalogue sync of the demo finds nothing to change)."""
    fields = sorted({p["field"] for p in procedures})
    field_code = {name: f"LV{i + 1:03d}" for i, name in enumerate(fields)}
    thutuc = [
        {
            "MaTTHC": p["code"],
            "TenTTHC": p["name"],
            "MaLinhVuc": field_code[p["field"]],
            "ThoiHanGiaiQuyet": p["processing_time"]["amount"]
            if p["processing_time"].get("unit", "working_days") == "working_days"
            else None,
            "ThanhPhanHoSo": [
                {"MaGiayTo": d["id"], "TenGiayTo": d["name"], "BatBuoc": d.get("required", True)}
                for d in p.get("documents", [])
            ],
            "PhiLePhi": [
                {"TenPhiLePhi": f["name"], "MucPhi": f["amount_vnd"]} for f in p.get("fees", [])
            ],
            "MaCoQuanThucHien": p["lead_agency"],
        }
        for p in procedures
    ]
    return {
        "thutuc": thutuc,
        "linhvuc": [{"MaLinhVuc": c, "TenLinhVuc": n} for n, c in field_code.items()],
        "coquan": [
            {"MaCoQuan": u["code"], "TenCoQuan": u["name"], "MaCoQuanCha": u.get("parent")}
            for u in units
        ],
    }


# ---- the tester's script ------------------------------------------------------------------------
def _example(procedure: str) -> dict[str, Any]:
    path = Path(__file__).resolve().parents[2] / "data" / "demo" / "form_examples.json"
    examples: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return examples[procedure]


def main(argv: list[str] | None = None) -> int:
    """`python -m infra.twins.national_portal submit --twin URL --procedure 2.001610 ...`
    (`make run` prints the twin's URL), or `mode --twin URL down`."""
    parser = argparse.ArgumentParser(prog="python -m infra.twins.national_portal")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("submit", help="submit a dossier on the twin portal")
    s.add_argument("--twin", required=True, help="the twin's URL, e.g. http://127.0.0.1:8010")
    s.add_argument("--procedure", required=True)
    s.add_argument("--unit", required=True, help="the receiving desk's unit code")
    s.add_argument("--name", required=True)
    s.add_argument("--id-number", default="")
    s.add_argument("--phone", default="")
    s.add_argument("--form", default="{}", help="the e-form data as JSON")
    s.add_argument(
        "--form-example",
        action="store_true",
        help="use the demo's e-form example of the procedure (data/demo/form_examples.json)",
    )
    s.add_argument(
        "--doc",
        action="append",
        default=[],
        help="DOCUMENT_ID (a sample PDF) or DOCUMENT_ID=PATH; repeat for each document",
    )
    s.add_argument("--fee-paid", type=int, default=0, help="fees paid on the portal (VND)")
    m = sub.add_parser("mode", help="make the twin fail: ok, down, 5xx, slow, malformed")
    m.add_argument("--twin", required=True)
    m.add_argument("mode")
    a = parser.parse_args(argv)
    if a.command == "mode":
        payload: dict[str, Any] = {"mode": a.mode}
        path = "/_twin/mode"
    else:
        files: dict[str, list[str]] = {}
        sample: list[str] = []
        for spec in a.doc:
            doc_id, _, file_path = spec.partition("=")
            if file_path:
                p = Path(file_path)
                kind = "application/pdf" if p.suffix.lower() == ".pdf" else "image/jpeg"
                files[doc_id] = [p.name, base64.b64encode(p.read_bytes()).decode(), kind]
            else:
                sample.append(doc_id)
        payload = {
            "procedure_code": a.procedure,
            "receiving_unit": a.unit,
            "name": a.name,
            "id_number": a.id_number,
            "phone": a.phone,
            "form_data": _example(a.procedure) if a.form_example else json.loads(a.form),
            "documents": ",".join(sample),
            "files": files,
            "fee_paid": a.fee_paid,
        }
        path = "/_twin/submit"
    req = urllib.request.Request(
        a.twin.rstrip("/") + path,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=60) as resp:
        print(resp.read().decode())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
