"""Every moto patch (infra/moto_patches/) says why it exists and refuses a moto it was not for."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import moto
import pytest

import infra.moto_patches as patches
from infra.moto_patches import PATCHES, dynamodb_partition_query, sqs_serial
from infra.moto_patches.guard import Guard, MotoPatchError

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
SUPPORT = {"infra.moto_patches.guard", "infra.moto_patches.locking"}


def _patch_modules() -> list[ModuleType]:
    names = [m.name for m in pkgutil.iter_modules(patches.__path__, "infra.moto_patches.")]
    return [importlib.import_module(n) for n in sorted(names) if n not in SUPPORT]


def _pinned_moto() -> str:
    pin = re.search(r"^moto\[server\]==(\S+)", (ROOT / "requirements-dev.txt").read_text(), re.M)
    assert pin, "moto is no longer pinned in requirements-dev.txt"
    return pin.group(1)


def test_every_patch_module_is_applied_and_says_why_with_its_decision() -> None:
    found = _patch_modules()
    assert len(found) >= 7
    assert set(found) == set(PATCHES), "a patch module that apply_all() does not apply"
    order = list(PATCHES)
    assert order.index(patches.dynamodb_transactions) < order.index(patches.dynamodb_serial)
    for module in found:
        doc = module.__doc__ or ""
        assert "moto's behaviour" in doc and "Why we need it" in doc, module.__name__
        assert "docs/design.md" in doc, module.__name__
        assert callable(module.apply), module.__name__
        assert isinstance(module.GUARD, Guard) and module.GUARD.patch == module.__name__


def test_every_patch_was_written_against_the_pinned_moto_which_is_the_installed_one() -> None:
    assert moto.__version__ == _pinned_moto()
    for module in PATCHES:
        assert moto.__version__ in module.GUARD.versions, module.__name__


@pytest.mark.parametrize("module", PATCHES, ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_another_moto_version_fails_loudly_naming_the_patch_and_its_versions(
    module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(moto, "__version__", "5.2.6")
    with pytest.raises(MotoPatchError) as e:
        module.apply()
    message = str(e.value)
    assert module.__name__ in message
    assert "5.2.5" in message and "5.2.6" in message


def test_a_changed_signature_is_refused_before_anything_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from moto.sqs.models import SQSBackend

    def receive_message(self: Any, queue_name: str, max_number: int) -> list[Any]:
        return []

    monkeypatch.delattr(SQSBackend, "_tthc_serial", raising=False)  # as if not yet applied
    monkeypatch.setattr(SQSBackend, "receive_message", receive_message)
    send_before = SQSBackend.send_message
    with pytest.raises(MotoPatchError) as e:
        sqs_serial.apply()
    assert "sqs_serial" in str(e.value) and "SQSBackend.receive_message" in str(e.value)
    assert "max_number" in str(e.value)
    assert SQSBackend.receive_message is receive_message
    assert SQSBackend.send_message is send_before  # the other operations were not wrapped either
    assert not getattr(SQSBackend, "_tthc_serial", False)


def test_a_missing_attribute_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.dynamodb.models.table import Table

    monkeypatch.delattr(Table, "_tthc_partitioned", raising=False)
    monkeypatch.delattr(Table, "all_items")
    with pytest.raises(MotoPatchError, match=r"no moto\.dynamodb\.models\.table\.Table\.all_items"):
        dynamodb_partition_query.apply()


def test_the_shape_guard_checks_exact_parameters_and_the_keywords_a_patch_calls() -> None:
    class Backend:
        def put(self, table: str, item: dict[str, Any], condition: str | None = None) -> None:
            pass

    guard = Guard("example", ("5.2.5",))
    guard.check_shape(Backend, "put", ("self", "table", "item", "condition"))
    guard.check_shape(Backend, "put", accepts=("condition",))
    with pytest.raises(MotoPatchError, match="example"):
        guard.check_shape(Backend, "put", ("self", "table", "item"))
    with pytest.raises(MotoPatchError, match="expected"):
        guard.check_shape(Backend, "put", accepts=("expected",))
    with pytest.raises(MotoPatchError, match="has no"):
        guard.check_shape(Backend, "get")
