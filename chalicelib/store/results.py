"""Signed electronic results: the record in the single table and the file in the results bucket.

- result record: PK `RESULT#<result id>`, SK `RESULT`; attributes dossier_id, dossier_code, key,
  filename, sha256, signature (base64), key_id, algorithm, signed_at (ISO-8601 UTC), generated.

The record is written once (conditional put): a result is never re-signed in place. The bucket is
versioned; `get_file` reads the current object, so a replaced object is detected by its hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.store.base import TableAdapter

RESULT_PREFIX = "RESULT#"
RESULT_SK = "RESULT"

_FIELDS = (
    "result_id",
    "dossier_id",
    "dossier_code",
    "key",
    "filename",
    "sha256",
    "signature",
    "key_id",
    "algorithm",
    "signed_at",
)


@dataclass(frozen=True)
class ResultRecord:
    result_id: str
    dossier_id: str
    dossier_code: str
    key: str
    filename: str
    sha256: str
    signature: str
    key_id: str
    algorithm: str
    signed_at: str
    generated: bool = False


class ResultExists(Exception):
    """A record with this id was already written."""


def _item(rec: ResultRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        "PK": {"S": RESULT_PREFIX + rec.result_id},
        "SK": {"S": RESULT_SK},
        "generated": {"BOOL": rec.generated},
    }
    for name in _FIELDS:
        item[name] = {"S": str(getattr(rec, name))}
    return item


def _record(item: dict[str, Any]) -> ResultRecord:
    values = {name: item.get(name, {}).get("S", "") for name in _FIELDS}
    return ResultRecord(**values, generated=bool(item.get("generated", {}).get("BOOL", False)))


class ResultStore(TableAdapter):
    """Thin adapter: DynamoDB client and table, S3 client and results bucket, all injectable."""

    def __init__(
        self,
        client: Any = None,
        table_name: str | None = None,
        s3: Any = None,
        bucket: str | None = None,
    ) -> None:
        super().__init__(client, table_name)
        if s3 is None:
            from chalicelib.aws import client as aws_client

            s3 = aws_client("s3")
        if bucket is None:
            from chalicelib.settings import get_settings

            bucket = get_settings().results_bucket
        self.s3 = s3
        self.bucket = bucket

    # ---- records ---------------------------------------------------------------------------
    def put(self, rec: ResultRecord, *, overwrite: bool = False) -> None:
        kwargs: dict[str, Any] = {"TableName": self.table, "Item": _item(rec)}
        if not overwrite:
            kwargs["ConditionExpression"] = "attribute_not_exists(PK)"
        try:
            self.client.put_item(**kwargs)
        except self.client.exceptions.ConditionalCheckFailedException as exc:
            raise ResultExists(rec.result_id) from exc

    def get(self, result_id: str) -> ResultRecord | None:
        resp = self.client.get_item(
            TableName=self.table,
            Key={"PK": {"S": RESULT_PREFIX + result_id}, "SK": {"S": RESULT_SK}},
            ConsistentRead=True,
        )
        item = resp.get("Item")
        return _record(item) if item else None

    # ---- files -----------------------------------------------------------------------------
    def put_file(self, key: str, body: bytes, content_type: str = "application/pdf") -> None:
        self.s3.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def get_file(self, key: str) -> bytes | None:
        """The current object's bytes, or None when it is missing."""
        try:
            obj = self.s3.get_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.NoSuchKey:
            return None
        except self.s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return bytes(obj["Body"].read())

    def size(self, key: str) -> int | None:
        try:
            head = self.s3.head_object(Bucket=self.bucket, Key=key)
        except self.s3.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])

    def delete_file(self, key: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=key)

    def presigned_post(
        self, key: str, content_type: str, max_bytes: int, expires: int
    ) -> dict[str, Any]:
        post: dict[str, Any] = self.s3.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
            ExpiresIn=expires,
        )
        return post
