"""First come, first served turns at one hot key: a desk's daily dossier number.

Receipts at one desk and day must take numbers without gaps, so the number is written in the receipt
transaction under an optimistic check (`DynamoStore.apply`). Alone, that check is unfair: under
many simultaneous receipts each round has one winner, and an unlucky clerk can lose every round
(found by the full-size load bench: 25 of 1,500 receipts ran out of retries). A ticket lock on the
same table puts them in line instead: take a ticket (one atomic ADD, never contended), wait until it
is served, write the receipt, pass the turn on. Correctness still rests on the optimistic check;
the line only stops the retries. A holder that vanished (a Lambda killed mid-request) is skipped
once the turn has not moved for `lease` seconds.

Item `<key>`/`TURN`: `tickets` (last ticket taken), `serving` (ticket whose turn it is), `since`
(epoch seconds when the serving ticket's turn began), `abandoned` (tickets whose callers stopped
waiting) and the table's TTL attribute, so a day's line expires.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from chalicelib.store.base import TableAdapter

LEASE_SECONDS = 10.0
WAIT_BUDGET_SECONDS = 20.0  # below API Gateway's 29 s, leaving the holder's own work
KEEP_SECONDS = 3 * 86400
GUESS_TURN_SECONDS = 0.05
MIN_POLL_SECONDS = 0.02
MAX_POLL_SECONDS = 2.0


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: float) -> dict[str, str]:
    return {"N": repr(value) if isinstance(value, float) else str(value)}


def poll_interval(ahead: int, moved: int, waited: float, held: float) -> float:
    """How long to sleep before looking again: about half the expected time left, so a waiter far
    back polls rarely (every waiter's poll is a read the holder competes with) and the next in
    line notices the turn soon after it is passed. A turn is assumed to take what turns took
    while waiting, or, before any moved, at least `GUESS_TURN_SECONDS` and as long as waited."""
    per_turn = waited / moved if moved else max(GUESS_TURN_SECONDS, waited)
    left = ahead * per_turn - held  # the holder is `held` seconds into its turn
    return min(MAX_POLL_SECONDS, max(MIN_POLL_SECONDS, left / 2)) * (0.8 + 0.4 * random.random())


class Turns(TableAdapter):
    """Ticket lock over DynamoDB. `now` and `sleep` are injected so tests need no real waiting."""

    def __init__(
        self,
        client: Any = None,
        table_name: str | None = None,
        *,
        now: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        lease: float = LEASE_SECONDS,
        budget: float = WAIT_BUDGET_SECONDS,
    ) -> None:
        super().__init__(client, table_name)
        self.now, self.sleep, self.lease, self.budget = now, sleep, lease, budget

    def _key(self, key: str) -> dict[str, Any]:
        return {"PK": _s(key), "SK": _s("TURN")}

    def take(self, key: str) -> int:
        now = self.now()
        resp = self.client.update_item(
            TableName=self.table,
            Key=self._key(key),
            UpdateExpression=(
                "ADD tickets :one SET serving = if_not_exists(serving, :one), "
                "since = if_not_exists(since, :now), expiration = :exp"
            ),
            ExpressionAttributeValues={
                ":one": _n(1),
                ":now": _n(now),
                ":exp": _n(int(now + KEEP_SECONDS)),
            },
            ReturnValues="ALL_NEW",
        )
        ticket = int(resp["Attributes"]["tickets"]["N"])
        if int(resp["Attributes"]["serving"]["N"]) == ticket:
            # The line was idle: the turn came to this ticket when the last one was passed on,
            # maybe hours ago; its lease starts now.
            self._move(key, ticket, ticket)
        return ticket

    def wait(self, key: str, ticket: int) -> bool:
        """Until `ticket` is served (True), or False once the budget is spent: the caller then
        goes ahead unserved, which the optimistic check keeps correct."""
        started = self.now()
        first: int | None = None
        while True:
            item = self.client.get_item(
                TableName=self.table, Key=self._key(key), ConsistentRead=True
            ).get("Item", {})
            serving = int(item.get("serving", {"N": "1"})["N"])
            if serving >= ticket:
                return True
            now = self.now()
            since = float(item.get("since", {"N": repr(now)})["N"])
            gone = {int(n) for n in item.get("abandoned", {}).get("NS", [])}
            if serving in gone or now - since > self.lease:
                self._move(key, serving, serving + 1)  # its holder gave up or vanished: skip it
                continue
            if now - started > self.budget:
                logging.getLogger(__name__).warning(
                    "line at %s: %d ahead after %.1f s; going ahead",
                    key,
                    ticket - serving,
                    now - started,
                )
                return False
            first = serving if first is None else first
            self.sleep(poll_interval(ticket - serving, serving - first, now - started, now - since))

    def release(self, key: str, ticket: int, served: bool = True) -> None:
        """Pass the turn on (a no-op if it was already skipped past this ticket). A ticket given up
        before its turn is marked abandoned, so the line skips it rather than wait out the lease."""
        if served:
            self._move(key, ticket, ticket + 1)
            return
        self.client.update_item(
            TableName=self.table,
            Key=self._key(key),
            UpdateExpression="ADD abandoned :t",
            ExpressionAttributeValues={":t": {"NS": [str(ticket)]}},
        )
        self._move(key, ticket, ticket + 1)  # in case its turn came meanwhile

    def _move(self, key: str, frm: int, to: int) -> None:
        try:
            self.client.update_item(
                TableName=self.table,
                Key=self._key(key),
                UpdateExpression="SET serving = :to, since = :now",
                ConditionExpression="serving = :frm",
                ExpressionAttributeValues={
                    ":to": _n(to),
                    ":frm": _n(frm),
                    ":now": _n(self.now()),
                },
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            pass  # someone else moved it first

    def turn(self, key: str) -> AbstractContextManager[bool]:
        """Hold the turn at `key` for the body; yields whether it was served within budget."""
        return self.hold(key, self.take(key))

    @contextmanager
    def hold(self, key: str, ticket: int) -> Iterator[bool]:
        """`turn` for a ticket already taken: wait for it, then always pass the turn on."""
        served = False
        try:
            served = self.wait(key, ticket)
            yield served
        finally:
            try:
                self.release(key, ticket, served)
            except Exception:  # the body's outcome stands; the lease passes the turn on
                logging.getLogger(__name__).warning("turn not passed on", exc_info=True)
