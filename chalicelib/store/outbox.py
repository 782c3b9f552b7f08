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
