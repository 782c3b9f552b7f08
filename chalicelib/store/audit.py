"""Audit streams in the single table: event items, the per-stream head, the day index (GSI5).

Items (docs/design.md "Table"): event `AUDIT#<stream>`/`E#<seq:010d>` with `data` (canonical JSON)
and `hash`, indexed by GSI5 `AUDITDAY#<Vietnam day>`/`<at>#<stream>#<seq>`; head
`AUDIT#<stream>`/`HEAD` with `seq` and `hash`. Every append writes the event (only if absent) and
moves the head (only from the value read) in one transaction: appends to one stream are serialised
and a deleted newest event cannot go unnoticed. Nothing here updates or deletes an event.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.domain.audit import AuditEvent, local_day, next_event
from chalicelib.domain.errors import Conflict
from chalicelib.store.base import TableAdapter

Head = tuple[int, str]
MAX_ATTEMPTS = 6
_SEQ_MAX = 9_999_999_999


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def stream_pk(stream: str) -> str:
    return f"AUDIT#{stream}"


def dossier_stream(dossier_id: str) -> str:
    return f"DOSSIER#{dossier_id}"


# The other audit streams, by what they record (each is the partition `AUDIT#<stream>`).
CALENDAR_STREAM = "CONFIG#CALENDAR"


def account_stream(sub: str) -> str:
    return f"ACCOUNT#{sub}"


def unit_stream(code: str) -> str:
    return f"UNIT#{code}"


def signer_stream(holder: str) -> str:
    """A person signing results (PAdES): their certificate's decisions."""
    return f"SIGNER#{holder}"


def agency_stream(agency: str) -> str:
    return f"AGENCY#{agency}"


def support_stream(request_id: str) -> str:
    return f"SUPPORT#{request_id}"


def feedback_stream(feedback_id: str) -> str:
    return f"FEEDBACK#{feedback_id}"


def faq_stream(entry_id: str) -> str:
    return f"FAQ#{entry_id}"


def breach_stream(breach_id: str) -> str:
    return f"BREACH#{breach_id}"


def procedure_stream(code: str) -> str:
    return f"PROC#{code}"


def face_lookup_stream(day: str) -> str:
    """One Vietnam day (`YYYY-MM-DD`) of lookups by face."""
    return f"FACELOOKUP#{day}"


def event_item(ev: AuditEvent) -> dict[str, Any]:
    return {
        "PK": _s(stream_pk(ev.stream)),
        "SK": _s(f"E#{ev.seq:010d}"),
        "data": _s(_canonical(ev)),
        "hash": _s(ev.hash),
        "GSI5PK": _s(f"AUDITDAY#{local_day(ev.at)}"),
        "GSI5SK": _s(f"{ev.at}#{ev.stream}#{ev.seq:010d}"),
    }


def _canonical(ev: AuditEvent) -> str:
    from chalicelib.domain.audit import canonical_json

    return canonical_json(ev.body())


def chain_events(
    head: Head | None, stream: str, specs: Sequence[dict[str, Any]]
) -> list[AuditEvent]:
    """Chain several events after `head` (each spec holds `next_event`'s keyword arguments)."""
    out: list[AuditEvent] = []
    for spec in specs:
        ev = next_event(head, stream=stream, **spec)
        out.append(ev)
        head = (ev.seq, ev.hash)
    return out


def is_head_contention(reasons: Sequence[dict[str, Any]], audit_indexes: Sequence[int]) -> bool:
    """True when a cancelled transaction failed ONLY on its audit items (a concurrent append took
    the same seq and moved the head): the caller re-reads the head and retries instead of
    reporting a version conflict."""
    failed = {i for i, r in enumerate(reasons) if r.get("Code") not in (None, "None")}
    return bool(failed) and failed <= set(audit_indexes)


