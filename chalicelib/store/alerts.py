"""An agency's deadline alerts in the single table.

- alert: PK `ALERTS#<agency>`, SK `<at>#<dossier id>#<step | ->#<kind>`, `data` (JSON),
  TTL attribute `expiration` (alerts are kept for a while, then DynamoDB deletes them).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chalicelib.store.cursor import decode_key, encode_key, key_scope

if TYPE_CHECKING:
    from chalicelib.settings import Settings

PREFIX = "ALERTS#"


def put_alert(
    client: Any,
    table: str,
    agency: str,
    sort_key: str,
    data: dict[str, Any],
    expiration: int,
) -> None:
    client.put_item(
        TableName=table,
        Item={
            "PK": {"S": PREFIX + agency},
            "SK": {"S": sort_key},
            "data": {"S": json.dumps(data, ensure_ascii=False)},
            "expiration": {"N": str(expiration)},
        },
    )


def alerts_page(
    client: Any,
    table: str,
    agency: str,
    *,
    now: int,
    limit: int,
    cursor: str | None,
    settings: Settings,
) -> tuple[list[dict[str, Any]], str | None]:
    """The agency's alerts newest first, one page (one Query), without those expired by `now`
    (epoch seconds; TTL deletes lazily), and the signed cursor of the next page."""
    kwargs: dict[str, Any] = {
        "TableName": table,
        "KeyConditionExpression": "PK = :pk",
        "FilterExpression": "attribute_not_exists(expiration) OR expiration > :now",
        "ExpressionAttributeValues": {":pk": {"S": PREFIX + agency}, ":now": {"N": str(now)}},
        "ScanIndexForward": False,
        "Limit": limit,
    }
    scope = key_scope(PREFIX + agency)
    start = decode_key(cursor, scope, settings)
    if start:
        kwargs["ExclusiveStartKey"] = start
    resp = client.query(**kwargs)
    items = [json.loads(it["data"]["S"]) for it in resp.get("Items", [])]
    return items, encode_key(resp.get("LastEvaluatedKey"), scope, settings)
