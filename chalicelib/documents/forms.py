"""Forms 02-07 (TT 03/2025/TT-VPCP numbering) as PDF and as a standalone printable HTML page.

Each form is described once as a `_Spec` (header, title, blocks of text, a table, signers) and then
drawn by two renderers, so the PDF and the HTML print view can never say different things. Forms
02-06 are A5 portrait and carry the dossier code and its lookup QR, like the receipt (form 01);
the register (07) is A4 landscape because its ten columns need the width. fpdf2 is imported only
when a PDF is drawn, to keep other Lambdas' cold start light.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.documents.pdf_common import FONT_FAMILY, centered, nfc, prepare, rule_under
from chalicelib.documents.qr import qr_png, qr_svg
from chalicelib.documents.vn_format import (
    format_vn_date,
    format_vn_datetime,
    format_vn_long_date,
    to_vn,
)
from chalicelib.domain.dossier import Channel, Dossier, Handover, person_name
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.masking import mask_phone
from chalicelib.domain.procedure import Procedure
from chalicelib.domain.statuses import DossierStatus

if TYPE_CHECKING:
    from fpdf import FPDF

FormNo = Literal["02", "03", "04", "05", "06"]
FORM_NUMBERS: tuple[str, ...] = ("02", "03", "04", "05", "06")

FORM_TITLES: dict[str, str] = {
    "02": "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
    "03": "PHIẾU TỪ CHỐI TIẾP NHẬN GIẢI QUYẾT HỒ SƠ",
    "04": "PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ",
    "05": "THÔNG BÁO DỪNG XỬ LÝ HỒ SƠ",
    "06": "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ",
    "07": "SỔ THEO DÕI HỒ SƠ",
}

# Suffix of the "Số: .../..." line (ký hiệu), one per form.
_NUMBER_SUFFIX: dict[str, str] = {
    "02": "PYCBS",
    "03": "PTC",
    "04": "PXL",
    "05": "TB-DXL",
    "06": "PKS",
}

OUTCOME_LABELS: dict[str, str] = {
    "approve": "Đã xử lý",
    "return": "Trả lại bước trước",
    "supplement": "Yêu cầu bổ sung",
    "fee": "Chờ nghĩa vụ tài chính",
    "stop_proposed": "Đề nghị dừng xử lý",
    "ended": "Kết thúc",
}

_NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
_MOTTO = "Độc lập - Tự do - Hạnh phúc"
_BLANK = "...................."


class FormContext(BaseModel):
    """What forms 02-06 need besides the dossier: names to print and who issues the form.

    The service fills it; the renderer does no I/O, so the same context gives the same paper.
    """

    model_config = ConfigDict(frozen=True)

    dossier: Dossier
    procedure: Procedure
    unit_names: dict[str, str] = Field(default_factory=dict)  # unit code -> name
    lookup_url: str = ""  # encoded in the QR; empty before the dossier has a code
    staff_name: str = ""  # the officer who issues the form (printed under the signature)
    people: dict[str, str] = Field(default_factory=dict)  # username -> full name (`person`)
    issued_at: AwareDatetime
    authority_name: str = ""  # governing body above the issuing unit, e.g. "UBND TỈNH HẬU GIANG"
    place_name: str = ""  # place on the date line, e.g. "Hậu Giang"

    def person(self, username: str | None) -> str:
        """The full name printed for a username of the dossier (never an official's login)."""
        return person_name(username, self.people, self.unit_names)

    def unit(self, code: str | None) -> str:
        """A unit's name, or its code when the catalogue does not know it (never blank)."""
        if not code:
            return ""
        return self.unit_names.get(code) or code


# ---- the shared description of a form ----------------------------------------------------------
@dataclass(frozen=True)
class _Field:
    """`label value` as flowing text; the value may span lines."""

    label: str
    value: str
    bold: bool = False


@dataclass(frozen=True)
class _Para:
    """A sentence or one line of a list (indented)."""

    text: str
    bold: bool = False
    indent: bool = False


@dataclass(frozen=True)
class _Table:
    """A bordered table whose heading repeats on every page."""

    headers: tuple[str, ...]
    widths: tuple[float, ...]  # millimetres in the PDF; percentages are derived for HTML
    rows: tuple[tuple[str, ...], ...]
    align: tuple[str, ...]  # LEFT | CENTER per column
    empty: str  # printed in one spanning row when there are no rows
    font_pt: float = 6.5


@dataclass(frozen=True)
class _Signer:
    title: str
    hint: str
    name: str


_Block = _Field | _Para | _Table


@dataclass(frozen=True)
class _Layout:
    """Paper and type sizes; forms 02-06 share A5, the register uses A4 landscape."""

    width: float
    height: float
    margin: float
    left_w: float  # width of the issuing-unit column of the header
    body_pt: float
    line: float
    css_size: str


_A5 = _Layout(148.0, 210.0, 12.0, 52.0, 8.5, 4.2, "A5")
_A4L = _Layout(297.0, 210.0, 12.0, 110.0, 8.5, 4.2, "A4 landscape")


@dataclass(frozen=True)
class _Spec:
    form_no: str
    title: str
    authority: str
    agency: str
    number: str  # "" = no number line (the register)
    date_line: str
    code: str  # "" = no code/QR block
    lookup_url: str
    blocks: tuple[_Block, ...]
    signers: tuple[_Signer | None, _Signer | None] = (None, None)
    subtitles: tuple[str, ...] = ()
    layout: _Layout = _A5
    footer: str = ""


# ---- text helpers ---------------------------------------------------------------------------
def _short(dt: datetime | None) -> str:
    """`08:30 30/11/2026` (hh:mm dd/mm/yyyy, Vietnam time): compact, for table cells."""
    if dt is None:
        return ""
    local = to_vn(dt)
    return f"{local:%H:%M} {local:%d/%m/%Y}"


def _stacked(dt: datetime | None) -> str:
    """`08:30` over `30/11/2026`: the A5 control slip has no room for both on one line, so the
    break is placed on purpose rather than wherever the cell wraps."""
    return _short(dt).replace(" ", "\n", 1)


def _lines(text: str) -> list[str]:
    """Non-empty lines of a multi-line reason, each printed as one list line."""
    return [line.strip() for line in nfc(text).splitlines() if line.strip()]


def _reason_blocks(text: str) -> list[_Block]:
    return [_Para(line, indent=True) for line in _lines(text)]


def _contact(d: Dossier) -> str:
    contact = d.applicant.phone or ""
    if d.applicant.email:
        contact = (
            f"{contact}      Email: {d.applicant.email}"
            if contact
            else f"Email: {d.applicant.email}"
        )
    return contact


def _number(form_no: str, d: Dossier) -> str:
    line = str(d.register_line) if d.register_line else "......"
    return f"{line}/{_NUMBER_SUFFIX[form_no]}"


def _date_line(place: str, at: datetime) -> str:
    return f"{place}, {format_vn_long_date(at)}" if place else format_vn_long_date(at).capitalize()


def _code_text(d: Dossier) -> str:
    return d.code or "Chưa cấp (hồ sơ chưa được tiếp nhận)"


def _applicant_blocks(ctx: FormContext, label: str) -> list[_Block]:
    d = ctx.dossier
    return [
        _Field(label, d.applicant.name, bold=True),
        _Field("Địa chỉ:", d.applicant.address),
        _Field("Số điện thoại:", _contact(d)),
        _Field("Nội dung yêu cầu giải quyết:", ctx.procedure.name, bold=True),
    ]


def _missing(what: str, what_en: str, form_no: str) -> InvalidInput:
    return InvalidInput(
        f"Hồ sơ chưa có {what} nên không lập được mẫu số {form_no}.",
        f"The dossier has no {what_en}, so form {form_no} cannot be issued.",
        code="form_not_available",
        field="form_no",
    )


def _spec(
    ctx: FormContext,
    form_no: str,
    agency_code: str,
    blocks: list[_Block],
    signer: _Signer | None = None,
    issued_at: datetime | None = None,
) -> _Spec:
    """The parts every dossier form shares: header, number, date, code and QR, footer."""
    d = ctx.dossier
    return _Spec(
        form_no=form_no,
        title=FORM_TITLES[form_no],
        authority=ctx.authority_name.upper(),
        agency=ctx.unit(agency_code).upper(),
        number=_number(form_no, d),
        date_line=_date_line(ctx.place_name, issued_at or ctx.issued_at),
        code=_code_text(d),
        lookup_url=ctx.lookup_url,
        footer=f"Mã hồ sơ: {d.code or '-'}",
        blocks=tuple(blocks),
        signers=(None, signer),
    )


# ---- forms 02-06 ----------------------------------------------------------------------------
def _form_02(ctx: FormContext) -> _Spec:
    d = ctx.dossier
    if not (d.supplement_reason or "").strip():
        raise _missing("yêu cầu bổ sung", "supplement request", "02")
    desk = ctx.unit(d.receiving_unit)
    blocks: list[_Block] = [
        *_applicant_blocks(ctx, "Hồ sơ của:"),
        _Para("Yêu cầu bổ sung, hoàn thiện hồ sơ gồm những nội dung sau:", bold=True),
        *_reason_blocks(d.supplement_reason or ""),
    ]
    if d.supplement_due_at:
        blocks.append(
            _Field(
                "Thời hạn bổ sung, hoàn thiện hồ sơ: trước",
                format_vn_datetime(d.supplement_due_at),
                bold=True,
            )
        )
    blocks.append(
        _Para(
            "Trong quá trình bổ sung, hoàn thiện hồ sơ, nếu có vướng mắc, ông/bà liên hệ "
            f"{desk} để được hướng dẫn."
        )
    )
    signer = _Signer("NGƯỜI HƯỚNG DẪN", "(Ký và ghi rõ họ tên)", ctx.staff_name)
    return _spec(ctx, "02", d.receiving_unit, blocks, signer)


def _form_03(ctx: FormContext) -> _Spec:
    d = ctx.dossier
    if not (d.refusal_reason or "").strip():
        raise _missing("lý do từ chối", "refusal reason", "03")
    desk = ctx.unit(d.receiving_unit)
    blocks: list[_Block] = [
        _Para(f"{desk} tiếp nhận hồ sơ của:"),
        *_applicant_blocks(ctx, "Ông/Bà (tổ chức):"),
        _Para(
            f"Qua nghiên cứu, xem xét, đối chiếu hồ sơ, {desk} thông báo không tiếp nhận, giải "
            "quyết hồ sơ này với lý do cụ thể như sau:",
        ),
        *_reason_blocks(d.refusal_reason or ""),
        _Para("Xin thông báo để ông/bà được biết và thực hiện."),
    ]
    signer = _Signer("NGƯỜI TIẾP NHẬN HỒ SƠ", "(Ký và ghi rõ họ tên)", ctx.staff_name)
    return _spec(ctx, "03", d.receiving_unit, blocks, signer)


def _form_04(ctx: FormContext) -> _Spec:
    d = ctx.dossier
    ext = d.extension
    if ext is None or ext.state == "refused":
        raise _missing("đề nghị gia hạn được chấp thuận", "approved extension", "04")
    agency = ctx.unit(ext.agency)
    received = f"Ngày {format_vn_date(d.received_at)}, " if d.received_at else ""
    blocks: list[_Block] = [
        _Field("Kính gửi: Ông/Bà", d.applicant.name, bold=True),
        _Para(f"{received}{agency} tiếp nhận giải quyết hồ sơ của ông/bà."),
        _Field("Nội dung yêu cầu giải quyết:", ctx.procedure.name, bold=True),
        _Field("Thời gian hẹn trả kết quả:", format_vn_datetime(ext.previous_appointment_at)),
        _Para(f"Tuy nhiên đến nay, {agency} chưa trả kết quả giải quyết hồ sơ cho ông/bà."),
        _Para("Lý do:", bold=True),
        *_reason_blocks(ext.reason),
        _Para(
            f"Sự chậm trễ này đã gây phiền hà cho ông/bà. {agency} xin lỗi ông/bà và hẹn lại "
            "thời gian trả kết quả như sau:"
        ),
        _Field(
            "Thời gian hẹn trả kết quả mới:", format_vn_datetime(ext.new_appointment_at), bold=True
        ),
        _Para("Xin trân trọng cảm ơn."),
    ]
    if ext.state == "proposed":
        blocks.append(_Para("(Dự thảo: đề nghị gia hạn đang chờ lãnh đạo phê duyệt)", bold=True))
    signer = _Signer(
        "THỦ TRƯỞNG CƠ QUAN", "(Ký, ghi rõ họ tên và đóng dấu)", ctx.person(ext.decided_by)
    )
    return _spec(ctx, "04", ext.agency, blocks, signer, ext.decided_at or ext.proposed_at)


def _form_05(ctx: FormContext) -> _Spec:
    d = ctx.dossier
    stop = d.stop
    if stop is None or stop.state == "refused":
        raise _missing("quyết định dừng xử lý", "stop decision", "05")
    agency_code = stop.agency or d.lead_agency
    agency = ctx.unit(agency_code)
    stopped_at = stop.decided_at or stop.proposed_at
    blocks: list[_Block] = [
        _Field("Kính gửi: Ông/Bà", d.applicant.name, bold=True),
        _Para(f"{agency} thông báo dừng xử lý hồ sơ sau:"),
        _Field("Nội dung yêu cầu giải quyết:", ctx.procedure.name, bold=True),
    ]
    if d.received_at:
        blocks.append(_Field("Thời gian nhận hồ sơ:", format_vn_datetime(d.received_at)))
    blocks += [
        _Para("Lý do dừng xử lý:", bold=True),
        *_reason_blocks(stop.reason),
        _Field("Thời điểm dừng xử lý:", format_vn_datetime(stopped_at)),
        _Para(
            f"Mọi thắc mắc, ông/bà liên hệ {ctx.unit(d.receiving_unit)} để được hướng dẫn. "
            "Xin thông báo để ông/bà được biết."
        ),
    ]
    if stop.state == "proposed":
        blocks.append(_Para("(Dự thảo: đề nghị dừng xử lý đang chờ lãnh đạo phê duyệt)", bold=True))
    signer = _Signer(
        "THỦ TRƯỞNG CƠ QUAN", "(Ký, ghi rõ họ tên và đóng dấu)", ctx.person(stop.decided_by)
    )
    return _spec(ctx, "05", agency_code, blocks, signer, stopped_at)


def _handover_note(h: Handover) -> str:
    if h.late is True:
        state = "Quá hạn"
    elif h.late is False:
        state = "Đúng hạn"
    else:
        state = "Đang xử lý" if h.finished_at is None else ""
    return "\n".join(x for x in (state, nfc(h.note or "")) if x)


def _handover_row(ctx: FormContext, index: int, h: Handover) -> tuple[str, ...]:
    times = f"Giao: {_stacked(h.sent_at)}"
    if h.finished_at:
        times += f"\nXong: {_stacked(h.finished_at)}"
    who = f"Giao: {ctx.person(h.sent_by)}"
    if h.finished_by:
        who += f"\nXử lý: {ctx.person(h.finished_by)}"
    outcome = OUTCOME_LABELS.get(h.outcome, h.outcome) if h.outcome else ""
    return (
        str(index),
        f"{ctx.unit(h.to_agency)}\n({h.step_name})",
        times,
        _stacked(h.due_at) or "-",
        outcome,
        _handover_note(h),
        who,
    )


def _form_06(ctx: FormContext) -> _Spec:
    d = ctx.dossier
    if not d.code or not d.received_at:
        raise _missing("mã hồ sơ (chưa được tiếp nhận)", "code (not received yet)", "06")
    others = sorted({h.to_agency for h in d.handovers} - {d.lead_agency})
    blocks: list[_Block] = [
        _Field("Chủ hồ sơ:", d.applicant.name, bold=True),
        _Field("Nội dung yêu cầu giải quyết:", ctx.procedure.name, bold=True),
        _Field("Cơ quan chủ trì giải quyết:", ctx.unit(d.lead_agency)),
    ]
    if others:
        blocks.append(_Field("Cơ quan phối hợp:", "; ".join(ctx.unit(o) for o in others)))
    blocks.append(_Field("Thời gian nhận hồ sơ:", format_vn_datetime(d.received_at)))
    if d.appointment_at:
        blocks.append(
            _Field("Thời gian hẹn trả kết quả:", format_vn_datetime(d.appointment_at), bold=True)
        )
    if d.original_appointment_at and d.original_appointment_at != d.appointment_at:
        blocks.append(_Field("Hẹn trả ban đầu:", format_vn_datetime(d.original_appointment_at)))
    blocks.append(
        _Table(
            headers=(
                "STT",
                "Tên cơ quan/bước",
                "Thời gian giao, nhận hồ sơ",
                "Hạn xử lý",
                "Kết quả giải quyết",
                "Ghi chú",
                "Người giao, xử lý",
            ),
            widths=(7.5, 25, 19, 17, 18, 16, 21.5),
            rows=tuple(_handover_row(ctx, i, h) for i, h in enumerate(d.handovers, start=1)),
            align=("CENTER", "LEFT", "CENTER", "CENTER", "LEFT", "LEFT", "LEFT"),
            empty="Hồ sơ chưa được chuyển đến cơ quan giải quyết.",
            font_pt=6,
        )
    )
    return _spec(ctx, "06", d.receiving_unit, blocks)


_BUILDERS = {
    "02": _form_02,
    "03": _form_03,
    "04": _form_04,
    "05": _form_05,
    "06": _form_06,
}


def _build(form_no: str, ctx: FormContext) -> _Spec:
    builder = _BUILDERS.get(form_no)
    if builder is None:
        raise InvalidInput(
            f"Không có mẫu số {form_no}; các mẫu: {', '.join(FORM_NUMBERS)}.",
            f"No form {form_no}; forms: {', '.join(FORM_NUMBERS)}.",
            code="unknown_form",
            field="form_no",
        )
    return builder(ctx)


# ---- form 07: the register -----------------------------------------------------------------
_REGISTER_HEADERS = (
    "STT",
    "Mã hồ sơ",
    "Tên TTHC",
    "Tên tổ chức/cá nhân",
    "Địa chỉ/SĐT",
    "Ngày nhận",
    "Hẹn trả",
    "Ngày trả/chuyển",
    "Trạng thái",
    "Ghi chú",
)


def _procedure_name(procedures: Mapping[str, Procedure | str], code: str) -> str:
    proc = procedures.get(code)
    if proc is None:
        return code
    return proc if isinstance(proc, str) else proc.name


def _register_row(d: Dossier, procedures: Mapping[str, Procedure | str]) -> tuple[str, ...]:
    """One register line. The phone is masked: the book is read at the desk, often in public."""
    address = nfc(d.applicant.address)
    phone = f"SĐT: {mask_phone(d.applicant.phone)}" if d.applicant.phone else ""
    moved: list[str] = []
    if d.handovers:
        moved.append(f"Chuyển: {_short(d.handovers[0].sent_at)}")
    if d.returned_at:
        moved.append(f"Trả: {_short(d.returned_at)}")
    notes: list[str] = []
    if d.channel is Channel.ONLINE:
        notes.append("Nộp trực tuyến")
    if d.representation is not None:
        notes.append(f"Nộp thay: {nfc(d.representation.representative.name)}")
    if d.extension and d.extension.state == "approved":
        notes.append(f"Hẹn lại: {_short(d.extension.new_appointment_at)}")
    done_at = d.finished_at or d.returned_at
    if d.appointment_at and done_at and done_at > d.appointment_at:
        notes.append("Trễ hạn")
    if d.status is DossierStatus.REFUSED and d.refusal_reason:
        notes.append(f"Từ chối: {nfc(d.refusal_reason)}")
    if d.status is DossierStatus.STOPPED and d.stop:
        notes.append(f"Dừng: {nfc(d.stop.reason)}")
    return (
        str(d.register_line) if d.register_line else "",
        d.code or "",
        _procedure_name(procedures, d.procedure_code),
        nfc(d.applicant.name),
        "\n".join(x for x in (address, phone) if x),
        _short(d.received_at),
        _short(d.appointment_at),
        "\n".join(moved),
        d.status.label_vi if d.status is not None else "Bản nháp",
        "\n".join(notes),
    )


def _register_spec(
    unit_name: str,
    unit_code: str,
    period_label: str,
    dossiers: Sequence[Dossier],
    procedures_by_code: Mapping[str, Procedure | str],
) -> _Spec:
    ordered = sorted(
        dossiers,
        key=lambda d: (
            d.register_line is None,
            d.register_line or 0,
            d.received_at or d.created_at,
        ),
    )
    table = _Table(
        headers=_REGISTER_HEADERS,
        widths=(10, 34, 46, 32, 38, 19, 19, 23, 22, 30),
        rows=tuple(_register_row(d, procedures_by_code) for d in ordered),
        align=(
            "CENTER",
            "LEFT",
            "LEFT",
            "LEFT",
            "LEFT",
            "CENTER",
            "CENTER",
            "LEFT",
            "LEFT",
            "LEFT",
        ),
        empty="Không có hồ sơ trong kỳ.",
        font_pt=7,
    )
    name = unit_name or unit_code
    return _Spec(
        form_no="07",
        title=FORM_TITLES["07"],
        authority="",
        agency=name.upper(),
        number="",
        date_line="",
        code="",
        lookup_url="",
        blocks=(table,),
        subtitles=(f"Đơn vị: {name} ({unit_code})", f"Kỳ: {period_label}"),
        layout=_A4L,
        footer=f"Sổ theo dõi hồ sơ - {unit_code} - {period_label}",
    )


# ---- PDF --------------------------------------------------------------------------------------
def _new_pdf(spec: _Spec) -> FPDF:
    from fpdf import FPDF

    lay = spec.layout
    footer_text = nfc(spec.footer)

    class _FormPDF(FPDF):
        def footer(self) -> None:
            # Every sheet names its dossier (or register), so a loose page can be put back.
            self.set_y(-10)
            self.set_font(FONT_FAMILY, "", 6.5)
            self.set_text_color(90)
            half = (lay.width - 2 * lay.margin) / 2
            self.cell(half, 4, footer_text, align="L")
            self.cell(half, 4, f"Trang {self.page_no()}/{{nb}}", align="R")
            self.set_text_color(0)

    # Explicit size: the "A5" preset changed in fpdf2 2.8.5 and warns on every use.
    pdf = _FormPDF(orientation="P", unit="mm", format=(lay.width, lay.height))
    prepare(pdf, margin=lay.margin, top=10, bottom=13, title=f"{spec.title} {spec.code}".strip())
    return pdf


def _fit_size(pdf: FPDF, text: str, style: str, size: float, width: float) -> float:
    """Largest size <= `size` at which `text` fits one line of `width`: the motto must not wrap."""
    while size > 6:
        pdf.set_font(FONT_FAMILY, style, size)
        if pdf.get_string_width(text) <= width:
            break
        size -= 0.25
    return size


def _pdf_header(pdf: FPDF, spec: _Spec) -> None:
    lay = spec.layout
    content_w = lay.width - 2 * lay.margin
    pdf.set_font(FONT_FAMILY, "", 7)
    pdf.set_xy(lay.margin, 5)
    pdf.cell(content_w, 4, f"Mẫu số {spec.form_no}", align="R")

    top = 10.0
    right_x = lay.margin + lay.left_w
    right_w = content_w - lay.left_w
    pdf.set_y(top)
    if spec.authority:
        centered(pdf, lay.margin, lay.left_w, 4, spec.authority, "", 8)
    centered(pdf, lay.margin, lay.left_w, 4, spec.agency, "B", 8)
    rule_under(pdf, lay.margin, lay.left_w, 18)
    pdf.ln(1.6)
    if spec.number:
        centered(pdf, lay.margin, lay.left_w, 4, f"Số: {spec.number}", "", 8)
    left_bottom = pdf.get_y()

    pdf.set_y(top)
    centered(pdf, right_x, right_w, 4, _NATION, "B", _fit_size(pdf, _NATION, "B", 8, right_w))
    centered(pdf, right_x, right_w, 4, _MOTTO, "B", 8)
    pdf.set_font(FONT_FAMILY, "B", 8)
    rule_under(pdf, right_x, right_w, pdf.get_string_width(_MOTTO))
    pdf.ln(1.6)
    if spec.date_line:
        centered(pdf, right_x, right_w, 4, spec.date_line, "", 8)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 4)


