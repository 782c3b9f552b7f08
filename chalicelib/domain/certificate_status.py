"""A signing certificate's status as the administrator sees it (pure).

A certificate on record is `revoked` once the administrator revoked it (it signs nothing after
that), `expired` after its notAfter, `not_yet_valid` before its notBefore, `expiring` in the last
`EXPIRING_DAYS` days of its validity (time to upload the CA's renewed certificate: rotation), and
`in_force` otherwise. Only `in_force` and `expiring` sign.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

CertificateStatus = Literal["in_force", "expiring", "expired", "not_yet_valid", "revoked"]

EXPIRING_DAYS = 30

STATUS_VI: dict[str, str] = {
    "in_force": "Còn hiệu lực",
    "expiring": "Sắp hết hạn",
    "expired": "Đã hết hạn",
    "not_yet_valid": "Chưa có hiệu lực",
    "revoked": "Đã thu hồi",
}


def certificate_status(
    not_before: datetime, not_after: datetime, revoked_at: datetime | None, now: datetime
) -> CertificateStatus:
    """The status at `now` (all times aware)."""
    if revoked_at is not None and revoked_at <= now:
        return "revoked"
    if now < not_before:
        return "not_yet_valid"
    if now > not_after:
        return "expired"
    if not_after - now <= timedelta(days=EXPIRING_DAYS):
        return "expiring"
    return "in_force"


def signs(status: CertificateStatus) -> bool:
    """Whether a certificate with this status may sign now."""
    return status in ("in_force", "expiring")


def days_left(not_after: datetime, now: datetime) -> int:
    """Whole days until notAfter (negative once expired)."""
    return (not_after - now) // timedelta(days=1)
