"""The DynamoDB single table: domain objects to items and back, and the status-change transaction.

Items keep the whole domain object as JSON in `data` plus the few attributes that keys and indexes
need (see docs/design.md "Table"). Nothing on a request path scans.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.domain.actors import STAFF_ROLES
from chalicelib.domain.dossier import Dossier, HistoryEvent, record_people
from chalicelib.domain.dossier_code import lookup_forms
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.procedure import Procedure, Unit
from chalicelib.domain.statuses import DossierStatus
from chalicelib.store.base import TableAdapter, locked
from chalicelib.store.sequences import SEQUENCE_SK, expires_pk

if TYPE_CHECKING:
    from chalicelib.store.pii import PiiCodec
    from chalicelib.store.waits import WaitTokens

_VN = ZoneInfo("Asia/Ho_Chi_Minh")
# How long a process keeps a procedure's LATEST pointer: a publication reaches every Lambda
# instance within this (the publishing one at once). Pinned versions never change.
PROCEDURE_TTL_SECONDS = 60.0
# GSI3 partition of dossiers waiting for the applicant (supplement, fee) by their deadline.
APPLICANT_DUE = "APPLICANTDUE"
# GSI4 partition of results with a validity period (statuses 9 and 10) by their end.
VALID_UNTIL = "VALIDUNTIL"


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _second(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _n(value: int) -> dict[str, str]:
    return {"N": str(value)}


def _iso(dt: Any) -> str:
    return dt.isoformat().replace("+00:00", "Z") if dt is not None else ""


@dataclass
class AgencyTask:
    """The work item an agency sees for one step of one dossier; holds the newest task token."""

    dossier_id: str
    step_id: str
    agency: str
    dossier_code: str
    procedure_code: str
    procedure_name: str
    step_name: str
    due_at: str
    warn_at: str = ""
    token: str | None = None
    state: str = "open"  # open | waiting (returned, awaiting a new token) | done
    outcome: dict[str, Any] | None = None
    late: bool = False
    warned: bool = False
    version: int = 0

    def to_public(self) -> dict[str, Any]:
        return {
            "dossier_id": self.dossier_id,
            "code": self.dossier_code,
            "procedure_code": self.procedure_code,
            "procedure_name": self.procedure_name,
            "step_id": self.step_id,
            "step_name": self.step_name,
            "agency": self.agency,
            "due_at": self.due_at,
            "warn_at": self.warn_at,
            "state": self.state,
            "late": self.late,
        }


@dataclass
class Change:
    """One atomic status change: everything here is written in a single TransactWriteItems."""

    dossier: Dossier
    expected_version: int
    events: list[HistoryEvent] = field(default_factory=list)
    counters: list[tuple[str, str, str]] = field(default_factory=list)  # (agency, month, metric)
    tasks: list[AgencyTask] = field(default_factory=list)
    sequence: tuple[str, int] | None = None  # (key, value now taken): gap-free daily numbering
    # The dossier item does not exist yet (a dossier taken in from the national portal is created
    # already submitted, with its history, in this one transaction): put only if absent.
    create: bool = False


class DynamoStore(TableAdapter):
    """Thin adapter over one table. Clients are injected so tests need no patching."""

    # Called after each committed change with the saved dossier and its history events (the
    # composition root sets it to `Deps.committed`); must never raise.
    after_commit: Callable[[Dossier, list[HistoryEvent]], None] | None = None

    # ---- generic helpers -------------------------------------------------------------
    def _get(self, pk: str, sk: str, consistent: bool = True) -> dict[str, Any] | None:
        resp = self.client.get_item(
            TableName=self.table, Key={"PK": _s(pk), "SK": _s(sk)}, ConsistentRead=consistent
        )
        item: dict[str, Any] | None = resp.get("Item")
        return item

    def _query(
        self,
        *,
        pk_value: str,
        index: str | None = None,
        sk_prefix: str | None = None,
        forward: bool = True,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        pk_name = f"{index}PK" if index else "PK"
        sk_name = f"{index}SK" if index else "SK"
        expr = "#pk = :pk"
        names = {"#pk": pk_name}
        values: dict[str, Any] = {":pk": _s(pk_value)}
        if sk_prefix:
            expr += " AND begins_with(#sk, :sk)"
            names["#sk"] = sk_name
            values[":sk"] = _s(sk_prefix)
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": expr,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            "ScanIndexForward": forward,
            "Limit": limit,
        }
        if index:
            kwargs["IndexName"] = index
        items: list[dict[str, Any]] = []
        while True:
            resp = self.client.query(**kwargs)
            items.extend(resp.get("Items", []))
            last = resp.get("LastEvaluatedKey")
            if not last or len(items) >= limit:
                return items[:limit]
            kwargs["ExclusiveStartKey"] = last

    @staticmethod
    def _data(item: dict[str, Any]) -> Any:
        return json.loads(item["data"]["S"])

    # ---- catalogue ---------------------------------------------------------------------
    def put_procedure(self, proc: Procedure) -> None:
        """Write a version and move the LATEST pointer; the catalogue row serves listing."""
        data = proc.model_dump_json()
        summary = json.dumps(
            {
                "code": proc.code,
                "name": proc.name,
                "field": proc.field,
                "level": proc.level.value,
                "lead_agency": proc.lead_agency,
                "version": proc.version,
                "processing_time": proc.processing_time.model_dump(mode="json"),
                "fee_vnd": proc.total_fee_vnd,
                "sample": proc.sample,
            },
            ensure_ascii=False,
        )
        items = [
            {"PK": _s(f"PROC#{proc.code}"), "SK": _s(f"V#{proc.version:05d}"), "data": _s(data)},
            {
                "PK": _s(f"PROC#{proc.code}"),
                "SK": _s("LATEST"),
                "data": _s(data),
                "GSI5PK": _s(f"FIELD#{proc.field}"),
                "GSI5SK": _s(f"{proc.level.value}#{proc.code}"),
            },
            {"PK": _s("CATALOG"), "SK": _s(f"PROC#{proc.code}"), "data": _s(summary)},
        ]
        self.client.transact_write_items(
            TransactItems=[{"Put": {"TableName": self.table, "Item": it}} for it in items]
        )
        now = self.monotonic()
        self._procedure_cache().update(
            {(proc.code, None): (now, proc), (proc.code, proc.version): (now, proc)}
        )

    def get_procedure(self, code: str, version: int | None = None) -> Procedure:
        """A pinned version, or LATEST. Versions are immutable once published (`V#<n>` is
        claimed conditionally and never rewritten), so this adapter keeps each one it has read
        for the life of the process; LATEST moves when the province publishes, so it is kept
        PROCEDURE_TTL_SECONDS (`put_procedure` in this process replaces it at once)."""
        cache = self._procedure_cache()
        key = (code, version)
        hit = cache.get(key)
        now = self.monotonic()
        if hit is not None and (version is not None or now - hit[0] <= PROCEDURE_TTL_SECONDS):
            return hit[1]
        sk = "LATEST" if version is None else f"V#{version:05d}"
        item = self._get(f"PROC#{code}", sk, consistent=False)
        if item is None:
            raise NotFound(
                f"Không tìm thấy thủ tục {code}.", f"Procedure {code} not found.", field="code"
            )
        proc = Procedure.model_validate_json(item["data"]["S"])
        cache[key] = (now, proc)
        cache[(code, proc.version)] = (now, proc)
        return proc

    def _procedure_cache(self) -> dict[tuple[str, int | None], tuple[float, Procedure]]:
        found: dict[tuple[str, int | None], tuple[float, Procedure]] | None = self.__dict__.get(
            "_procedures"
        )
        if found is None:
            found = self.__dict__.setdefault("_procedures", {})
        return found

    def monotonic(self) -> float:
        """The clock of the adapter's caches (tests move it instead of sleeping)."""
        return time.monotonic()

    def list_procedures(self, field_name: str | None = None) -> list[dict[str, Any]]:
        """Catalogue rows; one Query (by field through GSI5, else the catalogue partition)."""
        if field_name:
            items = self._query(pk_value=f"FIELD#{field_name}", index="GSI5", limit=2000)
            out = []
            for it in items:
                p = Procedure.model_validate_json(it["data"]["S"])
                out.append(
                    {
                        "code": p.code,
                        "name": p.name,
                        "field": p.field,
                        "level": p.level.value,
                        "lead_agency": p.lead_agency,
                        "version": p.version,
                        "processing_time": p.processing_time.model_dump(mode="json"),
                        "fee_vnd": p.total_fee_vnd,
                        "sample": p.sample,
                    }
                )
            return out
        return [self._data(it) for it in self._query(pk_value="CATALOG", limit=5000)]

    def _unit_items(self, unit: Unit, version: int) -> list[dict[str, Any]]:
        """The unit's own item and its row in the `UNITS` list (GSI1 `UNITPARENT#<parent>`: the
        children of a node in one Query, for the administrator's tree)."""
        data = _s(unit.model_dump_json())
        row = {"PK": _s("UNITS"), "SK": _s(f"UNIT#{unit.code}"), "data": data}
        row["GSI1PK"] = _s(f"UNITPARENT#{unit.parent or '-'}")
        row["GSI1SK"] = _s(unit.code)
        own = {"PK": _s(f"UNIT#{unit.code}"), "SK": _s("UNIT"), "data": data}
        return [{**it, "version": _n(version)} for it in (own, row)]

    def put_unit(self, unit: Unit) -> None:
        """Unconditional write (demo loader); the console uses `save_unit` with its lock."""
        self.client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": self.table, "Item": it}} for it in self._unit_items(unit, 1)
            ]
        )

    def save_unit(self, unit: Unit, expected_version: int | None) -> int:
        """Create (None: only if absent) or update only if still at `expected_version`; both
        items in one transaction. Returns the new version; 409 `version_conflict` otherwise."""
        version = (expected_version or 0) + 1
        ops = [
            {"Put": _lock({"TableName": self.table, "Item": it}, expected_version)}
            for it in self._unit_items(unit, version)
        ]
        try:
            self.client.transact_write_items(TransactItems=ops)
        except self.client.exceptions.TransactionCanceledException as exc:
            raise _conflict() from exc
        return version

    def delete_unit(self, code: str, expected_version: int) -> None:
        cond = {
            "ConditionExpression": "#v = :v",
            "ExpressionAttributeNames": {"#v": "version"},
            "ExpressionAttributeValues": {":v": _n(expected_version)},
        }
        keys = (
            {"PK": _s(f"UNIT#{code}"), "SK": _s("UNIT")},
            {"PK": _s("UNITS"), "SK": _s(f"UNIT#{code}")},
        )
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {"Delete": {"TableName": self.table, "Key": k, **cond}} for k in keys
                ]
            )
        except self.client.exceptions.TransactionCanceledException as exc:
            raise _conflict() from exc

    def unit_version(self, code: str) -> tuple[Unit, int] | None:
        """The unit and its lock version (strongly consistent), or None."""
        item = self._get(f"UNIT#{code}", "UNIT")
        if item is None:
            return None
        return Unit.model_validate_json(item["data"]["S"]), int(
            item.get("version", {"N": "0"})["N"]
        )

    def list_units(self) -> list[Unit]:
        """Every unit (one partition; the administrator's console pages it instead)."""
        items = self._query(pk_value="UNITS", limit=5000)
        return [Unit.model_validate(self._data(it)) for it in items]

    def get_unit(self, code: str) -> Unit | None:
        item = self._get(f"UNIT#{code}", "UNIT", consistent=False)
        return Unit.model_validate_json(item["data"]["S"]) if item else None

    def put_calendar(
        self,
        data: dict[str, Any],
        entries: list[dict[str, Any]] | None = None,
        expected_version: int | None = None,
    ) -> int:
        """`data` is `WorkingCalendar.to_dict()`; `entries` the administrator's notes (kind,
        reason, who) kept beside it. With `expected_version` the write is locked (409)."""
        version = (expected_version or 0) + 1
        item = {
            "PK": _s("CONFIG"),
            "SK": _s("CALENDAR"),
            "data": _s(json.dumps(data)),
            "version": _n(version),
        }
        if entries is not None:
            item["entries"] = _s(json.dumps(entries, ensure_ascii=False))
        op: dict[str, Any] = {"TableName": self.table, "Item": item}
        if expected_version is not None:
            op = _lock(op, expected_version)
        try:
            self.client.put_item(**op)
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise _conflict() from exc
        return version

    def get_calendar(self) -> dict[str, Any] | None:
        item = self._get("CONFIG", "CALENDAR", consistent=False)
        return self._data(item) if item else None

    def get_calendar_record(self) -> tuple[dict[str, Any], list[dict[str, Any]], int]:
        """(calendar dict, entries, version) read consistently; ({}, [], 0) when none yet."""
        item = self._get("CONFIG", "CALENDAR")
        if item is None:
            return {}, [], 0
        entries = json.loads(item["entries"]["S"]) if "entries" in item else []
        return self._data(item), entries, int(item.get("version", {"N": "0"})["N"])

    # ---- personal data (chalicelib.store.pii) -------------------------------------------
    def pii_cipher(self) -> Any:
        """The envelope cipher for personal data kept outside dossier items (stored answers)."""
        return self._pii().cipher

    def _pii(self) -> PiiCodec:
        """The field cipher and search key, made on first use and kept with this store."""
        codec: PiiCodec | None = self.__dict__.get("_pii_codec")
        if codec is None:
            from chalicelib.store.pii import PiiCodec

            codec = PiiCodec.from_settings(self.client, self.table)
            self.__dict__["_pii_codec"] = codec
        return codec

    def _sealed(self, item: dict[str, Any], doc: dict[str, Any], subtrees: Any) -> None:
        """Put `doc` into `item` as `data`, its ID numbers/phones/birth dates encrypted in `pii`."""
        from chalicelib.domain.pii_fields import split

        readable, secrets = split(doc, subtrees)
        item["data"] = _s(json.dumps(readable, ensure_ascii=False))
        if secrets:
            aad = f"{item['PK']['S']}|{item['SK']['S']}"
            item["pii"] = _s(self._pii().cipher.encrypt(secrets, aad))

    def _opened(self, item: dict[str, Any]) -> Any:
        """An item's `data` with the encrypted fields put back."""
        data = self._data(item)
        blob = item.get("pii", {}).get("S")
        if blob:
            from chalicelib.domain.pii_fields import merge

            aad = f"{item['PK']['S']}|{item['SK']['S']}"
            data = merge(data, self._pii().cipher.decrypt(blob, aad))
        return data

    def _dossier_from(self, item: dict[str, Any]) -> Dossier:
        if "pii" not in item:
            return Dossier.model_validate_json(item["data"]["S"])
        return Dossier.model_validate(self._opened(item))

    def id_number_hash(self, id_number: str) -> str | None:
        """The keyed hash an ID number is indexed by (None for an empty number)."""
        return self._pii().search.id_hash(id_number)

    def find_dossiers_by_id_number(self, id_number: str, limit: int = 200) -> list[Dossier]:
        """Dossiers whose applicant has this ID number: one Query on GSI5 `IDX#<hmac>`, newest
        first. Nothing is decrypted to search; only the dossiers found are."""
        digest = self.id_number_hash(id_number)
        if digest is None:
            return []
        items = self._query(pk_value=f"IDX#{digest}", index="GSI5", forward=False, limit=limit)
        return [self._dossier_from(it) for it in items]

    # ---- accounts ----------------------------------------------------------------------
    def put_profile(self, sub: str, profile: dict[str, Any]) -> None:
        item: dict[str, Any] = {"PK": _s(f"USER#{sub}"), "SK": _s("PROFILE")}
        self._sealed(item, profile, None)
        if profile.get("username"):
            # Staff names for the citizen's data tracker (audit events name the username).
            item["GSI1PK"] = _s(f"USERNAME#{profile['username']}")
            item["GSI1SK"] = _s("PROFILE")
        if profile.get("role") in STAFF_ROLES:
            # The administrator's staff list: every staff account (GSI4), and by unit (GSI3,
            # also the directory the unit's alert and digest e-mails go to).
            sort = f"{profile['role']}#{profile.get('username') or sub}"
            item["GSI4PK"], item["GSI4SK"] = _s("STAFFALL"), _s(sort)
            if profile.get("unit"):
                item["GSI3PK"], item["GSI3SK"] = _s(f"STAFFUNIT#{profile['unit']}"), _s(sort)
        self.client.put_item(TableName=self.table, Item=item)

    def staff_profiles(
        self, unit: str, roles: tuple[str, ...] = ("agency", "leader")
    ) -> list[dict[str, Any]]:
        """The profiles of a unit's staff in `roles` (GSI3 `STAFFUNIT#<unit>`, a few dozen)."""
        items = self._query(pk_value=f"STAFFUNIT#{unit}", index="GSI3")
        return [
            self._opened(i)
            for i in items
            if i.get("GSI3SK", {}).get("S", "").split("#")[0] in roles
        ]

    def get_profile(self, sub: str) -> dict[str, Any] | None:
        item = self._get(f"USER#{sub}", "PROFILE", consistent=False)
        if not item:
            return None
        profile: dict[str, Any] = self._opened(item)
        return profile

    def find_profile_by_username(self, username: str) -> dict[str, Any] | None:
        """The account profile of a username (GSI1 `USERNAME#<username>`), or None."""
        items = self._query(pk_value=f"USERNAME#{username}", index="GSI1", limit=1)
        if not items:
            return None
        profile: dict[str, Any] = self._opened(items[0])
        return profile

    def sub_of_username(self, username: str) -> str | None:
        """The account (`sub`) a username belongs to (GSI1 `USERNAME#<username>`), or None."""
        items = self._query(pk_value=f"USERNAME#{username}", index="GSI1", limit=1)
        return items[0]["PK"]["S"].removeprefix("USER#") if items else None

    def unit_uses(self, code: str) -> dict[str, bool]:
        """What still refers to a unit: sub-units, staff accounts, open dossiers (its own open
        list, or its desk's)."""
        return {
            "sub_units": bool(self._query(pk_value=f"UNITPARENT#{code}", index="GSI1", limit=1)),
            "staff": bool(self._query(pk_value=f"STAFFUNIT#{code}", index="GSI3", limit=1)),
            "open_dossiers": bool(
                self._query(pk_value=f"OPEN#{code}", index="GSI4", limit=1)
                or self._query(pk_value=f"DESK#{code}", index="GSI3", limit=1)
            ),
        }

    # ---- dossiers ----------------------------------------------------------------------
    def _dossier_item(self, d: Dossier) -> dict[str, Any]:
        from chalicelib.domain.pii_fields import DOSSIER_SUBTREES

        d = self._with_retention(d)
        item: dict[str, Any] = {
            "PK": _s(f"DOSSIER#{d.id}"),
            "SK": _s("DOSSIER"),
            "version": _n(d.version),
            "status": _n(int(d.status) if d.status is not None else 0),
        }
        self._sealed(item, d.model_dump(mode="json"), DOSSIER_SUBTREES)
        digest = self.id_number_hash(d.applicant.id_number) if d.applicant.id_number else None
        if digest:
            # Equality search by ID number without decrypting (GSI5 is free on dossier items).
            item["GSI5PK"] = _s(f"IDX#{digest}")
            item["GSI5SK"] = _s(_iso(d.created_at) + "#" + d.id)
        if d.code:
            item["GSI1PK"] = _s(f"CODE#{d.code}")
            item["GSI1SK"] = _s("DOSSIER")
        if d.owner:
            item["GSI2PK"] = _s(f"OWNER#{d.owner}")
            item["GSI2SK"] = _s(_iso(d.created_at) + "#" + d.id)
        if d.status is DossierStatus.NEW:
            item["GSI3PK"] = _s(f"DESK#{d.receiving_unit}")
            item["GSI3SK"] = _s(_iso(d.submitted_at) + "#" + d.id)
        if d.status is not None and d.status.is_open:
            item["GSI4PK"] = _s(f"OPEN#{d.lead_agency}")
            item["GSI4SK"] = _s(_iso(d.appointment_at) + "#" + d.id)
        if (
            d.status in (DossierStatus.SUPPLEMENT_REQUESTED, DossierStatus.AWAITING_FEE)
            and d.received_at is not None
            and d.supplement_due_at is not None
        ):
            # The applicant's own deadline (reminders, NĐ 224/2026 Đ16): GSI3 is free in 5 and 6.
            item["GSI3PK"] = _s(APPLICANT_DUE)
            item["GSI3SK"] = _s(_iso(d.supplement_due_at) + "#" + d.id)
        if (
            d.status in (DossierStatus.PROCESSED, DossierStatus.RETURNED)
            and d.result is not None
            and d.result.valid_until is not None
            and d.tombstoned_at is None
        ):
            # A licence that expires (reminders): GSI4 is free once a dossier is no longer open.
            item["GSI4PK"] = _s(VALID_UNTIL)
            item["GSI4SK"] = _s(_iso(d.result.valid_until) + "#" + d.id)
        if d.retention_until is not None and d.tombstoned_at is None:
            # Retention (issue 10): GSI3 is free once a dossier is final (its DESK# key only
            # exists in status 1). `EXPIRES#<VN month>`/`<retention_until>#<id>`, sparse.
            from chalicelib.domain.retention import expiry_month

            item["GSI3PK"] = _s(expires_pk(expiry_month(d.retention_until)))
            item["GSI3SK"] = _s(_iso(d.retention_until) + "#" + d.id)
        return item

    def _with_retention(self, d: Dossier) -> Dossier:
        """A dossier that just became final gets its retention end (once; by procedure class)."""
        from chalicelib.domain.statuses import FINAL_STATUSES

        if d.retention_until is not None or d.status not in FINAL_STATUSES or d.tombstoned_at:
            return d
        from chalicelib.domain.retention import periods, retention_until
        from chalicelib.settings import get_settings

        try:
            field_name: str | None = self.get_procedure(d.procedure_code).field
        except NotFound:
            field_name = None
        until = retention_until(d, field_name, periods(get_settings().retention_years_json))
        return d.model_copy(update={"retention_until": until}) if until else d

    def create_dossier(self, d: Dossier) -> None:
        """A new dossier; one filed for another also gets a link per party of its representation
        (`PARTY#<hmac of the number>`/`<created>#<id>`, in the same transaction), by which each
        party finds the dossiers they may follow."""
        links = self._party_links(d)
        if not links:
            self.client.put_item(
                TableName=self.table,
                Item=self._dossier_item(d),
                ConditionExpression="attribute_not_exists(PK)",
            )
            return
        self.client.transact_write_items(
            TransactItems=[
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": self._dossier_item(d),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
                *({"Put": {"TableName": self.table, "Item": link}} for link in links),
            ]
        )

    def _party_links(self, d: Dossier) -> list[dict[str, Any]]:
        rep = d.representation
        if rep is None:
            return []
        digests = {self.id_number_hash(p.id_number) for p in (rep.representative, rep.represented)}
        sort = _iso(d.created_at) + "#" + d.id
        return [
            {"PK": _s(f"PARTY#{digest}"), "SK": _s(sort), "dossier_id": _s(d.id)}
            for digest in sorted(x for x in digests if x)
        ]

    def find_dossiers_by_party(self, id_number: str, limit: int = 200) -> list[Dossier]:
        """Dossiers whose representation names this number (either party), newest first."""
        digest = self.id_number_hash(id_number)
        if digest is None:
            return []
        found: list[Dossier] = []
        for link in self._query(pk_value=f"PARTY#{digest}", forward=False, limit=limit):
            try:
                found.append(self.get_dossier(link["dossier_id"]["S"]))
            except NotFound:
                continue  # a deleted draft
        return found

    def get_dossier(self, dossier_id: str) -> Dossier:
        item = self._get(f"DOSSIER#{dossier_id}", "DOSSIER")
        if item is None:
            raise NotFound("Không tìm thấy hồ sơ.", "Dossier not found.", field="id")
        return self._dossier_from(item)

    def find_dossier_by_code(self, code: str) -> Dossier | None:
        """The dossier with this code as a person types it (GSI1 `CODE#<code>`): spaces around
        it and lower case are forgiven (`dossier_code.lookup_forms`)."""
        for form in lookup_forms(code):
            items = self._query(pk_value=f"CODE#{form}", index="GSI1", limit=1)
            if items:
                # Index reads are eventually consistent: re-read the base item.
                return self.get_dossier(self._data(items[0])["id"])
        return None

    def list_owner_dossiers(self, owner: str) -> list[Dossier]:
        items = self._query(pk_value=f"OWNER#{owner}", index="GSI2", forward=False)
        return [self._dossier_from(it) for it in items]

    def list_desk_inbox(self, unit: str) -> list[Dossier]:
        items = self._query(pk_value=f"DESK#{unit}", index="GSI3")
        return [self._dossier_from(it) for it in items]

    def list_open_dossiers(self, agency: str) -> list[Dossier]:
        items = self._query(pk_value=f"OPEN#{agency}", index="GSI4")
        return [self._dossier_from(it) for it in items]

    def list_open_by_appointment(
        self, agency: str, after: datetime, until: datetime
    ) -> list[Dossier]:
        """Open dossiers the agency leads with an appointment in (`after`, `until`] (to the
        second): one Query of GSI4 `OPEN#<agency>`, bounded on the sort key."""
        return self._between(f"OPEN#{agency}", "GSI4", after, until)

    def list_applicant_due(self, after: datetime, until: datetime) -> list[Dossier]:
        """Dossiers waiting for the applicant (statuses 5 and 6 after receipt) whose deadline is
        in (`after`, `until`]: one Query of GSI3 `APPLICANTDUE`, bounded on the sort key."""
        return self._between(APPLICANT_DUE, "GSI3", after, until)

    def list_valid_until(self, after: datetime, until: datetime) -> list[Dossier]:
        """Dossiers whose result (a licence, a permit) stops being valid in (`after`, `until`]:
        one Query of GSI4 `VALIDUNTIL`, bounded on the sort key."""
        return self._between(VALID_UNTIL, "GSI4", after, until)

    def _between(self, pk: str, index: str, after: datetime, until: datetime) -> list[Dossier]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": index,
            "KeyConditionExpression": "#pk = :pk AND #sk BETWEEN :lo AND :hi",
            "ExpressionAttributeNames": {"#pk": f"{index}PK", "#sk": f"{index}SK"},
            "ExpressionAttributeValues": {
                ":pk": _s(pk),
                # `~` sorts after every ISO and id character: `<instant>#<id>` up to the second.
                ":lo": _s(_second(after) + "~"),
                ":hi": _s(_second(until) + "~"),
            },
        }
        out: list[Dossier] = []
        while True:
            resp = self.client.query(**kwargs)
            out.extend(self._dossier_from(it) for it in resp.get("Items", []))
            last = resp.get("LastEvaluatedKey")
            if not last:
                return out
            kwargs["ExclusiveStartKey"] = last

    # ---- reminder preferences (per account) --------------------------------------------------
    def get_reminder_preferences(self, sub: str) -> dict[str, bool] | None:
        """The kinds of reminder the account turned on or off, or None when never set."""
        item = self._get(f"USER#{sub}", "REMINDERPREFS")
        if not item:
            return None
        prefs: dict[str, bool] = self._data(item)
        return prefs

    def put_reminder_preferences(self, sub: str, prefs: dict[str, bool], at: str) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                "PK": _s(f"USER#{sub}"),
                "SK": _s("REMINDERPREFS"),
                "data": _s(json.dumps(prefs, sort_keys=True)),
                "updated_at": _s(at),
            },
        )

    def save_dossier(self, d: Dossier, expected_version: int) -> Dossier:
        """Save a change that is not a status change (draft edits, attachments), with the lock."""
        d = d.model_copy(update={"version": expected_version + 1})
        op = {"TableName": self.table, "Item": self._dossier_item(d)}
        try:
            self.client.put_item(**locked(op, expected_version))
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise _conflict() from exc
        return d

    def delete_draft(self, dossier_id: str, expected_version: int | None = None) -> None:
        """Delete a dossier item that is still a draft (status 0), and, given `expected_version`,
        only at that version: a draft submitted or changed meanwhile is a Conflict, not lost."""
        cond = "attribute_not_exists(#s) OR #s = :zero"
        names = {"#s": "status"}
        values: dict[str, Any] = {":zero": _n(0)}
        if expected_version is not None:
            cond = f"({cond}) AND #v = :v"
            names["#v"] = "version"
            values[":v"] = _n(expected_version)
        try:
            self.client.delete_item(
                TableName=self.table,
                Key={"PK": _s(f"DOSSIER#{dossier_id}"), "SK": _s("DOSSIER")},
                ConditionExpression=cond,
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise _conflict() from exc

    def history(self, dossier_id: str) -> list[HistoryEvent]:
        items = self._query(pk_value=f"DOSSIER#{dossier_id}", sk_prefix="H#", limit=1000)
        return [HistoryEvent.model_validate_json(it["data"]["S"]) for it in items]

    # ---- tasks -------------------------------------------------------------------------
    def _task_item(self, t: AgencyTask) -> dict[str, Any]:
        item: dict[str, Any] = {
            "PK": _s(f"DOSSIER#{t.dossier_id}"),
            "SK": _s(f"TASK#{t.step_id}"),
            "data": _s(
                json.dumps({k: v for k, v in t.__dict__.items() if k != "token"}, default=str)
            ),
            "version": _n(t.version),
        }
        if t.token:
            item["token"] = _s(t.token)
        if t.state == "open" and t.token:
            item["GSI3PK"] = _s(f"AGENCY#{t.agency}")
            item["GSI3SK"] = _s(f"{t.due_at}#{t.dossier_id}")
        return item

    @staticmethod
    def _task_from(item: dict[str, Any]) -> AgencyTask:
        data = json.loads(item["data"]["S"])
        data["token"] = item.get("token", {}).get("S")
        data["version"] = int(item["version"]["N"])
        return AgencyTask(**data)

    def get_task(self, dossier_id: str, step_id: str) -> AgencyTask | None:
        item = self._get(f"DOSSIER#{dossier_id}", f"TASK#{step_id}")
        return self._task_from(item) if item else None

    def list_agency_tasks(self, agency: str) -> list[AgencyTask]:
        items = self._query(pk_value=f"AGENCY#{agency}", index="GSI3")
        return [self._task_from(it) for it in items]

    def put_task(self, t: AgencyTask, expected_version: int | None) -> AgencyTask:
        """Upsert a task outside a status change (a new token, an alarm flag), with the lock."""
        new = AgencyTask(**{**t.__dict__, "version": (expected_version or 0) + 1})
        op = {"TableName": self.table, "Item": self._task_item(new)}
        try:
            self.client.put_item(**locked(op, expected_version))
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise _conflict() from exc
        return new

    def add_event(self, dossier_id: str, event: HistoryEvent) -> None:
        """History without a status change (alarms). Still append-only: the key never repeats.

        Written with its audit event in one transaction, retried when only the audit head moved.
        """
        from chalicelib.store.audit import MAX_ATTEMPTS, backoff, is_head_contention

        for attempt in range(MAX_ATTEMPTS):
            put = {
                "Put": {
                    "TableName": self.table,
                    "Item": self._event_item(dossier_id, event, 0),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            }
            audit_ops = self._audit_ops(dossier_id, [event])
            try:
                self.client.transact_write_items(TransactItems=[put, *audit_ops])
                return
            except self.client.exceptions.TransactionCanceledException as exc:
                reasons = exc.response.get("CancellationReasons", [])
                if not is_head_contention(reasons, range(1, 1 + len(audit_ops))):
                    raise
                backoff(attempt)
        raise _conflict()

    def _event_item(self, dossier_id: str, e: HistoryEvent, n: int) -> dict[str, Any]:
        import secrets

        return {
            "PK": _s(f"DOSSIER#{dossier_id}"),
            "SK": _s(f"H#{_iso(e.at)}#{n:02d}{secrets.token_hex(3)}"),
            "data": _s(e.model_dump_json()),
        }

    def wait_tokens(self) -> WaitTokens:
        """The applicant-wait tokens, kept in this table (store/waits.py)."""
        from chalicelib.store.waits import WaitTokens

        return WaitTokens(self.client, self.table)

    # ---- sequences -----------------------------------------------------------------------
    def receipt_turn(self, key: str) -> AbstractContextManager[bool]:
        """A place in line for the daily number at `key` (see store/turns.py)."""
        from chalicelib.store.turns import Turns

        return Turns(self.client, self.table).turn(key)

    def current_sequence(self, key: str) -> int:
        item = self._get(key, SEQUENCE_SK)
        return int(item["n"]["N"]) if item else 0

    # ---- the transaction -----------------------------------------------------------------
    def apply(self, change: Change, *, notify: bool = True) -> Dossier:
        """Write dossier + history + audit + counters (+ tasks, + sequence) atomically, or nothing.

        The dossier's version must still be `expected_version`, and the daily sequence must still be
        the value read before, so concurrent receipts can neither share nor skip a number. Each
        history event is also appended to the dossier's audit stream in the same transaction; when
        only the audit head moved (a concurrent audit append, e.g. a staff read), re-read the head
        and retry: that is not the caller's version conflict. `notify=False` leaves the after-commit
        hook to the caller's `notify_applied` (a receipt runs it after passing on its turn).
        """
        from chalicelib.store.audit import MAX_ATTEMPTS, backoff

        for attempt in range(MAX_ATTEMPTS):
            try:
                saved = self._apply_once(change)
            except _AuditHeadMoved:
                backoff(attempt)
                continue
            if notify:
                self.notify_applied(saved, change)
            return saved
        raise _conflict()

    def notify_applied(self, saved: Dossier, change: Change) -> None:
        if self.after_commit is not None and change.events:
            self.after_commit(saved, list(change.events))  # e.g. notifications; never raises

    def _apply_once(self, change: Change) -> Dossier:
        # The officials named by this change's events join the dossier's names (papers print them).
        people = record_people(change.dossier.people, change.events)
        d = change.dossier.model_copy(
            update={"version": change.expected_version + 1, "people": people}
        )
        ops: list[dict[str, Any]] = []
        dossier_put = {"TableName": self.table, "Item": self._dossier_item(d)}
        ops.append({"Put": locked(dossier_put, None if change.create else change.expected_version)})
        for i, e in enumerate(change.events):
            ops.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": self._event_item(d.id, e, i),
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            )
        # The audit puts and head update: a concurrent append fails them (and only them).
        audit_ops = self._audit_ops(d.id, change.events)
        audit_indexes = range(len(ops), len(ops) + len(audit_ops))
        ops.extend(audit_ops)
        merged: dict[tuple[str, str], dict[str, int]] = {}
        for agency, month, metric in change.counters:
            merged.setdefault((agency, month), {}).setdefault(metric, 0)
            merged[(agency, month)][metric] += 1
        for (agency, month), metrics in merged.items():
            names = {f"#m{i}": m for i, m in enumerate(metrics)}
            values = {f":v{i}": _n(v) for i, v in enumerate(metrics.values())}
            ops.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": {
                            "PK": _s(f"CNT#{agency}#{month}"),
                            "SK": _s(f"PROC#{d.procedure_code}"),
                        },
                        "UpdateExpression": "ADD "
                        + ", ".join(f"{n} {v}" for n, v in zip(names, values, strict=True)),
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": values,
                    }
                }
            )
        for t in change.tasks:
            new_t = AgencyTask(**{**t.__dict__, "version": t.version + 1})
            put = {"TableName": self.table, "Item": self._task_item(new_t)}
            ops.append({"Put": locked(put, t.version or None)})
        if change.sequence is not None and d.code and d.received_at is not None:
            # The register (sổ theo dõi, form 07): one line per received dossier, by unit and month.
            month = d.received_at.astimezone(_VN).strftime("%Y-%m")
            ops.append(
                {
                    "Put": {
                        "TableName": self.table,
                        "Item": {
                            "PK": _s(f"REG#{d.receiving_unit}#{month}"),
                            "SK": _s(f"{_iso(d.received_at)}#{d.code}"),
                            "dossier_id": _s(d.id),
                        },
                    }
                }
            )
        seq_index: int | None = None
        if change.sequence is not None:
            key, value = change.sequence
            seq_index = len(ops)
            ops.append(
                {
                    "Update": {
                        "TableName": self.table,
                        "Key": {"PK": _s(key), "SK": _s(SEQUENCE_SK)},
                        "UpdateExpression": "SET n = :new",
                        "ConditionExpression": "attribute_not_exists(n) OR n = :old",
                        "ExpressionAttributeValues": {
                            ":new": _n(value),
                            ":old": _n(value - 1),
                        },
                    }
                }
            )
        try:
            self.client.transact_write_items(TransactItems=ops)
        except self.client.exceptions.TransactionCanceledException as exc:
            from chalicelib.store.audit import is_head_contention

            reasons = exc.response.get("CancellationReasons", [])
            if is_head_contention(reasons, audit_indexes):
                raise _AuditHeadMoved() from exc
            if seq_index is not None and len(reasons) > seq_index:
                taken = reasons[seq_index].get("Code")
                first = reasons[0].get("Code")
                if taken == "ConditionalCheckFailed" and first in (None, "None"):
                    raise SequenceTaken() from exc
            raise _conflict() from exc
        return d

    def _audit_ops(self, dossier_id: str, events: list[HistoryEvent]) -> list[dict[str, Any]]:
        """The audit puts and head update for these history events, chained after the head now."""
        if not events:
            return []
        from chalicelib.store.audit import AuditStore, chain_events, dossier_stream

        audit = AuditStore(self.client, self.table)
        stream = dossier_stream(dossier_id)
        head = audit.head(stream)
        chained = chain_events(head, stream, [history_audit_spec(dossier_id, e) for e in events])
        return audit.transact_items(stream, head, chained)

    def list_register(self, unit: str, month: str) -> list[Dossier]:
        """Dossiers received at `unit` in `month` (YYYY-MM), in receipt order: one Query."""
        items = self._query(pk_value=f"REG#{unit}#{month}", limit=10000)
        return [self.get_dossier(it["dossier_id"]["S"]) for it in items]

    def counters(self, agency: str, month: str) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        for it in self._query(pk_value=f"CNT#{agency}#{month}", limit=5000):
            proc = it["SK"]["S"].removeprefix("PROC#")
            out[proc] = {k: int(v["N"]) for k, v in it.items() if "N" in v}
        return out


