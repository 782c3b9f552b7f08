"""Attachments in S3: presigned POST slots and the after-arrival check.

The POST policy carries content-length-range and Content-Type conditions, but moto (and a hostile
client against a misconfigured bucket) may not enforce them, so `inspect` re-reads the real object:
its size, and its type from the magic bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(name: str) -> str:
    """Keep S3 keys boring: ASCII letters, digits, dot, dash, underscore."""
    import unicodedata

    name = name.replace("đ", "d").replace("Đ", "D")  # NFKD does not decompose đ
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    cleaned = _SAFE.sub("_", ascii_name).strip("._") or "file"
    return cleaned[-100:]


@dataclass(frozen=True)
class ObjectFacts:
    exists: bool
    size: int = 0
    detected_type: str | None = None


# Magic numbers of the types procedures accept. puremagic handles the long tail.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def detect_type(head: bytes) -> str | None:
    """The real type from the first bytes (never from the name or the declared type)."""
    try:
        import puremagic

        matches = puremagic.magic_string(head)
        for m in matches:
            if m.mime_type:
                return str(m.mime_type)
    except Exception:  # noqa: S110 - puremagic raises on unknown content; fall back below
        pass
    for magic, mime in _MAGIC:
        if head.startswith(magic):
            return mime
    return None


class AttachmentFiles:
    """Thin S3 adapter with an injected client."""

    def __init__(self, client: Any = None, bucket: str | None = None) -> None:
        if client is None:
            from chalicelib.aws import client as aws_client

            client = aws_client("s3")
        if bucket is None:
            from chalicelib.settings import get_settings

            bucket = get_settings().attachments_bucket
        self.client = client
        self.bucket = bucket

    def presigned_post(
        self, key: str, content_type: str, max_bytes: int, expires: int
    ) -> dict[str, Any]:
        post: dict[str, Any] = self.client.generate_presigned_post(
            Bucket=self.bucket,
            Key=key,
            Fields={"Content-Type": content_type},
            Conditions=[
                {"Content-Type": content_type},
                ["content-length-range", 1, max_bytes],
            ],
            ExpiresIn=expires,
        )
        return post

    def inspect(self, key: str) -> ObjectFacts:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=key)
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return ObjectFacts(exists=False)
            raise
        size = int(head["ContentLength"])
        first = b""
        if size:
            try:
                obj = self.client.get_object(Bucket=self.bucket, Key=key, Range="bytes=0-4095")
            except self.client.exceptions.NoSuchKey:
                return ObjectFacts(exists=False)  # deleted meanwhile (a concurrent re-check)
            first = obj["Body"].read()
        return ObjectFacts(exists=True, size=size, detected_type=detect_type(first))

    def read(self, key: str, max_bytes: int) -> bytes | None:
        """The object's first `max_bytes` bytes (the content check needs all of a PDF); None if it
        is gone. Bounded, so an oversize upload is never read whole."""
        if max_bytes <= 0:
            return b""
        try:
            obj = self.client.get_object(
                Bucket=self.bucket, Key=key, Range=f"bytes=0-{max_bytes - 1}"
            )
        except self.client.exceptions.NoSuchKey:
            return None
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("InvalidRange", "404", "NotFound"):
                return b"" if exc.response["Error"]["Code"] == "InvalidRange" else None
            raise
        data: bytes = obj["Body"].read(max_bytes)
        return data

    def presigned_get(
        self, key: str, *, filename: str, content_type: str, inline: bool, expires: int
    ) -> str:
        """A GET link that answers with the paper's real name and type (S3 overrides the stored
        headers with `response-content-*`): `inline` opens in the page, else it downloads."""
        disposition = "inline" if inline else "attachment"
        fallback = safe_filename(filename)  # old clients read only the ASCII `filename`
        url: str = self.client.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentType": content_type,
                "ResponseContentDisposition": (
                    f'{disposition}; filename="{fallback}"; '
                    f"filename*=UTF-8''{quote(filename, safe='')}"
                ),
                "ResponseCacheControl": "private, no-store",
            },
            ExpiresIn=expires,
        )
        return url

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)

    def put(self, key: str, body: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type)

    def get(self, key: str) -> bytes:
        body: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return body
