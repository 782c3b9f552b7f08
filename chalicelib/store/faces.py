"""Lookup by face (Đ8.1c): consent records, the citizen's face mapping, the per-client rate limit.

- consent record: PK `USER#<sub>`, SK `FACECONSENT#<at>`: `action` (`given` | `withdrawn`),
  text version and sha256 of the text shown, time. Kept after withdrawal (proof of what was agreed).
- mapping: PK `USER#<sub>`, SK `FACE`: collection, Rekognition face ids, consent version, the
  registration image key when policy keeps it. Deleted on withdrawal.
- rate limit: PK `RATE#FACELOOKUP#<client hash>#<YYYYMMDDHHMM>`, SK `RATE`, `ADD n 1` with the
  condition `n < limit`, TTL `expiration` (the table's TTL attribute) two minutes on.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.store.base import TableAdapter, take_rate


def _s(v: str) -> dict[str, str]:
    return {"S": v}


class FaceStore(TableAdapter):
    def record_consent(self, sub: str, record: dict[str, Any]) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                "PK": _s(f"USER#{sub}"),
                "SK": _s(f"FACECONSENT#{record['at']}#{record['action']}"),
                "data": _s(json.dumps(record, ensure_ascii=False)),
            },
        )

    def consents(self, sub: str) -> list[dict[str, Any]]:
        resp = self.client.query(
            TableName=self.table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :sk)",
            ExpressionAttributeValues={":pk": _s(f"USER#{sub}"), ":sk": _s("FACECONSENT#")},
        )
        return [json.loads(i["data"]["S"]) for i in resp.get("Items", [])]

    def put_mapping(self, sub: str, mapping: dict[str, Any]) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                "PK": _s(f"USER#{sub}"),
                "SK": _s("FACE"),
                "data": _s(json.dumps(mapping, ensure_ascii=False)),
            },
        )

    def get_mapping(self, sub: str) -> dict[str, Any] | None:
        item = self.client.get_item(
            TableName=self.table,
            Key={"PK": _s(f"USER#{sub}"), "SK": _s("FACE")},
            ConsistentRead=True,
        ).get("Item")
        return json.loads(item["data"]["S"]) if item else None

    def delete_mapping(self, sub: str) -> None:
        self.client.delete_item(
            TableName=self.table, Key={"PK": _s(f"USER#{sub}"), "SK": _s("FACE")}
        )

    def take_rate(self, client_hash: str, minute: str, limit: int, expires_at: int) -> bool:
        """Count one lookup for this client in this minute; False when the limit is reached."""
        pk = f"RATE#FACELOOKUP#{client_hash}#{minute}"
        return take_rate(self.client, self.table, pk, limit, expires_at)