def _pdf_title(pdf: FPDF, spec: _Spec) -> None:
    """The title, subtitles, then the dossier code on the left and the lookup QR on the right."""
    lay = spec.layout
    content_w = lay.width - 2 * lay.margin
    centered(pdf, lay.margin, content_w, 5.5, spec.title, "B", 11)
    for sub in spec.subtitles:
        centered(pdf, lay.margin, content_w, 4.5, sub, "", 9)
    pdf.ln(2)
    if not spec.code:
        return
    qr_mm, qr_col = 21.0, 32.0
    top = pdf.get_y()
    text_w = content_w - (qr_col + 2 if spec.lookup_url else 0)
    qr_bottom = top
    if spec.lookup_url:
        qr_x = lay.margin + content_w - qr_col + (qr_col - qr_mm) / 2
        png = qr_png(spec.lookup_url, box_size=10)
        pdf.image(io.BytesIO(png), x=qr_x, y=top, w=qr_mm, h=qr_mm)
        pdf.set_xy(lay.margin + content_w - qr_col, top + qr_mm)
        pdf.set_font(FONT_FAMILY, "", 6)
        pdf.multi_cell(
            qr_col, 3, "Tra cứu hồ sơ: quét mã QR", align="C", new_x="LEFT", new_y="NEXT"
        )
        qr_bottom = pdf.get_y()
    pdf.set_y(top + 5)
    for text, style, size, h in (("Mã hồ sơ:", "", 9, 4.5), (spec.code, "B", 14, 6.5)):
        pdf.set_font(FONT_FAMILY, style, size if len(text) < 30 else 9)
        pdf.set_x(lay.margin)
        pdf.multi_cell(text_w, h, nfc(text), align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(qr_bottom, pdf.get_y()) + 1)


