"""The daily reconciliation with the national portal (TraCuuHoSo): what differs. Pure.

For each dossier we synced, the portal's record (found by our code, MaHoSo) must show the
version we last synced and the same national status; anything else is re-sent: missing there,
an older version, or another status. The portal's answer names fields by the specification
(`LOOKUP_FIELDS`, DATA). A newer version there than ours cannot happen by our packets alone and is
reported (not re-sent: ours would be older).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

LOOKUP_FIELDS: dict[str, str] = {
    "code": "MaHoSo",
    "version": "PhienBan",
    "status": "TrangThaiHoSo",
}

MISSING = "missing_at_portal"
OLDER = "older_at_portal"
STATUS = "status_differs"
NEWER = "newer_at_portal"
RESEND = frozenset({MISSING, OLDER, STATUS})


@dataclass(frozen=True)
class Ours:
    dossier_id: str
    code: str
    version: int  # the version the portal accepted (synced_version)
    status: int  # its national status now


@dataclass(frozen=True)
class Difference:
    dossier_id: str
    code: str
    ours_version: int
    ours_status: int
    portal_version: int | None
    portal_status: int | None
    reason: str

    @property
    def resend(self) -> bool:
        return self.reason in RESEND

    def to_dict(self) -> dict[str, Any]:
        return {
            "dossier_id": self.dossier_id,
            "code": self.code,
            "ours_version": self.ours_version,
            "ours_status": self.ours_status,
            "portal_version": self.portal_version,
            "portal_status": self.portal_status,
            "reason": self.reason,
        }


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def portal_view(records: Iterable[Mapping[str, Any]]) -> dict[str, tuple[int | None, int | None]]:
    """TraCuuHoSo's records -> code: (version, status)."""
    f = LOOKUP_FIELDS
    out: dict[str, tuple[int | None, int | None]] = {}
    for r in records:
        code = r.get(f["code"])
        if isinstance(code, str) and code:
            out[code] = (_int(r.get(f["version"])), _int(r.get(f["status"])))
    return out


def differences(
    ours: Iterable[Ours], theirs: Mapping[str, tuple[int | None, int | None]]
) -> list[Difference]:
    """Every dossier of ours whose portal record is missing or not what we last synced."""
    out: list[Difference] = []
    for o in ours:
        version, status = theirs.get(o.code, (None, None))
        if o.code not in theirs:
            reason = MISSING
        elif version is None or version < o.version:
            reason = OLDER
        elif version > o.version:
            reason = NEWER
        elif status != o.status:
            reason = STATUS
        else:
            continue
        out.append(Difference(o.dossier_id, o.code, o.version, o.status, version, status, reason))
    return out
