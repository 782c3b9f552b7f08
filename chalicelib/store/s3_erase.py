"""Delete every version of an S3 object (and its delete markers), reporting what Object Lock keeps.

A version under Object Lock retention (or a legal hold) cannot be deleted: S3 answers AccessDenied;
it is listed, never retried with a governance bypass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Erased:
    deleted: int = 0
    locked: list[dict[str, str]] = field(default_factory=list)  # bucket, key, version, until

    def add(self, other: Erased) -> None:
        self.deleted += other.deleted
        self.locked += other.locked


def _retain_until(s3: Any, bucket: str, key: str, version: str) -> str:
    try:
        r = s3.get_object_retention(Bucket=bucket, Key=key, VersionId=version)
        return str(r.get("Retention", {}).get("RetainUntilDate", ""))
    except Exception:
        return ""


def erase_object(s3: Any, bucket: str, key: str) -> Erased:
    """Delete all versions of `key` (exact key only) in `bucket`."""
    out = Erased()
    kwargs: dict[str, Any] = {"Bucket": bucket, "Prefix": key}
    while True:
        resp = s3.list_object_versions(**kwargs)
        entries = [*resp.get("Versions", []), *resp.get("DeleteMarkers", [])]
        for v in entries:
            if v["Key"] != key:
                continue
            try:
                s3.delete_object(Bucket=bucket, Key=key, VersionId=v["VersionId"])
                out.deleted += 1
            except s3.exceptions.ClientError as exc:
                code = exc.response.get("Error", {}).get("Code")
                if code not in ("AccessDenied", "InvalidRequest"):
                    raise
                version = v["VersionId"]
                until = _retain_until(s3, bucket, key, version)
                out.locked.append(
                    {"bucket": bucket, "key": key, "version_id": version, "retain_until": until}
                )
        if not resp.get("IsTruncated"):
            return out
        kwargs["KeyMarker"] = resp.get("NextKeyMarker")
        kwargs["VersionIdMarker"] = resp.get("NextVersionIdMarker")