def _pdf_field(pdf: FPDF, lay: _Layout, block: _Field) -> None:
    pdf.set_x(lay.margin)
    pdf.set_font(FONT_FAMILY, "", lay.body_pt)
    pdf.write(lay.line, nfc(block.label) + " ")
    pdf.set_font(FONT_FAMILY, "B" if block.bold else "", lay.body_pt)
    pdf.write(lay.line, nfc(block.value) if block.value else _BLANK)
    pdf.ln(lay.line)


def _pdf_para(pdf: FPDF, lay: _Layout, block: _Para) -> None:
    indent = 5.0 if block.indent else 0.0
    pdf.set_font(FONT_FAMILY, "B" if block.bold else "", lay.body_pt)
    pdf.set_x(lay.margin + indent)
    width = lay.width - 2 * lay.margin - indent
    pdf.multi_cell(width, lay.line, nfc(block.text), align="L", new_x="LMARGIN", new_y="NEXT")


def _pdf_table(pdf: FPDF, lay: _Layout, block: _Table) -> None:
    """fpdf2 moves a row that does not fit to the next page and repeats the heading there."""
    from fpdf.fonts import FontFace

    pdf.ln(1)
    pdf.set_font(FONT_FAMILY, "", block.font_pt)
    pdf.set_draw_color(0)
    pdf.set_line_width(0.2)
    with pdf.table(
        width=lay.width - 2 * lay.margin,
        col_widths=block.widths,
        text_align=block.align,
        line_height=block.font_pt * 0.5,
        padding=(0.8, 1.0),
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        v_align="MIDDLE",
    ) as table:
        heading = table.row()
        for text in block.headers:
            heading.cell(nfc(text), align="CENTER")
        if not block.rows:
            table.row().cell(nfc(block.empty), colspan=len(block.headers), align="CENTER")
        for values in block.rows:
            row = table.row()
            for value in values:
                row.cell(nfc(value))
    pdf.ln(1.5)


