"""The electronic result made from a template, when the agency did not upload its own document.

An A4 page titled "THÔNG BÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", saying under the title that
it is the system's notice and does not replace the licence or certificate: issuing agency, number,
procedure,
applicant (ID number masked: the paper may be shown to others), dossier code, date, the line saying
it is digitally signed, and a QR of the public verification page. The bottom strip above the
footer is left free for the two visible PAdES stamps (official, then agency) that
`chalicelib.documents.pades` adds; any PDF reader validates them, and anyone can also check the
result at `{PUBLIC_BASE_URL}/verify.html?id=<result id>`.

fpdf2 is imported only when a result is rendered.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING
from urllib.parse import quote

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.documents.pades import STAMP_ZONE_MM
from chalicelib.documents.pdf_common import FONT_FAMILY, centered, nfc, prepare, rule_under
from chalicelib.documents.qr import qr_png
from chalicelib.documents.vn_format import format_vn_datetime, format_vn_long_date
from chalicelib.domain.masking import mask_id_number

if TYPE_CHECKING:
    from fpdf import FPDF

TITLE = "THÔNG BÁO KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH"
# What the notice is not (issue 25): the agency's own document, once attached, is the result.
NOT_THE_DOCUMENT = (
    "Thông báo này do hệ thống tạo theo mẫu vì cơ quan giải quyết chưa đính kèm văn bản kết quả; "
    "không thay thế giấy phép, giấy chứng nhận hay văn bản do cơ quan có thẩm quyền cấp."
)
SIGNED_LINE = "Đã được ký số"

# A4 portrait, millimetres.
_PAGE_W = 210.0
_PAGE_H = 297.0
_MARGIN = 20.0
_CONTENT_W = _PAGE_W - 2 * _MARGIN
_BOTTOM = 18.0
_BODY_BOTTOM = _BOTTOM + STAMP_ZONE_MM  # the text stops above the signature stamps
_BODY_PT = 11.0
_LINE = 6.0
_QR_MM = 32.0


def verify_url(public_base_url: str, result_id: str) -> str:
    """The public verification page of a result (what the QR encodes)."""
    return f"{public_base_url.rstrip('/')}/verify.html?id={quote(result_id, safe='')}"


class ResultData(BaseModel):
    """Everything the template prints; the service fills it from the dossier and procedure."""

    model_config = ConfigDict(frozen=True)

    result_id: str = Field(min_length=1)
    authority_name: str = Field(min_length=1)  # e.g. "UBND TỈNH HẬU GIANG"
    agency_name: str = Field(min_length=1)  # the issuing (lead) agency
    place_name: str = Field(min_length=1)  # place on the date line, e.g. "Hậu Giang"
    number: str = Field(min_length=1)  # "Số" of the result
    procedure_name: str = Field(min_length=1)
    applicant_name: str = Field(min_length=1)
    applicant_id_number: str = ""  # printed masked
    dossier_code: str = Field(min_length=1)
    issued_at: AwareDatetime
    verify_url: str = Field(min_length=1)  # encoded in the QR


def _new_pdf(data: ResultData) -> FPDF:
    from fpdf import FPDF

    code = nfc(data.dossier_code)

    class _ResultPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font(FONT_FAMILY, "", 8)
            self.set_text_color(90)
            self.cell(_CONTENT_W / 2, 4, f"Mã hồ sơ: {code}", align="L")
            self.cell(_CONTENT_W / 2, 4, f"Trang {self.page_no()}/{{nb}}", align="R")
            self.set_text_color(0)

    pdf = _ResultPDF(orientation="P", unit="mm", format=(_PAGE_W, _PAGE_H))
    prepare(
        pdf,
        margin=_MARGIN,
        top=15,
        bottom=_BODY_BOTTOM,
        title=f"{TITLE} {code}",
        created_at=data.issued_at,
    )
    return pdf


def _header(pdf: FPDF, data: ResultData) -> None:
    """The two-column national header, as on official documents (NĐ 30/2020)."""
    top = 15.0
    left_w = 72.0
    right_x = _MARGIN + left_w
    right_w = _CONTENT_W - left_w

    pdf.set_y(top)
    centered(pdf, _MARGIN, left_w, 5, data.authority_name.upper(), "", 10)
    centered(pdf, _MARGIN, left_w, 5, data.agency_name.upper(), "B", 10)
    rule_under(pdf, _MARGIN, left_w, 24)
    pdf.ln(2)
    centered(pdf, _MARGIN, left_w, 5, f"Số: {data.number}", "", 10)
    left_bottom = pdf.get_y()

    nation = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    motto = "Độc lập - Tự do - Hạnh phúc"
    pdf.set_y(top)
    centered(pdf, right_x, right_w, 5, nation, "B", 10)
    centered(pdf, right_x, right_w, 5, motto, "B", 10.5)
    pdf.set_font(FONT_FAMILY, "B", 10.5)
    rule_under(pdf, right_x, right_w, pdf.get_string_width(motto))
    pdf.ln(2)
    centered(
        pdf,
        right_x,
        right_w,
        5,
        f"{data.place_name}, {format_vn_long_date(data.issued_at)}",
        "",
        10,
    )
    pdf.set_y(max(left_bottom, pdf.get_y()) + 10)


def _field(pdf: FPDF, label: str, value: str, *, bold: bool = False) -> None:
    pdf.set_x(_MARGIN)
    pdf.set_font(FONT_FAMILY, "", _BODY_PT)
    pdf.write(_LINE, nfc(label) + " ")
    pdf.set_font(FONT_FAMILY, "B" if bold else "", _BODY_PT)
    pdf.write(_LINE, nfc(value) if value else "....................")
    pdf.ln(_LINE + 1)


def _signature_block(pdf: FPDF, data: ResultData) -> None:
    """Signed line on the right, QR of the verification page on the left, kept on one page."""
    block = _QR_MM + 14
    pdf.ln(6)
    if pdf.get_y() + block > pdf.h - _BODY_BOTTOM:
        pdf.add_page()
    top = pdf.get_y()
    pdf.image(
        io.BytesIO(qr_png(data.verify_url, box_size=10)), x=_MARGIN, y=top, w=_QR_MM, h=_QR_MM
    )
    pdf.set_xy(_MARGIN, top + _QR_MM)
    pdf.set_font(FONT_FAMILY, "", 8)
    pdf.multi_cell(
        _QR_MM + 20, 4, "Quét mã QR để kiểm tra kết quả", align="L", new_x="LEFT", new_y="NEXT"
    )

    right_x = _MARGIN + _CONTENT_W / 2
    right_w = _CONTENT_W / 2
    pdf.set_y(top)
    centered(pdf, right_x, right_w, 6, data.agency_name.upper(), "B", 11)
    pdf.ln(2)
    centered(pdf, right_x, right_w, 6, SIGNED_LINE, "B", 11)
    centered(pdf, right_x, right_w, 5, f"Thời điểm ký: {format_vn_datetime(data.issued_at)}", "", 9)
    centered(pdf, right_x, right_w, 5, f"Mã kết quả: {data.result_id}", "", 9)
    pdf.set_y(top + block)


def render_result_pdf(data: ResultData) -> bytes:
    """The template result as PDF bytes (A4 portrait)."""
    pdf = _new_pdf(data)
    pdf.add_page()
    _header(pdf, data)
    centered(pdf, _MARGIN, _CONTENT_W, 8, TITLE, "B", 14)
    pdf.set_x(_MARGIN)
    pdf.set_font(FONT_FAMILY, "", 9.5)
    pdf.multi_cell(_CONTENT_W, 5, nfc(NOT_THE_DOCUMENT), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _field(pdf, "Mã hồ sơ:", data.dossier_code, bold=True)
    _field(pdf, "Thủ tục hành chính:", data.procedure_name, bold=True)
    _field(pdf, "Tổ chức, cá nhân yêu cầu:", data.applicant_name, bold=True)
    if data.applicant_id_number:
        _field(pdf, "Số giấy tờ tùy thân:", mask_id_number(data.applicant_id_number))
    _field(pdf, "Cơ quan giải quyết:", data.agency_name)
    _field(pdf, "Ngày ban hành:", format_vn_long_date(data.issued_at))
    pdf.ln(2)
    pdf.set_x(_MARGIN)
    pdf.set_font(FONT_FAMILY, "", _BODY_PT)
    pdf.multi_cell(
        _CONTENT_W,
        _LINE,
        nfc(
            f"{data.agency_name} thông báo: hồ sơ nêu trên đã được giải quyết xong. Thông báo "
            "này đã được ký số; có thể kiểm tra tính toàn vẹn và chữ ký tại địa chỉ "
            f"{data.verify_url} hoặc bằng mã QR bên dưới."
        ),
        align="J",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    _signature_block(pdf, data)
    return bytes(pdf.output())
