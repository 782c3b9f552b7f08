"""The national procedure database (LayThuTuc, LayDanhMucLinhVuc, LayDanhMucCoQuan) against our
catalogue. Pure.

The national side owns a procedure's name, field, legal processing time, documents and fees; the
province owns its electronic process (steps, allowances per step, agencies), e-form, accepted file
types and size limits. `merged_draft` writes the national part over our current version and keeps
every local part, so publishing it changes only what the nation changed. A difference is never
applied here: the service files it as a pending change for the province office (the publication
flow), and a national procedure we do not have is reported to be set up (it has no local process).

The national field names are DATA (`PROCEDURE_FIELDS`, `DOCUMENT_FIELDS`, `FEE_FIELDS`,
`FIELD_FIELDS`, `AGENCY_FIELDS`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

PROCEDURE_FIELDS: dict[str, str] = {
    "code": "MaTTHC",
    "name": "TenTTHC",
    "field_code": "MaLinhVuc",
    "days": "ThoiHanGiaiQuyet",  # working days
    "documents": "ThanhPhanHoSo",
    "fees": "PhiLePhi",
    "legal_basis": "CanCuPhapLy",
    "effective": "NgayHieuLuc",  # yyyyMMdd
    "agency": "MaCoQuanThucHien",
}
DOCUMENT_FIELDS: dict[str, str] = {"id": "MaGiayTo", "name": "TenGiayTo", "required": "BatBuoc"}
FEE_FIELDS: dict[str, str] = {"name": "TenPhiLePhi", "amount_vnd": "MucPhi"}
FIELD_FIELDS: dict[str, str] = {"code": "MaLinhVuc", "name": "TenLinhVuc"}
AGENCY_FIELDS: dict[str, str] = {"code": "MaCoQuan", "name": "TenCoQuan", "parent": "MaCoQuanCha"}

# What publication carries in a procedure JSON besides the draft's own content.
_PUBLICATION_KEYS = ("version", "state", "published_at", "effective_date")


def field_names(records: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    f = FIELD_FIELDS
    return {
        str(r[f["code"]]): str(r[f["name"]])
        for r in records
        if r.get(f["code"]) and r.get(f["name"])
    }


def national_part(
    record: Mapping[str, Any], fields: Mapping[str, str], current: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The part of a procedure JSON the nation owns, from its LayThuTuc record. Documents keep
    our accepted types and size limits where the document exists already."""
    p = PROCEDURE_FIELDS
    ours_docs = {d["id"]: d for d in (current or {}).get("documents", [])}
    docs = []
    for d in record.get(p["documents"]) or []:
        doc_id = str(d.get(DOCUMENT_FIELDS["id"], "")).lower()
        local = dict(ours_docs.get(doc_id, {"id": doc_id}))
        local["name"] = str(d.get(DOCUMENT_FIELDS["name"], local.get("name", doc_id)))
        local["required"] = bool(d.get(DOCUMENT_FIELDS["required"], True))
        docs.append(local)
    fees = [
        {
            "name": str(f.get(FEE_FIELDS["name"], "")),
            "amount_vnd": int(f.get(FEE_FIELDS["amount_vnd"]) or 0),
        }
        for f in record.get(p["fees"]) or []
    ]
    out: dict[str, Any] = {
        "name": str(record.get(p["name"], "")),
        "documents": docs,
        "fees": fees,
    }
    field_code = record.get(p["field_code"])
    if field_code and str(field_code) in fields:
        out["field"] = fields[str(field_code)]
    days = record.get(p["days"])
    if isinstance(days, int) and days > 0:
        out["processing_time"] = {"amount": days, "unit": "working_days"}
    return out


def merged_draft(current: Mapping[str, Any], national: Mapping[str, Any]) -> dict[str, Any]:
    """Our current procedure JSON with the national part written over it; local parts kept."""
    draft = {k: v for k, v in current.items() if k not in _PUBLICATION_KEYS}
    draft.update(national)
    return draft


def changed_keys(current: Mapping[str, Any], national: Mapping[str, Any]) -> list[str]:
    """Which national-owned parts differ from our current version ([] = in sync)."""
    return sorted(k for k, v in national.items() if current.get(k) != v)


def effective_date(record: Mapping[str, Any], today: date) -> date:
    text = str(record.get(PROCEDURE_FIELDS["effective"]) or "")
    if len(text) == 8 and text.isdigit():
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    return today


def legal_basis(record: Mapping[str, Any]) -> str:
    text = str(record.get(PROCEDURE_FIELDS["legal_basis"]) or "").strip()
    return text[:500] if len(text) >= 5 else "Cơ sở dữ liệu quốc gia về thủ tục hành chính"


def agency_differences(
    records: Sequence[Mapping[str, Any]], ours: Mapping[str, str], province: str
) -> list[dict[str, str]]:
    """The province's agencies in the national list that we lack or name differently."""
    f = AGENCY_FIELDS
    out = []
    for r in records:
        code, name = str(r.get(f["code"], "")), str(r.get(f["name"], ""))
        if not (code == province or code.startswith(province + ".")):
            continue
        if code not in ours:
            out.append({"code": code, "name": name, "reason": "missing_here"})
        elif ours[code] != name:
            out.append({"code": code, "name": name, "reason": "name_differs"})
    return out
