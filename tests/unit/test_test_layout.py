"""Tests share code only through `tests/support/` (and the outside-service twins in `tests/fakes/`):
no module under tests/, bench/ or infra/ imports a test module (test_*.py, conftest.py or any other
module of tests/) or a `_private` name of tests/. Function-local imports count too (issue 18)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = ("tests.support", "tests.fakes")


def _resolved(relative: Path, node: ast.ImportFrom) -> str:
    """The absolute module of a (possibly relative) `from ... import` in the file `relative`."""
    if not node.level:
        return node.module or ""
    package = list(relative.with_suffix("").parts)[: -node.level]
    return ".".join([*package, *([node.module] if node.module else [])])


def _shared(module: str) -> bool:
    return any(module == s or module.startswith(s + ".") for s in SHARED)


def offences(root: Path = ROOT) -> list[str]:
    """Every import of a test module or of a private name of tests/, as `path:line: what`."""
    found: list[str] = []
    for folder in ("tests", "bench", "infra"):
        for path in sorted((root / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            relative = path.relative_to(root)
            where = str(relative)
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    for alias in node.names:
                        if alias.name.startswith("tests.") and not _shared(alias.name):
                            found.append(f"{where}:{node.lineno}: import {alias.name}")
                elif isinstance(node, ast.ImportFrom):
                    module = _resolved(relative, node)
                    if module != "tests" and not module.startswith("tests."):
                        continue
                    if not _shared(module):
                        found.append(f"{where}:{node.lineno}: from {module}")
                    private = [a.name for a in node.names if a.name.startswith("_")]
                    if private:
                        found.append(f"{where}:{node.lineno}: private {private} of {module}")
    return sorted(found, key=lambda f: (f.split(":")[0], int(f.split(":")[1])))


def test_no_module_imports_a_test_module_or_a_private_name() -> None:
    assert offences() == []


def test_the_check_sees_what_it_forbids(tmp_path: Path) -> None:
    # The check itself can fail: a planted cross-test import, a function-local one, a relative
    # one and a private name from the support package are each reported.
    (tmp_path / "tests" / "unit").mkdir(parents=True)
    (tmp_path / "tests" / "support").mkdir()
    (tmp_path / "tests" / "unit" / "test_a.py").write_text(
        "from tests.integration.test_dossier_path import submit\n"
        "def f():\n"
        "    import tests.helpers_app\n"
        "from .conftest import x\n"
        "from tests.support.journeys import _hidden, submit_online\n",
        encoding="utf-8",
    )
    (tmp_path / "tests" / "support" / "ok.py").write_text(
        "from tests.support.journeys import submit_online\nfrom tests.fakes import x\n",
        encoding="utf-8",
    )
    (tmp_path / "bench").mkdir()
    (tmp_path / "infra").mkdir()
    assert offences(tmp_path) == [
        "tests/unit/test_a.py:1: from tests.integration.test_dossier_path",
        "tests/unit/test_a.py:3: import tests.helpers_app",
        "tests/unit/test_a.py:4: from tests.unit.conftest",
        "tests/unit/test_a.py:5: private ['_hidden'] of tests.support.journeys",
    ]
