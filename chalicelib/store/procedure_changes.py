"""Procedure change requests, version claims, repeal markers and publication counters.

Items (single table, see docs/design.md "Table"):
- change request: PK `PROCCHANGE#<id>`, SK `CHANGE`; attribute `state`;
  GSI1 `PROCCHANGES#<state>` / `<proposed_at>#<id>` (the province's pending list, no scan);
  GSI2 `PROCCHANGEUNIT#<lead agency>` / `<proposed_at>#<id>` (an agency's own list, no scan);
- procedure version: PK `PROC#<code>`, SK `V#<version:05d>` (the layout of `DynamoStore`); the
  publication transaction claims it with `attribute_not_exists`, so two publications of the same
  code cannot both take one version number;
- repeal marker: PK `PROCREPEALED`, SK `PROC#<code>`: one small partition the public search reads
  to hide repealed procedures (the catalogue rows do not carry the state);
- counters: PK `CNT#<agency>#<YYYY-MM>`, SK `PROC#<code>`, numeric attributes added with ADD
  (the layout of `DynamoStore.apply`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.domain.errors import Conflict
from chalicelib.domain.procedure import Procedure
from chalicelib.domain.procedure_publication import ProcedureChange
from chalicelib.store.base import TableAdapter

CHANGE_PREFIX = "PROCCHANGE#"
CHANGE_SK = "CHANGE"
STATE_LIST_PREFIX = "PROCCHANGES#"
UNIT_LIST_PREFIX = "PROCCHANGEUNIT#"
REPEALED_PK = "PROCREPEALED"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _iso(dt: Any) -> str:
    return str(dt.isoformat()).replace("+00:00", "Z")


def _change_item(c: ProcedureChange) -> dict[str, Any]:
    sort = f"{_iso(c.proposed_at)}#{c.id}"
    return {
        "PK": _s(CHANGE_PREFIX + c.id),
        "SK": _s(CHANGE_SK),
        "data": _s(c.model_dump_json()),
        "state": _s(c.state),
        "GSI1PK": _s(STATE_LIST_PREFIX + c.state),
        "GSI1SK": _s(sort),
        "GSI2PK": _s(UNIT_LIST_PREFIX + c.lead_agency),
        "GSI2SK": _s(sort),
    }


def _change(item: Mapping[str, Any]) -> ProcedureChange:
    return ProcedureChange.model_validate_json(item["data"]["S"])


def _conflict() -> Conflict:
    return Conflict(
        "Đề nghị hoặc thủ tục vừa được người khác cập nhật. Vui lòng tải lại và thử lại.",
        "The change request or the procedure was changed by someone else. Reload and retry.",
        code="version_conflict",
    )


class ProcedureChangeStore(TableAdapter):
    """Thin adapter; built from the app's store with `ProcedureChangeStore(client, table)`."""

    def _query(
        self, pk_name: str, pk: str, *, index: str | None = None, **extra: Any
    ) -> list[dict[str, Any]]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": pk_name},
            "ExpressionAttributeValues": {":pk": _s(pk)},
            **extra,
        }
        if index:
            kwargs["IndexName"] = index
        limit = int(kwargs.get("Limit", 0)) or None
        out: list[dict[str, Any]] = []
        while True:
            resp = self.client.query(**kwargs)
            out.extend(resp.get("Items", []))
            last = resp.get("LastEvaluatedKey")
            if not last or (limit is not None and len(out) >= limit):
                return out[:limit] if limit else out
            kwargs["ExclusiveStartKey"] = last

    # ---- change requests ---------------------------------------------------------------------
    def create(self, change: ProcedureChange) -> None:
        try:
            self.client.put_item(
                TableName=self.table,
                Item=_change_item(change),
                ConditionExpression="attribute_not_exists(PK)",
            )
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise _conflict() from exc

    def get(self, change_id: str) -> ProcedureChange | None:
        resp = self.client.get_item(
            TableName=self.table,
            Key={"PK": _s(CHANGE_PREFIX + change_id), "SK": _s(CHANGE_SK)},
            ConsistentRead=True,
        )
        item = resp.get("Item")
        return _change(item) if item else None

    def list_by_state(self, state: str, limit: int = 500) -> list[ProcedureChange]:
        """Newest first; one Query on GSI1 (index reads may lag a write by a moment)."""
        items = self._query(
            "GSI1PK", STATE_LIST_PREFIX + state, index="GSI1", ScanIndexForward=False, Limit=limit
        )
        return [_change(i) for i in items]

    def list_by_unit(self, unit: str, limit: int = 500) -> list[ProcedureChange]:
        """A unit's requests in every state, newest first; one Query on GSI2."""
        items = self._query(
            "GSI2PK", UNIT_LIST_PREFIX + unit, index="GSI2", ScanIndexForward=False, Limit=limit
        )
        return [_change(i) for i in items]

    def _decided(self, change: ProcedureChange) -> dict[str, Any]:
        """The request's new state, written only if it is still `proposed` (decided once)."""
        return {
            "Put": {
                "TableName": self.table,
                "Item": _change_item(change),
                "ConditionExpression": "#st = :proposed",
                "ExpressionAttributeNames": {"#st": "state"},
                "ExpressionAttributeValues": {":proposed": _s("proposed")},
            }
        }

    def reject(self, change: ProcedureChange) -> None:
        try:
            self.client.transact_write_items(TransactItems=[self._decided(change)])
        except self.client.exceptions.TransactionCanceledException as exc:
            raise _conflict() from exc

    # ---- versions ----------------------------------------------------------------------------
    def latest_version(self, code: str) -> int:
        """The highest stored version number (0 if none); a strongly consistent Query."""
        items = self._query(
            "PK",
            f"PROC#{code}",
            KeyConditionExpression="#pk = :pk AND begins_with(SK, :v)",
            ExpressionAttributeValues={":pk": _s(f"PROC#{code}"), ":v": _s("V#")},
            ScanIndexForward=False,
            ConsistentRead=True,
            Limit=1,
        )
        return int(items[0]["SK"]["S"].removeprefix("V#")) if items else 0

    def list_versions(self, code: str) -> list[Procedure]:
        """Every version of a procedure, oldest first (`PROC#<code>`, SK prefix `V#`)."""
        items = self._query(
            "PK",
            f"PROC#{code}",
            KeyConditionExpression="#pk = :pk AND begins_with(SK, :v)",
            ExpressionAttributeValues={":pk": _s(f"PROC#{code}"), ":v": _s("V#")},
        )
        return [Procedure.model_validate_json(i["data"]["S"]) for i in items]

    # ---- counters ----------------------------------------------------------------------------
    def counter_update(
        self, agency: str, month: str, procedure: str, metrics: Mapping[str, int]
    ) -> dict[str, Any]:
        """A transaction's ADD on the monthly counter item (`DynamoStore.apply`'s layout)."""
        names = {f"#m{i}": m for i, m in enumerate(metrics)}
        values = {f":v{i}": {"N": str(v)} for i, v in enumerate(metrics.values())}
        return {
            "Update": {
                "TableName": self.table,
                "Key": {"PK": _s(f"CNT#{agency}#{month}"), "SK": _s(f"PROC#{procedure}")},
                "UpdateExpression": "ADD "
                + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True)),
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": values,
            }
        }

    # ---- publication -------------------------------------------------------------------------
    def commit_publication(
        self,
        change: ProcedureChange,
        proc: Procedure,
        *,
        counter: tuple[str, str, Mapping[str, int]] | None,
    ) -> None:
        """Decide the request, claim the version, count it, set or clear the repeal marker:
        all or nothing. The caller then moves LATEST with `DynamoStore.put_procedure`, which
        rewrites the same version item identically (a retry of the whole publish repairs a
        pointer move that did not happen)."""
        ops: list[dict[str, Any]] = [
            self._decided(change),
            {
                "Put": {
                    "TableName": self.table,
                    "Item": {
                        "PK": _s(f"PROC#{proc.code}"),
                        "SK": _s(f"V#{proc.version:05d}"),
                        "data": _s(proc.model_dump_json()),
                    },
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ]
        marker = {"PK": _s(REPEALED_PK), "SK": _s(f"PROC#{proc.code}")}
        if proc.state == "repealed":
            marker_item = {**marker, "version": {"N": str(proc.version)}}
            ops.append({"Put": {"TableName": self.table, "Item": marker_item}})
        else:
            ops.append({"Delete": {"TableName": self.table, "Key": marker}})
        if counter is not None:
            agency, month, metrics = counter
            ops.append(self.counter_update(agency, month, proc.code, metrics))
        try:
            self.client.transact_write_items(TransactItems=ops)
        except self.client.exceptions.TransactionCanceledException as exc:
            raise _conflict() from exc

    def repealed_codes(self) -> set[str]:
        """Codes of repealed procedures: one Query of a small partition."""
        items = self._query("PK", REPEALED_PK)
        return {i["SK"]["S"].removeprefix("PROC#") for i in items}
