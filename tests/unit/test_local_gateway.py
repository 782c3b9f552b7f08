"""The local server answers as API Gateway does: unknown route 403 JSON, oversized body 413 JSON."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice import Chalice

from infra.local.http_server import API_PAYLOAD_LIMIT, make_server

pytestmark = pytest.mark.unit


@pytest.fixture
def port(tmp_path: Path) -> Iterator[int]:
    app = Chalice(app_name="gw")

    @app.route("/ping", methods=["POST"])
    def ping() -> dict[str, str]:
        return {"ok": "yes"}

    server = make_server(app, "127.0.0.1", 0, tmp_path)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server.server_address[1]
    finally:
        server.shutdown()


def _call(port: int, method: str, path: str, headers: dict[str, str]) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.putrequest(method, path)
    for k, v in headers.items():
        conn.putheader(k, v)
    conn.endheaders()
    res = conn.getresponse()
    assert res.getheader("Content-Type", "").startswith("application/json")
    return res.status, json.loads(res.read())


def test_unknown_api_route_is_403_missing_authentication_token(port: int) -> None:
    assert _call(port, "GET", "/api/nowhere", {}) == (
        403,
        {"message": "Missing Authentication Token"},
    )


def test_body_over_10_mb_is_413_json_before_the_app(port: int) -> None:
    big = {"Content-Length": str(API_PAYLOAD_LIMIT + 1), "Content-Type": "application/json"}
    assert _call(port, "POST", "/api/ping", big) == (413, {"message": "Request Too Long"})
