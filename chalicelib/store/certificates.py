"""Signing certificates: one current record per holder (an agency or an official).

- item: PK `SIGNCERT`, SK `<kind>#<holder>` (one partition: the administrator lists them with one
  Query; a province has a few hundred); kind is `agency` (holder = unit code) or
  `official` (holder = username); attributes key_id (the KMS key, or another Signer's key id),
  cert_pem, chain_pem (issuing CAs, PEM concatenated), subject, organisation, title, serial,
  not_before, not_after (ISO-8601 UTC), uploaded_at, uploaded_by, revoked_at ("" = in force).

Uploading a new certificate for a holder replaces the record (the old one is gone from signing;
signatures made with it keep their own certificate inside the PDF).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from chalicelib.store.base import TableAdapter

PK = "SIGNCERT"


@dataclass(frozen=True)
class CertificateRecord:
    kind: str
    holder: str
    key_id: str
    cert_pem: str
    chain_pem: str
    subject: str
    organisation: str
    title: str
    serial: str
    not_before: str
    not_after: str
    uploaded_at: str
    uploaded_by: str
    revoked_at: str = ""


_FIELDS = tuple(CertificateRecord.__dataclass_fields__)


class CertificateStore(TableAdapter):
    def put(self, rec: CertificateRecord) -> None:
        item: dict[str, Any] = {
            "PK": {"S": PK},
            "SK": {"S": f"{rec.kind}#{rec.holder}"},
            "entity": {"S": "signing_certificate"},
        }
        for name, value in asdict(rec).items():
            item[name] = {"S": str(value)}
        self.client.put_item(TableName=self.table, Item=item)

    def get(self, kind: str, holder: str) -> CertificateRecord | None:
        resp = self.client.get_item(
            TableName=self.table,
            Key={"PK": {"S": PK}, "SK": {"S": f"{kind}#{holder}"}},
            ConsistentRead=True,
        )
        item = resp.get("Item")
        if not item:
            return None
        return CertificateRecord(**{n: item.get(n, {}).get("S", "") for n in _FIELDS})

    def list(self) -> list[CertificateRecord]:
        out: list[CertificateRecord] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :p",
            "ExpressionAttributeValues": {":p": {"S": PK}},
        }
        while True:
            resp = self.client.query(**kwargs)
            for item in resp.get("Items", []):
                out.append(CertificateRecord(**{n: item.get(n, {}).get("S", "") for n in _FIELDS}))
            if "LastEvaluatedKey" not in resp:
                break
            kwargs["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
        return sorted(out, key=lambda r: (r.kind, r.holder))
