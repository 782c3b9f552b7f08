"""Acting for another (đại diện, ủy quyền): who may file a dossier for whom, for which procedures,
and with what evidence. Pure: no I/O; the clock's date is passed in.

Three kinds, after Bộ luật Dân sự 2015 (Đ134-143: đại diện theo pháp luật và theo ủy quyền;
Đ136: cha, mẹ đối với con chưa thành niên; Đ137: người đại diện theo pháp luật của pháp nhân;
Đ562-569: hợp đồng ủy quyền) and NĐ 61/2018 Đ6 (the citizen may file through a representative):

- `parent` (cha, mẹ / người giám hộ đối với con chưa thành niên): the represented person is under
  18 on the filing date (their birth date is required) and the representative is an adult; the
  evidence is the relation (`basis_ref`: the birth certificate's or household's reference) and
  covers every procedure except those a person must do themselves (`personal_only`);
- `legal_representative` (người đại diện theo pháp luật của doanh nghiệp): the represented party is
  an organisation with a tax or registration number (10 digits, or 13 with a branch suffix); the
  evidence is the business registry's entry naming the representative, or the organisation's own
  VNeID account signed in by them (`basis` = `registry` | `organisation_account`);
- `authorised` (ủy quyền bằng văn bản): a written authorisation (giấy ủy quyền) attached to the
  dossier as document `AUTHORISATION_DOCUMENT`, valid on the filing date (`valid_from` ..
  `valid_until`), naming the principal (the represented party) and the agent (the representative),
  and covering the procedure (its code listed, or `ALL_PROCEDURES`); a person's authorisation must
  be certified (chứng thực), an organisation's is signed and stamped by it.

`check_mandate` raises InvalidInput (400) with the field at fault and a Vietnamese message, or
Forbidden (403, `mandate_not_covering`) when the mandate is valid but does not reach the procedure.
`is_party` says whether a verified identity number is one of the dossier's two parties (who may
follow it: the `party` scope of chalicelib.domain.permissions).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.errors import Forbidden, InvalidInput

ADULT_AGE = 18
AUTHORISATION_DOCUMENT = "giay-uy-quyen"
ALL_PROCEDURES = "*"
PERSON_ID = re.compile(r"^[0-9]{12}$")  # số định danh cá nhân (CCCD)
ORGANISATION_ID = re.compile(r"^[0-9]{10}(-?[0-9]{3})?$")  # mã số doanh nghiệp / thuế


class MandateKind(StrEnum):
    PARENT = "parent"
    LEGAL_REPRESENTATIVE = "legal_representative"
    AUTHORISED = "authorised"


KIND_LABELS: dict[MandateKind, str] = {
    MandateKind.PARENT: "Cha, mẹ (người đại diện theo pháp luật của con chưa thành niên)",
    MandateKind.LEGAL_REPRESENTATIVE: "Người đại diện theo pháp luật của tổ chức",
    MandateKind.AUTHORISED: "Người được ủy quyền (giấy ủy quyền)",
}

BASIS_LABELS: dict[str, str] = {
    "birth_certificate": "Giấy khai sinh",
    "household": "CSDL quốc gia về dân cư (quan hệ cha/mẹ - con)",
    "registry": "CSDL quốc gia về đăng ký doanh nghiệp",
    "organisation_account": "Tài khoản định danh điện tử của tổ chức (VNeID)",
    "authorisation": "Giấy ủy quyền",
}

BASES: dict[MandateKind, frozenset[str]] = {
    MandateKind.PARENT: frozenset({"birth_certificate", "household"}),
    MandateKind.LEGAL_REPRESENTATIVE: frozenset({"registry", "organisation_account"}),
    MandateKind.AUTHORISED: frozenset({"authorisation"}),
}


class Party(BaseModel):
    """One side of a representation: a person or an organisation."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["person", "organisation"] = "person"
    name: str = Field(min_length=1, max_length=200)
    id_number: str = Field(min_length=1, max_length=20)  # CCCD, or the tax/registration number
    birth_date: date | None = None  # a person's (the parent rule needs the child's)


