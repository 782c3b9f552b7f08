"""Feedback (PAKN) items, their notification outbox and counters in the single table.

Items (see docs/design.md "Table"):
- feedback: PK `FEEDBACK#<id>`, SK `FEEDBACK`; attributes `version`, `state`;
  GSI1 `FBCODE#<code>` / `FEEDBACK` (lookup by code);
  GSI2 `FBSENDER#<sub>` / `<received_at>#<id>` (a signed-in sender's own list; absent if anonymous);
  GSI3 (sparse, while open) `FBOPEN#<agency>` / `<due_at>#<id>`, or `~PAUSED#<id>` while waiting
  for the sender (sorts after every time, so a "due before" Query never returns it);
  GSI4 (sparse, while open) `FBOPENALL` / same sort key (the province office's list; feedback is
  low-volume, one partition is fine);
  GSI5 (sparse, once published) `QA#` / `<published_at>#<id>` (the public Q&A page);
- notification outbox: PK `NOTIFY#<sub | contact | AGENCY#unit>`, SK `<at>#<feedback id>#<n>`;
  GSI1 (sparse, until sent) `OUTBOX#PENDING` / `<at>#<recipient>` for the notifications sender;
- counters: PK `CNT#<agency>#<YYYY-MM>`, SK `FEEDBACK`, ADD `feedback_*` (summed with the
  per-procedure items by `DynamoStore.counters`).

Every change is one TransactWriteItems: the feedback (optimistic lock on `version`), its counter
ADDs and its outbox items, so a retried request cannot count or notify twice.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.feedback import Feedback
from chalicelib.store.base import TableAdapter, locked

PREFIX = "FEEDBACK#"
SK = "FEEDBACK"
CODE_PREFIX = "FBCODE#"
SENDER_PREFIX = "FBSENDER#"
OPEN_PREFIX = "FBOPEN#"
OPEN_ALL = "FBOPENALL"
QA_PK = "QA#"
NOTIFY_PREFIX = "NOTIFY#"
OUTBOX_PENDING = "OUTBOX#PENDING"
COUNTER_SK = "FEEDBACK"
PAUSED = "~PAUSED#"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def iso(dt: datetime | None) -> str:
    return dt.isoformat().replace("+00:00", "Z") if dt is not None else ""


def open_sort_key(fb: Feedback) -> str | None:
    """The queue's sort key while open, None when closed (the item leaves the sparse index)."""
    if fb.is_paused:
        return f"{PAUSED}{fb.id}"
    if fb.due_at is None:
        return None
    return f"{iso(fb.due_at)}#{fb.id}"


def feedback_item(fb: Feedback) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PK": _s(PREFIX + fb.id),
        "SK": _s(SK),
        "data": _s(fb.model_dump_json()),
        "version": _n(fb.version),
        "state": _s(fb.state),
        "GSI1PK": _s(CODE_PREFIX + fb.code),
        "GSI1SK": _s(SK),
    }
    if fb.sender:
        item["GSI2PK"] = _s(SENDER_PREFIX + fb.sender)
        item["GSI2SK"] = _s(f"{iso(fb.received_at)}#{fb.id}")
    sort = open_sort_key(fb)
    if sort is not None:
        item["GSI3PK"] = _s(OPEN_PREFIX + fb.agency)
        item["GSI3SK"] = _s(sort)
        item["GSI4PK"] = _s(OPEN_ALL)
        item["GSI4SK"] = _s(sort)
    if fb.state == "published" and fb.published_at is not None:
        item["GSI5PK"] = _s(QA_PK)
        item["GSI5SK"] = _s(f"{iso(fb.published_at)}#{fb.id}")
    return item


def feedback_from_item(item: Mapping[str, Any]) -> Feedback:
    """The feedback a stored item (base or index copy) holds."""
    return Feedback.model_validate_json(item["data"]["S"])


def _conflict() -> Conflict:
    return Conflict(
        "Phản ánh vừa được người khác cập nhật. Vui lòng tải lại và thử lại.",
        "The feedback was changed by someone else. Reload and retry.",
        code="version_conflict",
    )


def not_found() -> NotFound:
    return NotFound("Không tìm thấy phản ánh, kiến nghị.", "Feedback not found.", field="id")


