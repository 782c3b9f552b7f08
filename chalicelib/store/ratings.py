"""Dossier ratings, the leaders' notification outbox and the rating counters.

- rating: PK `DOSSIER#<id>`, SK `RATING`, `data` JSON; written once (`attribute_not_exists`);
- counter: PK `CNT#<lead agency>#<YYYY-MM>`, SK `PROC#<procedure>`, `ADD rated`, and
  `rated_dissatisfied` for a dissatisfied rating (the layout of `DynamoStore.apply`);
- outbox: PK `NOTIFY#<agency>`, SK `<at>#<id>`, `role` (who should read it: `leader`), `kind`,
  `state` (`pending`), `data` JSON. A notifier (e-mail, Zalo) may drain it later; the leader's
  page reads it with one Query.
All three are one transaction: a rating is counted and notified exactly once.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.domain.errors import Conflict
from chalicelib.domain.ratings import Rating
from chalicelib.store.base import TableAdapter


def _s(v: str) -> dict[str, str]:
    return {"S": v}


def _iso(dt: Any) -> str:
    return str(dt.isoformat()).replace("+00:00", "Z")


class RatingStore(TableAdapter):
    def get(self, dossier_id: str) -> Rating | None:
        item = self.client.get_item(
            TableName=self.table,
            Key={"PK": _s(f"DOSSIER#{dossier_id}"), "SK": _s("RATING")},
            ConsistentRead=True,
        ).get("Item")
        return Rating.model_validate_json(item["data"]["S"]) if item else None

    def commit(
        self,
        rating: Rating,
        *,
        month: str,
        metrics: dict[str, int],
        notification: dict[str, Any] | None,
        notification_id: str,
    ) -> None:
        ops: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {
                        "PK": _s(f"DOSSIER#{rating.dossier_id}"),
                        "SK": _s("RATING"),
                        "data": _s(rating.model_dump_json()),
                    },
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
        ]
        names = {f"#m{i}": m for i, m in enumerate(metrics)}
        values = {f":v{i}": {"N": str(v)} for i, v in enumerate(metrics.values())}
        ops.append(
            {
                "Update": {
                    "TableName": self.table,
                    "Key": {
                        "PK": _s(f"CNT#{rating.lead_agency}#{month}"),
                        "SK": _s(f"PROC#{rating.procedure_code}"),
                    },
                    "UpdateExpression": "ADD "
                    + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True)),
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            }
        )
        if notification is not None:
            ops.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": {
                            "PK": _s(f"NOTIFY#{rating.lead_agency}"),
                            "SK": _s(f"{_iso(rating.rated_at)}#{notification_id}"),
                            "role": _s("leader"),
                            "kind": _s(str(notification.get("kind", ""))),
                            "state": _s("pending"),
                            "data": _s(json.dumps(notification, ensure_ascii=False)),
                        },
                    }
                }
            )
        try:
            self.client.transact_write_items(TransactItems=ops)
        except self.client.exceptions.TransactionCanceledException as exc:
            reasons = exc.response.get("CancellationReasons", [])
            if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                raise Conflict(
                    "Hồ sơ này đã được đánh giá.",
                    "This dossier has already been rated.",
                    code="already_rated",
                ) from exc
            raise

    def notifications(self, agency: str, limit: int = 200) -> list[dict[str, Any]]:
        """The agency's outbox, newest first: one Query."""
        resp = self.client.query(
            TableName=self.table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": _s(f"NOTIFY#{agency}")},
            ScanIndexForward=False,
            Limit=limit,
        )
        out = []
        for it in resp.get("Items", []):
            data = json.loads(it["data"]["S"])
            out.append({**data, "state": it["state"]["S"], "role": it["role"]["S"]})
        return out
