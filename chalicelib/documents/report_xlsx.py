"""The semiannual report (Đ17) as an XLSX workbook: one sheet per part, each with an agency
table (Vietnamese headers, a province totals row) and a native Excel bar chart.

openpyxl is imported only when a workbook is rendered, to keep other Lambdas' cold start light.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from chalicelib.documents.report_common import period_label
from chalicelib.documents.vn_format import XLSX_PERCENT_FORMAT, format_vn_month_range
from chalicelib.domain.report import (
    ONLINE_HEADERS,
    OPERATION_HEADERS,
    PERCENT_COLUMNS,
    Report,
    online_values,
    operation_values,
)

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

OPERATION_SHEET = "1. Tình hình vận hành"
ONLINE_SHEET = "2. Dịch vụ trực tuyến"
HEADER_ROW = 3  # row 1: title, row 2: period, row 3: headers, agencies from row 4
TOTAL_LABEL = "Tổng cộng"


def _table(
    ws: Worksheet,
    title: str,
    subtitle: str,
    headers: list[str],
    rows: list[tuple[str, list[int | float | None]]],
    total: list[int | float | None],
) -> int:
    """Write the title, headers, one row per agency and the totals row; returns the last row."""
    from openpyxl.styles import Alignment, Font

    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=13)
    ws.cell(row=2, column=1, value=subtitle).font = Font(italic=True)
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=col, value=text)
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    percent = {col for col, text in enumerate(headers, start=1) if text in PERCENT_COLUMNS}
    r = HEADER_ROW
    for i, (name, values) in enumerate(rows, start=1):
        r += 1
        ws.cell(row=r, column=1, value=i)
        ws.cell(row=r, column=2, value=name)
        for col, v in enumerate(values, start=3):
            ws.cell(row=r, column=col, value=v)
    r += 1
    ws.cell(row=r, column=2, value=TOTAL_LABEL).font = Font(bold=True)
    for col, v in enumerate(total, start=3):
        ws.cell(row=r, column=col, value=v).font = Font(bold=True)
    for col in percent:  # 94.0 stays a number and reads "94,0 %"
        for row in range(HEADER_ROW + 1, r + 1):
            ws.cell(row=row, column=col).number_format = XLSX_PERCENT_FORMAT
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 42
    for col in range(3, len(headers) + 1):
        ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width = 14
    ws.row_dimensions[HEADER_ROW].height = 45
    ws.freeze_panes = ws.cell(row=HEADER_ROW + 1, column=3)
    return r


def _chart(
    ws: Worksheet, title: str, first_col: int, last_col: int, last_agency_row: int, anchor: str
) -> None:
    """A clustered bar chart of the given columns over the agency rows (totals row excluded)."""
    from openpyxl.chart import BarChart, Reference

    chart = BarChart()
    chart.type = "col"
    chart.grouping = "clustered"
    chart.title = title
    chart.y_axis.title = "Số hồ sơ / thủ tục"
    chart.height, chart.width = 9.0, 22.0
    data = Reference(
        ws, min_col=first_col, max_col=last_col, min_row=HEADER_ROW, max_row=last_agency_row
    )
    cats = Reference(ws, min_col=2, min_row=HEADER_ROW + 1, max_row=last_agency_row)
    chart.add_data(data, titles_from_data=True)
    chart.set_categories(cats)
    ws.add_chart(chart, anchor)


def render_xlsx(report: Report) -> bytes:
    """The workbook's bytes (part 1 and part 2 sheets, each with its table and chart)."""
    from openpyxl import Workbook

    label = period_label(report)
    months = format_vn_month_range(report.months)
    subtitle = f"Kỳ báo cáo: {label}" + ("" if months in label else f" ({months})")
    wb = Workbook()
    ws1 = wb.active
    assert ws1 is not None
    ws1.title = OPERATION_SHEET
    last = _table(
        ws1,
        "Tình hình tiếp nhận, giải quyết thủ tục hành chính",
        subtitle,
        OPERATION_HEADERS,
        [(r.name, operation_values(r)) for r in report.operation],
        operation_values(report.operation_total),
    )
    # received by channel (3 columns) then processed, on time, late (columns G..I)
    _chart(ws1, "Hồ sơ tiếp nhận theo kênh", 3, 5, last - 1, f"B{last + 3}")
    _chart(ws1, "Kết quả giải quyết", 7, 9, last - 1, f"B{last + 22}")

    ws2 = wb.create_sheet(ONLINE_SHEET)
    last = _table(
        ws2,
        "Cung cấp và sử dụng dịch vụ công trực tuyến",
        subtitle,
        ONLINE_HEADERS,
        [(r.name, online_values(r)) for r in report.online],
        online_values(report.online_total),
    )
    _chart(ws2, "Hồ sơ trực tuyến so với tổng số", 5, 6, last - 1, f"B{last + 3}")

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
