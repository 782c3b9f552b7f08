"""Every HTTP route is declared on the one registry (chalicelib/api/routing.py): no route module
registers a Chalice route by hand, and api/openapi.py holds no hand-written row of a route.

The scanners are proven on planted violations (a `bp.route` in a scratch route module, an `Op(`
row and a `(method, path)` key in a scratch openapi module), then run on the real tree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
ROUTES = ROOT / "chalicelib" / "api" / "routes"
OPENAPI = ROOT / "chalicelib" / "api" / "openapi.py"

# a Chalice route registered by hand: `@bp.route(...)`, `@app.route(...)`, `x.route(p, methods=..)`
HAND_ROUTE = re.compile(r"@\s*\w+\.route\(\s*[^)]*methods\s*=|\bbp\.route\(|\bBlueprint\(")
# a hand-written operation row: `Op("summary", ...)` or a `("GET", "/api/...")` key
HAND_ROW = re.compile(
    r"\bOp\(\s*[rfbu]?['\"]|\(\s*['\"](?:GET|POST|DELETE|PUT|PATCH)['\"]\s*,\s*f?['\"]/"
    r"|\bdef\s+(?:operations|answers|_\w+_operations)\s*\("
)


def hand_routes(folder: Path) -> list[str]:
    """`file:line: text` of every route in `folder`'s modules not declared on the registry."""
    found = []
    for path in sorted(folder.glob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if HAND_ROUTE.search(line):
                found.append(f"{path.name}:{number}: {line.strip()}")
    return found


def hand_rows(module: Path) -> list[str]:
    """`line: text` of every hand-written operation row in the OpenAPI module."""
    return [
        f"{number}: {line.strip()}"
        for number, line in enumerate(module.read_text(encoding="utf-8").splitlines(), 1)
        if HAND_ROW.search(line)
    ]


def test_the_route_scanner_finds_a_planted_bp_route(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_text(
        "from chalicelib.api.routing import Router\n"
        "router = Router(__name__)\nbp = router.bp\n\n"
        '@router.route("/api/x", "GET", summary="x", action="public.config.read")\n'
        "def x() -> dict[str, str]:\n    return {}\n",
        encoding="utf-8",
    )
    assert hand_routes(tmp_path) == []
    (tmp_path / "bad.py").write_text(
        "from chalice import Blueprint\nbp = Blueprint(__name__)\n\n"
        '@bp.route("/api/y", methods=["GET"])\n'
        "def y() -> dict[str, str]:\n    return {}\n",
        encoding="utf-8",
    )
    found = hand_routes(tmp_path)
    assert [f.split(":")[:2] for f in found] == [["bad.py", "2"], ["bad.py", "4"]]


def test_the_row_scanner_finds_planted_hand_rows(tmp_path: Path) -> None:
    module = tmp_path / "openapi.py"
    module.write_text(OPENAPI.read_text(encoding="utf-8"), encoding="utf-8")
    assert hand_rows(module) == []
    with module.open("a", encoding="utf-8") as f:
        f.write(
            "\n\ndef operations() -> dict[tuple[str, str], Op]:\n"
            '    return {("GET", "/api/qa"): Op("Hỏi đáp")}\n'
        )
    found = hand_rows(module)
    assert len(found) == 2, found
    assert "def operations" in found[0] and 'Op("Hỏi đáp")' in found[1]


def test_every_route_module_declares_its_routes_on_the_registry() -> None:
    assert sorted(p.name for p in ROUTES.glob("*.py"))  # the folder is where we think it is
    found = hand_routes(ROUTES)
    assert not found, "declare these on chalicelib/api/routing.py's Router:\n" + "\n".join(found)


def test_the_openapi_module_holds_no_hand_written_row() -> None:
    found = hand_rows(OPENAPI)
    assert not found, "routes carry their contract; remove these rows:\n" + "\n".join(found)


def test_every_app_route_has_a_contract() -> None:
    from app import app
    from chalicelib.api.routing import CONTRACTS

    routes = {(m, p) for p, methods in app.routes.items() for m in methods}
    assert routes and routes <= set(CONTRACTS), sorted(routes - set(CONTRACTS))