class Representation(BaseModel):
    """Who filed for whom, and on what basis; recorded on the dossier (`Dossier.representation`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: MandateKind
    representative: Party
    represented: Party
    basis: str = Field(min_length=1, max_length=40)
    basis_ref: str = Field(default="", max_length=100)  # certificate or registry reference
    # authorised: what the written authorisation says
    valid_from: date | None = None
    valid_until: date | None = None
    procedures: list[str] = Field(default_factory=list, max_length=50)
    certified: bool = False

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def basis_label(self) -> str:
        return BASIS_LABELS.get(self.basis, self.basis)


def age_on(birth: date, on: date) -> int:
    """Full years of age on `on`."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def _bad(vi: str, en: str, field: str, code: str = "mandate_invalid") -> InvalidInput:
    return InvalidInput(vi, en, code=code, field=f"representation.{field}")


def _check_ids(rep: Representation) -> None:
    for side in ("representative", "represented"):
        party: Party = getattr(rep, side)
        pattern = PERSON_ID if party.kind == "person" else ORGANISATION_ID
        if not pattern.match(party.id_number):
            what = (
                "số định danh cá nhân (12 chữ số)"
                if party.kind == "person"
                else ("mã số doanh nghiệp (10 hoặc 13 chữ số)")
            )
            raise _bad(
                f"Số giấy tờ của bên {'đại diện' if side == 'representative' else 'được đại diện'}"
                f" phải là {what}.",
                f"The {side} party's number is not a valid {party.kind} number.",
                f"{side}.id_number",
            )
    if rep.representative.kind != "person":
        raise _bad(
            "Người đại diện phải là cá nhân.",
            "The representative must be a natural person.",
            "representative.kind",
        )
    if rep.representative.id_number == rep.represented.id_number:
        raise _bad(
            "Người đại diện và người được đại diện không thể là một.",
            "A person cannot represent themselves.",
            "represented.id_number",
        )


def _check_parent(rep: Representation, today: date, representative_birth: date | None) -> None:
    child = rep.represented
    if child.kind != "person":
        raise _bad(
            "Cha, mẹ chỉ đại diện cho con là cá nhân.",
            "A parent represents a child, not an organisation.",
            "represented.kind",
        )
    if child.birth_date is None:
        raise _bad(
            "Cần ngày sinh của con để xác định con chưa thành niên.",
            "The child's date of birth is needed.",
            "represented.birth_date",
        )
    if child.birth_date > today:
        raise _bad(
            "Ngày sinh của con không thể ở tương lai.",
            "The child's date of birth is in the future.",
            "represented.birth_date",
        )
    if age_on(child.birth_date, today) >= ADULT_AGE:
        raise _bad(
            f"Người được đại diện đã đủ {ADULT_AGE} tuổi: cần giấy ủy quyền của chính người đó.",
            f"The represented person is {ADULT_AGE} or older: they need to authorise in writing.",
            "represented.birth_date",
            code="mandate_adult",
        )
    if representative_birth is not None and age_on(representative_birth, today) < ADULT_AGE:
        raise _bad(
            "Người đại diện phải đủ 18 tuổi.",
            "The representative must be an adult.",
            "representative.birth_date",
        )
    if not rep.basis_ref:
        raise _bad(
            "Cần số, quyển số giấy khai sinh (hoặc mã quan hệ trong CSDL dân cư) của con.",
            "The birth certificate's (or the registry relation's) reference is needed.",
            "basis_ref",
        )


def _check_legal_representative(rep: Representation) -> None:
    if rep.represented.kind != "organisation":
        raise _bad(
            "Người đại diện theo pháp luật đại diện cho một tổ chức (doanh nghiệp).",
            "A legal representative represents an organisation.",
            "represented.kind",
        )


