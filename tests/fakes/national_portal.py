"""A fake national portal (Cổng DVCQG) sync endpoint: http.server on localhost, in a thread.

It does what the sender must cope with: validates every packet against the JSON Schema written
from REGULATION.md's field list (`national_portal_packet.schema.json`; 400 with the errors when it
does not match), checks that `Idempotency-Key` is `<packet_id>:<version>`, keeps ONE record per
(packet_id, version) however often it is sent, and fails on demand: `fail_next(n, status)` answers
n requests with `status` without storing, `slow_next(n, seconds)` stores and then answers late
(the client times out although the portal has the record: a retry must not duplicate it).

`make run` uses it too (infra/local/stack.py starts one when NATIONAL_PORTAL_URL is not set).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

SCHEMA_PATH = Path(__file__).with_name("national_portal_packet.schema.json")
PATH = "/dvcqg/api/hoso/dongbo"


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


@dataclass
class Received:
    """One request as it arrived (also the refused and failed ones)."""

    key: str
    status: int
    packet: Any


class FakeNationalPortal:
    """`with FakeNationalPortal() as portal:` then POST packets to `portal.url`."""

    def __init__(self, token: str | None = None, host: str = "127.0.0.1") -> None:
        self.token = token
        self.host = host
        self.records: dict[tuple[str, int], dict[str, Any]] = {}
        self.requests: list[Received] = []
        self._fail: list[int] = []
        self._slow: list[float] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- control ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        return f"http://{self.host}:{self._server.server_address[1]}{PATH}"

    def fail_next(self, n: int = 1, status: int = 500) -> None:
        with self._lock:
            self._fail.extend([status] * n)

    def recover(self) -> None:
        """Stop failing: the queued failures and slow answers are dropped."""
        with self._lock:
            self._fail.clear()
            self._slow.clear()

    def slow_next(self, n: int = 1, seconds: float = 1.0) -> None:
        with self._lock:
            self._slow.extend([seconds] * n)

    def record(self, packet_id: str, version: int) -> dict[str, Any] | None:
        with self._lock:
            return self.records.get((packet_id, version))

    def records_for(self, packet_id: str) -> dict[int, dict[str, Any]]:
        with self._lock:
            return {v: p for (i, v), p in self.records.items() if i == packet_id}

    def start(self) -> FakeNationalPortal:
        self._server = ThreadingHTTPServer((self.host, 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="fake-dvcqg", kwargs={"poll_interval": 0.1}
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

    # ---- serving ------------------------------------------------------------------------------
    def _answer(self, key: str, auth: str, raw: bytes) -> tuple[int, dict[str, Any], float]:
        """(status, body, delay) for one request; stores the record when it is accepted."""
        with self._lock:
            failing = self._fail.pop(0) if self._fail else None
            delay = self._slow.pop(0) if self._slow else 0.0
        if self.token and auth != f"Bearer {self.token}":
            return 401, {"error": "unauthorized"}, 0.0
        try:
            packet = json.loads(raw)
        except ValueError:
            return 400, {"error": "invalid JSON"}, 0.0
        if failing is not None:
            return failing, {"error": "injected failure"}, delay
        errors = validation_errors(packet)
        if errors:
            return 400, {"error": "schema", "details": errors}, 0.0
        expected = f"{packet['packet_id']}:{packet['version']}"
        if key != expected:
            return 400, {"error": f"Idempotency-Key must be {expected}"}, 0.0
        ident = (str(packet["packet_id"]), int(packet["version"]))
        with self._lock:
            duplicate = ident in self.records
            self.records.setdefault(ident, packet)
        return 200, {"status": "ok", "duplicate": duplicate}, delay

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        portal = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                if self.path != PATH:
                    self._send(404, {"error": "not found"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                key = self.headers.get("Idempotency-Key") or ""
                status, body, delay = portal._answer(
                    key, self.headers.get("Authorization") or "", raw
                )
                try:
                    packet: Any = json.loads(raw)
                except ValueError:
                    packet = None
                with portal._lock:
                    portal.requests.append(Received(key, status, packet))
                if delay:
                    time.sleep(delay)  # the slow portal: the client has given up by now
                self._send(status, body)

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body, ensure_ascii=False).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client timed out and closed the socket
                    pass

            def log_message(self, format: str, *args: Any) -> None:
                pass  # packets carry personal data: never log requests

        return Handler


@contextmanager
def running_portal(token: str | None = None) -> Iterator[FakeNationalPortal]:
    portal = FakeNationalPortal(token=token).start()
    try:
        yield portal
    finally:
        portal.stop()
