"""The citizen's document wallet ("Giấy tờ của tôi") in the single table.

- entry: PK `USER#<sub>`, SK `DOC#<id>`, `data` (the entry as JSON).
"""

from __future__ import annotations

import json
from typing import Any

PREFIX = "USER#"
DOC_PREFIX = "DOC#"


def put_entry(client: Any, table: str, owner: str, doc_id: str, entry: dict[str, Any]) -> None:
    client.put_item(
        TableName=table,
        Item={
            "PK": {"S": PREFIX + owner},
            "SK": {"S": DOC_PREFIX + doc_id},
            "data": {"S": json.dumps(entry, ensure_ascii=False)},
        },
    )


def list_entries(client: Any, table: str, owner: str) -> list[dict[str, Any]]:
    """The owner's entries (one Query)."""
    resp = client.query(
        TableName=table,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
        ExpressionAttributeValues={":pk": {"S": PREFIX + owner}, ":sk": {"S": DOC_PREFIX}},
    )
    return [json.loads(it["data"]["S"]) for it in resp.get("Items", [])]


def get_entry(client: Any, table: str, owner: str, doc_id: str) -> dict[str, Any] | None:
    item = client.get_item(
        TableName=table,
        Key={"PK": {"S": PREFIX + owner}, "SK": {"S": DOC_PREFIX + doc_id}},
    ).get("Item")
    if not item:
        return None
    entry: dict[str, Any] = json.loads(item["data"]["S"])
    return entry
