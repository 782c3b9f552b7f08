"""Online payments in the single table.

- payment: PK `PAYMENT#<id>`, SK `PAYMENT`; `data` JSON (the `Payment` below), `state`, `version`;
  GSI2 `PAYMENTS#<dossier id>` / `<created_at>#<id>` (a dossier's payments, newest last);
- current attempt: PK `DOSSIER#<id>`, SK `PAYMENT`; `payment_id` of the attempt the citizen is on,
  so a repeated "pay" reuses it (one open attempt per dossier and fee).
A new attempt and its pointer are one transaction with a condition on the pointer, so two clicks
cannot open two attempts.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import AwareDatetime, BaseModel

from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.store.base import TableAdapter, locked


class Payment(BaseModel):
    id: str
    provider: str = "vnpay"
    dossier_id: str
    dossier_code: str
    owner: str | None = None
    payer_name: str = ""
    amount_vnd: int
    fee_requested_at: AwareDatetime  # identifies which fee (a dossier may owe a second one later)
    created_at: AwareDatetime
    expires_at: AwareDatetime
    state: str = "pending"  # pending | paid | failed | cancelled | unapplied
    paid_at: AwareDatetime | None = None
    transaction_no: str | None = None
    bank_code: str | None = None
    pay_date: str | None = None
    response_code: str | None = None
    version: int = 0


def _s(value: str) -> dict[str, str]:
    return {"S": value}


def _iso(dt: Any) -> str:
    return dt.isoformat().replace("+00:00", "Z") if dt is not None else ""


def _item(p: Payment) -> dict[str, Any]:
    return {
        "PK": _s(f"PAYMENT#{p.id}"),
        "SK": _s("PAYMENT"),
        "data": _s(p.model_dump_json()),
        "state": _s(p.state),
        "version": {"N": str(p.version)},
        "GSI2PK": _s(f"PAYMENTS#{p.dossier_id}"),
        "GSI2SK": _s(f"{_iso(p.created_at)}#{p.id}"),
    }


class PaymentStore(TableAdapter):
    def get(self, payment_id: str) -> Payment:
        resp = self.client.get_item(
            TableName=self.table,
            Key={"PK": _s(f"PAYMENT#{payment_id}"), "SK": _s("PAYMENT")},
            ConsistentRead=True,
        )
        item = resp.get("Item")
        if not item:
            raise NotFound("Không tìm thấy giao dịch.", "Payment not found.", field="payment_id")
        return Payment.model_validate(json.loads(item["data"]["S"]))

    def current_id(self, dossier_id: str) -> str | None:
        resp = self.client.get_item(
            TableName=self.table,
            Key={"PK": _s(f"DOSSIER#{dossier_id}"), "SK": _s("PAYMENT")},
            ConsistentRead=True,
        )
        item = resp.get("Item")
        return item["payment_id"]["S"] if item else None

    def list_for(self, dossier_id: str) -> list[Payment]:
        """A dossier's payments, oldest first: one Query."""
        resp = self.client.query(
            TableName=self.table,
            IndexName="GSI2",
            KeyConditionExpression="GSI2PK = :pk",
            ExpressionAttributeValues={":pk": _s(f"PAYMENTS#{dossier_id}")},
        )
        return [Payment.model_validate(json.loads(i["data"]["S"])) for i in resp.get("Items", [])]

    def create(self, p: Payment, previous_id: str | None) -> Payment:
        """The new attempt and the dossier's pointer to it, only if the pointer is unchanged."""
        pointer: dict[str, Any] = {
            "TableName": self.table,
            "Item": {
                "PK": _s(f"DOSSIER#{p.dossier_id}"),
                "SK": _s("PAYMENT"),
                "payment_id": _s(p.id),
            },
        }
        if previous_id is None:
            pointer["ConditionExpression"] = "attribute_not_exists(PK)"
        else:
            pointer["ConditionExpression"] = "payment_id = :prev"
            pointer["ExpressionAttributeValues"] = {":prev": _s(previous_id)}
        saved = p.model_copy(update={"version": 1})
        try:
            self.client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": _item(saved),
                            "ConditionExpression": "attribute_not_exists(PK)",
                        }
                    },
                    {"Put": pointer},
                ]
            )
        except self.client.exceptions.TransactionCanceledException as exc:
            raise Conflict(
                "Đang tạo giao dịch khác cho hồ sơ này, vui lòng thử lại.",
                "Another payment is being created for this dossier; try again.",
                code="payment_race",
            ) from exc
        return saved

    def save(self, p: Payment, expected_version: int) -> Payment:
        """Optimistic update: only if nobody changed the payment since it was read."""
        saved = p.model_copy(update={"version": expected_version + 1})
        try:
            self.client.put_item(
                **locked({"TableName": self.table, "Item": _item(saved)}, expected_version)
            )
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise Conflict(
                "Giao dịch vừa được cập nhật.", "The payment changed meanwhile.", code="stale"
            ) from exc
        return saved
