"""The line for a desk's daily number (chalicelib/store/turns.py), on moto's DynamoDB.

Time is injected: no test waits out the lease or the budget for real.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from infra.resources import Outputs
from tests.support.client import ApiClient
from tests.support.journeys import FEE_PAID_AT_DESK

pytestmark = pytest.mark.integration

KEY = "SEQ#000.00.01.H01#2026-11-30"


class FakeTime:
    """A clock that only moves when a waiter sleeps, plus a hook run on each sleep."""

    def __init__(self) -> None:
        self.t = 1_000_000.0
        self.on_sleep: list[Any] = []

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds
        for hook in list(self.on_sleep):
            hook()


def _turns(clock: FakeTime | None = None, **kw: Any) -> Any:
    from chalicelib.store.turns import Turns

    if clock is None:
        return Turns(**kw)
    return Turns(now=clock.now, sleep=clock.sleep, **kw)


def _state(key: str = KEY) -> dict[str, Any]:
    from chalicelib.store.turns import Turns

    t = Turns()
    item = t.client.get_item(TableName=t.table, Key=t._key(key), ConsistentRead=True)["Item"]
    return {k: v.get("N", v.get("NS")) for k, v in item.items() if k not in ("PK", "SK")}


def test_tickets_are_served_in_the_order_taken(aws: Outputs) -> None:
    clock = FakeTime()
    turns = _turns(clock)
    first, second, third = (turns.take(KEY) for _ in range(3))
    assert (first, second, third) == (1, 2, 3)
    assert turns.wait(KEY, first) is True  # nobody ahead: served at once
    released: list[int] = []

    def pass_on() -> None:  # the holders ahead finish, one per poll
        if not released:
            turns.release(KEY, first)
            released.append(first)
        elif released == [first]:
            turns.release(KEY, second)
            released.append(second)

    clock.on_sleep.append(pass_on)
    assert turns.wait(KEY, third) is True
    assert released == [first, second]  # not served before both ahead passed the turn on
    turns.release(KEY, third)
    assert _state()["serving"] == "4"


def test_a_vanished_holder_is_skipped_after_the_lease(aws: Outputs) -> None:
    clock = FakeTime()
    turns = _turns(clock, lease=10.0, budget=60.0)
    stuck, mine = turns.take(KEY), turns.take(KEY)
    assert turns.wait(KEY, stuck)  # then never released (a Lambda killed mid-request)
    start = clock.t
    assert turns.wait(KEY, mine) is True
    assert clock.t - start > 10.0  # waited out the lease, not less
    turns.release(KEY, stuck)  # the late holder's release moves nothing
    assert _state()["serving"] == str(mine)
    turns.release(KEY, mine)
    assert _state()["serving"] == str(mine + 1)


def test_a_waiter_that_gives_up_does_not_hold_the_line(aws: Outputs) -> None:
    clock = FakeTime()
    turns = _turns(clock, lease=10.0, budget=3.0)
    holder, quitter, last = turns.take(KEY), turns.take(KEY), turns.take(KEY)
    assert turns.wait(KEY, holder)
    with turns.hold(KEY, quitter) as served:
        assert served is False  # waited past its budget: goes ahead unserved
    assert str(quitter) in _state()["abandoned"]
    turns.release(KEY, holder)
    start = clock.t
    assert turns.wait(KEY, last) is True
    assert clock.t - start < 10.0  # the abandoned ticket was skipped, not waited out
    assert _state()["serving"] == str(last)


def test_threads_hold_the_turn_one_at_a_time_in_ticket_order(aws: Outputs) -> None:
    """Real threads, real polling (short): the body never runs twice at once. Needs moto's DynamoDB
    to apply each request atomically, as DynamoDB does (the local stack's patch)."""
    from infra.moto_patches import dynamodb_serial

    dynamodb_serial.apply()
    turns = _turns()
    inside: list[int] = []
    order: list[int] = []
    overlap: list[int] = []
    lock = threading.Lock()

    def receipt(n: int) -> None:
        with turns.turn(KEY) as served:
            assert served
            with lock:
                inside.append(n)
                if len(inside) > 1:
                    overlap.append(n)
            order.append(n)
            time.sleep(0.01)
            with lock:
                inside.remove(n)

    threads = [threading.Thread(target=receipt, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(order) == list(range(8))
    assert overlap == []
    assert _state()["serving"] == "9" and _state()["tickets"] == "8"


def test_receipts_at_one_desk_take_the_line_and_keep_numbers_gap_free(api: ApiClient) -> None:
    """Through the service: each receipt takes one ticket and passes the turn on."""
    from tests.support.journeys import submit_online

    desk = api.as_user("motcua")
    ids = [submit_online(api, "2.001610")["id"] for _ in range(3)]
    codes = [
        desk.post(f"/api/desk/dossiers/{i}/accept", FEE_PAID_AT_DESK).json()["code"] for i in ids
    ]
    assert [c[-4:] for c in codes] == ["0001", "0002", "0003"]
    turn_items = _turn_items()
    assert len(turn_items) == 1
    assert turn_items[0]["tickets"] == "3" and turn_items[0]["serving"] == "4"


def _turn_items() -> list[dict[str, Any]]:
    from chalicelib.store.turns import Turns

    t = Turns()
    items = t.client.scan(TableName=t.table)["Items"]
    return [
        {k: v.get("N", v.get("S")) for k, v in it.items()}
        for it in items
        if it["SK"]["S"] == "TURN"
    ]


def test_a_failed_release_leaves_the_receipt_standing(
    aws: Outputs, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The receipt is committed before the turn is passed on; if passing it fails (AWS down after
    retries), the request still answers with its receipt and the lease moves the line."""
    from botocore.exceptions import ClientError

    from chalicelib.store.turns import Turns

    def failing(self: Turns, key: str, ticket: int, served: bool = True) -> None:
        raise ClientError({"Error": {"Code": "ThrottlingException"}}, "UpdateItem")

    monkeypatch.setattr(Turns, "release", failing)
    clock = FakeTime()
    turns = _turns(clock, lease=10.0)
    done = []
    with turns.turn(KEY) as served:
        done.append(served)
    assert done == [True]
    nxt = turns.take(KEY)
    assert turns.wait(KEY, nxt) is True  # skipped past the unreleased turn after the lease
    assert _state()["serving"] == str(nxt)


def test_after_an_idle_line_the_lease_counts_from_the_new_holders_turn(aws: Outputs) -> None:
    """The line was idle for an hour; the next receipt is served at once and its lease starts
    then, not when the last turn was passed on an hour ago."""
    clock = FakeTime()
    turns = _turns(clock, lease=10.0, budget=60.0)
    first = turns.take(KEY)
    assert turns.wait(KEY, first)
    turns.release(KEY, first)
    clock.t += 3600
    holder, waiter = turns.take(KEY), turns.take(KEY)
    assert turns.wait(KEY, holder)
    released: list[float] = []

    def finish_after_two_seconds() -> None:
        if not released and clock.t - start >= 2.0:
            turns.release(KEY, holder)
            released.append(clock.t)

    clock.on_sleep.append(finish_after_two_seconds)
    start = clock.t
    assert turns.wait(KEY, waiter)
    assert released, "the waiter skipped a holder that was 0 s into its turn"
