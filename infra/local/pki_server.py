"""The test PKI served over HTTP, as a CA and a timestamp authority serve theirs.

- `POST /tsa` (`application/timestamp-query`): an RFC 3161 `TimeStampResp` from pyHanko's
  responder over the test TSA certificate;
- `GET /crl/<issuer>.crl`: the issuer's current CRL (DER), freshly signed;
- `POST /ocsp/<issuer>` (`application/ocsp-request`) or `GET /ocsp/<issuer>/<base64 request>`
  (what NSS sends): the issuer's OCSP response (RFC 6960);
- `GET /root.pem`: the test root (what `SIGNING_TRUST_ROOTS` points at, written to a file too).

Told to fail (`server.fail_tsa = True`, or `POST /control` {"fail_tsa": true}): the TSA answers
503, as a timestamp service that is down. One server per process (`local_pki()`), on a free port of
127.0.0.1; `make run` and the tests (tests/conftest.py) use the same one.
"""

from __future__ import annotations

import json
import tempfile
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from infra.pki import LocalPki, generate


@dataclass
class PkiService:
    pki: LocalPki
    url: str
    root_path: Path
    server: ThreadingHTTPServer
    fail_tsa: bool = False

    @property
    def tsa_url(self) -> str:
        return f"{self.url}/tsa"

    def environment(self) -> dict[str, str]:
        """What the app needs to sign and verify against this PKI."""
        return {"TSA_URL": self.tsa_url, "SIGNING_TRUST_ROOTS": str(self.root_path)}


def _handler(service_ref: list[PkiService]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return

        def _send(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            svc = service_ref[0]
            if self.path == "/root.pem":
                return self._send(200, svc.pki.root_pem(), "application/x-pem-file")
            if self.path.startswith("/ocsp/"):  # RFC 6960 A.1: GET /<url-encoded base64 request>
                import base64
                from urllib.parse import unquote

                slug, _, encoded = self.path[len("/ocsp/") :].partition("/")
                try:
                    request = base64.b64decode(unquote(encoded))
                except ValueError:
                    request = b""
                der = svc.pki.ocsp(slug, request)
                if der is not None:
                    return self._send(200, der, "application/ocsp-response")
            if self.path.startswith("/crl/") and self.path.endswith(".crl"):
                der = svc.pki.crl(self.path[len("/crl/") : -len(".crl")])
                if der is not None:
                    return self._send(200, der, "application/pkix-crl")
            self._send(404, b"not found", "text/plain")

        def do_POST(self) -> None:
            svc = service_ref[0]
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if self.path == "/control":
                svc.fail_tsa = bool(json.loads(body or b"{}").get("fail_tsa"))
                return self._send(200, b"{}", "application/json")
            if self.path.startswith("/ocsp/"):
                der = svc.pki.ocsp(self.path[len("/ocsp/") :].strip("/"), body)
                if der is None:
                    return self._send(404, b"not found", "text/plain")
                return self._send(200, der, "application/ocsp-response")
            if self.path != "/tsa":
                return self._send(404, b"not found", "text/plain")
            if svc.fail_tsa:
                return self._send(503, b"TSA unavailable", "text/plain")
            from asn1crypto import tsp

            try:
                req = tsp.TimeStampReq.load(body)
                resp = svc.pki.timestamper().request_tsa_response(req)
            except Exception:
                return self._send(400, b"bad request", "text/plain")
            self._send(200, resp.dump(), "application/timestamp-reply")

    return Handler


_lock = threading.Lock()
_service: PkiService | None = None


def local_pki() -> PkiService:
    """The process's test PKI and its HTTP server (started on first use)."""
    global _service
    with _lock:
        if _service is None:
            ref: list[PkiService] = []
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(ref))
            url = f"http://127.0.0.1:{server.server_address[1]}"
            pki = generate(url)
            root = Path(tempfile.mkdtemp(prefix="tthc-pki-")) / "root.pem"
            root.write_bytes(pki.root_pem())
            _service = PkiService(pki=pki, url=url, root_path=root, server=server)
            ref.append(_service)
            threading.Thread(target=server.serve_forever, name="test-pki", daemon=True).start()
        return _service
