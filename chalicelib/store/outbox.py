"""The notification outbox's items in the single table (the sender: services.care.notifications).

- message: PK `NOTIFY#<recipient>`, SK `<at>#<ref>`, `data` (JSON), `state`;
  GSI1 (sparse, until sent) `OUTBOX#PENDING` / `<not before>#<recipient>`, and
  `OUTBOX#FAILED` once the attempts are spent.
"""

from __future__ import annotations

import json
from typing import Any

NOTIFY_PREFIX = "NOTIFY#"
PENDING = "OUTBOX#PENDING"
FAILED = "OUTBOX#FAILED"
# Recipients that are not one person: an agency's staff, the administrators.
AGENCY_PREFIX = "AGENCY#"
ADMINS = "ROLE#admin"


def agency_recipient(agency: str) -> str:
    """The recipient "the agency's staff and leaders" (one message, their e-mails)."""
    return AGENCY_PREFIX + agency


def agency_of(recipient: str) -> str | None:
    """The agency an agency recipient names, or None for any other recipient."""
    return recipient.removeprefix(AGENCY_PREFIX) if recipient.startswith(AGENCY_PREFIX) else None


def recipient_pk(recipient: str) -> str:
    return NOTIFY_PREFIX + recipient


def recipient_of(item: dict[str, Any]) -> str:
    """The recipient an outbox item is addressed to."""
    return str(item["PK"]["S"]).removeprefix(NOTIFY_PREFIX)


def pending_item(
    recipient: str, at: str, ref: str, payload: dict[str, Any], **attributes: dict[str, str]
) -> dict[str, Any]:
    """A pending message for `recipient`, due at `at` (ISO), unique by `ref`; `attributes` are
    extra typed attributes (`kind`, `attempts`)."""
    return {
        "PK": {"S": recipient_pk(recipient)},
        "SK": {"S": f"{at}#{ref}"},
        "data": {"S": json.dumps(payload, ensure_ascii=False)},
        "state": {"S": "pending"},
        **attributes,
        "GSI1PK": {"S": PENDING},
        "GSI1SK": {"S": f"{at}#{recipient}"},
    }


def newest_for(client: Any, table: str, recipient: str, limit: int) -> list[dict[str, Any]]:
    """The newest items written for one recipient, any state (one Query, newest first)."""
    resp = client.query(
        TableName=table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": recipient_pk(recipient)}},
        ScanIndexForward=False,
        Limit=limit,
    )
    items: list[dict[str, Any]] = resp.get("Items", [])
    return items


# ---- the sender's claim protocol (services.care.notifications.send_pending) ---------------------
def _update(client: Any, table: str, key: dict[str, Any], **kw: Any) -> bool:
    try:
        client.update_item(TableName=table, Key=key, **kw)
    except client.exceptions.ConditionalCheckFailedException:
        return False
    return True


def item_key(item: dict[str, Any]) -> dict[str, Any]:
    return {"PK": item["PK"], "SK": item["SK"]}


def due(client: Any, table: str, now: str, limit: int) -> list[dict[str, Any]]:
    """Pending items due by `now` (ISO), oldest first (one Query of the sparse pending list)."""
    resp = client.query(
        TableName=table,
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :p AND GSI1SK <= :now",
        ExpressionAttributeValues={":p": {"S": PENDING}, ":now": {"S": now + "~"}},
        Limit=limit,
    )
    items: list[dict[str, Any]] = resp.get("Items", [])
    return items


def claim_mark(until: str, recipient: str) -> str:
    """The pending-list sort key that hides a claimed item until `until` (ISO)."""
    return f"{until}#{recipient}"


def claim(client: Any, table: str, item: dict[str, Any], claimed: str) -> bool:
    """Take `item` for sending (its sort key becomes `claimed`, attempts + 1); False when
    another worker took it first (the item changed since it was read)."""
    return _update(
        client,
        table,
        item_key(item),
        UpdateExpression="SET #st = :sending, GSI1SK = :claimed ADD attempts :one",
        ConditionExpression="GSI1PK = :p AND GSI1SK = :seen",
        ExpressionAttributeNames={"#st": "state"},
        ExpressionAttributeValues={
            ":sending": {"S": "sending"},
            ":claimed": {"S": claimed},
            ":one": {"N": "1"},
            ":p": {"S": PENDING},
            ":seen": {"S": item["GSI1SK"]["S"]},
        },
    )


def _settle(
    client: Any, table: str, item: dict[str, Any], claimed: str, update: str, **values: str
) -> None:
    """End a claim (the item's pending-list sort key still `claimed`): `update` sets the state,
    with `:name` placeholders for `values` (strings)."""
    _update(
        client,
        table,
        item_key(item),
        UpdateExpression=update,
        ConditionExpression="GSI1SK = :claimed",
        ExpressionAttributeNames={"#st": "state"},
        ExpressionAttributeValues={
            **{f":{name}": {"S": value} for name, value in values.items()},
            ":claimed": {"S": claimed},
        },
    )


def mark_skipped(client: Any, table: str, item: dict[str, Any], claimed: str, reason: str) -> None:
    """The claimed item cannot be sent (`reason`): off the pending list for good."""
    _settle(
        client,
        table,
        item,
        claimed,
        "SET #st = :skipped, reason = :r REMOVE GSI1PK, GSI1SK",
        skipped="skipped",
        r=reason,
    )


def mark_failed(
    client: Any,
    table: str,
    item: dict[str, Any],
    claimed: str,
    *,
    last: bool,
    at: str,
    error: str,
) -> None:
    """A send failed: back on the pending list from `at` (ISO), or on the failed list when it
    was the `last` attempt."""
    _settle(
        client,
        table,
        item,
        claimed,
        "SET #st = :st, GSI1PK = :pk, GSI1SK = :sk, last_error = :e",
        st="failed" if last else "pending",
        pk=FAILED if last else PENDING,
        sk=f"{at}#{recipient_of(item)}",
        e=error,
    )


def mark_sent(
    client: Any,
    table: str,
    item: dict[str, Any],
    claimed: str,
    *,
    at: str,
    message_id: str,
    channel: str,
) -> None:
    """Sent: off the pending list, with when, the provider's id and the channel."""
    _settle(
        client,
        table,
        item,
        claimed,
        "SET #st = :sent, sent_at = :at, message_id = :mid, sent_channel = :ch "
        "REMOVE GSI1PK, GSI1SK",
        sent="sent",
        at=at,
        mid=message_id,
        ch=channel,
    )
