"""Agency API keys and seen SigV4 signatures in the single table.

- agency key: PK `AGENCYKEY#<access key id>`, SK `KEY`;
  GSI1 `AGENCYKEYS` / `<agency>#<created_at>#<id>` (the administrators' list);
- seen signature: PK `SIGV4#<signature>`, SK `SIGV4`, TTL attribute `expiration`.

The secret is stored only as KMS ciphertext (`secret_ciphertext`, base64); this module never
sees plaintext. A seen signature is written with a conditional put, so two concurrent deliveries
of the same signed request cannot both pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.store.base import TableAdapter, locked

KEY_PREFIX = "AGENCYKEY#"
KEY_SK = "KEY"
KEYS_LIST_PK = "AGENCYKEYS"
SIG_PREFIX = "SIGV4#"
SIG_SK = "SIGV4"


@dataclass(frozen=True)
class AgencyKeyRecord:
    """One issued key. `expires_at` is set when the key was rotated (the end of its grace)."""

    access_key_id: str
    agency: str
    secret_ciphertext: str
    created_at: str
    created_by: str
    description: str = ""
    status: str = "active"  # active | revoked
    expires_at: str = ""  # ISO-8601 UTC; empty = no expiry
    rotated_to: str = ""
    rotated_from: str = ""
    revoked_at: str = ""
    revoked_by: str = ""
    version: int = 1

    def to_public(self) -> dict[str, Any]:
        """Everything an administrator may see again: never the secret or its ciphertext."""
        return {
            "access_key_id": self.access_key_id,
            "agency": self.agency,
            "description": self.description,
            "status": self.status,
            "created_at": self.created_at,
            "created_by": self.created_by,
            "expires_at": self.expires_at or None,
            "rotated_to": self.rotated_to or None,
            "rotated_from": self.rotated_from or None,
            "revoked_at": self.revoked_at or None,
        }


_FIELDS = (
    "access_key_id",
    "agency",
    "secret_ciphertext",
    "created_at",
    "created_by",
    "description",
    "status",
    "expires_at",
    "rotated_to",
    "rotated_from",
    "revoked_at",
    "revoked_by",
)


def _item(rec: AgencyKeyRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PK": {"S": KEY_PREFIX + rec.access_key_id},
        "SK": {"S": KEY_SK},
        "GSI1PK": {"S": KEYS_LIST_PK},
        "GSI1SK": {"S": f"{rec.agency}#{rec.created_at}#{rec.access_key_id}"},
        "version": {"N": str(rec.version)},
    }
    for name in _FIELDS:
        item[name] = {"S": str(getattr(rec, name))}
    return item


def _record(item: dict[str, Any]) -> AgencyKeyRecord:
    values = {name: item[name]["S"] for name in _FIELDS if name in item}
    return AgencyKeyRecord(**values, version=int(item.get("version", {}).get("N", "1")))


class KeyConflict(Exception):
    """The key item changed since it was read (or already exists)."""


class AgencyKeyStore(TableAdapter):
    """Thin adapter; the client and table name are injected (tests) or come from settings."""

    # ---- keys ----------------------------------------------------------------------------
    def get(self, access_key_id: str) -> AgencyKeyRecord | None:
        resp = self.client.get_item(
            TableName=self.table,
            Key={"PK": {"S": KEY_PREFIX + access_key_id}, "SK": {"S": KEY_SK}},
            ConsistentRead=True,  # a revocation takes effect on the next request
        )
        item = resp.get("Item")
        return _record(item) if item else None

    def put(self, rec: AgencyKeyRecord, expected_version: int | None) -> None:
        """Create (expected_version None) or replace the record if its version is unchanged."""
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": _item(rec)}
        try:
            self.client.put_item(**locked(kwargs, expected_version))
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise KeyConflict(rec.access_key_id) from exc

    def put_pair(self, new: AgencyKeyRecord, old: AgencyKeyRecord, old_version: int) -> None:
        """Rotation: the new key and the old key's grace are written in one transaction."""
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {"Put": locked({"TableName": self.table, "Item": _item(new)}, None)},
                    {"Put": locked({"TableName": self.table, "Item": _item(old)}, old_version)},
                ]
            )
        except self.client.exceptions.TransactionCanceledException as exc:
            raise KeyConflict(old.access_key_id) from exc

    def list(self, agency: str | None = None) -> list[AgencyKeyRecord]:
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": "GSI1",
            "KeyConditionExpression": "GSI1PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": KEYS_LIST_PK}},
        }
        if agency:
            kwargs["KeyConditionExpression"] += " AND begins_with(GSI1SK, :sk)"
            kwargs["ExpressionAttributeValues"][":sk"] = {"S": f"{agency}#"}
        out: list[AgencyKeyRecord] = []
        while True:
            resp = self.client.query(**kwargs)
            out.extend(_record(i) for i in resp.get("Items", []))
            last = resp.get("LastEvaluatedKey")
            if not last:
                return out
            kwargs["ExclusiveStartKey"] = last

    # ---- replay guard ----------------------------------------------------------------------
    def remember_signature(self, signature: str, access_key_id: str, expires_epoch: int) -> bool:
        """True the first time a signature is seen, False for a replay (conditional put).

        An expired item DynamoDB has not deleted yet still counts as seen; by then the request's
        date is outside the allowed skew anyway.
        """
        try:
            self.client.put_item(
                TableName=self.table,
                Item={
                    "PK": {"S": SIG_PREFIX + signature},
                    "SK": {"S": SIG_SK},
                    "key": {"S": access_key_id},
                    "expiration": {"N": str(int(expires_epoch))},
                },
                ConditionExpression="attribute_not_exists(PK)",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return False
        return True
