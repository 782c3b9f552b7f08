"""Stored semiannual reports in the single table.

- report: PK `REPORT#<id>`, SK `REPORT`, `data` (the StoredReport as JSON);
  GSI1 `REPORTS` and GSI2 `REPORTS#<agency | PROVINCE>`, both sorted `<created_at>#<id>`
  (the lists: chalicelib.store.lists.reports).
"""

from __future__ import annotations

from typing import Any

PREFIX = "REPORT#"
SK = "REPORT"
PROVINCE = "PROVINCE"


def put_report(
    client: Any, table: str, *, report_id: str, agency: str | None, created_at: str, data: str
) -> None:
    sort = f"{created_at}#{report_id}"
    client.put_item(
        TableName=table,
        Item={
            "PK": {"S": PREFIX + report_id},
            "SK": {"S": SK},
            "data": {"S": data},
            "GSI1PK": {"S": "REPORTS"},
            "GSI1SK": {"S": sort},
            "GSI2PK": {"S": f"REPORTS#{agency or PROVINCE}"},
            "GSI2SK": {"S": sort},
        },
    )


def get_report_data(client: Any, table: str, report_id: str) -> str | None:
    """The stored report's JSON, or None."""
    item = client.get_item(
        TableName=table, Key={"PK": {"S": PREFIX + report_id}, "SK": {"S": SK}}
    ).get("Item")
    return str(item["data"]["S"]) if item else None
