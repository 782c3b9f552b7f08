"""After-commit subscribers are declared on Deps and the store calls what Deps gives it."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from chalicelib.services.container import Deps
from chalicelib.store.table import DynamoStore

pytestmark = pytest.mark.unit


def test_committed_calls_every_subscriber_in_order_with_these_deps() -> None:
    calls: list[tuple[str, Any, Any, Any]] = []
    store = DynamoStore(client=object(), table_name="t")
    deps = Deps(
        store=store,
        files=None,  # type: ignore[arg-type]
        workflow=None,  # type: ignore[arg-type]
        settings=None,  # type: ignore[arg-type]
        after_commit=(
            lambda d, dossier, events: calls.append(("notify", d, dossier, events)),
            lambda d, dossier, events: calls.append(("portal", d, dossier, events)),
        ),
    )
    store.after_commit = deps.committed
    dossier = object()
    change = SimpleNamespace(events=("e1", "e2"))
    store.notify_applied(dossier, change)  # type: ignore[arg-type]
    assert [c[0] for c in calls] == ["notify", "portal"]
    assert all(c[1] is deps and c[2] is dossier and c[3] == ["e1", "e2"] for c in calls)


def test_a_change_without_events_notifies_no_one_and_an_unbound_store_is_silent() -> None:
    calls: list[Any] = []
    store = DynamoStore(client=object(), table_name="t")
    store.notify_applied(object(), SimpleNamespace(events=("e",)))  # type: ignore[arg-type]
    store.after_commit = lambda dossier, events: calls.append(events)
    store.notify_applied(object(), SimpleNamespace(events=()))  # type: ignore[arg-type]
    assert calls == []
