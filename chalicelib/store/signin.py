"""Pending VNeID sign-ins: state → nonce, PKCE verifier, redirect URI; each taken at most once.

One item per sign-in (`OIDC#<sha256(state)>`/`SIGNIN`), with the table's TTL attribute. `take`
is a conditional delete returning the old item, so two callbacks with the same state (a replayed
redirect, a double click) cannot both get it: the second finds nothing. The state itself is not
the key (its hash is), so a table read gives no working state away.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


class SignInTransactions:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    @staticmethod
    def _key(state: str) -> dict[str, Any]:
        digest = hashlib.sha256(state.encode()).hexdigest()
        return {"PK": {"S": f"OIDC#{digest}"}, "SK": {"S": "SIGNIN"}}

    def put(self, state: str, data: dict[str, Any], expires_at: int) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={
                **self._key(state),
                "data": {"S": json.dumps(data, separators=(",", ":"))},
                "expiration": {"N": str(expires_at)},
            },
            ConditionExpression="attribute_not_exists(PK)",
        )

    def take(self, state: str, now: int) -> dict[str, Any] | None:
        """The sign-in's data, deleted in the same call; None if unknown, taken or expired."""
        try:
            resp = self.client.delete_item(
                TableName=self.table,
                Key=self._key(state),
                ConditionExpression="attribute_exists(PK)",
                ReturnValues="ALL_OLD",
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            return None
        item = resp.get("Attributes") or {}
        if int(item.get("expiration", {}).get("N", "0")) < now:
            return None  # DynamoDB's TTL deletes late; an expired sign-in is refused anyway
        data: dict[str, Any] = json.loads(item["data"]["S"])
        return data
