"""Raw reads of dossier items for the services that work on many at once (the dashboard's
drill-down, retention): the keys are chalicelib.store.table's.

- dossier: PK `DOSSIER#<id>`, SK `DOSSIER`; its history events: same PK, SK `H#...`;
- register line: PK `REG#<receiving desk>#<YYYY-MM>` (one per dossier received that month).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

DOSSIER_PREFIX = "DOSSIER#"
HISTORY_PREFIX = "H#"
BATCH = 100  # keys per BatchGetItem


def register_page(
    client: Any, table: str, desk: str, month: str, limit: int, start: dict[str, Any] | None
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Up to `limit` register lines of `desk` for `month` after `start` (one Query), and the
    key to continue from (None at the end)."""
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "PK = :pk",
        "ExpressionAttributeValues": {":pk": {"S": f"REG#{desk}#{month}"}},
        "Limit": limit,
    }
    if start:
        kwargs["ExclusiveStartKey"] = start
    resp = client.query(**kwargs)
    return resp.get("Items", []), resp.get("LastEvaluatedKey")


def dossier_items(client: Any, table: str, ids: list[str]) -> list[dict[str, Any]]:
    """The dossier items of `ids`, `BATCH` keys per BatchGetItem (unprocessed keys retried)."""
    out: list[dict[str, Any]] = []
    for i in range(0, len(ids), BATCH):
        chunk = ids[i : i + BATCH]
        keys = [{"PK": {"S": DOSSIER_PREFIX + x}, "SK": {"S": "DOSSIER"}} for x in chunk]
        request: dict[str, Any] = {table: {"Keys": keys}}
        for _ in range(5):
            resp = client.batch_get_item(RequestItems=request)
            out.extend(resp.get("Responses", {}).get(table, []))
            request = resp.get("UnprocessedKeys") or {}
            if not request:
                break
    return out


def history_pages(client: Any, table: str, dossier_id: str) -> Iterator[list[dict[str, Any]]]:
    """The dossier's history event items, one Query page at a time (a generator of lists)."""
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :h)",
        "ExpressionAttributeValues": {
            ":pk": {"S": DOSSIER_PREFIX + dossier_id},
            ":h": {"S": HISTORY_PREFIX},
        },
    }
    while True:
        resp = client.query(**kwargs)
        yield resp.get("Items", [])
        if not resp.get("LastEvaluatedKey"):
            return
        kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
