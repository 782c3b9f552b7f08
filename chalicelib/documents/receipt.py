"""Form 01 (TT 03/2025/TT-VPCP): "Giấy tiếp nhận hồ sơ và hẹn trả kết quả", as an A5 PDF.

A dossier may not be received without this slip (regulation, lifecycle rules), so it must render
for any input: long names and long document lists wrap and flow onto further pages instead of
overflowing. Lambda has no system fonts, so DejaVu Sans is shipped in `fonts/`; it covers every
Vietnamese letter. fpdf2 is imported only when a receipt is rendered, to keep other Lambdas'
cold start light.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.documents.pdf_common import (
    FONT_FAMILY,
    centered,
    nfc,
    prepare,
    rule_under,
)
from chalicelib.documents.qr import qr_png
from chalicelib.documents.vn_format import format_vn_datetime, format_vn_long_date, format_vnd

if TYPE_CHECKING:
    from fpdf import FPDF


DocumentForm = Literal["original", "copy", "certified_copy", "electronic"]
"""Same codes as `DocumentRequirement.form`, so a procedure's list maps over unchanged."""

FORM_LABELS: dict[str, str] = {
    "original": "Bản chính",
    "copy": "Bản sao",
    "certified_copy": "Bản sao chứng thực",
    "electronic": "Bản điện tử",
}

# A5 portrait, millimetres.
_PAGE_W = 148.0
_MARGIN = 12.0
_CONTENT_W = _PAGE_W - 2 * _MARGIN
_PAGE_H = 210.0
_BOTTOM = 13.0  # room for the footer line
_LINE = 4.2  # body line height at 8.5 pt
_BODY_PT = 8.5
_QR_MM = 21.0
_QR_COL = 32.0  # QR column width; its caption needs a little more than the code itself
_SIGN_SPACE = 15.0  # room to sign between the title and the printed name
_SIGNATURE_BLOCK = 8.0 + _SIGN_SPACE + 4.5  # titles + room to sign + printed name


