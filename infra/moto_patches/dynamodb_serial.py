"""DynamoDB: each request is applied atomically, one at a time, as DynamoDB does.

moto's behaviour: a conditional write checks its condition and then writes without any lock, so two
threaded requests of the moto server can both pass `version = :v` (or the daily sequence's
`n = :old`), and two `ADD`s can lose one. Found by the concurrency test (duplicate dossier codes, a
lost counter), which then proved moto wrong, not the app.

Why we need it: DynamoDB serialises conflicting writes and transactions and the app's optimistic
locking and receipt line rely on it: docs/design.md, "Decisions", the bullet on concurrent receipts
(the ticket line of `store/turns.py`; "The local stack serialises moto's DynamoDB operations").

Applies to moto in this process (the local stack's ThreadedMotoServer). Idempotent. Applies the
item-level transaction patch first, so the lock wraps that transaction and not moto's.
"""

from __future__ import annotations

import threading
from typing import Any

from infra.moto_patches import dynamodb_transactions
from infra.moto_patches.guard import Guard
from infra.moto_patches.locking import serialise

GUARD = Guard(__name__, ("5.2.5",))
LOCK = threading.RLock()
OPERATIONS = (
    "put_item",
    "get_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
    "transact_write_items",
    "transact_get_items",
    "batch_get_item",
    "batch_write_item",
)


def apply() -> None:
    GUARD.check_version()
    dynamodb_transactions.apply()  # first: the lock must wrap the item-level transaction
    from moto.dynamodb.models import DynamoDBBackend

    backend: Any = DynamoDBBackend
    if getattr(backend, "_tthc_serial", False):
        return
    for name in OPERATIONS:  # the wrapper passes any arguments through: only their presence
        GUARD.check_shape(backend, name)
    serialise(backend, OPERATIONS, LOCK)
    backend._tthc_serial = True
