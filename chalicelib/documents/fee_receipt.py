"""The fee receipt (biên lai thu phí, lệ phí), as an A5 PDF, naming exactly how the fee was paid:
online through VNPay (with the gateway's transaction) or cash / transfer at the one-stop desk.

Shares the font and layout helpers of the other forms (`pdf_common`); fpdf2 is imported only when
a receipt is rendered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel

from chalicelib.documents.pdf_common import FONT_FAMILY, centered, nfc, prepare, rule_under
from chalicelib.documents.vn_format import format_vn_datetime, format_vnd
from chalicelib.domain.dossier import fee_method_label

_MARGIN = 12.0


class FeeReceipt(BaseModel):
    receipt_no: str
    province: str
    dossier_code: str
    payer_name: str
    amount_vnd: int
    reason: str = ""
    paid_at: AwareDatetime
    method: Literal["cash", "transfer", "online"]
    transaction_no: str = ""
    bank_code: str = ""

    @property
    def online(self) -> bool:
        return self.method == "online"


_SUBTITLES = {
    "online": "(Thanh toán trực tuyến qua VNPay)",
    "cash": "(Nộp tiền mặt tại Bộ phận Một cửa)",
    "transfer": "(Chuyển khoản, ghi nhận tại Bộ phận Một cửa)",
}
_NOTES = {
    True: "Biên lai điện tử do hệ thống tạo khi cổng thanh toán xác nhận giao dịch; "
    "tra cứu hồ sơ bằng mã hồ sơ trên Cổng dịch vụ công của tỉnh.",
    False: "Biên lai do Bộ phận Một cửa lập khi ghi nhận khoản phí, lệ phí đã nộp tại quầy; "
    "tra cứu hồ sơ bằng mã hồ sơ trên Cổng dịch vụ công của tỉnh.",
}


def _row(pdf: object, label: str, value: str, bold: bool = False) -> None:
    from fpdf import FPDF

    assert isinstance(pdf, FPDF)
    pdf.set_x(_MARGIN)
    pdf.set_font(FONT_FAMILY, "", 9.5)
    pdf.cell(48, 6, nfc(label))
    pdf.set_font(FONT_FAMILY, "B" if bold else "", 9.5)
    pdf.multi_cell(0, 6, nfc(value or "—"), new_x="LMARGIN", new_y="NEXT")


def render_fee_receipt(data: FeeReceipt, printed_at: datetime | None = None) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A5")
    prepare(pdf, margin=_MARGIN, top=12, bottom=12, title=f"Biên lai {data.receipt_no}")
    pdf.add_page()
    width = pdf.w - 2 * _MARGIN
    centered(pdf, _MARGIN, width, 5, f"ỦY BAN NHÂN DÂN TỈNH {data.province.upper()}", "B", 9)
    centered(pdf, _MARGIN, width, 5, "CỔNG DỊCH VỤ CÔNG", "", 9)
    rule_under(pdf, _MARGIN, width, 30)
    pdf.ln(6)
    centered(pdf, _MARGIN, width, 7, "BIÊN LAI THU PHÍ, LỆ PHÍ", "B", 13)
    centered(pdf, _MARGIN, width, 5, _SUBTITLES[data.method], "", 9)
    centered(pdf, _MARGIN, width, 5, f"Số: {data.receipt_no}", "", 9)
    pdf.ln(4)
    _row(pdf, "Người nộp:", data.payer_name, bold=True)
    _row(pdf, "Mã hồ sơ:", data.dossier_code, bold=True)
    _row(pdf, "Nội dung thu:", data.reason or "Phí, lệ phí giải quyết thủ tục hành chính")
    _row(pdf, "Số tiền:", format_vnd(data.amount_vnd), bold=True)
    _row(pdf, "Hình thức:", fee_method_label(data.method))
    if data.online:
        _row(pdf, "Mã giao dịch:", data.transaction_no)
        if data.bank_code:
            _row(pdf, "Ngân hàng:", data.bank_code)
    _row(pdf, "Thời gian nộp:", format_vn_datetime(data.paid_at))
    if printed_at is not None:
        _row(pdf, "In lúc:", format_vn_datetime(printed_at))
    pdf.ln(6)
    pdf.set_font(FONT_FAMILY, "", 8)
    pdf.set_x(_MARGIN)
    pdf.multi_cell(
        width,
        4,
        nfc(_NOTES[data.online]),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return bytes(pdf.output())
