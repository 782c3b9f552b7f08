"""DynamoDB: a Query on the table's own key reads its partition only, as DynamoDB does.

moto's behaviour: `Table.query` walks *every item of the table* (`Table.all_items`) to find one
partition's. The load run made about 8 per dossier, each walking the whole table (10.7 s of a 70 s
run at 40 dossiers, and linear in the table).

Why we need it: the local cloud's cost per request must not grow with the data: docs/design.md,
"Decisions", the bullet "The local cloud's cost per request must not grow with the data";
docs/reliability.md, "Concurrency". The patch hands moto's Query the partition's items only; what
it returns is unchanged (same matching, sorting, paging; tests/unit/test_moto_speed.py). GSI
Queries still walk.

Applies to moto in this process. Idempotent.
"""

from __future__ import annotations

import threading
from typing import Any

from infra.moto_patches.guard import Guard

GUARD = Guard(__name__, ("5.2.5",))
_PARTITION = threading.local()  # (table, partition) while that table's Query runs in this thread
QUERY_PARAMS = (
    "self",
    "hash_key",
    "range_comparison",
    "range_objs",
    "limit",
    "exclusive_start_key",
    "scan_index_forward",
    "projection_expressions",
    "index_name",
    "consistent_read",
    "filter_expression",
    "hash_key_conditions",
    "range_key_conditions",
    "filter_kwargs",
)
INDEX_NAME_POSITION = QUERY_PARAMS.index("index_name") - 2  # in *args, after self and hash_key


def apply() -> None:
    GUARD.check_version()
    from moto.dynamodb.models.table import Table

    table: Any = Table
    if getattr(table, "_tthc_partitioned", False):
        return
    GUARD.check_shape(table, "all_items", ("self",))
    GUARD.check_shape(table, "query", QUERY_PARAMS)  # index_name is found by its position
    all_items, query = table.all_items, table.query

    def partition_items(self: Any) -> Any:
        current = getattr(_PARTITION, "scope", None)
        if current is not None and current[0] is self:
            return list(current[1].values())
        return all_items(self)

    def partition_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get(
            "index_name", args[INDEX_NAME_POSITION] if len(args) > INDEX_NAME_POSITION else None
        )
        if index_name is not None or not self.range_key_attr or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        outer = getattr(_PARTITION, "scope", None)
        _PARTITION.scope = (self, self.items.get(hash_key, {}))
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _PARTITION.scope = outer

    table.all_items = partition_items
    table.query = partition_query
    table._tthc_partitioned = True
