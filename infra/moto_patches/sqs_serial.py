"""SQS: each request is applied atomically, as SQS does.

moto's behaviour: `receive_message` walks a queue's pending set while another request's delete or
receive changes it ("Set changed size during iteration", answered 500). Found with the event
pump's concurrent pollers under the full-size load bench.

Why we need it: the pump runs several pollers per queue, as Lambda does, and a 500 costs a retry
and a delay: docs/design.md, "Decisions", the bullet on concurrent receipts ("and its SQS
requests"); measured in docs/reliability.md, "Concurrency".

Each request now runs alone; a long poll takes the lock only for each look at the queue, so a send
during the wait still lands and is received. Applies to moto in this process. Idempotent.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any

from infra.moto_patches.guard import Guard
from infra.moto_patches.locking import serialise

GUARD = Guard(__name__, ("5.2.5",))
LOCK = threading.RLock()
OPERATIONS = (
    "send_message",
    "send_message_batch",
    "delete_message",
    "delete_message_batch",
    "change_message_visibility",
    "change_message_visibility_batch",
    "purge_queue",
)
RECEIVE_PARAMS = (
    "self",
    "queue_name",
    "count",
    "wait_seconds_timeout",
    "visibility_timeout",
    "message_attribute_names",
)


def apply() -> None:
    GUARD.check_version()
    from moto.sqs.models import SQSBackend

    backend: Any = SQSBackend
    if getattr(backend, "_tthc_serial", False):
        return
    for name in OPERATIONS:  # the wrapper passes any arguments through: only their presence
        GUARD.check_shape(backend, name)
    GUARD.check_shape(backend, "receive_message", RECEIVE_PARAMS)  # called with wait 0 below

    serialise(backend, OPERATIONS, LOCK)
    receive = backend.receive_message

    @functools.wraps(receive)
    def receive_message(
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        message_attribute_names: list[str] | None = None,
    ) -> Any:
        end = time.monotonic() + (wait_seconds_timeout or 0)
        while True:
            with LOCK:
                got = receive(
                    self, queue_name, count, 0, visibility_timeout, message_attribute_names
                )
            if got or time.monotonic() >= end:
                return got
            time.sleep(0.05)

    backend.receive_message = receive_message
    backend._tthc_serial = True
