"""Personal-data rights items in the single table (issue 10).

- consent record: PK `USER#<sub>`, SK `CONSENT#<at>#<kind>`: append-only; the current state of a
  kind is its latest record (chalicelib.domain.consents). Face registration consents stay where the
  face feature writes them (`FACECONSENT#...`, chalicelib.store.faces) and are read together.
- breach: PK `BREACH#<id>`, SK `BREACH`, `version`; GSI1 `BREACHES`/`<detected_at>#<id>` (the
  admin's list); GSI4 (sparse, until reported) `BREACHOPEN`/`<deadline_at>#<id>` (the reminder job).
- retention job state: PK `RETENTION`, SK `STATE`: `done_before` (YYYY-MM), the first month the
  next run still has to look at.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.store.base import TableAdapter, locked
from chalicelib.store.sequences import expires_pk


def _s(v: str) -> dict[str, str]:
    return {"S": v}


class PrivacyStore(TableAdapter):
    # ---- consents -------------------------------------------------------------------------
    def add_consent(self, sub: str, rec: dict[str, Any]) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                "PK": _s(f"USER#{sub}"),
                "SK": _s(f"CONSENT#{rec['at']}#{rec['kind']}"),
                "data": _s(json.dumps(rec, ensure_ascii=False)),
            },
        )

    def _user_items(self, sub: str, prefix: str) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND begins_with(SK, :sk)",
            "ExpressionAttributeValues": {":pk": _s(f"USER#{sub}"), ":sk": _s(prefix)},
            "ConsistentRead": True,
        }
        items: list[dict[str, Any]] = []
        while True:
            resp = self.client.query(**kwargs)
            items.extend(resp.get("Items", []))
            if not resp.get("LastEvaluatedKey"):
                return items
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def consents(self, sub: str) -> list[dict[str, Any]]:
        return [json.loads(i["data"]["S"]) for i in self._user_items(sub, "CONSENT#")]

    def face_consents(self, sub: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            (i["SK"]["S"], json.loads(i["data"]["S"]))
            for i in self._user_items(sub, "FACECONSENT#")
        ]

    def consent_keys(self, sub: str) -> list[str]:
        return [i["SK"]["S"] for i in self._user_items(sub, "CONSENT#")]

    def my_documents(self, sub: str) -> list[tuple[str, dict[str, Any]]]:
        return [(i["SK"]["S"], json.loads(i["data"]["S"])) for i in self._user_items(sub, "DOC#")]

    def delete_user_item(self, sub: str, sk: str) -> None:
        self.client.delete_item(TableName=self.table, Key={"PK": _s(f"USER#{sub}"), "SK": _s(sk)})

    # ---- breaches -------------------------------------------------------------------------
    def put_breach(self, b: dict[str, Any], expected_version: int | None) -> dict[str, Any]:
        saved = {**b, "version": (expected_version or 0) + 1}
        item: dict[str, Any] = {
            "PK": _s(f"BREACH#{b['id']}"),
            "SK": _s("BREACH"),
            "data": _s(json.dumps(saved, ensure_ascii=False)),
            "version": {"N": str(saved["version"])},
            "GSI1PK": _s("BREACHES"),
            "GSI1SK": _s(f"{b['detected_at']}#{b['id']}"),
        }
        if b.get("state") != "reported":
            item["GSI4PK"] = _s("BREACHOPEN")
            item["GSI4SK"] = _s(f"{b['deadline_at']}#{b['id']}")
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": item}
        locked(kwargs, expected_version)
        try:
            self.client.put_item(**kwargs)
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(
                "Bản ghi vừa được cập nhật. Vui lòng tải lại.",
                "The record was changed by someone else. Reload and try again.",
                code="version_conflict",
            ) from exc
        return saved

    def get_breach(self, breach_id: str) -> dict[str, Any]:
        item = self.client.get_item(
            TableName=self.table,
            Key={"PK": _s(f"BREACH#{breach_id}"), "SK": _s("BREACH")},
            ConsistentRead=True,
        ).get("Item")
        if not item:
            raise NotFound("Không tìm thấy sự cố.", "Breach not found.", field="breach_id")
        data: dict[str, Any] = json.loads(item["data"]["S"])
        return data

    def _index(self, index: str, pk: str, limit: int) -> list[dict[str, Any]]:
        resp = self.client.query(
            TableName=self.table,
            IndexName=index,
            KeyConditionExpression=f"{index}PK = :pk",
            ExpressionAttributeValues={":pk": _s(pk)},
            ScanIndexForward=index != "GSI1",
            Limit=limit,
        )
        return [json.loads(i["data"]["S"]) for i in resp.get("Items", [])]

    def list_breaches(self, limit: int = 100) -> list[dict[str, Any]]:
        return self._index("GSI1", "BREACHES", limit)

    def open_breaches(self, limit: int = 200) -> list[dict[str, Any]]:
        return self._index("GSI4", "BREACHOPEN", limit)

    # ---- retention job --------------------------------------------------------------------
    def retention_state(self) -> str | None:
        item = self.client.get_item(
            TableName=self.table, Key={"PK": _s("RETENTION"), "SK": _s("STATE")}
        ).get("Item")
        return item["done_before"]["S"] if item else None

    def set_retention_state(self, done_before: str) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={"PK": _s("RETENTION"), "SK": _s("STATE"), "done_before": _s(done_before)},
        )

    def expiring(self, month: str, before_iso: str, limit: int) -> list[str]:
        """Dossier ids in expiry month `month` whose retention ended before `before_iso`: one
        paged Query of GSI3 `EXPIRES#<month>`, bounded by `limit`."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "GSI3",
            "KeyConditionExpression": "GSI3PK = :pk AND GSI3SK < :before",
            "ExpressionAttributeValues": {":pk": _s(expires_pk(month)), ":before": _s(before_iso)},
            "Limit": min(limit, 100),
        }
        out: list[str] = []
        while len(out) < limit:
            resp = self.client.query(**kwargs)
            out += [i["PK"]["S"].removeprefix("DOSSIER#") for i in resp.get("Items", [])]
            if not resp.get("LastEvaluatedKey"):
                break
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
        return out[:limit]
