"""Dossiers submitted on the national portal (Cổng DVCQG): reading them, and the signature. Pure.

The portal pushes a dossier to `POST /api/portal/dvcqg/hoso` (or we pull the same JSON from its
list of new dossiers). Field names are the national specification's and are kept as DATA here
(`INTAKE_FIELDS`, `APPLICANT_FIELDS`, `FILE_FIELDS`, `FEE_FIELDS`): when the specification renames a
field, only these tables change.

Signature (decision, docs/design.md "National portal"): HMAC-SHA256 with the shared push secret over
`<timestamp>\\n<raw body>`, sent as `X-DVCQG-Timestamp` (Unix seconds) and `X-DVCQG-Signature:
sha256=<hex>`. A timestamp more than `MAX_SKEW_SECONDS` away from our clock is refused (a replayed
request), and the comparison is constant-time. HMAC rather than SigV4: the portal is not an AWS
principal, and provincial systems exchange a shared secret with it already.

Rejections (`IntakeRejected`) carry a machine code, a Vietnamese message and the field; the route
answers them as 4xx JSON `{code, message, field}` and the portal shows them to the applicant.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MAX_SKEW_SECONDS = 300
SOURCE = "DVCQG"

SIGNATURE_HEADER = "X-DVCQG-Signature"
TIMESTAMP_HEADER = "X-DVCQG-Timestamp"

# Our neutral name -> the portal's field name (the national specification; DATA).
INTAKE_FIELDS: dict[str, str] = {
    "portal_ref": "MaHoSoQuocGia",
    "procedure_code": "MaTTHC",
    "receiving_unit": "MaDonViTiepNhan",
    "applicant": "ChuHoSo",
    "form_data": "DuLieuBieuMau",
    "files": "TepDinhKem",
    "fees": "DanhSachLePhi",
    "submitted_at": "NgayNopHoSo",
}
APPLICANT_FIELDS: dict[str, str] = {
    "name": "HoTen",
    "id_number": "SoGiayTo",
    "address": "DiaChi",
    "phone": "SoDienThoai",
    "email": "Email",
}
FILE_FIELDS: dict[str, str] = {
    "document_id": "MaThanhPhanHoSo",
    "filename": "TenTep",
    "url": "DuongDan",
    "content_type": "LoaiTep",
}
FEE_FIELDS: dict[str, str] = {
    "name": "TenPhiLePhi",
    "amount_vnd": "MucPhi",
    "paid": "DaThanhToan",
    "transaction": "MaGiaoDich",
}


class IntakeRejected(Exception):
    """The portal's dossier cannot be taken in; what the portal is told."""

    def __init__(self, code: str, message_vi: str, message_en: str, field: str = "") -> None:
        super().__init__(message_en)
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en
        self.field = field

    def answer(self, portal_ref: str | None) -> dict[str, Any]:
        return {
            "MaHoSoQuocGia": portal_ref,
            "KetQua": "TuChoi",
            "code": self.code,
            "message": self.message_vi,
            "message_en": self.message_en,
            "field": self.field,
        }


@dataclass(frozen=True)
class IncomingFile:
    document_id: str
    filename: str
    url: str
    content_type: str


@dataclass(frozen=True)
class IncomingFee:
    name: str
    amount_vnd: int
    paid: bool
    transaction: str


@dataclass(frozen=True)
class IncomingDossier:
    portal_ref: str
    procedure_code: str
    receiving_unit: str
    applicant: dict[str, str]
    form_data: dict[str, Any]
    files: tuple[IncomingFile, ...]
    fees: tuple[IncomingFee, ...]
    submitted_at: datetime | None
    digest: str = field(default="")  # of the canonical JSON: a re-push vs. a different dossier

    @property
    def fee_paid_vnd(self) -> int:
        return sum(f.amount_vnd for f in self.fees if f.paid)


# ---- the signature ------------------------------------------------------------------------------
def sign(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify_signature(
    secret: str, signature: str | None, timestamp: str | None, body: bytes, now: datetime
) -> None:
    """IntakeRejected (code `bad_signature`) unless the request is signed with `secret` within
    MAX_SKEW_SECONDS of `now`."""
    bad = IntakeRejected(
        "bad_signature",
        "Chữ ký của Cổng DVCQG không hợp lệ.",
        "The national portal's signature is not valid.",
        SIGNATURE_HEADER,
    )
    if not secret or not signature or not timestamp or not timestamp.isdigit():
        raise bad
    if abs(now.timestamp() - int(timestamp)) > MAX_SKEW_SECONDS:
        raise IntakeRejected(
            "stale_signature",
            "Yêu cầu từ Cổng DVCQG đã quá hạn (sai lệch thời gian).",
            "The national portal's request is outside the allowed time window.",
            TIMESTAMP_HEADER,
        )
    if not hmac.compare_digest(sign(secret, timestamp, body), signature):
        raise bad


# ---- reading ------------------------------------------------------------------------------------
def parse_portal_datetime(value: Any) -> datetime | None:
    """yyyyMMddHHmmss in Vietnam time -> an aware instant (None stays None)."""
    if value in (None, ""):
        return None
    text = str(value)
    if len(text) != 14 or not text.isdigit():
        raise ValueError(text)
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=VN)


