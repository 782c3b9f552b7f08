"""Signed documents, pure rules: who signs which document in which order, and what a validation
report says (Vietnamese first, English available).

NĐ 30/2020 (công tác văn thư), Điều 8 and Phụ lục I: an electronic administrative document is
signed by the competent person (người có thẩm quyền) first, then by the agency (cơ quan, tổ chức)
whose seal it carries. A result therefore carries two PAdES signatures in that order; what leaves
the office otherwise (the receipt, forms 02-07) carries the agency's.

A `SignatureCheck` is what a validator found for one signature (facts only); `judge` turns a
document's checks into a verdict with one reason, and `describe` into the Vietnamese lines the
verify page shows. No pyHanko here: `chalicelib.documents.pades` fills the checks.

`Signer` is the port to whoever holds the signing keys (KMS in `chalicelib.integrations.signer`;
a USB token or a remote-signing service would be others): `documents.pades` signs through it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from pydantic import BaseModel, ConfigDict


class Signer(Protocol):
    """Signs a digest with a key it never hands out."""

    def public_key_der(self, key_id: str) -> bytes:
        """The key's public half (DER SubjectPublicKeyInfo)."""
        ...

    def sign_digest(
        self, key_id: str, digest: bytes, digest_algorithm: str, key_type: str
    ) -> bytes:
        """A signature over `digest` (already hashed with `digest_algorithm`): DER ECDSA-Sig-Value
        for key_type "ec", PKCS#1 v1.5 bytes for "rsa"."""
        ...


class SignerRole(StrEnum):
    OFFICIAL = "official"  # người có thẩm quyền ký
    AGENCY = "agency"  # cơ quan, tổ chức (organisation certificate)


ROLE_VI = {SignerRole.OFFICIAL: "Người ký (cá nhân)", SignerRole.AGENCY: "Cơ quan ký"}
ROLE_EN = {SignerRole.OFFICIAL: "Signed by (official)", SignerRole.AGENCY: "Signing agency"}

# Field names inside the PDF: stable, so a validator (and a test) knows which signature is which.
FIELD_NAMES = {SignerRole.OFFICIAL: "Sig1_NguoiKy", SignerRole.AGENCY: "Sig2_CoQuan"}


# Forms of Thông tư 01/2018/VPCP that the office hands to the applicant in the agency's name: the
# receipt (01), the request to complete the dossier (02), the refusal (03), the apology with a new
# date (04) and the notice that processing stops (05). The control slip (06) travels with the
# dossier inside the administration and the register (07) stays at the desk: neither is signed.
SIGNED_FORMS = frozenset({"01", "02", "03", "04", "05"})


def form_is_signed(form_no: str) -> bool:
    """Whether form `form_no` leaves the office and so carries the agency's PAdES signature."""
    return form_no in SIGNED_FORMS


def required_signatures(document: str) -> tuple[SignerRole, ...]:
    """The signatures a document needs, in signing order."""
    if document == "result":
        return (SignerRole.OFFICIAL, SignerRole.AGENCY)
    return (SignerRole.AGENCY,)  # receipt (form 01), forms 02-07 that leave the office


class SignatureCheck(BaseModel):
    """One signature as a validator saw it (the facts, not the verdict)."""

    model_config = ConfigDict(frozen=True)

    field_name: str
    signer_name: str = ""  # certificate subject CN
    organisation: str = ""  # subject O
    title: str = ""  # subject title
    issuer: str = ""  # issuing CA (CN)
    serial: str = ""  # certificate serial (hex)
    not_before: datetime | None = None
    not_after: datetime | None = None
    signing_time: datetime | None = None  # what the signer claims (signed attribute)
    timestamp_time: datetime | None = None  # the TSA's time (RFC 3161 token)
    timestamp_trusted: bool = False
    intact: bool = False  # the digest of the signed bytes matches
    valid: bool = False  # the cryptographic signature is good
    chain_trusted: bool = False  # a path to a trusted root
    revoked: bool = False
    revocation_date: datetime | None = None
    revocation_checked: bool = False  # revocation data was found and read
    expired_at_signing: bool = False  # outside its validity period at the signing time
    covers_document: bool = False  # the signature covers the whole file (or only allowed additions)
    ltv: bool = False  # revocation data embedded in the file (PAdES B-LT)
    problem: str = ""  # the validator's own words, when something failed


class Reason(StrEnum):
    VALID = "valid"
    NO_SIGNATURE = "no_signature"
    MISSING_SIGNATURE = "missing_signature"
    WRONG_ORDER = "wrong_order"
    TAMPERED = "tampered"
    BAD_SIGNATURE = "bad_signature"
    REVOKED = "revoked"
    EXPIRED = "expired"
    UNTRUSTED = "untrusted"
    NO_TIMESTAMP = "no_timestamp"
    NOT_COVERED = "not_covered"


