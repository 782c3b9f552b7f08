"""What the store keeps in process (issue 22): pinned procedure versions for good, LATEST for
PROCEDURE_TTL_SECONDS. A publication by another instance is seen once that time has passed (the
cache's clock is moved, nothing sleeps); one by this instance at once."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.store.table import PROCEDURE_TTL_SECONDS, DynamoStore
from tests.support.documents import PROCEDURE as PROC

pytestmark = pytest.mark.integration


def _gets(store: DynamoStore) -> list[str]:
    seen: list[str] = []
    store.client.meta.events.register(
        "before-call.dynamodb.GetItem", lambda params, **_: seen.append(str(params))
    )
    return seen


def test_a_pinned_version_is_read_once_per_process(aws: Any) -> None:
    writer, reader = DynamoStore(), DynamoStore()
    writer.put_procedure(PROC)
    gets = _gets(reader)
    assert reader.get_procedure(PROC.code, 1) == PROC
    assert reader.get_procedure(PROC.code, 1) == PROC
    assert len(gets) == 1


def test_another_instance_s_publication_is_seen_within_the_ttl(aws: Any) -> None:
    writer, reader = DynamoStore(), DynamoStore()
    writer.put_procedure(PROC)
    clock = {"now": 1000.0}
    reader.monotonic = lambda: clock["now"]  # type: ignore[method-assign]
    assert reader.get_procedure(PROC.code).version == 1

    v2 = PROC.model_copy(update={"version": 2, "name": "Tên mới của thủ tục"})
    writer.put_procedure(v2)  # the province publishes through another Lambda instance
    clock["now"] += PROCEDURE_TTL_SECONDS - 1
    assert reader.get_procedure(PROC.code).version == 1  # still within the stated time
    clock["now"] += 2
    assert reader.get_procedure(PROC.code) == v2  # past it: the new version
    assert reader.get_procedure(PROC.code, 1) == PROC  # the pinned one never changes


def test_this_instance_s_publication_is_seen_at_once(aws: Any) -> None:
    store = DynamoStore()
    store.put_procedure(PROC)
    assert store.get_procedure(PROC.code).version == 1
    v2 = PROC.model_copy(update={"version": 2})
    store.put_procedure(v2)
    assert store.get_procedure(PROC.code) == v2


def test_an_unknown_procedure_is_not_cached_as_found(aws: Any) -> None:
    from chalicelib.domain.errors import NotFound

    store = DynamoStore()
    with pytest.raises(NotFound):
        store.get_procedure("9.999999")
    store.put_procedure(PROC.model_copy(update={"code": "9.999999"}))
    assert store.get_procedure("9.999999").code == "9.999999"
