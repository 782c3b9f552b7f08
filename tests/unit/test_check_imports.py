"""tools/check_imports.py finds cycles made by function-local imports and private-name imports."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import check_imports

pytestmark = pytest.mark.unit


def _tree(tmp_path: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_a_function_local_import_closes_a_cycle(tmp_path: Path) -> None:
    _tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import g\n\ndef f() -> None:\n    g()\n",
            "pkg/b.py": "def g() -> None:\n    from pkg import a\n\n    print(a)\n",
        },
    )
    assert check_imports.main([str(tmp_path), "pkg"]) == 1
    mods = check_imports.modules(tmp_path, ["pkg"])
    edges, private = check_imports.graph(mods)
    assert check_imports.cycles(edges) == [["pkg.a", "pkg.b"]] and private == []


def test_another_modules_private_name_is_reported_but_a_private_module_is_not(
    tmp_path: Path,
) -> None:
    _tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/_impl.py": "def run() -> None: ...\n",
            "pkg/a.py": "def _hidden() -> None: ...\n",
            "pkg/b.py": "from pkg import _impl\nfrom pkg.a import _hidden\n",
        },
    )
    edges, private = check_imports.graph(check_imports.modules(tmp_path, ["pkg"]))
    assert private == ["pkg.b imports pkg.a._hidden"]
    assert check_imports.cycles(edges) == []


def test_the_repository_has_no_cycle_and_no_private_import() -> None:
    root = Path(__file__).resolve().parents[2]
    assert check_imports.main([str(root), "chalicelib", "app", "infra"]) == 0
