"""The semiannual report (regulation Đ17) over real dossiers, in process on moto.

Scenario at Sở Kế hoạch và Đầu tư (H33.03), all submitted online this half year:

| dossier | desk          | agency   | desk again      |
|---------|---------------|----------|-----------------|
| A       | accepted      | approved | result returned |
| B       | accepted      | approved |                 |
| C       | refused       |          |                 |

So H33.03 received 2 online (0 at the desk, 0 by post), processed 2, both on time, returned 1,
refused 1; the other agencies are all zero and the province totals equal H33.03's row.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.support.client import ApiClient
from tests.support.journeys import (
    ONE_STEP_AGENCY,
)
from tests.support.reports import (
    current_half,
    report_scenario,
)

pytestmark = pytest.mark.integration


# The scenario happens at one legal instant.


def _rows(ws: Any) -> dict[str, list[Any]]:
    """Sheet rows keyed by the agency name (column B), from the header row down."""
    out: dict[str, list[Any]] = {}
    for row in ws.iter_rows(min_row=3, values_only=True):
        if row[1] is not None:
            out[str(row[1])] = list(row)
    return out


def test_semiannual_report_xlsx_and_pdf_match_the_scenario(api: ApiClient, cloud: Any) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from chalicelib.documents.report_pdf import render_pdf
    from chalicelib.documents.report_xlsx import (
        ONLINE_SHEET,
        OPERATION_SHEET,
        TOTAL_LABEL,
        render_xlsx,
    )
    from chalicelib.domain.report import ONLINE_HEADERS, OPERATION_HEADERS
    from chalicelib.services.deps import get_deps
    from chalicelib.services.reporting.report import build_semiannual_report

    # GIVEN two dossiers processed (one result returned) and one refused this half year
    report_scenario(api, cloud)
    deps = get_deps()

    # WHEN the report for the current half is built from the counters
    report = build_semiannual_report(deps, current_half(), number="12/BC-UBND")

    # THEN the agency row and the province total carry the scenario's numbers
    row = next(r for r in report.operation if r.agency == ONE_STEP_AGENCY)
    assert (row.received_desk, row.received_online, row.received_post) == (0, 2, 0)
    assert (row.processed, row.on_time, row.late) == (2, 2, 0)
    assert (row.returned, row.refused, row.supplemented) == (1, 1, 0)
    assert row.on_time_share == 100.0
    assert report.operation_total.received == 2
    assert report.operation_total.refused == 1
    quiet = [r for r in report.operation if r.agency != ONE_STEP_AGENCY]
    assert quiet and all(r.received == 0 and r.on_time_share is None for r in quiet)
    online = next(r for r in report.online if r.agency == ONE_STEP_AGENCY)
    assert (online.received_online, online.received_total, online.online_share) == (2, 2, 100.0)
    assert online.procedures_full_online + online.procedures_partial_online >= 1
    catalogue = deps.store.list_procedures()
    offered = [p for p in catalogue if p.get("level") in ("full_online", "partial_online")]
    assert (
        report.online_total.procedures_full_online + report.online_total.procedures_partial_online
        == len(offered)
    )

    # AND the workbook has one sheet per part, with the same numbers and a native chart each
    wb = load_workbook(io.BytesIO(render_xlsx(report)))
    assert wb.sheetnames == [OPERATION_SHEET, ONLINE_SHEET]
    ops, onl = wb[OPERATION_SHEET], wb[ONLINE_SHEET]
    assert [c.value for c in ops[3]] == OPERATION_HEADERS
    assert [c.value for c in onl[3]] == ONLINE_HEADERS
    op_rows = _rows(ops)
    # received desk/online/post, total, processed, on time, late, returned, supplemented, refused
    assert op_rows[row.name][2:] == [0, 2, 0, 2, 2, 2, 0, 1, 0, 1, 100.0]
    assert op_rows[TOTAL_LABEL][2:] == [0, 2, 0, 2, 2, 2, 0, 1, 0, 1, 100.0]
    assert len(op_rows) == 1 + len(report.operation) + 1  # headers, agencies, total
    onl_rows = _rows(onl)
    assert onl_rows[row.name][4:] == [2, 2, 100.0]
    total = onl_rows[TOTAL_LABEL]
    assert total[2] + total[3] == len(offered)
    assert total[4:] == [2, 2, 100.0]
    assert len(ops._charts) >= 1 and len(onl._charts) >= 1
    # the charts are bar charts over the agency rows (the totals row is not plotted)
    from openpyxl.chart import BarChart

    assert all(isinstance(ch, BarChart) for ch in [*ops._charts, *onl._charts])

    # AND the PDF reads as an administrative report with the same numbers
    pdf = PdfReader(io.BytesIO(render_pdf(report)))
    text = "\n".join(page.extract_text() for page in pdf.pages)
    assert "UBND TỈNH HẬU GIANG" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Số: 12/BC-UBND" in text
    assert f"Hậu Giang, ngày {report.issued_on:%d} tháng {report.issued_on:%m}" in text
    total_line = next(line for line in text.splitlines() if line.startswith("Tổng cộng 0 2 0"))
    assert total_line == "Tổng cộng 0 2 0 2 2 2 0 1 0 1 100,0 %"  # Vietnamese percent (issue 25)
    first, last = report.months[0], report.months[-1]
    assert f"tháng {first[5:]}/{first[:4]} đến tháng {last[5:]}/{last[:4]}" in text
    assert f"tháng {first} " not in text


def test_report_of_an_empty_period_is_all_zero(api: ApiClient) -> None:
    from chalicelib.documents.report_xlsx import OPERATION_SHEET, TOTAL_LABEL, render_xlsx
    from chalicelib.services.deps import get_deps
    from chalicelib.services.reporting.report import build_semiannual_report

    # GIVEN no dossier at all in the first half of 2020 WHEN its report is built
    report = build_semiannual_report(get_deps(), "2020-H1")

    # THEN every row is zero, shares are empty, and the workbook still renders
    assert report.months == [f"2020-0{m}" for m in range(1, 7)]
    assert report.operation and all(r.received == 0 for r in report.operation)
    assert report.operation_total.on_time_share is None
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(render_xlsx(report)))[OPERATION_SHEET]
    totals = _rows(ws)[TOTAL_LABEL]
    assert totals[2:12] == [0] * 10 and totals[12] is None
    with pytest.raises(ValueError):
        build_semiannual_report(get_deps(), "2026-H3")
