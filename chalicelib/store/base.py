"""What every DynamoDB adapter shares: an injected client and the table name."""

from __future__ import annotations

from typing import Any


class TableAdapter:
    """Clients are injected so tests need no patching; by default they come from settings."""

    def __init__(self, client: Any = None, table_name: str | None = None) -> None:
        if client is None:
            from chalicelib.aws import client as aws_client

            client = aws_client("dynamodb")
        if table_name is None:
            from chalicelib.settings import get_settings

            table_name = get_settings().table_name
        self.client = client
        self.table = table_name


def locked(op: dict[str, Any], expected_version: int | None) -> dict[str, Any]:
    """Optimistic lock on a Put: create only if absent (None), else only if the version is
    unchanged. Every adapter's items carry a numeric `version`."""
    if expected_version is None:
        op["ConditionExpression"] = "attribute_not_exists(PK)"
    else:
        op["ConditionExpression"] = "#v = :v"
        op["ExpressionAttributeNames"] = {"#v": "version"}
        op["ExpressionAttributeValues"] = {":v": {"N": str(expected_version)}}
    return op


def rate_pk(kind: str, who: str, window: int | str) -> str:
    """The window item of one rate limit: `RATE#<kind>#<who>#<window>`."""
    return f"RATE#{kind}#{who}#{window}"


def take_rate(client: Any, table: str, pk: str, limit: int, expires_at: int) -> bool:
    """Count one use in the window item `pk` (SK `RATE`, TTL `expiration`); False, counting
    nothing, once `limit` uses are counted. One conditional ADD, so racing callers never pass."""
    try:
        client.update_item(
            TableName=table,
            Key={"PK": {"S": pk}, "SK": {"S": "RATE"}},
            UpdateExpression="ADD n :one SET expiration = :exp",
            ConditionExpression="attribute_not_exists(n) OR n < :limit",
            ExpressionAttributeValues={
                ":one": {"N": "1"},
                ":limit": {"N": str(limit)},
                ":exp": {"N": str(expires_at)},
            },
        )
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True
