"""The portal twin's push to our front door, against a real HTTP server that fails on demand: it
retries with backoff while our side is down or answers 5xx/408/429 or garbage, signs each
attempt afresh under the same Idempotency-Key, takes a 4xx as an answer (no retry), and after the
last attempt leaves the dossier in the pull list (the national side then serves it to our pull)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chalicelib.domain import portal_intake as rules
from tests.fakes.national_portal import SAMPLE_PDF, FakeNationalPortal, running_portal

pytestmark = pytest.mark.integration

PUSH_SECRET = "push-secret-for-twin-tests"


@dataclass
class FrontDoor:
    """Our API as the portal sees it: fails the first `failures` requests the way `how` says
    (an HTTP status, "drop" to close the connection unanswered, "garbage" for a 200 with HTML),
    then answers 200 with a JSON receipt."""

    failures: int = 0
    how: int | str = 503
    requests: list[dict[str, Any]] = field(default_factory=list)
    final_status: int = 200
    url: str = ""

    def handler(self) -> type[BaseHTTPRequestHandler]:
        door = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    door.requests.append(
                        {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                    )
                    n = len(door.requests)
                if n <= door.failures and door.how == "drop":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if n <= door.failures and door.how == "garbage":
                    self._send(200, b"<html>502 Bad Gateway</html>", "text/html")
                    return
                if n <= door.failures:
                    self._send(int(door.how), b'{"code":"unavailable"}', "application/json")
                    return
                answer = {"KetQua": "DaNhan", "MaHoSo": "d-1"}
                if door.final_status != 200:
                    answer = {"code": "unknown_procedure", "message": "Không có thủ tục"}
                self._send(door.final_status, json.dumps(answer).encode(), "application/json")

            def _send(self, status: int, data: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


@pytest.fixture
def door() -> Iterator[FrontDoor]:
    d = FrontDoor()
    server = ThreadingHTTPServer(("127.0.0.1", 0), d.handler())
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    d.url = f"http://127.0.0.1:{server.server_address[1]}/api/portal/dvcqg/hoso"
    try:
        yield d
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def twin(door: FrontDoor) -> Iterator[tuple[FakeNationalPortal, list[float]]]:
    sleeps: list[float] = []
    with running_portal(
        push_url=door.url, push_secret=PUSH_SECRET, push_attempts=4, sleep=sleeps.append
    ) as fake:
        yield fake, sleeps


def _submit(fake: FakeNationalPortal) -> str:
    dossier = fake.submit(
        "2.001610",
        "H33.50",
        {"name": "Trần Thị Hoa", "id_number": "093190004321"},
        {},
        {"giay-de-nghi": ("de-nghi.pdf", SAMPLE_PDF, "application/pdf")},
    )
    return str(dossier["MaHoSoQuocGia"])


def _pull_list(fake: FakeNationalPortal) -> list[str]:
    import urllib.request

    with urllib.request.urlopen(fake.base_url + "/api/hoso/moi", timeout=5) as resp:
        return [d["MaHoSoQuocGia"] for d in json.loads(resp.read())["DanhSachHoSo"]]


@pytest.mark.parametrize("how", [503, 500, 429, 408, "drop", "garbage"])
def test_the_twin_retries_with_backoff_until_our_front_door_answers(
    door: FrontDoor, twin: tuple[FakeNationalPortal, list[float]], how: int | str
) -> None:
    fake, sleeps = twin
    door.failures, door.how = 2, how
    ref = _submit(fake)
    # three attempts: two failed, the third answered; backoff 0.5 s then 1 s (not slept)
    assert len(door.requests) == 3
    assert sleeps == [0.5, 1.0]
    assert fake.answers[ref] == {"http": 200, "KetQua": "DaNhan", "MaHoSo": "d-1"}
    assert fake.push_attempts_log[ref][-1] == 200 and len(fake.push_attempts_log[ref]) == 3
    # the same dossier, the same Idempotency-Key, every attempt signed validly
    bodies = {r["body"] for r in door.requests}
    assert len(bodies) == 1
    assert {r["headers"]["idempotency-key"] for r in door.requests} == {f"dvcqg-{ref}"}
    for r in door.requests:
        h = r["headers"]
        at = datetime.fromtimestamp(int(h["x-dvcqg-timestamp"]), UTC)
        # raises unless signed with the push secret over this timestamp and body
        rules.verify_signature(
            PUSH_SECRET, h["x-dvcqg-signature"], h["x-dvcqg-timestamp"], r["body"], at
        )
    assert ref not in _pull_list(fake)  # answered: nothing left to pull


def test_a_rejection_is_an_answer_not_retried(
    door: FrontDoor, twin: tuple[FakeNationalPortal, list[float]]
) -> None:
    fake, sleeps = twin
    door.final_status = 404
    ref = _submit(fake)
    assert len(door.requests) == 1 and sleeps == []
    assert fake.answers[ref]["http"] == 404
    assert fake.answers[ref]["code"] == "unknown_procedure"


def test_after_the_last_attempt_the_dossier_waits_in_the_pull_list(
    door: FrontDoor, twin: tuple[FakeNationalPortal, list[float]]
) -> None:
    fake, sleeps = twin
    door.failures, door.how = 99, 503
    ref = _submit(fake)
    assert len(door.requests) == 4  # push_attempts
    assert sleeps == [0.5, 1.0, 2.0]
    assert fake.push_attempts_log[ref] == [503, 503, 503, 503]
    assert ref not in fake.answers
    assert ref in _pull_list(fake)  # the national side serves it to our pull instead
    # when the front door is back, a later push (the portal's next round) gets the answer
    door.failures = 0
    door.requests.clear()
    assert fake.push(ref)["KetQua"] == "DaNhan"
    assert ref not in _pull_list(fake)
