"""FAQ entries (Đ10.4) in the single table.

- entry: PK `FAQ#<id>`, SK `FAQ`, `data` JSON, `version` (optimistic lock);
  GSI1 `FAQS#<state>` / `<field>#<id>`: each state's list is one Query (the public page reads the
  published list, a few hundred entries at most, and filters in memory).
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import Conflict
from chalicelib.domain.faq import FaqEntry
from chalicelib.store.base import TableAdapter, locked


def _s(v: str) -> dict[str, str]:
    return {"S": v}


def _item(e: FaqEntry) -> dict[str, Any]:
    return {
        "PK": _s(f"FAQ#{e.id}"),
        "SK": _s("FAQ"),
        "data": _s(e.model_dump_json()),
        "version": {"N": str(e.version)},
        "GSI1PK": _s(f"FAQS#{e.state}"),
        "GSI1SK": _s(f"{e.field}#{e.id}"),
    }


class FaqStore(TableAdapter):
    def get(self, faq_id: str) -> FaqEntry | None:
        item = self.client.get_item(
            TableName=self.table,
            Key={"PK": _s(f"FAQ#{faq_id}"), "SK": _s("FAQ")},
            ConsistentRead=True,
        ).get("Item")
        return FaqEntry.model_validate_json(item["data"]["S"]) if item else None

    def save(self, e: FaqEntry, expected_version: int | None) -> FaqEntry:
        """Create (expected None) or replace the version read before."""
        new = e.model_copy(update={"version": (expected_version or 0) + 1})
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": _item(new)}
        locked(kwargs, expected_version)
        try:
            self.client.put_item(**kwargs)
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(
                "Câu hỏi vừa được người khác cập nhật. Vui lòng tải lại.",
                "The question was changed by someone else. Reload and retry.",
                code="version_conflict",
            ) from exc
        return new

    def list_state(self, state: str, limit: int = 2000) -> list[FaqEntry]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "GSI1",
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": {":pk": _s(f"FAQS#{state}")},
        }
        out: list[FaqEntry] = []
        while True:
            resp = self.client.query(**kwargs)
            out.extend(FaqEntry.model_validate_json(i["data"]["S"]) for i in resp.get("Items", []))
            last = resp.get("LastEvaluatedKey")
            if not last or len(out) >= limit:
                return out[:limit]
            kwargs["ExclusiveStartKey"] = last