def _pdf_signers(pdf: FPDF, spec: _Spec) -> None:
    """Signature blocks, kept together on one page."""
    if spec.signers == (None, None):
        return
    lay = spec.layout
    sign_space = 15.0
    pdf.ln(2)
    if pdf.get_y() + 8 + sign_space + 4.5 > lay.height - 13:
        pdf.add_page()
    top = pdf.get_y()
    half = (lay.width - 2 * lay.margin) / 2
    for x, signer in zip((lay.margin, lay.margin + half), spec.signers, strict=True):
        if signer is None:
            continue
        pdf.set_y(top)
        centered(pdf, x, half, 4, signer.title, "B", 8.5)
        centered(pdf, x, half, 3.5, signer.hint, "", 7)
        if signer.name:
            pdf.set_y(top + 8 + sign_space)
            centered(pdf, x, half, 4, signer.name, "B", 8.5)


def _pdf(spec: _Spec) -> bytes:
    pdf = _new_pdf(spec)
    pdf.add_page()
    _pdf_header(pdf, spec)
    _pdf_title(pdf, spec)
    lay = spec.layout
    for block in spec.blocks:
        if isinstance(block, _Field):
            _pdf_field(pdf, lay, block)
        elif isinstance(block, _Para):
            _pdf_para(pdf, lay, block)
        else:
            _pdf_table(pdf, lay, block)
    _pdf_signers(pdf, spec)
    return bytes(pdf.output())


