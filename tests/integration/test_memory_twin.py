"""The in-memory store twin (tests/support/memory.py) answers as the DynamoDB store does: the same
service journey over each, on moto and in memory, leaves the same statuses, versions, code,
deadlines, history, counters, task and register, and both refuse a stale version alike."""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.errors import Conflict
from chalicelib.store.table import Change
from tests.support.memory import MemoryFiles, MemoryWorkflow, memory_deps
from tests.support.service_journeys import Clock, spine, submit_online, vn

pytestmark = pytest.mark.integration


def dynamo_deps(clock: Clock) -> Any:
    """The real DynamoStore over the moto account (catalogue and calendar loaded); files and
    workflow are the twins, so only the store differs."""
    from chalicelib.services.deps import Deps
    from chalicelib.settings import get_settings
    from chalicelib.store.table import DynamoStore
    from infra.demo import load_catalogue

    store = DynamoStore()
    load_catalogue(store)
    return Deps(
        store=store,
        files=MemoryFiles(),  # type: ignore[arg-type]
        workflow=MemoryWorkflow(),  # type: ignore[arg-type]
        settings=get_settings(),
        clock=clock,
        wall_clock=clock,
    )


def test_the_twin_and_dynamodb_leave_the_same_record(aws: Any) -> None:
    on_moto = Clock(vn(10, 9))
    in_memory = Clock(vn(10, 9))
    expected = spine(dynamo_deps(on_moto), on_moto)
    assert expected["statuses"] == [1, 2, 4, 9]  # the journey really ran
    assert spine(memory_deps(in_memory), in_memory) == expected


def test_both_refuse_a_stale_version_and_keep_nothing(aws: Any) -> None:
    for make in (dynamo_deps, memory_deps):
        clock = Clock(vn(10, 9))
        deps = make(clock)
        d = submit_online(deps)
        stale = Change(dossier=d, expected_version=d.version - 1)
        with pytest.raises(Conflict) as refused:
            deps.store.apply(stale)
        assert refused.value.code == "version_conflict", make.__name__
        assert deps.store.get_dossier(d.id).version == d.version