class AuditStore(TableAdapter):
    """Appends and reads audit streams. Queries only; never a Scan."""

    # ---- writing -------------------------------------------------------------------------------
    def head(self, stream: str) -> Head | None:
        resp = self.client.get_item(
            TableName=self.table,
            Key={"PK": _s(stream_pk(stream)), "SK": _s("HEAD")},
            ConsistentRead=True,
        )
        item = resp.get("Item")
        if not item or "seq" not in item:
            return None
        return int(item["seq"]["N"]), item.get("hash", {}).get("S", "")

    def transact_items(
        self, stream: str, head: Head | None, events: Sequence[AuditEvent]
    ) -> list[dict[str, Any]]:
        """TransactWriteItems entries for `events` (already chained after `head`): the event puts
        then, LAST, the head update, so callers know the head's index (`len - 1`)."""
        if not events:
            return []
        ops: list[dict[str, Any]] = [
            {
                "Put": {
                    "TableName": self.table,
                    "Item": event_item(ev),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
            for ev in events
        ]
        last = events[-1]
        update: dict[str, Any] = {
            "TableName": self.table,
            "Key": {"PK": _s(stream_pk(stream)), "SK": _s("HEAD")},
            "UpdateExpression": "SET #seq = :seq, #hash = :hash",
            "ExpressionAttributeNames": {"#seq": "seq", "#hash": "hash"},
            "ExpressionAttributeValues": {":seq": _n(last.seq), ":hash": _s(last.hash)},
        }
        if head is None:
            update["ConditionExpression"] = "attribute_not_exists(#seq)"
        else:
            update["ConditionExpression"] = "#seq = :prev AND #hash = :prevhash"
            update["ExpressionAttributeValues"][":prev"] = _n(head[0])
            update["ExpressionAttributeValues"][":prevhash"] = _s(head[1])
        ops.append({"Update": update})
        return ops

    def append(
        self,
        stream: str,
        *,
        at: datetime,
        actor: str,
        actor_role: str,
        actor_unit: str | None,
        action: str,
        dossier_id: str | None = None,
        detail: dict[str, Any] | None = None,
    ) -> AuditEvent:
        """Append one event; a concurrent append to the same stream makes us re-read and retry."""
        spec = {
            "at": at,
            "actor": actor,
            "actor_role": actor_role,
            "actor_unit": actor_unit,
            "action": action,
            "dossier_id": dossier_id,
            "detail": detail,
        }
        for attempt in range(MAX_ATTEMPTS):
            head = self.head(stream)
            (ev,) = chain_events(head, stream, [spec])
            try:
                self.client.transact_write_items(
                    TransactItems=self.transact_items(stream, head, [ev])
                )
                return ev
            except self.client.exceptions.TransactionCanceledException:
                # Either condition failing means another append won the race: re-read.
                backoff(attempt)
        raise Conflict(
            "Nhật ký kiểm tra đang bận, vui lòng thử lại.",
            "The audit log is busy; retry.",
            code="audit_busy",
        )

    # ---- reading -------------------------------------------------------------------------------
    def _query_all(self, **kwargs: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        kwargs["TableName"] = self.table
        while True:
            resp = self.client.query(**kwargs)
            items.extend(resp.get("Items", []))
            last = resp.get("LastEvaluatedKey")
            if not last:
                return items
            kwargs["ExclusiveStartKey"] = last

    def _events(self, stream: str, from_seq: int) -> list[AuditEvent]:
        items = self._query_all(
            KeyConditionExpression="PK = :pk AND SK BETWEEN :lo AND :hi",
            ExpressionAttributeValues={
                ":pk": _s(stream_pk(stream)),
                ":lo": _s(f"E#{from_seq:010d}"),
                ":hi": _s(f"E#{_SEQ_MAX:010d}"),
            },
            ConsistentRead=True,
        )
        out = []
        for it in items:
            key_seq = int(it["SK"]["S"].removeprefix("E#"))
            out.append(
                AuditEvent.from_stored(
                    it.get("data", {}).get("S", ""),
                    it.get("hash", {}).get("S", ""),
                    stream=stream,
                    key_seq=key_seq,
                )
            )
        return out

    def read_stream(self, stream: str, from_seq: int = 1) -> tuple[list[AuditEvent], Head | None]:
        """Events from `from_seq` in key order, and the head, as of one moment.

        The head is read before and after the events; if an append slipped in between, read again,
        so a live stream is not reported as broken.
        """
        for attempt in range(MAX_ATTEMPTS):
            before = self.head(stream)
            events = self._events(stream, from_seq)
            after = self.head(stream)
            if before == after:
                return events, after
            backoff(attempt)
        return events, after

    def events_on_day(self, day: str) -> list[dict[str, Any]]:
        """Index rows of the events of one Vietnam day (YYYY-MM-DD), in time order: one paginated
        Query on GSI5. Each row: stream, seq (from the item's key, not its editable data), at."""
        items = self._query_all(
            IndexName="GSI5",
            KeyConditionExpression="GSI5PK = :pk",
            ExpressionAttributeValues={":pk": _s(f"AUDITDAY#{day}")},
        )
        rows = []
        for it in items:
            pk, sk = it["PK"]["S"], it["SK"]["S"]
            if not pk.startswith("AUDIT#") or not sk.startswith("E#"):
                continue
            rows.append(
                {
                    "stream": pk.removeprefix("AUDIT#"),
                    "seq": int(sk.removeprefix("E#")),
                    "at": it["GSI5SK"]["S"].split("#", 1)[0],
                }
            )
        return rows


def backoff(attempt: int) -> None:
    """A short, growing, jittered pause between attempts at a contended head."""
    import random

    time.sleep(min(0.2, 0.01 * (2**attempt)) * (0.5 + random.random()))