# ---- HTML -------------------------------------------------------------------------------------
_CSS = """
@page { size: %(size)s; margin: 10mm 12mm; }
* { box-sizing: border-box; }
body { font-family: "Times New Roman", "DejaVu Serif", serif; font-size: 11pt; color: #000;
  margin: 0; line-height: 1.35; }
main { max-width: %(width)smm; margin: 0 auto; padding: 4mm; }
.form-no { text-align: right; font-size: 9pt; }
.head { display: flex; justify-content: space-between; gap: 4mm; text-align: center; }
.head > div { flex: 1; }
.head .left { flex: 0 0 42%%; }
.b { font-weight: bold; }
.rule { width: 35%%; margin: 1mm auto 2mm; border-top: 1px solid #000; }
h1 { text-align: center; font-size: 13pt; margin: 5mm 0 1mm; }
.sub { text-align: center; margin: 0; }
.code { display: flex; justify-content: space-between; align-items: flex-start; margin: 3mm 0; }
.code .value { font-size: 15pt; font-weight: bold; }
.qr { text-align: center; font-size: 8pt; }
.qr svg { width: 24mm; height: 24mm; display: block; margin: 0 auto; }
p { margin: 1mm 0; white-space: pre-line; }
p.indent { padding-left: 6mm; }
table { width: 100%%; border-collapse: collapse; font-size: %(table_pt)spt; margin: 2mm 0; }
th, td { border: 1px solid #000; padding: 1mm; vertical-align: middle; white-space: pre-line; }
th { background: #ebebeb; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; break-inside: avoid; }
td.c { text-align: center; }
.signers { display: flex; margin-top: 4mm; text-align: center; break-inside: avoid; }
.signers > div { flex: 1; }
.signers .name { margin-top: 18mm; font-weight: bold; }
.hint { font-size: 9pt; }
@media print { main { max-width: none; padding: 0; } }
"""