def _missing(name: str) -> IntakeRejected:
    return IntakeRejected(
        "invalid_packet",
        f"Thiếu hoặc sai trường {name}.",
        f"Field {name} is missing or invalid.",
        name,
    )


def _text(raw: Mapping[str, Any], name: str, required: bool = True, limit: int = 300) -> str:
    value = raw.get(name)
    if value is None and not required:
        return ""
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise _missing(name)
    text = str(value).strip()
    if (required and not text) or len(text) > limit:
        raise _missing(name)
    return text


def parse_dossier(raw: Any) -> IncomingDossier:
    """The portal's JSON -> an IncomingDossier, or IntakeRejected naming the first bad field."""
    if not isinstance(raw, dict):
        raise _missing("<root>")
    f = INTAKE_FIELDS
    applicant_raw = raw.get(f["applicant"])
    if not isinstance(applicant_raw, dict):
        raise _missing(f["applicant"])
    applicant = {
        ours: _text(applicant_raw, theirs, required=ours == "name")
        for ours, theirs in APPLICANT_FIELDS.items()
    }
    form = raw.get(f["form_data"], {})
    if not isinstance(form, dict):
        raise _missing(f["form_data"])
    files_raw = raw.get(f["files"], [])
    if not isinstance(files_raw, list) or len(files_raw) > 50:
        raise _missing(f["files"])
    files = []
    for i, item in enumerate(files_raw):
        if not isinstance(item, dict):
            raise _missing(f"{f['files']}.{i}")
        values = {ours: _text(item, theirs, limit=2000) for ours, theirs in FILE_FIELDS.items()}
        if not values["url"].startswith(("https://", "http://")):
            raise _missing(f"{f['files']}.{i}.{FILE_FIELDS['url']}")
        files.append(IncomingFile(**values))
    fees_raw = raw.get(f["fees"], [])
    if not isinstance(fees_raw, list):
        raise _missing(f["fees"])
    fees = []
    for i, item in enumerate(fees_raw):
        amount = item.get(FEE_FIELDS["amount_vnd"]) if isinstance(item, dict) else None
        if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
            raise _missing(f"{f['fees']}.{i}.{FEE_FIELDS['amount_vnd']}")
        assert isinstance(item, dict)
        fees.append(
            IncomingFee(
                name=_text(item, FEE_FIELDS["name"]),
                amount_vnd=amount,
                paid=item.get(FEE_FIELDS["paid"]) is True,
                transaction=_text(item, FEE_FIELDS["transaction"], required=False, limit=64),
            )
        )
    try:
        submitted = parse_portal_datetime(raw.get(f["submitted_at"]))
    except ValueError:
        raise _missing(f["submitted_at"]) from None
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return IncomingDossier(
        portal_ref=_text(raw, f["portal_ref"], limit=64),
        procedure_code=_text(raw, f["procedure_code"], limit=40),
        receiving_unit=_text(raw, f["receiving_unit"], limit=40),
        applicant=applicant,
        form_data=form,
        files=tuple(files),
        fees=tuple(fees),
        submitted_at=submitted,
        digest=hashlib.sha256(canonical.encode()).hexdigest(),
    )


def portal_ref_of(raw: Any) -> str | None:
    """The portal's id of a dossier we could not read, for the rejection answer."""
    if isinstance(raw, dict):
        value = raw.get(INTAKE_FIELDS["portal_ref"])
        if isinstance(value, str) and 0 < len(value) <= 64:
            return value
    return None


def check_unit(unit: str, desks: Mapping[str, str], province: str) -> None:
    """The receiving unit must be one of our desks (code -> name) inside the province."""
    if unit not in desks or not (unit == province or unit.startswith(province + ".")):
        raise IntakeRejected(
            "unit_outside_province",
            f"Đơn vị tiếp nhận {unit} không thuộc bộ phận một cửa của tỉnh.",
            f"Receiving unit {unit} is not a one-stop desk of this province.",
            INTAKE_FIELDS["receiving_unit"],
        )


def unknown_procedure(code: str) -> IntakeRejected:
    return IntakeRejected(
        "unknown_procedure",
        f"Thủ tục {code} không có trong danh mục của tỉnh.",
        f"Procedure {code} is not in the province's catalogue.",
        INTAKE_FIELDS["procedure_code"],
    )


def missing_document(name: str, document_id: str) -> IntakeRejected:
    return IntakeRejected(
        "missing_document",
        f"Thiếu hoặc không tải được thành phần hồ sơ: {name}.",
        f"Document missing or not downloadable: {name}.",
        f"{INTAKE_FIELDS['files']}.{document_id}",
    )


def duplicate(portal_ref: str) -> IntakeRejected:
    return IntakeRejected(
        "duplicate",
        f"Hồ sơ {portal_ref} đã được gửi với nội dung khác.",
        f"Dossier {portal_ref} was already sent with different content.",
        INTAKE_FIELDS["portal_ref"],
    )


def accepted_answer(portal_ref: str, dossier_id: str, duplicate: bool = False) -> dict[str, Any]:
    return {
        "MaHoSoQuocGia": portal_ref,
        "KetQua": "DaNhan",
        "MaHoSoTinh": dossier_id,
        "duplicate": duplicate,
    }