REASONS: dict[Reason, tuple[str, str]] = {
    Reason.VALID: (
        "Văn bản hợp lệ: đủ chữ ký số, nguyên vẹn, chứng thư số hợp lệ đến chứng thư gốc tin cậy.",
        "Valid: all signatures present, intact, certificates valid up to a trusted root.",
    ),
    Reason.NO_SIGNATURE: ("Tệp không có chữ ký số.", "The file carries no digital signature."),
    Reason.MISSING_SIGNATURE: (
        "Thiếu chữ ký số bắt buộc (người có thẩm quyền và cơ quan).",
        "A required signature (official, agency) is missing.",
    ),
    Reason.WRONG_ORDER: (
        "Thứ tự chữ ký không đúng: người có thẩm quyền ký trước, cơ quan ký sau.",
        "Wrong signing order: the official signs first, then the agency.",
    ),
    Reason.TAMPERED: (
        "Văn bản đã bị thay đổi sau khi ký.",
        "The document was modified after it was signed.",
    ),
    Reason.BAD_SIGNATURE: ("Chữ ký số không hợp lệ.", "Invalid digital signature."),
    Reason.REVOKED: ("Chứng thư số đã bị thu hồi.", "The certificate was revoked."),
    Reason.EXPIRED: (
        "Chứng thư số hết hạn (hoặc chưa có hiệu lực) tại thời điểm ký.",
        "The certificate was expired (or not yet valid) when signing.",
    ),
    Reason.UNTRUSTED: (
        "Chứng thư số không được cấp bởi tổ chức cung cấp dịch vụ tin cậy (không dẫn tới "
        "chứng thư gốc).",
        "The certificate does not chain to a trusted root.",
    ),
    Reason.NO_TIMESTAMP: (
        "Chữ ký không có dấu thời gian hợp lệ.",
        "The signature has no valid timestamp.",
    ),
    Reason.NOT_COVERED: (
        "Chữ ký không bao trùm toàn bộ văn bản.",
        "A signature does not cover the whole document.",
    ),
}


def _reason_of(c: SignatureCheck) -> Reason | None:
    """The first thing wrong with one signature, in the order a reader cares about."""
    if not c.intact:
        return Reason.TAMPERED
    if not c.valid:
        return Reason.BAD_SIGNATURE
    if not c.covers_document:
        return Reason.NOT_COVERED
    if c.revoked:
        return Reason.REVOKED
    if c.expired_at_signing:
        return Reason.EXPIRED
    if not c.chain_trusted:
        return Reason.UNTRUSTED
    if c.timestamp_time is None or not c.timestamp_trusted:
        return Reason.NO_TIMESTAMP
    return None


def judge(checks: list[SignatureCheck], document: str = "result") -> Reason:
    """The verdict on a document's signatures (in file order) for what it must carry."""
    if not checks:
        return Reason.NO_SIGNATURE
    for c in checks:
        bad = _reason_of(c)
        if bad is not None:
            return bad
    wanted = [FIELD_NAMES[r] for r in required_signatures(document)]
    found = [c.field_name for c in checks]
    if not set(wanted) <= set(found):
        return Reason.MISSING_SIGNATURE
    if [f for f in found if f in wanted] != wanted:
        return Reason.WRONG_ORDER
    return Reason.VALID


def role_of(field_name: str) -> SignerRole | None:
    return next((r for r, f in FIELD_NAMES.items() if f == field_name), None)


def _yes(flag: bool) -> str:
    return "Có" if flag else "Không"


def _when(at: datetime | None) -> str:
    if at is None:
        return "không có"
    from zoneinfo import ZoneInfo

    local = at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    return local.strftime("%H:%M:%S ngày %d/%m/%Y") + " (giờ Việt Nam)"


def describe(c: SignatureCheck) -> list[str]:
    """The Vietnamese lines of one signature's report."""
    role = role_of(c.field_name)
    bad = _reason_of(c)
    lines = [
        f"{ROLE_VI[role] if role else 'Chữ ký'}: {c.signer_name or 'không rõ'}"
        + (f" - {c.title}" if c.title else ""),
        f"Cơ quan: {c.organisation or 'không rõ'}",
        f"Thời điểm ký (người ký khai): {_when(c.signing_time)}",
        f"Dấu thời gian (TSA): {_when(c.timestamp_time)}"
        + ("" if c.timestamp_trusted or c.timestamp_time is None else " - không tin cậy"),
        "Chuỗi chứng thư đến chứng thư gốc: " + ("tin cậy" if c.chain_trusted else "không tin cậy"),
        "Tình trạng thu hồi tại thời điểm ký: "
        + (
            f"đã bị thu hồi từ {_when(c.revocation_date)}"
            if c.revoked
            else ("chưa bị thu hồi" if c.revocation_checked else "không kiểm tra được")
        ),
        "Tính toàn vẹn: " + ("nguyên vẹn" if c.intact and c.valid else "không nguyên vẹn"),
        f"Hiệu lực chứng thư: từ {_when(c.not_before)} đến {_when(c.not_after)}"
        + (" - ngoài thời hạn khi ký" if c.expired_at_signing else ""),
        f"Thông tin kiểm tra dài hạn (LTV) kèm trong tệp: {_yes(c.ltv)}",
        "Kết luận: " + ("hợp lệ" if bad is None else REASONS[bad][0]),
    ]
    return lines
