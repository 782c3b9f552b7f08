"""Technical support requests (Đ15.8) in the single table.

- request: PK `SUPPORT#<id>`, SK `SUPPORT`, `data` JSON, `version` (optimistic lock);
  GSI1 `SUPPORTS#<state>` / `<raised_at>#<id>` (IT's queue per state);
  GSI2 `SUPPORTDOSSIER#<dossier id>` / `<raised_at>#<id>` (sparse: a dossier's requests, offered
  as exemption evidence);
  GSI5 `SUPPORTUNIT#<agency>` / `<raised_at>#<id>` (an agency's own requests).
"""

from __future__ import annotations

from typing import Any

from chalicelib.domain.errors import Conflict
from chalicelib.domain.support import SupportRequest
from chalicelib.store.base import TableAdapter, locked


def _s(v: str) -> dict[str, str]:
    return {"S": v}


def _item(r: SupportRequest) -> dict[str, Any]:
    sort = r.raised_at.isoformat().replace("+00:00", "Z") + "#" + r.id
    item: dict[str, Any] = {
        "PK": _s(f"SUPPORT#{r.id}"),
        "SK": _s("SUPPORT"),
        "data": _s(r.model_dump_json()),
        "version": {"N": str(r.version)},
        "GSI1PK": _s(f"SUPPORTS#{r.state}"),
        "GSI1SK": _s(sort),
        "GSI5PK": _s(f"SUPPORTUNIT#{r.agency}"),
        "GSI5SK": _s(sort),
    }
    if r.dossier_id:
        item["GSI2PK"] = _s(f"SUPPORTDOSSIER#{r.dossier_id}")
        item["GSI2SK"] = _s(sort)
    return item


class SupportStore(TableAdapter):
    def get(self, request_id: str) -> SupportRequest | None:
        item = self.client.get_item(
            TableName=self.table,
            Key={"PK": _s(f"SUPPORT#{request_id}"), "SK": _s("SUPPORT")},
            ConsistentRead=True,
        ).get("Item")
        return SupportRequest.model_validate_json(item["data"]["S"]) if item else None

    def save(self, r: SupportRequest, expected_version: int | None) -> SupportRequest:
        new = r.model_copy(update={"version": (expected_version or 0) + 1})
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": _item(new)}
        locked(kwargs, expected_version)
        try:
            self.client.put_item(**kwargs)
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(
                "Yêu cầu vừa được người khác cập nhật. Vui lòng tải lại.",
                "The request was changed by someone else. Reload and retry.",
                code="version_conflict",
            ) from exc
        return new

    def _list(self, index: str, pk: str, limit: int) -> list[SupportRequest]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": f"{index}PK = :pk",
            "ExpressionAttributeValues": {":pk": _s(pk)},
            "ScanIndexForward": False,
        }
        out: list[SupportRequest] = []
        while True:
            resp = self.client.query(**kwargs)
            out.extend(
                SupportRequest.model_validate_json(i["data"]["S"]) for i in resp.get("Items", [])
            )
            last = resp.get("LastEvaluatedKey")
            if not last or len(out) >= limit:
                return out[:limit]
            kwargs["ExclusiveStartKey"] = last

    def list_state(self, state: str, limit: int = 500) -> list[SupportRequest]:
        return self._list("GSI1", f"SUPPORTS#{state}", limit)

    def list_dossier(self, dossier_id: str, limit: int = 100) -> list[SupportRequest]:
        return self._list("GSI2", f"SUPPORTDOSSIER#{dossier_id}", limit)

    def list_agency(self, agency: str, limit: int = 500) -> list[SupportRequest]:
        return self._list("GSI5", f"SUPPORTUNIT#{agency}", limit)