def history_audit_spec(dossier_id: str, e: HistoryEvent) -> dict[str, Any]:
    """A history event as an audit event's fields. The actor's unit is not in HistoryEvent; the
    agency it concerns is the closest we have."""
    return {
        "at": e.at,
        "actor": e.actor,
        "actor_role": e.actor_role,
        "actor_unit": e.agency,
        "action": e.action,
        "dossier_id": dossier_id,
        "detail": {
            "from_status": int(e.from_status) if e.from_status is not None else None,
            "to_status": int(e.to_status) if e.to_status is not None else None,
            "note": e.note,
            "agency": e.agency,
        },
    }


class _AuditHeadMoved(Exception):
    """Internal: the transaction failed only on the audit head; apply re-reads it and retries."""


class SequenceTaken(Conflict):
    """Another receipt took the same daily number first; the caller re-reads and retries."""

    code = "sequence_taken"

    def __init__(self) -> None:
        super().__init__(
            "Số thứ tự hồ sơ vừa được cấp cho hồ sơ khác, vui lòng thử lại.",
            "The dossier number was just taken; retry.",
        )


def _lock(op: dict[str, Any], expected_version: int | None) -> dict[str, Any]:
    """`locked`, plus version 0 for an item written before it carried a version (demo data)."""
    if expected_version != 0:
        return locked(op, expected_version)
    op["ConditionExpression"] = "attribute_exists(PK) AND attribute_not_exists(#v)"
    op["ExpressionAttributeNames"] = {"#v": "version"}
    return op


def _conflict() -> Conflict:
    return Conflict(
        "Hồ sơ vừa được người khác cập nhật. Vui lòng tải lại và thử lại.",
        "The record was changed by someone else. Reload and try again.",
        code="version_conflict",
    )