def _e(text: str) -> str:
    return escape(nfc(text), quote=True)


def _html_block(block: _Block) -> str:
    if isinstance(block, _Field):
        value = _e(block.value) if block.value else _BLANK
        cls = ' class="b"' if block.bold else ""
        return f"<p>{_e(block.label)} <span{cls}>{value}</span></p>"
    if isinstance(block, _Para):
        classes = " ".join(
            c for c in ("indent" if block.indent else "", "b" if block.bold else "") if c
        )
        attr = f' class="{classes}"' if classes else ""
        return f"<p{attr}>{_e(block.text)}</p>"
    total = sum(block.widths)
    cols = "".join(f'<col style="width:{w / total * 100:.1f}%">' for w in block.widths)
    head = "".join(f"<th>{_e(h)}</th>" for h in block.headers)
    rows = []
    for values in block.rows:
        cells = "".join(
            (f'<td class="c">{_e(v)}</td>' if a == "CENTER" else f"<td>{_e(v)}</td>")
            for v, a in zip(values, block.align, strict=True)
        )
        rows.append(f"<tr>{cells}</tr>")
    if not block.rows:
        rows.append(f'<tr><td class="c" colspan="{len(block.headers)}">{_e(block.empty)}</td></tr>')
    return (
        f"<table><colgroup>{cols}</colgroup><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _html(spec: _Spec, table_pt: float = 9) -> str:
    lay = spec.layout
    css = _CSS % {"size": lay.css_size, "width": int(lay.width), "table_pt": table_pt}
    left = []
    if spec.authority:
        left.append(f"<div>{_e(spec.authority)}</div>")
    left.append(f'<div class="b">{_e(spec.agency)}</div><div class="rule"></div>')
    if spec.number:
        left.append(f"<div>Số: {_e(spec.number)}</div>")
    right = [f'<div class="b">{_e(_NATION)}</div><div class="b">{_e(_MOTTO)}</div>']
    right.append('<div class="rule"></div>')
    if spec.date_line:
        right.append(f"<div>{_e(spec.date_line)}</div>")
    parts = [
        f'<div class="form-no">Mẫu số {_e(spec.form_no)}</div>',
        f'<header class="head"><div class="left">{"".join(left)}</div>'
        f'<div class="right">{"".join(right)}</div></header>',
        f"<h1>{_e(spec.title)}</h1>",
        *(f'<p class="sub">{_e(s)}</p>' for s in spec.subtitles),
    ]
    if spec.code:
        qr = ""
        if spec.lookup_url:
            # Inline SVG: the page must print offline, with no external resource.
            svg = qr_svg(spec.lookup_url)
            qr = f'<div class="qr">{svg}<div>Tra cứu hồ sơ: quét mã QR</div></div>'
        parts.append(
            f'<section class="code"><div><div>Mã hồ sơ:</div>'
            f'<div class="value">{_e(spec.code)}</div></div>{qr}</section>'
        )
    parts += [_html_block(b) for b in spec.blocks]
    if spec.signers != (None, None):
        cells = []
        for signer in spec.signers:
            if signer is None:
                cells.append("<div></div>")
                continue
            cells.append(
                f'<div><div class="b">{_e(signer.title)}</div>'
                f'<div class="hint">{_e(signer.hint)}</div>'
                f'<div class="name">{_e(signer.name)}</div></div>'
            )
        parts.append(f'<section class="signers">{"".join(cells)}</section>')
    title = f"{spec.title} {spec.code}".strip() if spec.form_no != "07" else spec.title
    return (
        '<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(title)}</title>\n<style>{css}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(parts)
        + f'\n<footer class="hint">{_e(spec.footer)}</footer>\n</main>\n</body>\n</html>\n'
    )


# ---- public API -------------------------------------------------------------------------------
def render_pdf(form_no: str, ctx: FormContext) -> bytes:
    """Form `form_no` ("02".."06") as A5 PDF bytes; InvalidInput if the dossier lacks its data."""
    return _pdf(_build(form_no, ctx))


def render_html(form_no: str, ctx: FormContext) -> str:
    """The same form as one standalone, escaped HTML page that prints on A5."""
    return _html(_build(form_no, ctx))


def render_register_pdf(
    unit_name: str,
    unit_code: str,
    period_label: str,
    dossiers: Sequence[Dossier],
    procedures_by_code: Mapping[str, Procedure | str],
) -> bytes:
    """Form 07, the register of one unit for a period, as A4 landscape PDF (heading per page)."""
    spec = _register_spec(unit_name, unit_code, period_label, dossiers, procedures_by_code)
    return _pdf(spec)


def render_register_html(
    unit_name: str,
    unit_code: str,
    period_label: str,
    dossiers: Sequence[Dossier],
    procedures_by_code: Mapping[str, Procedure | str],
) -> str:
    """Form 07 as a standalone HTML page printing on A4 landscape (the heading repeats)."""
    spec = _register_spec(unit_name, unit_code, period_label, dossiers, procedures_by_code)
    return _html(spec, table_pt=8)
