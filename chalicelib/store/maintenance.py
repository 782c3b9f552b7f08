"""Maintenance windows (NĐ 224/2026 Đ13) in the single table.

- window: PK `MAINT#<id>`, SK `MAINT`, `data` JSON, `version` (optimistic lock);
  GSI1 `MAINTS` / `<ends_at ISO>#<id>`: the windows not yet over are one Query from now on
  (the banner asks on every page load; there are a handful a year).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from chalicelib.domain.errors import Conflict
from chalicelib.domain.maintenance import MaintenanceWindow
from chalicelib.store.base import TableAdapter, locked

_LIST = "MAINTS"


class MaintenanceWindows(Protocol):
    def get(self, window_id: str) -> MaintenanceWindow | None: ...
    def save(self, w: MaintenanceWindow, expected_version: int | None) -> MaintenanceWindow: ...
    def ending_after(self, t: datetime, limit: int = 200) -> list[MaintenanceWindow]: ...


def _iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _key(window_id: str) -> dict[str, Any]:
    return {"PK": {"S": f"MAINT#{window_id}"}, "SK": {"S": "MAINT"}}


class MaintenanceStore(TableAdapter):
    def get(self, window_id: str) -> MaintenanceWindow | None:
        item = self.client.get_item(
            TableName=self.table, Key=_key(window_id), ConsistentRead=True
        ).get("Item")
        return MaintenanceWindow.model_validate_json(item["data"]["S"]) if item else None

    def save(self, w: MaintenanceWindow, expected_version: int | None) -> MaintenanceWindow:
        """Create (expected None) or replace the version read before."""
        new = w.model_copy(update={"version": (expected_version or 0) + 1})
        item = {
            **_key(new.id),
            "data": {"S": new.model_dump_json()},
            "version": {"N": str(new.version)},
            "GSI1PK": {"S": _LIST},
            "GSI1SK": {"S": f"{_iso(new.ends_at)}#{new.id}"},
        }
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": item}
        locked(kwargs, expected_version)
        try:
            self.client.put_item(**kwargs)
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(
                "Thông báo bảo trì vừa được người khác cập nhật. Vui lòng tải lại.",
                "The maintenance notice was changed by someone else. Reload and retry.",
                code="version_conflict",
            ) from exc
        return new

    def ending_after(self, t: datetime, limit: int = 200) -> list[MaintenanceWindow]:
        """Windows whose end is after `t`, soonest end first."""
        resp = self.client.query(
            TableName=self.table,
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk AND GSI1SK > :t",
            ExpressionAttributeValues={":pk": {"S": _LIST}, ":t": {"S": _iso(t)}},
            Limit=limit,
        )
        return [MaintenanceWindow.model_validate_json(i["data"]["S"]) for i in resp["Items"]]