class ReceiptDocument(BaseModel):
    """One line of the document table: which paper, in what form, how many."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    form: DocumentForm = "copy"
    count: int = Field(default=1, ge=1)

    @property
    def form_label(self) -> str:
        """The form in Vietnamese, as printed on the slip."""
        return FORM_LABELS[self.form]


class ReceiptData(BaseModel):
    """Everything form 01 prints; the service fills it from the dossier, procedure and unit."""

    model_config = ConfigDict(frozen=True)

    authority_name: str = Field(min_length=1)  # governing body, e.g. "UBND TỈNH HẬU GIANG"
    agency_name: str = Field(min_length=1)  # the receiving desk, e.g. "TRUNG TÂM PHỤC VỤ ..."
    place_name: str = Field(min_length=1)  # place on the date line, e.g. "Hậu Giang"
    number: str = Field(min_length=1)  # "Số" of the slip, e.g. "125/TNHS"
    dossier_code: str = Field(min_length=1)
    applicant_name: str = Field(min_length=1)
    applicant_address: str = ""
    applicant_phone: str = ""
    applicant_email: str = ""
    # Filed for another (domain.mandates): the representative's name, as what, and the basis.
    representative_name: str = ""
    representation_basis: str = ""
    procedure_name: str = Field(min_length=1)  # the request (nội dung yêu cầu giải quyết)
    documents: tuple[ReceiptDocument, ...] = ()
    sets: int = Field(default=1, ge=1)  # số lượng hồ sơ (bộ)
    processing_time: str = Field(min_length=1)  # legal time as text, e.g. "15 ngày làm việc"
    received_at: AwareDatetime
    appointment_at: AwareDatetime
    result_place: str = Field(min_length=1)  # where the result is collected
    register_book: str = Field(min_length=1)  # sổ theo dõi hồ sơ, quyển số
    register_line: int = Field(ge=1)  # số thứ tự in that book
    officer_name: str = Field(min_length=1)  # receiving officer
    fee_total_vnd: int = Field(default=0, ge=0)
    lookup_url: str = Field(min_length=1)  # encoded in the QR


def _new_pdf(data: ReceiptData) -> FPDF:
    """An A5 document with the vendored fonts and a footer naming the dossier on every page."""
    from fpdf import FPDF

    code = nfc(data.dossier_code)

    class _ReceiptPDF(FPDF):
        def footer(self) -> None:
            # A slip that runs over is only useful if every sheet says whose it is.
            self.set_y(-10)
            self.set_font(FONT_FAMILY, "", 6.5)
            self.set_text_color(90)
            self.cell(_CONTENT_W / 2, 4, f"Mã hồ sơ: {code}", align="L")
            self.cell(_CONTENT_W / 2, 4, f"Trang {self.page_no()}/{{nb}}", align="R")
            self.set_text_color(0)

    # Explicit size: the "A5" preset changed in fpdf2 2.8.5 and warns on every use.
    pdf = _ReceiptPDF(orientation="P", unit="mm", format=(_PAGE_W, _PAGE_H))
    prepare(
        pdf,
        margin=_MARGIN,
        top=10,
        bottom=_BOTTOM,
        title=f"Giấy tiếp nhận hồ sơ và hẹn trả kết quả {code}",
        created_at=data.received_at,
    )
    return pdf


def _fit_size(pdf: FPDF, text: str, style: str, size: float, width: float) -> float:
    """Largest size <= `size` at which `text` fits one line of `width`: the motto must not wrap."""
    while size > 6:
        pdf.set_font(FONT_FAMILY, style, size)
        if pdf.get_string_width(text) <= width:
            break
        size -= 0.25
    return size


def _header(pdf: FPDF, data: ReceiptData) -> None:
    """Form number, the two-column header and the place/date line."""
    pdf.set_font(FONT_FAMILY, "", 7)
    pdf.set_xy(_MARGIN, 5)
    pdf.cell(_CONTENT_W, 4, "Mẫu số 01", align="R")

    top = 10.0
    left_w = 52.0
    right_x = _MARGIN + left_w
    right_w = _CONTENT_W - left_w

    pdf.set_y(top)
    centered(pdf, _MARGIN, left_w, 4, data.authority_name, "", 8)
    centered(pdf, _MARGIN, left_w, 4, data.agency_name, "B", 8)
    rule_under(pdf, _MARGIN, left_w, 18)
    pdf.ln(1.6)
    centered(pdf, _MARGIN, left_w, 4, f"Số: {data.number}", "", 8)
    left_bottom = pdf.get_y()

    nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    motto = "Độc lập - Tự do - Hạnh phúc"
    pdf.set_y(top)
    centered(pdf, right_x, right_w, 4, nation, "B", _fit_size(pdf, nation, "B", 8, right_w))
    centered(pdf, right_x, right_w, 4, motto, "B", 8)
    pdf.set_font(FONT_FAMILY, "B", 8)
    rule_under(pdf, right_x, right_w, pdf.get_string_width(motto))
    pdf.ln(1.6)
    date_line = f"{data.place_name}, {format_vn_long_date(data.received_at)}"
    centered(pdf, right_x, right_w, 4, date_line, "", 8)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 4)


def _title_and_code(pdf: FPDF, data: ReceiptData) -> None:
    """The title, then the dossier code on the left and the lookup QR on the right."""
    centered(pdf, _MARGIN, _CONTENT_W, 5.5, "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "B", 11)
    pdf.ln(2)

    top = pdf.get_y()
    text_w = _CONTENT_W - _QR_COL - 2
    qr_x = _MARGIN + _CONTENT_W - _QR_COL + (_QR_COL - _QR_MM) / 2
    # box_size 10: enough pixels per module to stay sharp when printed this small.
    pdf.image(io.BytesIO(qr_png(data.lookup_url, box_size=10)), x=qr_x, y=top, w=_QR_MM, h=_QR_MM)
    pdf.set_xy(_MARGIN + _CONTENT_W - _QR_COL, top + _QR_MM)
    pdf.set_font(FONT_FAMILY, "", 6)
    pdf.multi_cell(_QR_COL, 3, "Tra cứu hồ sơ: quét mã QR", align="C", new_x="LEFT", new_y="NEXT")
    qr_bottom = pdf.get_y()

    pdf.set_y(top + 5)
    _left(pdf, text_w, 4.5, "Mã hồ sơ:", "", 9)
    _left(pdf, text_w, 6.5, data.dossier_code, "B", 14)
    pdf.set_y(max(qr_bottom, pdf.get_y()) + 1)


def _left(pdf: FPDF, w: float, h: float, text: str, style: str, size: float) -> None:
    """A left-aligned, wrapping block from the margin."""
    pdf.set_font(FONT_FAMILY, style, size)
    pdf.set_x(_MARGIN)
    pdf.multi_cell(w, h, nfc(text), align="L", new_x="LMARGIN", new_y="NEXT")


def _field(pdf: FPDF, label: str, value: str, *, bold: bool = False) -> None:
    """`label value` as flowing text: long values wrap to the margin and break pages themselves."""
    pdf.set_x(_MARGIN)
    pdf.set_font(FONT_FAMILY, "", _BODY_PT)
    pdf.write(_LINE, nfc(label) + " ")
    pdf.set_font(FONT_FAMILY, "B" if bold else "", _BODY_PT)
    pdf.write(_LINE, nfc(value) if value else "....................")
    pdf.ln(_LINE)


def _line(pdf: FPDF, text: str) -> None:
    """A body line without a value, e.g. the heading of the document table."""
    pdf.set_x(_MARGIN)
    pdf.set_font(FONT_FAMILY, "", _BODY_PT)
    pdf.write(_LINE, nfc(text))
    pdf.ln(_LINE)


def _documents_table(pdf: FPDF, documents: tuple[ReceiptDocument, ...]) -> None:
    """The document list; fpdf2 moves a row that does not fit to the next page and repeats the
    heading there."""
    from fpdf.fonts import FontFace

    if not documents:
        _line(pdf, "(Không có giấy tờ kèm theo)")
        return
    pdf.set_font(FONT_FAMILY, "", 8)
    pdf.set_draw_color(0)
    pdf.set_line_width(0.2)
    with pdf.table(
        width=_CONTENT_W,
        col_widths=(9, 70, 27, 18),
        text_align=("CENTER", "LEFT", "CENTER", "CENTER"),
        line_height=3.8,
        padding=(0.8, 1.2),
        headings_style=FontFace(emphasis="BOLD", fill_color=(235, 235, 235)),
        v_align="MIDDLE",
    ) as table:
        heading = table.row()
        for text in ("STT", "Tên giấy tờ", "Hình thức", "Số lượng"):
            heading.cell(text)
        for index, doc in enumerate(documents, start=1):
            row = table.row()
            row.cell(str(index))
            row.cell(nfc(doc.name))
            row.cell(doc.form_label)
            row.cell(f"{doc.count:02d}")
    pdf.ln(1.5)


def _signatures(pdf: FPDF, data: ReceiptData) -> None:
    """The two signature blocks, kept together on one page."""
    pdf.ln(2)
    if pdf.get_y() + _SIGNATURE_BLOCK > pdf.h - _BOTTOM:
        pdf.add_page()
    top = pdf.get_y()
    half = _CONTENT_W / 2
    for x, title in ((_MARGIN, "NGƯỜI NỘP HỒ SƠ"), (_MARGIN + half, "NGƯỜI TIẾP NHẬN HỒ SƠ")):
        pdf.set_y(top)
        centered(pdf, x, half, 4, title, "B", 8.5)
        centered(pdf, x, half, 3.5, "(Ký và ghi rõ họ tên)", "", 7)
    pdf.set_y(top + 8 + _SIGN_SPACE)
    centered(pdf, _MARGIN + half, half, 4, data.officer_name, "B", 8.5)


def render_receipt(data: ReceiptData) -> bytes:
    """Form 01 as PDF bytes (A5 portrait), ready to print or to store next to the dossier."""
    pdf = _new_pdf(data)
    pdf.add_page()
    _header(pdf, data)
    _title_and_code(pdf, data)

    _field(pdf, "Tiếp nhận hồ sơ của:", data.applicant_name, bold=True)
    _field(pdf, "Địa chỉ:", data.applicant_address)
    contact = data.applicant_phone or "...................."
    if data.applicant_email:
        contact += f"      Email: {data.applicant_email}"
    _field(pdf, "Số điện thoại:", contact)
    if data.representative_name:
        _field(pdf, "Người nộp thay (đại diện):", data.representative_name, bold=True)
        _field(pdf, "Căn cứ đại diện:", data.representation_basis)
    _field(pdf, "Nội dung yêu cầu giải quyết:", data.procedure_name, bold=True)
    pdf.ln(0.8)
    _line(pdf, "1. Thành phần hồ sơ nộp gồm:")
    _documents_table(pdf, data.documents)
    _field(pdf, "2. Số lượng hồ sơ:", f"{data.sets:02d} bộ")
    _field(pdf, "3. Thời gian giải quyết hồ sơ theo quy định:", data.processing_time)
    _field(pdf, "4. Thời gian nhận hồ sơ:", format_vn_datetime(data.received_at))
    _field(
        pdf,
        "5. Thời gian trả kết quả giải quyết hồ sơ:",
        format_vn_datetime(data.appointment_at),
        bold=True,
    )
    fee = format_vnd(data.fee_total_vnd) if data.fee_total_vnd else "Không thu"
    _field(pdf, "6. Phí, lệ phí:", fee)
    _field(pdf, "7. Đăng ký nhận kết quả tại:", data.result_place)
    _field(
        pdf,
        "Vào Sổ theo dõi hồ sơ,",
        f"Quyển số: {data.register_book}, Số thứ tự: {data.register_line}",
    )
    _signatures(pdf, data)
    return bytes(pdf.output())