class FeedbackStore(TableAdapter):
    """Thin adapter; built from the app's store with `FeedbackStore(client, table)`."""

    def _query(
        self,
        index: str,
        pk: str,
        *,
        sk_le: str | None = None,
        forward: bool = True,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        expr = "#pk = :pk"
        names = {"#pk": f"{index}PK"}
        values: dict[str, Any] = {":pk": _s(pk)}
        if sk_le is not None:
            expr += " AND #sk <= :sk"
            names["#sk"] = f"{index}SK"
            values[":sk"] = _s(sk_le)
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": expr,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": forward,
            "Limit": limit,
        }
        out: list[dict[str, Any]] = []
        while True:
            resp = self.client.query(**kwargs)
            out.extend(resp.get("Items", []))
            last = resp.get("LastEvaluatedKey")
            if not last or len(out) >= limit:
                return out[:limit]
            kwargs["ExclusiveStartKey"] = last

    # ---- reads ---------------------------------------------------------------------------------
    def get(self, feedback_id: str) -> Feedback:
        resp = self.client.get_item(
            TableName=self.table,
            Key={"PK": _s(PREFIX + feedback_id), "SK": _s(SK)},
            ConsistentRead=True,
        )
        item = resp.get("Item")
        if item is None:
            raise not_found()
        return feedback_from_item(item)

    def find_by_code(self, code: str) -> Feedback:
        items = self._query("GSI1", CODE_PREFIX + code, limit=1)
        if not items:
            raise not_found()
        return self.get(feedback_from_item(items[0]).id)  # index reads lag: re-read the base item

    def list_by_sender(self, sub: str, limit: int = 200) -> list[Feedback]:
        return [
            feedback_from_item(i)
            for i in self._query("GSI2", SENDER_PREFIX + sub, forward=False, limit=limit)
        ]

    def list_open(
        self, agency: str | None, *, due_before: str | None = None, limit: int = 500
    ) -> list[Feedback]:
        """An agency's open feedback (all agencies with None), soonest due first; paused last.
        With `due_before` (ISO), only those due at or before it (paused ones never)."""
        index, pk = ("GSI3", OPEN_PREFIX + agency) if agency else ("GSI4", OPEN_ALL)
        items = self._query(index, pk, sk_le=due_before, limit=limit)
        return [feedback_from_item(i) for i in items]

    def list_published(self, limit: int = 1000) -> list[Feedback]:
        """The Q&A page, newest first: one Query of the sparse `QA#` partition."""
        return [
            feedback_from_item(i) for i in self._query("GSI5", QA_PK, forward=False, limit=limit)
        ]

    def list_outbox(self, recipient: str, limit: int = 100) -> list[dict[str, Any]]:
        resp = self.client.query(
            TableName=self.table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": _s(NOTIFY_PREFIX + recipient)},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [json.loads(i["data"]["S"]) for i in resp.get("Items", [])]

    # ---- writes --------------------------------------------------------------------------------
    def _put(self, fb: Feedback, expected_version: int | None) -> dict[str, Any]:
        op: dict[str, Any] = {"TableName": self.table, "Item": feedback_item(fb)}
        return {"Put": locked(op, expected_version)}

    def counter_update(self, agency: str, month: str, metrics: Mapping[str, int]) -> dict[str, Any]:
        names = {f"#m{i}": m for i, m in enumerate(metrics)}
        values = {f":v{i}": _n(v) for i, v in enumerate(metrics.values())}
        return {
            "Update": {
                "TableName": self.table,
                "Key": {"PK": _s(f"CNT#{agency}#{month}"), "SK": _s(COUNTER_SK)},
                "UpdateExpression": "ADD "
                + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True)),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    def outbox_put(
        self, recipient: str, at: datetime, n: int, message: Mapping[str, Any]
    ) -> dict[str, Any]:
        ref = str(message.get("feedback_id") or "")
        item = {
            "PK": _s(NOTIFY_PREFIX + recipient),
            "SK": _s(f"{iso(at)}#{ref}#{n:02d}"),
            "data": _s(
                json.dumps({**message, "recipient": recipient, "at": iso(at)}, ensure_ascii=False)
            ),
            "state": _s("pending"),
            "GSI1PK": _s(OUTBOX_PENDING),
            "GSI1SK": _s(f"{iso(at)}#{recipient}"),
        }
        return {"Put": {"TableName": self.table, "Item": item}}

    def save(
        self,
        fb: Feedback,
        expected_version: int | None,
        *,
        counters: Sequence[tuple[str, str, Mapping[str, int]]] = (),
        outbox: Sequence[tuple[str, Mapping[str, Any]]] = (),
        at: datetime | None = None,
    ) -> Feedback:
        """Write the feedback (new when `expected_version` is None) with its counters and outbox
        items in one transaction; returns it with the new version."""
        saved = fb.model_copy(update={"version": (expected_version or 0) + 1})
        ops = [self._put(saved, expected_version)]
        for agency, month, metrics in counters:
            if metrics:
                ops.append(self.counter_update(agency, month, metrics))
        when = at or fb.received_at
        for n, (recipient, message) in enumerate(outbox):
            ops.append(self.outbox_put(recipient, when, n, message))
        try:
            if len(ops) == 1:
                self.client.put_item(**ops[0]["Put"])
            else:
                self.client.transact_write_items(TransactItems=ops)
        except (
            self.client.exceptions.ConditionalCheckFailedException,
            self.client.exceptions.TransactionCanceledException,
        ) as exc:
            raise _conflict() from exc
        return saved
