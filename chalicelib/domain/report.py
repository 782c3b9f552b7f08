"""The semiannual report's content (Đ17), pure: its rows, their columns and totals.

services/reporting/report.py fills it from the counters; documents/report_pdf.py and
report_xlsx.py render it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from pydantic import BaseModel


def _share(numerator: int, denominator: int) -> float | None:
    """A percentage rounded to 0.1, or None when there is nothing to divide by."""
    return round(100.0 * numerator / denominator, 1) if denominator else None


class OperationRow(BaseModel):
    """Part 1: one agency's (or the province's) operation of the system over the period."""

    agency: str
    name: str
    received_desk: int = 0
    received_online: int = 0
    received_post: int = 0
    processed: int = 0
    on_time: int = 0
    late: int = 0
    returned: int = 0
    supplemented: int = 0
    refused: int = 0

    @property
    def received(self) -> int:
        return self.received_desk + self.received_online + self.received_post

    @property
    def on_time_share(self) -> float | None:
        """Share of the processed dossiers finished on time, in percent."""
        return _share(self.on_time, self.on_time + self.late)


class OnlineRow(BaseModel):
    """Part 2: one agency's (or the province's) online services over the period."""

    agency: str
    name: str
    procedures_full_online: int = 0
    procedures_partial_online: int = 0
    received_online: int = 0
    received_total: int = 0

    @property
    def online_share(self) -> float | None:
        """Share of the received dossiers that came online, in percent."""
        return _share(self.received_online, self.received_total)


class Report(BaseModel):
    """Both parts, per agency and for the province, plus what the PDF header prints."""

    period: str
    months: list[str]
    province_name: str
    number: str
    issued_on: date
    operation: list[OperationRow]
    operation_total: OperationRow
    online: list[OnlineRow]
    online_total: OnlineRow


_OPERATION_METRICS = {
    "received_desk": "received_channel_1",
    "received_online": "received_channel_2",
    "received_post": "received_channel_3",
    "processed": "processed",
    "on_time": "processed_on_time",
    "late": "processed_late",
    "returned": "returned",
    "supplemented": "supplement_requested",
    "refused": "refused",
}


def operation_row(agency: str, name: str, metrics: Mapping[str, int]) -> OperationRow:
    """Part 1's row of one agency from its summed monthly counters."""
    values = {field: int(metrics.get(metric, 0)) for field, metric in _OPERATION_METRICS.items()}
    return OperationRow(agency=agency, name=name, **values)


def sum_operation(rows: list[OperationRow], name: str) -> OperationRow:
    """The totals row of part 1."""
    values = {f: sum(int(getattr(r, f)) for r in rows) for f in _OPERATION_METRICS}
    return OperationRow(agency="", name=name, **values)


OPERATION_HEADERS = [
    "STT",
    "Cơ quan",
    "Tiếp nhận trực tiếp",
    "Tiếp nhận trực tuyến",
    "Tiếp nhận qua bưu chính",
    "Tổng tiếp nhận",
    "Đã giải quyết",
    "Đúng hạn",
    "Quá hạn",
    "Đã trả kết quả",
    "Yêu cầu bổ sung",
    "Từ chối",
    "Tỷ lệ đúng hạn",
]

ONLINE_HEADERS = [
    "STT",
    "Cơ quan",
    "TTHC trực tuyến toàn trình",
    "TTHC trực tuyến một phần",
    "Hồ sơ trực tuyến",
    "Tổng hồ sơ tiếp nhận",
    "Tỷ lệ trực tuyến",
]


# Which columns of the values below are percentages (the last one of each part): the PDF prints
# them with `format_vn_percent`, the workbook gives them `XLSX_PERCENT_FORMAT`.
PERCENT_COLUMNS = {"Tỷ lệ đúng hạn", "Tỷ lệ trực tuyến"}


def operation_values(row: OperationRow) -> list[int | float | None]:
    """Part 1's numeric columns, in `OPERATION_HEADERS` order after STT and Cơ quan."""
    return [
        row.received_desk,
        row.received_online,
        row.received_post,
        row.received,
        row.processed,
        row.on_time,
        row.late,
        row.returned,
        row.supplemented,
        row.refused,
        row.on_time_share,
    ]


def online_values(row: OnlineRow) -> list[int | float | None]:
    """Part 2's numeric columns, in `ONLINE_HEADERS` order after STT and Cơ quan."""
    return [
        row.procedures_full_online,
        row.procedures_partial_online,
        row.received_online,
        row.received_total,
        row.online_share,
    ]
