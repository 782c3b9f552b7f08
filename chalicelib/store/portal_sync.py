"""Per-dossier national-portal sync state in the single table. Thin; no Scan anywhere.

Item `PORTALSYNC#<dossier id>` / `STATE`: `state` pending | synced | failed, `latest_version` (the
newest packet enqueued), `synced_version` (the newest the portal accepted), `attempts` (failed
deliveries of the latest packet), `last_error` (no personal data), `code`, `agency`, `procedure`,
`updated_at`, `counted` (the VN month the `synced` counter was incremented for; once per dossier).

Sparse GSI1 keys make the ops view and the sweep Queries: `SYNC#PENDING` / `<since>#<id>` while
pending, `SYNC#FAILED` / `<failed at>#<id>` while failed; a synced item leaves GSI1 and gets
`SYNC#SYNCED#<VN date>` / `<at>#<id>` in GSI2 (a per-day partition: the "synced today" count).

Every write is conditional on versions, so an older packet never overwrites a newer state and two
deliveries of one packet count once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.store.base import TableAdapter
from chalicelib.store.cursor import decode_key, encode_key, key_scope

if TYPE_CHECKING:
    from chalicelib.settings import Settings

VN = ZoneInfo("Asia/Ho_Chi_Minh")
PENDING = "SYNC#PENDING"
FAILED = "SYNC#FAILED"
SYNCED_PREFIX = "SYNC#SYNCED#"
STATES = ("pending", "synced", "failed")


def _s(v: str) -> dict[str, str]:
    return {"S": v}


def _n(v: int) -> dict[str, str]:
    return {"N": str(v)}


def _iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def synced_day_key(at: datetime) -> str:
    return SYNCED_PREFIX + at.astimezone(VN).strftime("%Y-%m-%d")


@dataclass(frozen=True)
class SyncState:
    dossier_id: str
    state: str
    code: str
    agency: str
    procedure: str
    latest_version: int
    synced_version: int
    attempts: int
    last_error: str
    updated_at: str
    counted: str

    def to_public(self) -> dict[str, Any]:
        return {
            "dossier_id": self.dossier_id,
            "code": self.code,
            "agency": self.agency,
            "procedure": self.procedure,
            "state": self.state,
            "version": self.latest_version,
            "synced_version": self.synced_version,
            "attempts": self.attempts,
            "last_error": self.last_error,
            "updated_at": self.updated_at,
        }


def _state_from(item: dict[str, Any]) -> SyncState:
    def s(k: str) -> str:
        return str(item.get(k, {}).get("S", ""))

    def n(k: str) -> int:
        return int(item.get(k, {}).get("N", "0"))

    return SyncState(
        dossier_id=item["PK"]["S"].removeprefix("PORTALSYNC#"),
        state=s("state"),
        code=s("code"),
        agency=s("agency"),
        procedure=s("procedure"),
        latest_version=n("latest_version"),
        synced_version=n("synced_version"),
        attempts=n("attempts"),
        last_error=s("last_error"),
        updated_at=s("updated_at"),
        counted=s("counted"),
    )


class PortalSyncStore(TableAdapter):
    def _key(self, dossier_id: str) -> dict[str, Any]:
        return {"PK": _s(f"PORTALSYNC#{dossier_id}"), "SK": _s("STATE")}

    def _update(self, dossier_id: str, **kw: Any) -> bool:
        try:
            self.client.update_item(TableName=self.table, Key=self._key(dossier_id), **kw)
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True

    def get(self, dossier_id: str) -> SyncState | None:
        item = self.client.get_item(
            TableName=self.table, Key=self._key(dossier_id), ConsistentRead=True
        ).get("Item")
        return _state_from(item) if item else None

    def mark_pending(
        self, dossier_id: str, version: int, code: str, agency: str, procedure: str, now: datetime
    ) -> bool:
        """A new packet: pending (attempts reset). False when a newer one is known already."""
        return self._update(
            dossier_id,
            UpdateExpression=(
                "SET #st = :pending, latest_version = :v, attempts = :zero, code = :code, "
                "agency = :agency, #proc = :proc, updated_at = :now, "
                "GSI1PK = :gpk, GSI1SK = :gsk REMOVE last_error"
            ),
            ConditionExpression="attribute_not_exists(latest_version) OR latest_version < :v",
            ExpressionAttributeNames={"#st": "state", "#proc": "procedure"},
            ExpressionAttributeValues={
                ":pending": _s("pending"),
                ":v": _n(version),
                ":zero": _n(0),
                ":code": _s(code),
                ":agency": _s(agency),
                ":proc": _s(procedure),
                ":now": _s(_iso(now)),
                ":gpk": _s(PENDING),
                ":gsk": _s(f"{_iso(now)}#{dossier_id}"),
            },
        )

    def touch_pending(self, dossier_id: str, version: int, now: datetime) -> bool:
        """The sweep re-sent the packet: wait another period before the next resend."""
        return self._update(
            dossier_id,
            UpdateExpression="SET GSI1SK = :gsk, updated_at = :now",
            ConditionExpression="#st = :pending AND latest_version = :v",
            ExpressionAttributeNames={"#st": "state"},
            ExpressionAttributeValues={
                ":pending": _s("pending"),
                ":v": _n(version),
                ":now": _s(_iso(now)),
                ":gsk": _s(f"{_iso(now)}#{dossier_id}"),
            },
        )

    def requeue_failed(self, dossier_id: str, version: int, now: datetime) -> bool:
        """Redrive: a failed packet goes back to pending with a fresh count of attempts."""
        return self._update(
            dossier_id,
            UpdateExpression=(
                "SET #st = :pending, attempts = :zero, updated_at = :now, GSI1PK = :gpk, "
                "GSI1SK = :gsk"
            ),
            ConditionExpression="#st = :failed AND latest_version <= :v",
            ExpressionAttributeNames={"#st": "state"},
            ExpressionAttributeValues={
                ":pending": _s("pending"),
                ":failed": _s("failed"),
                ":zero": _n(0),
                ":v": _n(version),
                ":now": _s(_iso(now)),
                ":gpk": _s(PENDING),
                ":gsk": _s(f"{_iso(now)}#{dossier_id}"),
            },
        )

    def record_failure(
        self, dossier_id: str, version: int, error: str, now: datetime, *, final: bool
    ) -> bool:
        """A failed delivery of the latest packet (an older packet's failure changes nothing);
        `final` moves it to failed (the ops view's list)."""
        values: dict[str, Any] = {
            ":v": _n(version),
            ":one": _n(1),
            ":err": _s(error[:500]),
            ":now": _s(_iso(now)),
        }
        update = "SET last_error = :err, updated_at = :now ADD attempts :one"
        if final:
            update = (
                "SET last_error = :err, updated_at = :now, #st = :failed, GSI1PK = :gpk, "
                "GSI1SK = :gsk ADD attempts :one"
            )
            values.update(
                {
                    ":failed": _s("failed"),
                    ":gpk": _s(FAILED),
                    ":gsk": _s(f"{_iso(now)}#{dossier_id}"),
                }
            )
        names = {"#st": "state"} if final else None
        kw: dict[str, Any] = {
            "UpdateExpression": update,
            "ConditionExpression": (
                "latest_version = :v AND (attribute_not_exists(synced_version) "
                "OR synced_version < :v)"
            ),
            "ExpressionAttributeValues": values,
        }
        if names:
            kw["ExpressionAttributeNames"] = names
        return self._update(dossier_id, **kw)

    def mark_synced(
        self,
        dossier_id: str,
        version: int,
        now: datetime,
        *,
        count: tuple[str, str, str] | None = None,
    ) -> bool:
        """The portal accepted `version`. Synced (out of GSI1) unless a newer packet is pending.

        `count` = (agency, month, procedure): the first counted sync of the dossier also adds 1 to
        the monthly counter `synced` in the same transaction (condition: not counted yet).
        Returns False when a version as new or newer was recorded already (nothing changed).
        """
        values: dict[str, Any] = {
            ":v": _n(version),
            ":now": _s(_iso(now)),
            ":synced": _s("synced"),
            ":day": _s(synced_day_key(now)),
            ":daysk": _s(f"{_iso(now)}#{dossier_id}"),
        }
        condition = "attribute_not_exists(synced_version) OR synced_version < :v"
        # Only the latest packet leaves the pending/failed index; an older one just records.
        base: dict[str, Any] = {
            "TableName": self.table,
            "Key": self._key(dossier_id),
            "ExpressionAttributeNames": {"#st": "state"},
        }
        latest: dict[str, Any] = {
            **base,
            "UpdateExpression": (
                "SET synced_version = :v, #st = :synced, updated_at = :now, GSI2PK = :day, "
                "GSI2SK = :daysk REMOVE GSI1PK, GSI1SK, last_error"
            ),
            "ConditionExpression": f"({condition}) AND latest_version <= :v",
            "ExpressionAttributeValues": dict(values),
        }
        older: dict[str, Any] = {
            **base,
            "UpdateExpression": "SET synced_version = :v, updated_at = :now",
            "ConditionExpression": f"({condition}) AND latest_version > :v",
            "ExpressionAttributeValues": {":v": values[":v"], ":now": values[":now"]},
        }
        older.pop("ExpressionAttributeNames")
        for op in (latest, older):
            if count is not None:
                agency, month, procedure = count
                counted_op: dict[str, Any] = dict(op)
                counted_op["UpdateExpression"] = op["UpdateExpression"].replace(
                    "SET ", "SET counted = :month, ", 1
                )
                counted_op["ConditionExpression"] = (
                    f"({op['ConditionExpression']}) AND attribute_not_exists(counted)"
                )
                counted_op["ExpressionAttributeValues"] = {
                    **op["ExpressionAttributeValues"],
                    ":month": _s(month),
                }
                counter = {
                    "TableName": self.table,
                    "Key": {"PK": _s(f"CNT#{agency}#{month}"), "SK": _s(f"PROC#{procedure}")},
                    "UpdateExpression": "ADD synced :one",
                    "ExpressionAttributeValues": {":one": _n(1)},
                }
                try:
                    self.client.transact_write_items(
                        TransactItems=[{"Update": counted_op}, {"Update": counter}]
                    )
                    return True
                except self.client.exceptions.TransactionCanceledException:
                    pass  # counted already, or this branch's condition does not hold
            try:
                self.client.update_item(**op)
                return True
            except self.client.exceptions.ConditionalCheckFailedException:
                continue
        return False

    # ---- reads for the ops view and the sweep --------------------------------------------------
    def state_counts(self, now: datetime) -> dict[str, int]:
        """How many dossiers wait (pending), failed, and were synced on `now`'s Vietnam day."""
        return {
            "pending": self.count("GSI1", PENDING),
            "failed": self.count("GSI1", FAILED),
            "synced_today": self.count("GSI2", synced_day_key(now)),
        }

    def count(self, index: str, pk: str) -> int:
        total = 0
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": f"{index}PK = :pk",
            "ExpressionAttributeValues": {":pk": _s(pk)},
            "Select": "COUNT",
        }
        while True:
            resp = self.client.query(**kwargs)
            total += int(resp.get("Count", 0))
            if not resp.get("LastEvaluatedKey"):
                return total
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]

    def list_failed(
        self, limit: int = 20, cursor: str | None = None, settings: Settings | None = None
    ) -> tuple[list[SyncState], str | None]:
        """Failed dossiers, most recent failure first, one page (one Query); a bad cursor is
        400 `invalid_cursor`."""
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "GSI1",
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": {":pk": _s(FAILED)},
            "ScanIndexForward": False,
            "Limit": max(1, min(limit, 100)),
        }
        scope = key_scope(FAILED, index="GSI1")
        start = decode_key(cursor, scope, settings)
        if start:
            kwargs["ExclusiveStartKey"] = start
        resp = self.client.query(**kwargs)
        items = [_state_from(it) for it in resp.get("Items", [])]
        return items, encode_key(resp.get("LastEvaluatedKey"), scope, settings)

    def pending_before(self, before: datetime, limit: int = 100) -> list[SyncState]:
        """Pending dossiers not touched since `before` (the sweep's work), oldest first."""
        resp = self.client.query(
            TableName=self.table,
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk AND GSI1SK < :before",
            ExpressionAttributeValues={":pk": _s(PENDING), ":before": _s(_iso(before))},
            Limit=limit,
        )
        return [_state_from(it) for it in resp.get("Items", [])]

    def failed_all(self, limit: int = 1000) -> list[SyncState]:
        resp = self.client.query(
            TableName=self.table,
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk",
            ExpressionAttributeValues={":pk": _s(FAILED)},
            Limit=limit,
        )
        return [_state_from(it) for it in resp.get("Items", [])]

    # ---- the daily reconciliation ---------------------------------------------------------------
    def synced_on(self, day_key: str, limit: int = 10000) -> list[SyncState]:
        """The dossiers whose latest sync was on that Vietnam day (`synced_day_key`), paged."""
        out: list[SyncState] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "GSI2",
            "KeyConditionExpression": "GSI2PK = :pk",
            "ExpressionAttributeValues": {":pk": _s(day_key)},
        }
        while len(out) < limit:
            resp = self.client.query(**kwargs)
            out.extend(_state_from(it) for it in resp.get("Items", []))
            if not resp.get("LastEvaluatedKey"):
                break
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
        return out[:limit]

    def reopen(self, dossier_id: str, version: int, now: datetime) -> bool:
        """The portal lost `version` (reconciliation): pending again so it is delivered once
        more; only while `version` is still both the latest and the synced one."""
        return self._update(
            dossier_id,
            UpdateExpression=(
                "SET #st = :pending, synced_version = :before, attempts = :zero, "
                "updated_at = :now, GSI1PK = :gpk, GSI1SK = :gsk"
            ),
            ConditionExpression="synced_version = :v AND latest_version = :v",
            ExpressionAttributeNames={"#st": "state"},
            ExpressionAttributeValues={
                ":pending": _s("pending"),
                ":v": _n(version),
                ":before": _n(version - 1),
                ":zero": _n(0),
                ":now": _s(_iso(now)),
                ":gpk": _s(PENDING),
                ":gsk": _s(f"{_iso(now)}#{dossier_id}"),
            },
        )

    def put_report(self, day: str, report: dict[str, Any]) -> None:
        import json

        self.client.put_item(
            TableName=self.table,
            Item={
                "PK": _s("PORTALRECON"),
                "SK": _s(day),
                "data": _s(json.dumps(report, ensure_ascii=False)),
            },
        )

    def latest_report(self) -> dict[str, Any] | None:
        import json

        resp = self.client.query(
            TableName=self.table,
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": _s("PORTALRECON")},
            ScanIndexForward=False,
            Limit=1,
        )
        items = resp.get("Items", [])
        if not items:
            return None
        data: dict[str, Any] = json.loads(items[0]["data"]["S"])
        return data
