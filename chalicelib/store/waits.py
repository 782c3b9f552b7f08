"""The applicant-wait token of a dossier (supplement or fee): one item, newest wins.

Kept apart from the dossier item so a token never reaches an API answer and storing it never
conflicts with the dossier's optimistic lock.
"""

from __future__ import annotations

from typing import Any


class WaitTokens:
    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def _key(self, dossier_id: str) -> dict[str, Any]:
        return {"PK": {"S": f"DOSSIER#{dossier_id}"}, "SK": {"S": "WAIT"}}

    def put(self, dossier_id: str, kind: str, token: str) -> None:
        self.client.put_item(
            TableName=self.table,
            Item={**self._key(dossier_id), "kind": {"S": kind}, "token": {"S": token}},
        )

    def get(self, dossier_id: str) -> tuple[str, str] | None:
        item = self.client.get_item(
            TableName=self.table, Key=self._key(dossier_id), ConsistentRead=True
        ).get("Item")
        if not item:
            return None
        return item["kind"]["S"], item["token"]["S"]

    def delete(self, dossier_id: str, token: str) -> None:
        """Delete only the token we answered; a newer one stays."""
        try:
            self.client.delete_item(
                TableName=self.table,
                Key=self._key(dossier_id),
                ConditionExpression="#t = :t",
                ExpressionAttributeNames={"#t": "token"},
                ExpressionAttributeValues={":t": {"S": token}},
            )
        except self.client.exceptions.ConditionalCheckFailedException:
            pass
