"""The local stack imports up front every Powertools module the app imports on first use."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from infra.local.stack import POWERTOOLS_LAZY, warm_imports

ROOT = Path(__file__).resolve().parents[2]
LAZY = re.compile(r"^\s+from (aws_lambda_powertools[\w.]*) import", re.MULTILINE)


def test_every_lazy_powertools_import_of_the_app_is_warmed() -> None:
    lazy = {
        m
        for path in [ROOT / "app.py", *sorted((ROOT / "chalicelib").rglob("*.py"))]
        for m in LAZY.findall(path.read_text("utf-8"))
    }
    assert lazy, "the scan found no lazy import: the pattern is wrong"
    assert lazy <= set(POWERTOOLS_LAZY), sorted(lazy - set(POWERTOOLS_LAZY))


def test_warm_imports_loads_them_and_every_chalicelib_module() -> None:
    warm_imports()
    for name in POWERTOOLS_LAZY:
        assert name in sys.modules, name
    for name in ("chalicelib.services.dossier.processing", "chalicelib.api.routes.ops"):
        assert name in sys.modules, name
