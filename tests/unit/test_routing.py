"""Routes that carry their contract (chalicelib/api/routing.py): the wrapper's order (authenticate,
role from the permission table, then parse), the answer's dump, and the registry's checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from chalice import Chalice
from chalice.test import Client
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api import context, http, routing
from chalicelib.api.auth import Caller
from chalicelib.domain import permissions
from chalicelib.domain.errors import Unauthorized

pytestmark = pytest.mark.unit


class ThingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=2)


class ThingQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")
    q: str | None = Field(None, description="Free text.")


class ThingOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str
    seen_as: str
    count: int = 0
    stamp: str | None = Field(None, alias="at")


PREFIX = "/test-routing"


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Client]:
    monkeypatch.setitem(permissions.PERMISSIONS, "test.thing.make", permissions.allow("desk admin"))
    monkeypatch.setitem(permissions.PERMISSIONS, "test.thing.read", permissions.public())
    who: dict[str, Caller | None] = {"caller": None}

    def fake_caller() -> Caller:
        if who["caller"] is None:
            raise Unauthorized("Bạn cần đăng nhập.", "Sign-in required.", code="token_missing")
        return who["caller"]

    monkeypatch.setattr(context, "caller", fake_caller)
    router = routing.Router(__name__)

    @router.route(PREFIX + "/things", "POST", summary="Make", action="test.thing.make", status=201)
    def make_thing(who: Caller, req: ThingIn) -> ThingOut:
        return ThingOut(name=req.name, seen_as=who.role)

    @router.route(PREFIX + "/things/{name}", "GET", summary="Read", action="test.thing.read")
    def read_thing(name: str, params: ThingQuery) -> ThingOut:
        return ThingOut(name=name, seen_as=params.q or "-", at="2026-01-01T00:00:00Z")

    @router.route(
        PREFIX + "/dicts/{name}",
        "GET",
        summary="A dict answer",
        action="test.thing.read",
        out="ThingOut",
        no_store=True,
    )
    def read_dict(name: str) -> dict[str, Any]:
        if name == "bad":
            return {"name": name}  # misses `seen_as`: our fault, a 500
        if name == "changed":
            return {"name": name, "seen_as": "x", "count": "7"}  # the model would change it
        return {"name": name, "seen_as": "x", "extra": [1, 2]}

    app = Chalice(app_name="routing-test")
    app.register_blueprint(router.bp)
    _isolate_http_config(monkeypatch)
    http.install(app, idempotency_store=_NoStore())
    monkeypatch.setattr(context, "_app", app)
    monkeypatch.setenv(routing.CONTRACT_CHECK_ENV, "1")
    c = Client(app)
    c.who = who  # type: ignore[attr-defined]
    try:
        yield c
    finally:
        for key in [k for k in routing.CONTRACTS if k[1].startswith(PREFIX)]:
            del routing.CONTRACTS[key]


def _isolate_http_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """`http.install(..., idempotency_store=...)` sets the process-wide config: give this test its
    own copy, restored at teardown, so later tests in the worker keep their real store."""
    import dataclasses

    monkeypatch.setattr(http, "_config", dataclasses.replace(http._config))


class _NoStore:
    """Idempotency persistence is not what these tests check; POSTs here declare replay."""


def _caller(role: str) -> Caller:
    return Caller(sub="s-" + role, username=role, role=role, unit="H33.50")  # type: ignore[arg-type]


def _post(client: Client, path: str, body: Any) -> Any:
    return client.http.post(
        path,
        headers={"Content-Type": "application/json", "Idempotency-Key": "k1"},
        body=json.dumps(body) if not isinstance(body, bytes) else body,
    )


def test_the_role_is_checked_before_the_body_is_parsed(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(http, "idempotent_post", lambda req, key, fn, **kw: http.call_view(fn, req))
    path = PREFIX + "/things"
    assert _post(client, path, {"name": "ab"}).status_code == 401
    client.who["caller"] = _caller("citizen")  # type: ignore[attr-defined]
    refused = _post(client, path, {"bogus": True})
    assert refused.status_code == 403
    assert json.loads(refused.body)["code"] == "forbidden_role"
    client.who["caller"] = _caller("desk")  # type: ignore[attr-defined]
    bad = _post(client, path, {"name": "a"})
    assert bad.status_code == 400
    assert json.loads(bad.body)["field"] == "name"
    ok = _post(client, path, {"name": "ab"})
    assert ok.status_code == 201
    assert json.loads(ok.body) == {"name": "ab", "seen_as": "desk"}  # exclude_unset: no count


def test_query_model_and_alias_dump(client: Client) -> None:
    r = client.http.get(PREFIX + "/things/abc?q=hello&other=ignored")
    assert r.status_code == 200
    assert json.loads(r.body) == {"name": "abc", "seen_as": "hello", "at": "2026-01-01T00:00:00Z"}


def test_a_dict_answer_is_validated_and_dumped_unchanged(client: Client) -> None:
    r = client.http.get(PREFIX + "/dicts/abc")
    assert r.status_code == 200
    assert json.loads(r.body) == {"name": "abc", "seen_as": "x", "extra": [1, 2]}
    assert r.headers["Cache-Control"] == "no-store"


def test_an_answer_that_breaks_its_contract_is_a_500_not_a_400(client: Client) -> None:
    for name in ("bad", "changed"):
        r = client.http.get(PREFIX + f"/dicts/{name}")
        assert r.status_code == 500, name
        assert json.loads(r.body)["code"] == "internal_error"


def test_contracts_are_registered_with_lazy_models(client: Client) -> None:
    c = routing.CONTRACTS[("POST", PREFIX + "/things")]
    assert (c.action, c.status, c.view_name, c.out) == (
        "test.thing.make",
        201,
        "make_thing",
        "ThingOut",
    )
    assert c.body is ThingIn and c.body_required and c.answer is ThingOut
    assert routing.CONTRACTS[("GET", PREFIX + "/things/{name}")].query is ThingQuery


def test_a_handler_parameter_nobody_fills_is_refused() -> None:
    router = routing.Router(__name__)
    with pytest.raises(routing.ContractError, match="cannot fill parameter 'mystery'"):

        @router.route(PREFIX + "/x", "GET", summary="x", action="test.thing.read")
        def odd(mystery: str) -> None: ...

    with pytest.raises(routing.ContractError, match="path parameters"):

        @router.route(PREFIX + "/y/{item}", "GET", summary="y", action="test.thing.read")
        def missing() -> None: ...

    assert (("GET", PREFIX + "/x")) not in routing.CONTRACTS


def test_app_routes_with_contracts_name_known_actions_and_resolve_their_models() -> None:
    import app  # noqa: F401

    assert routing.CONTRACTS
    for (method, path), c in routing.CONTRACTS.items():
        permissions.permission(c.action)  # UnknownAction otherwise
        for model in (c.body, c.query, c.answer):
            assert model is None or issubclass(model, BaseModel), (method, path)


def test_importing_the_app_loads_no_model_module() -> None:
    import subprocess
    import sys

    code = (
        "import sys, app; print(sorted(m for m in sys.modules if m.startswith("
        "('chalicelib.api.schemas', 'chalicelib.services.models'))))"
    )
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, check=True, timeout=120
    )
    assert out.stdout.decode().strip() == "[]"


def test_a_cache_control_of_its_own_and_a_signed_route(monkeypatch: pytest.MonkeyPatch) -> None:
    """`cache=` sets Cache-Control on a JSON answer; an `Auth.SIGV4` action calls the registered
    authenticator (its 401 comes before the body is read) and hands its actor to `who`."""
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class KeyActor:
        sub: str
        username: str
        unit: str
        role: str = "agency"

    monkeypatch.setitem(
        permissions.PERMISSIONS,
        "test.thing.signed",
        permissions.allow("agency", auth=permissions.Auth.SIGV4),
    )
    monkeypatch.setitem(permissions.PERMISSIONS, "test.thing.read", permissions.public())
    signed: dict[str, KeyActor | None] = {"key": None}

    def fake_signed() -> KeyActor:
        if signed["key"] is None:
            raise Unauthorized("Chữ ký không hợp lệ.", "Bad signature.", code="signature_invalid")
        return signed["key"]

    monkeypatch.setitem(routing._AUTHENTICATORS, "sigv4", fake_signed)
    router = routing.Router(__name__)

    @router.route(PREFIX + "/cached", "GET", summary="c", action="test.thing.read",
                  cache="private, no-store")  # fmt: skip
    def cached() -> ThingOut:
        return ThingOut(name="c", seen_as="-")

    @router.route(PREFIX + "/signed", "POST", summary="s", action="test.thing.signed")
    def signed_thing(who: KeyActor, req: ThingIn) -> ThingOut:
        return ThingOut(name=req.name, seen_as=who.unit)

    app = Chalice(app_name="routing-signed")
    app.register_blueprint(router.bp)
    _isolate_http_config(monkeypatch)
    http.install(app, idempotency_store=_NoStore())
    monkeypatch.setattr(context, "_app", app)
    monkeypatch.setattr(http, "idempotent_post", lambda req, key, fn, **kw: http.call_view(fn, req))
    c = Client(app)
    try:
        r = c.http.get(PREFIX + "/cached")
        assert r.status_code == 200 and r.headers["Cache-Control"] == "private, no-store"
        assert _post(c, PREFIX + "/signed", {"bogus": 1}).status_code == 401  # before parsing
        signed["key"] = KeyActor(sub="agency-key:K", username="api:H33.03:K", unit="H33.03")
        ok = _post(c, PREFIX + "/signed", {"name": "ab"})
        assert ok.status_code == 200
        assert json.loads(ok.body) == {"name": "ab", "seen_as": "H33.03"}
        assert [a.kind for a in routing.CONTRACTS[("POST", PREFIX + "/signed")].args] == [
            "who",
            "body",
        ]
    finally:
        for key in [k for k in routing.CONTRACTS if k[1].startswith(PREFIX)]:
            del routing.CONTRACTS[key]
