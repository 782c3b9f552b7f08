"""Reads behind the citizen's data tracker: their dossiers through the owner index, and one audit
stream at a time, newest first, below a position. Queries only, never a Scan."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.audit import AuditEvent
from chalicelib.store.audit import stream_pk
from chalicelib.store.base import TableAdapter

PAGE = 100  # raw events per Query page


class AccessLogStore(TableAdapter):
    def owner_dossiers(self, owner: str) -> list[dict[str, Any]]:
        """`{id, code}` of every dossier the citizen owns (GSI2 `OWNER#<sub>`), newest first.

        Only the readable part of the item is used: nothing is decrypted."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "GSI2",
            "KeyConditionExpression": "GSI2PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": f"OWNER#{owner}"}},
            "ScanIndexForward": False,
        }
        out: list[dict[str, Any]] = []
        while True:
            resp = self.client.query(**kwargs)
            for it in resp.get("Items", []):
                if it.get("SK", {}).get("S") != "DOSSIER":
                    continue
                data = json.loads(it["data"]["S"])
                out.append({"id": data["id"], "code": data.get("code")})
            last = resp.get("LastEvaluatedKey")
            if not last:
                return out
            kwargs["ExclusiveStartKey"] = last

    def events_below(
        self, stream: str, below_seq: int | None, want: int, keep: Any
    ) -> tuple[list[AuditEvent], bool]:
        """Up to `want` events of `stream` with seq < `below_seq` (None: from the newest) for
        which `keep(event)` is true, newest first; and whether the stream has nothing older."""
        if below_seq is not None and below_seq <= 1:
            return [], True
        hi = f"E#{(below_seq - 1):010d}" if below_seq is not None else "E#9999999999"
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :lo AND :hi",
            "ExpressionAttributeValues": {
                ":pk": {"S": stream_pk(stream)},
                ":lo": {"S": "E#0000000001"},
                ":hi": {"S": hi},
            },
            "ScanIndexForward": False,
            "Limit": PAGE,
        }
        found: list[AuditEvent] = []
        while True:
            resp = self.client.query(**kwargs)
            items = resp.get("Items", [])
            for n, it in enumerate(items):
                ev = AuditEvent.from_stored(
                    it.get("data", {}).get("S", ""),
                    it.get("hash", {}).get("S", ""),
                    stream=stream,
                    key_seq=int(it["SK"]["S"].removeprefix("E#")),
                )
                if keep(ev):
                    found.append(ev)
                    if len(found) >= want:
                        exhausted = n == len(items) - 1 and not resp.get("LastEvaluatedKey")
                        return found, exhausted
            last = resp.get("LastEvaluatedKey")
            if not last:
                return found, True
            kwargs["ExclusiveStartKey"] = last