def _check_authorised(
    rep: Representation, today: date, procedure_code: str, attached: Collection[str] | None
) -> None:
    if attached is not None and AUTHORISATION_DOCUMENT not in attached:
        raise _bad(
            "Cần đính kèm giấy ủy quyền.",
            "The written authorisation must be attached.",
            "basis",
            code="mandate_document_missing",
        )
    if rep.valid_from is None or rep.valid_until is None:
        raise _bad(
            "Cần ghi thời hạn của giấy ủy quyền (từ ngày, đến ngày).",
            "The authorisation's validity dates are needed.",
            "valid_until" if rep.valid_from else "valid_from",
        )
    if rep.valid_until < rep.valid_from:
        raise _bad(
            "Ngày hết hạn ủy quyền phải sau ngày bắt đầu.",
            "The authorisation ends before it starts.",
            "valid_until",
        )
    if today < rep.valid_from:
        raise _bad(
            f"Giấy ủy quyền chỉ có hiệu lực từ ngày {rep.valid_from:%d/%m/%Y}.",
            "The authorisation is not in force yet.",
            "valid_from",
            code="mandate_not_in_force",
        )
    if today > rep.valid_until:
        raise _bad(
            f"Giấy ủy quyền đã hết hạn ngày {rep.valid_until:%d/%m/%Y}.",
            "The authorisation has expired.",
            "valid_until",
            code="mandate_expired",
        )
    if rep.represented.kind == "person" and not rep.certified:
        raise _bad(
            "Giấy ủy quyền của cá nhân phải được chứng thực.",
            "A person's authorisation must be certified.",
            "certified",
        )
    if ALL_PROCEDURES not in rep.procedures and procedure_code not in rep.procedures:
        raise Forbidden(
            f"Giấy ủy quyền không bao gồm thủ tục {procedure_code}.",
            f"The authorisation does not cover procedure {procedure_code}.",
            code="mandate_not_covering",
        )


def check_mandate(
    rep: Representation,
    *,
    procedure_code: str,
    today: date,
    attached: Collection[str] | None = None,
    personal_only: Collection[str] = (),
    representative_birth: date | None = None,
) -> None:
    """Whether `rep` lets its representative file `procedure_code` for the represented party
    today (see the module doc). `attached`: the document ids attached to the dossier (None for a
    draft, whose papers come later: the authorisation is then checked at submission);
    `personal_only`: procedures nobody may file for another."""
    _check_ids(rep)
    if rep.basis not in BASES[rep.kind]:
        allowed = ", ".join(BASIS_LABELS[b] for b in sorted(BASES[rep.kind]))
        raise _bad(
            f"Căn cứ đại diện không phù hợp; chấp nhận: {allowed}.",
            f"Basis {rep.basis!r} does not fit a {rep.kind.value} mandate.",
            "basis",
        )
    if procedure_code in personal_only:
        raise Forbidden(
            f"Thủ tục {procedure_code} phải do chính người có yêu cầu thực hiện, không nộp thay.",
            f"Procedure {procedure_code} must be filed by the person themselves.",
            code="mandate_not_covering",
        )
    if rep.kind is MandateKind.PARENT:
        _check_parent(rep, today, representative_birth)
    elif rep.kind is MandateKind.LEGAL_REPRESENTATIVE:
        _check_legal_representative(rep)
    else:
        _check_authorised(rep, today, procedure_code, attached)


def needs_attachment(rep: Representation | None) -> str | None:
    """The document the dossier must carry at submission for this representation, if any."""
    if rep is not None and rep.kind is MandateKind.AUTHORISED:
        return AUTHORISATION_DOCUMENT
    return None


def describe(rep: Representation) -> str:
    """One line for pages and papers (the receipt, the register, the staff's view)."""
    ref = f" ({rep.basis_ref})" if rep.basis_ref else ""
    return (
        f"Người nộp thay: {rep.representative.name} — {rep.kind_label}; "
        f"căn cứ: {rep.basis_label}{ref}"
    )


def is_party(rep: Representation | None, verified_id: str | None) -> bool:
    """Is `verified_id` (an identity number VNeID vouched for) one of the two parties?"""
    if rep is None or not verified_id:
        return False
    return verified_id in (rep.representative.id_number, rep.represented.id_number)
