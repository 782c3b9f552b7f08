"""Vietnamese percentages and periods on the printed reports: one rule (documents/vn_format.py),
checked on its own and where the PDF and the workbook use it (issue 25: the reports read
"9.400%" and "tháng 2026-07 đến tháng 2026-12")."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from chalicelib.documents.vn_format import (
    XLSX_PERCENT_FORMAT,
    format_vn_month,
    format_vn_month_range,
    format_vn_number,
    format_vn_percent,
)
from chalicelib.domain.report import OnlineRow, OperationRow, Report

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (94.0, "94,0 %"),
        (94, "94,0 %"),
        (100.0, "100,0 %"),
        (0.0, "0,0 %"),
        (66.66666, "66,7 %"),
        (1234.5, "1.234,5 %"),
    ],
)
def test_percent_has_a_decimal_comma_one_decimal_and_a_spaced_sign(value: float, text: str) -> None:
    assert format_vn_percent(value) == text


def test_no_percentage_is_a_dash_never_zero() -> None:
    assert format_vn_percent(None) == "-"
    assert format_vn_percent(None, blank="—") == "—"


def test_numbers_group_thousands_with_dots() -> None:
    assert format_vn_number(1_234_567.25, 2) == "1.234.567,25"
    assert format_vn_number(5, 0) == "5"


def test_months_read_month_then_year() -> None:
    assert format_vn_month("2026-07") == "07/2026"
    assert format_vn_month("2026-H2") == "2026-H2"  # not a month: unchanged
    assert format_vn_month_range(["2026-07", "2026-08", "2026-12"]) == (
        "tháng 07/2026 đến tháng 12/2026"
    )
    assert format_vn_month_range(["2026-03"]) == "tháng 03/2026"
    assert format_vn_month_range([]) == ""


def _report(period: str, months: list[str]) -> Report:
    """47 of 50 processed on time (94 %), 3 of 4 received online (75 %)."""
    row = OperationRow(
        agency="H33.30", name="UBND thành phố Vị Thanh", received_desk=1, received_online=3
    )
    row = row.model_copy(update={"processed": 50, "on_time": 47, "late": 3})
    online = OnlineRow(
        agency="H33.30",
        name=row.name,
        procedures_full_online=1,
        received_online=3,
        received_total=4,
    )
    return Report(
        period=period,
        months=months,
        province_name="Hậu Giang",
        number="12/BC-UBND",
        issued_on=date(2026, 11, 20),
        operation=[row],
        operation_total=row.model_copy(update={"agency": "", "name": "Tỉnh Hậu Giang"}),
        online=[online],
        online_total=online.model_copy(update={"agency": "", "name": "Tỉnh Hậu Giang"}),
    )


def test_report_pdf_prints_vietnamese_percentages_and_months() -> None:
    from chalicelib.documents.report_pdf import render_pdf

    months = [f"2026-{m:02d}" for m in range(7, 12)]
    text = "\n".join(
        p.extract_text()
        for p in PdfReader(io.BytesIO(render_pdf(_report("2026-07..2026-11", months)))).pages
    )
    assert "tháng 07/2026 đến tháng 11/2026" in text
    assert "2026-07" not in text
    assert "94,0 %" in text and "75,0 %" in text
    assert "9.400" not in text and "94.0" not in text


def test_report_workbook_keeps_percentages_numeric_in_a_percent_format() -> None:
    from chalicelib.documents.report_xlsx import ONLINE_SHEET, OPERATION_SHEET, render_xlsx

    months = [f"2026-{m:02d}" for m in range(7, 13)]
    wb = load_workbook(io.BytesIO(render_xlsx(_report("2026-H2", months))))
    ops, onl = wb[OPERATION_SHEET], wb[ONLINE_SHEET]
    assert ops.cell(row=2, column=1).value == (
        "Kỳ báo cáo: 6 tháng cuối năm 2026 (tháng 07/2026 đến tháng 12/2026)"
    )
    share = ops.cell(row=4, column=13)  # the agency's on-time share
    assert (share.value, share.number_format) == (94.0, XLSX_PERCENT_FORMAT)
    total = ops.cell(row=5, column=13)
    assert (total.value, total.number_format) == (94.0, XLSX_PERCENT_FORMAT)
    assert (onl.cell(row=4, column=7).value, onl.cell(row=4, column=7).number_format) == (
        75.0,
        XLSX_PERCENT_FORMAT,
    )
    assert ops.cell(row=4, column=12).number_format == "General"  # counts stay plain numbers
