"""What the report's PDF and workbook (and its e-mail) print about its period."""

from __future__ import annotations

from chalicelib.documents.vn_format import format_vn_month_range
from chalicelib.domain.report import Report


def period_label(report: Report) -> str:
    """The period in words: 6 tháng đầu/cuối năm 2026, else `từ tháng 07/2026 đến tháng 11/2026`."""
    text = report.period
    if len(text) == 7 and text[4:6] == "-H":
        half = "đầu" if text[6] == "1" else "cuối"
        return f"6 tháng {half} năm {text[:4]}"
    return f"từ {format_vn_month_range(report.months)}"
