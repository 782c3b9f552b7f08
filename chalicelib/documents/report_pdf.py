"""The semiannual report (Đ17) as a PDF in the style of a Vietnamese administrative report.

Header (UBND TỈNH ... / CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM, Số: .../BC-..., place and date), the
title, the two tables (part 1: operation, part 2: online services) and one bar chart drawn with
fpdf2's vector primitives (no image library needed). A4 landscape so the thirteen columns of
part 1 fit. fpdf2 is imported only when a report is rendered.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.documents.pdf_common import FONT_FAMILY, centered, nfc, prepare, rule_under
from chalicelib.documents.report_common import period_label
from chalicelib.documents.vn_format import (
    format_vn_long_date,
    format_vn_month_range,
    format_vn_number,
    format_vn_percent,
)
from chalicelib.domain.report import (
    ONLINE_HEADERS,
    OPERATION_HEADERS,
    PERCENT_COLUMNS,
    Report,
    online_values,
    operation_values,
)

if TYPE_CHECKING:
    from fpdf import FPDF

_PAGE_W = 297.0
_PAGE_H = 210.0
_MARGIN = 15.0
_CONTENT_W = _PAGE_W - 2 * _MARGIN
_NAME_W = 62.0
_STT_W = 9.0


def _cell_text(value: int | float | str | None, percent: bool = False) -> str:
    if percent:
        return format_vn_percent(None if value is None else float(value))  # "94,0 %", or "-"
    if value is None:
        return "-"
    if isinstance(value, float):
        return format_vn_number(value, 1)  # Vietnamese decimal comma
    return nfc(str(value))


def _new_pdf(title: str) -> FPDF:
    from fpdf import FPDF

    class _ReportPDF(FPDF):
        def footer(self) -> None:
            self.set_y(-10)
            self.set_font(FONT_FAMILY, "", 7)
            self.set_text_color(90)
            self.cell(0, 4, f"Trang {self.page_no()}/{{nb}}", align="C")
            self.set_text_color(0)

    pdf = _ReportPDF(orientation="P", unit="mm", format=(_PAGE_W, _PAGE_H))
    prepare(pdf, margin=_MARGIN, top=12, bottom=14, title=title)
    return pdf


def _header(pdf: FPDF, report: Report) -> None:
    """The two-column administrative header: issuing body and số/ký hiệu; motto and date."""
    left_w, right_w = 100.0, 120.0
    right_x = _MARGIN + _CONTENT_W - right_w
    top = pdf.get_y()
    centered(pdf, _MARGIN, left_w, 5, f"UBND TỈNH {report.province_name.upper()}", "B", 10)
    rule_under(pdf, _MARGIN, left_w, 25)
    pdf.ln(2)
    centered(pdf, _MARGIN, left_w, 5, f"Số: {report.number}", "", 10)
    left_bottom = pdf.get_y()

    pdf.set_y(top)
    motto = "Độc lập - Tự do - Hạnh phúc"
    centered(pdf, right_x, right_w, 5, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "B", 10)
    centered(pdf, right_x, right_w, 5, motto, "B", 10)
    pdf.set_font(FONT_FAMILY, "B", 10)
    rule_under(pdf, right_x, right_w, pdf.get_string_width(nfc(motto)))
    pdf.ln(2)
    date_line = f"{report.province_name}, {format_vn_long_date(report.issued_on)}"
    centered(pdf, right_x, right_w, 5, date_line, "", 10)
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)


def _section(pdf: FPDF, text: str) -> None:
    pdf.ln(2)
    pdf.set_font(FONT_FAMILY, "B", 10)
    pdf.multi_cell(_CONTENT_W, 5, nfc(text), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


def _table(
    pdf: FPDF,
    headers: list[str],
    rows: list[tuple[str, list[int | float | None]]],
    total: list[int | float | None],
) -> None:
    """Headers, one line per agency, then the province total in bold."""
    n_values = len(headers) - 2
    value_w = (_CONTENT_W - _STT_W - _NAME_W) / n_values
    widths = (_STT_W, _NAME_W, *([value_w] * n_values))
    pdf.set_font(FONT_FAMILY, "", 7.5)
    with pdf.table(
        col_widths=widths,
        width=_CONTENT_W,
        text_align=("CENTER", "LEFT", *(["RIGHT"] * n_values)),
        line_height=4.2,
        first_row_as_headings=True,
    ) as table:
        head = table.row()
        for text in headers:
            head.cell(nfc(text), align="C")
        percent = [h in PERCENT_COLUMNS for h in headers[2:]]
        for i, (name, values) in enumerate(rows, start=1):
            row = table.row()
            row.cell(str(i))
            row.cell(nfc(name))
            for v, pc in zip(values, percent, strict=True):
                row.cell(_cell_text(v, pc))
        from fpdf.fonts import FontFace

        bold = FontFace(emphasis="BOLD")
        last = table.row(style=bold)
        last.cell("")
        last.cell("Tổng cộng")
        for v, pc in zip(total, percent, strict=True):
            last.cell(_cell_text(v, pc))


def _bar_chart(pdf: FPDF, report: Report) -> None:
    """Per agency: received, processed on time and late, as grouped vertical bars."""
    series = [
        ("Tổng tiếp nhận", (41, 98, 255), [r.received for r in report.operation]),
        ("Giải quyết đúng hạn", (46, 160, 67), [r.on_time for r in report.operation]),
        ("Giải quyết quá hạn", (214, 69, 65), [r.late for r in report.operation]),
    ]
    labels = [r.agency for r in report.operation]
    height, label_h, legend_h = 55.0, 5.0, 6.0
    if pdf.get_y() + height + label_h + legend_h + 12 > _PAGE_H - 14:
        pdf.add_page()
    _section(pdf, "Biểu đồ: tình hình tiếp nhận và giải quyết theo cơ quan")
    top = pdf.get_y()
    peak = max([1, *(v for _, _, vals in series for v in vals)])
    axis_x = _MARGIN + 10
    plot_w = _CONTENT_W - 12
    base_y = top + height
    pdf.set_line_width(0.2)
    pdf.set_draw_color(120)
    pdf.line(axis_x, top, axis_x, base_y)
    pdf.line(axis_x, base_y, axis_x + plot_w, base_y)
    pdf.set_font(FONT_FAMILY, "", 6.5)
    pdf.set_xy(_MARGIN, top - 1.5)
    pdf.cell(9, 3, str(peak), align="R")
    pdf.set_xy(_MARGIN, base_y - 1.5)
    pdf.cell(9, 3, "0", align="R")
    group_w = plot_w / max(1, len(labels))
    bar_w = min(6.0, group_w * 0.8 / len(series))
    for i, label in enumerate(labels):
        x0 = axis_x + i * group_w + (group_w - bar_w * len(series)) / 2
        for j, (_, color, values) in enumerate(series):
            h = height * values[i] / peak
            if h > 0:
                pdf.set_fill_color(*color)
                pdf.rect(x0 + j * bar_w, base_y - h, bar_w, h, style="F")
        pdf.set_xy(axis_x + i * group_w, base_y + 0.5)
        pdf.cell(group_w, label_h - 1, nfc(label), align="C")
    pdf.set_y(base_y + label_h + 1)
    x = axis_x
    for name, color, _ in series:
        pdf.set_fill_color(*color)
        pdf.rect(x, pdf.get_y() + 0.8, 3, 3, style="F")
        pdf.set_xy(x + 4, pdf.get_y())
        pdf.cell(45, 4.5, nfc(name))
        x += 50
    pdf.set_fill_color(255)
    pdf.set_draw_color(0)
    pdf.ln(6)


def render_pdf(report: Report) -> bytes:
    """The report's PDF bytes."""
    label = period_label(report)
    title = f"Báo cáo tình hình giải quyết thủ tục hành chính {label}"
    pdf = _new_pdf(title)
    pdf.add_page()
    _header(pdf, report)
    centered(pdf, _MARGIN, _CONTENT_W, 6, "BÁO CÁO", "B", 13)
    centered(
        pdf,
        _MARGIN,
        _CONTENT_W,
        5.5,
        f"Tình hình tiếp nhận, giải quyết thủ tục hành chính và cung cấp dịch vụ công trực "
        f"tuyến {label}",
        "B",
        10.5,
    )
    centered(
        pdf,
        _MARGIN,
        _CONTENT_W,
        5,
        f"(Kỳ báo cáo: {format_vn_month_range(report.months)})",
        "",
        9,
    )
    _section(pdf, "1. Tình hình vận hành, khai thác hệ thống")
    _table(
        pdf,
        OPERATION_HEADERS,
        [(r.name, operation_values(r)) for r in report.operation],
        operation_values(report.operation_total),
    )
    _section(pdf, "2. Cung cấp và sử dụng dịch vụ công trực tuyến")
    _table(
        pdf,
        ONLINE_HEADERS,
        [(r.name, online_values(r)) for r in report.online],
        online_values(report.online_total),
    )
    _bar_chart(pdf, report)
    return bytes(pdf.output())
