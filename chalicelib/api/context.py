"""Request-scoped helpers for route handlers: the request, the caller, the dependencies."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from chalice import Chalice
    from chalice.app import Request

    from chalicelib.api.auth import Caller
    from chalicelib.services.container import Deps

M = TypeVar("M", bound=BaseModel)

_app: Chalice | None = None
_verifier: Any = None


def bind(app: Chalice) -> None:
    """app.py binds the app once, so blueprints can reach the current request."""
    global _app
    _app = app


def app() -> Chalice:
    """The bound app (the OpenAPI document walks its routes)."""
    assert _app is not None, "chalicelib.api.context.bind(app) was not called"
    return _app


def request() -> Request:
    assert _app is not None, "chalicelib.api.context.bind(app) was not called"
    req = _app.current_request
    assert req is not None
    return req


def deps() -> Deps:
    from chalicelib.services.deps import get_deps

    return get_deps()


def query() -> dict[str, str]:
    return dict(request().query_params or {})


def body(model: type[M]) -> M:
    from chalicelib.api.http import parse_body

    return parse_body(request(), model)


def set_verifier(verifier: Any) -> None:
    """Tests and the local stack may inject a verifier (e.g. with moto's static keys)."""
    global _verifier
    _verifier = verifier


def verifier() -> Any:
    global _verifier
    if _verifier is None:
        from chalicelib.api.auth import TokenVerifier

        _verifier = TokenVerifier.from_settings(deps().settings)
    return _verifier


def caller() -> Caller:
    """The verified caller; raises Unauthorized without a valid token."""
    from chalicelib.api.auth import caller_from_request

    return caller_from_request(request(), verifier(), deps().store)
