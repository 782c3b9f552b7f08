"""The semiannual report (regulation Đ17), built from the monthly counters only.

Part 1 (operation): dossiers received by channel, processed, on time, late, returned,
supplemented and refused, per agency and for the province. Part 2 (online services): procedures
offered full and partial online per lead agency (from the catalogue), dossiers received online
against all received. Reads one Query per agency-month plus the catalogue and the units, never a
dossier, like `services.indicators`.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from chalicelib.domain import indicators as rules
from chalicelib.services.deps import Deps
from chalicelib.services.indicators import agency_units, counter_rows

VN = ZoneInfo("Asia/Ho_Chi_Minh")


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


def _operation(agency: str, name: str, metrics: Mapping[str, int]) -> OperationRow:
    values = {field: int(metrics.get(metric, 0)) for field, metric in _OPERATION_METRICS.items()}
    return OperationRow(agency=agency, name=name, **values)


def _sum_operation(rows: list[OperationRow], name: str) -> OperationRow:
    values = {f: sum(int(getattr(r, f)) for r in rows) for f in _OPERATION_METRICS}
    return OperationRow(agency="", name=name, **values)


def build_semiannual_report(deps: Deps, period: str, number: str = "/BC-UBND") -> Report:
    """Sum every agency's monthly counters over `period` (e.g. "2026-H1") into both parts."""
    months = rules.parse_period(period)
    names = {u.code: u.name for u in deps.store.list_units()}
    catalogue = deps.store.list_procedures()
    operation: list[OperationRow] = []
    online: list[OnlineRow] = []
    for agency in agency_units(deps):
        metrics = rules.counter_metrics(counter_rows(deps, agency, months).values())
        row = _operation(agency, names.get(agency, agency), metrics)
        operation.append(row)
        levels = [str(p.get("level")) for p in catalogue if p.get("lead_agency") == agency]
        online.append(
            OnlineRow(
                agency=agency,
                name=row.name,
                procedures_full_online=levels.count("full_online"),
                procedures_partial_online=levels.count("partial_online"),
                received_online=row.received_online,
                received_total=row.received,
            )
        )
    province = f"Tỉnh {deps.settings.province_name}"
    online_total = OnlineRow(
        agency="",
        name=province,
        procedures_full_online=sum(r.procedures_full_online for r in online),
        procedures_partial_online=sum(r.procedures_partial_online for r in online),
        received_online=sum(r.received_online for r in online),
        received_total=sum(r.received_total for r in online),
    )
    return Report(
        period=period.strip().upper(),
        months=months,
        province_name=deps.settings.province_name,
        number=number,
        issued_on=deps.clock().astimezone(VN).date(),
        operation=operation,
        operation_total=_sum_operation(operation, province),
        online=online,
        online_total=online_total,
    )


def period_label(report: Report) -> str:
    """The period in words: 6 tháng đầu/cuối năm 2026, else the months' range."""
    text = report.period
    if len(text) == 7 and text[4:6] == "-H":
        half = "đầu" if text[6] == "1" else "cuối"
        return f"6 tháng {half} năm {text[:4]}"
    return f"từ tháng {report.months[0]} đến tháng {report.months[-1]}"


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
    "Tỷ lệ đúng hạn (%)",
]

ONLINE_HEADERS = [
    "STT",
    "Cơ quan",
    "TTHC trực tuyến toàn trình",
    "TTHC trực tuyến một phần",
    "Hồ sơ trực tuyến",
    "Tổng hồ sơ tiếp nhận",
    "Tỷ lệ trực tuyến (%)",
]


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
