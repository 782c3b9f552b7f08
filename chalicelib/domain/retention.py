"""Retention of dossiers: how long a finished dossier is kept, the expiry-month index key, and the
tombstone left when it is deleted.

Periods are in years after the dossier's final status (3 refused, 7 withdrawn, 8 stopped, 10
returned), by procedure class (the catalogue's `field`). Every default below is "cfg": a
configurable default chosen for this system, not a period quoted from a statute; the province sets
the real ones (`RETENTION_YEARS_JSON`, a JSON object `{"<field>": years | null, "*": years,
"~ended": years}`) from its records-retention list (Luật Lưu trữ 2024 and the sector's lists).
`null` means "kept permanently": such a dossier gets no expiry key and the job never deletes it.

| class | years | source |
|---|---|---|
| any field not listed (`*`) | 10 | cfg |
| refused, withdrawn, stopped (`~ended`, any field) | 5 | cfg |
| Đất đai (land) | 20 | cfg |
| Xây dựng, Hoạt động xây dựng (construction permits) | 20 | cfg |
| Hộ tịch (civil status) | permanent | cfg |
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.domain.statuses import FINAL_STATUSES, DossierStatus

if TYPE_CHECKING:
    from chalicelib.domain.dossier import Dossier

_VN = ZoneInfo("Asia/Ho_Chi_Minh")
ANY = "*"
ENDED = "~ended"
DEFAULT_YEARS: dict[str, int | None] = {
    ANY: 10,
    ENDED: 5,
    "Đất đai": 20,
    "Xây dựng": 20,
    "Hoạt động xây dựng": 20,
    "Hộ tịch": None,
}
ENDED_STATUSES = frozenset({DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED})


def periods(overrides_json: str = "") -> dict[str, int | None]:
    """The defaults with the setting's overrides applied (a bad setting is an error at once)."""
    out = dict(DEFAULT_YEARS)
    if overrides_json.strip():
        data = json.loads(overrides_json)
        if not isinstance(data, dict):
            raise ValueError("RETENTION_YEARS_JSON must be a JSON object")
        for k, v in data.items():
            if v is not None and (not isinstance(v, int) or v < 0):
                raise ValueError(f"retention for {k!r} must be a non-negative integer or null")
            out[str(k)] = v
    return out


def years_for(status: DossierStatus, field: str | None, table: dict[str, int | None]) -> int | None:
    """Years kept after the final status; None = permanently. A permanent field stays permanent
    even when the dossier ended early; otherwise an ended dossier takes the shorter `~ended`."""
    if field in table and table[field] is None:
        return None
    if status in ENDED_STATUSES and ENDED in table:
        return table[ENDED]
    if field in table:
        return table[field]
    return table.get(ANY, 10)


def final_at(d: Dossier) -> datetime | None:
    """When the dossier reached its final status: the return, else the latest date it carries."""
    if d.status is None or d.status not in FINAL_STATUSES:
        return None
    if d.returned_at is not None:
        return d.returned_at
    dates = [x for x in (d.finished_at, d.received_at, d.submitted_at, d.created_at) if x]
    for h in d.handovers:
        dates += [x for x in (h.sent_at, h.finished_at) if x]
    dates += [p.end or p.start for p in d.pauses]
    if d.stop is not None and d.stop.decided_at is not None:
        dates.append(d.stop.decided_at)
    return max(dates) if dates else None


def add_years(at: datetime, years: int) -> datetime:
    try:
        return at.replace(year=at.year + years)
    except ValueError:  # 29 February
        return at.replace(year=at.year + years, day=28)


def retention_until(
    d: Dossier, field: str | None, table: dict[str, int | None] | None = None
) -> datetime | None:
    """The end of the retention duty of a final dossier; None while open or kept permanently."""
    end = final_at(d)
    if end is None or d.status is None:
        return None
    years = years_for(d.status, field, table if table is not None else DEFAULT_YEARS)
    return None if years is None else add_years(end, years)


def expiry_month(until: datetime) -> str:
    """The index partition of a retention end: its month in Vietnam time (YYYY-MM)."""
    return until.astimezone(_VN).strftime("%Y-%m")


def months_between(first: str, last: str) -> list[str]:
    """Months `first`..`last` inclusive (YYYY-MM); empty when first > last."""
    y, m = (int(x) for x in first.split("-"))
    ly, lm = (int(x) for x in last.split("-"))
    out: list[str] = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def month_minus(month: str, n: int) -> str:
    y, m = (int(x) for x in month.split("-"))
    total = y * 12 + (m - 1) - n
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


ERASED_NAME = "(đã xóa theo thời hạn lưu trữ)"


def tombstone(d: Dossier, at: datetime) -> Dossier:
    """The dossier with its personal data and files removed: code, procedure, agencies, dates,
    steps' timing and outcome stay, so statistics and the register stay true."""
    from chalicelib.domain.dossier import Applicant

    return d.model_copy(
        update={
            "owner": None,
            "applicant": Applicant(name=ERASED_NAME),
            "representation": None,  # both parties' names and numbers
            "form_data": {},
            "attachments": [],
            "refusal_reason": None,
            "supplement_reason": None,
            "withdrawal_reason": None,
            "returned": None,
            "result": None,
            "result_key": None,
            "lookup_token": None,
            "handovers": [h.model_copy(update={"note": None}) for h in d.handovers],
            "steps": [s.model_copy(update={"note": None}) for s in d.steps],
            "tombstoned_at": at,
            "restricted": True,
        }
    )


def tombstone_summary(d: Dossier) -> dict[str, Any]:
    """What the audit keeps of a deleted dossier."""
    return {
        "id": d.id,
        "code": d.code,
        "procedure_code": d.procedure_code,
        "status": int(d.status) if d.status is not None else None,
        "lead_agency": d.lead_agency,
        "receiving_unit": d.receiving_unit,
        "received_at": d.received_at.isoformat() if d.received_at else None,
        "finished_at": d.finished_at.isoformat() if d.finished_at else None,
        "returned_at": d.returned_at.isoformat() if d.returned_at else None,
        "retention_until": d.retention_until.isoformat() if d.retention_until else None,
    }
