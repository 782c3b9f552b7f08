"""Vietnamese renderings of instants, dates, months, percentages and money for printed documents.

Instants are stored in UTC; the citizen reads them in Vietnam time, so every document converts here,
in one place, rather than each form doing its own arithmetic.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def to_vn(dt: datetime) -> datetime:
    """Convert an aware instant to Vietnam time; a naive one is refused because it is ambiguous."""
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError("naive datetime: give a timezone-aware instant")
    return dt.astimezone(VN_TZ)


def _as_vn_date(d: date | datetime) -> date:
    # A datetime is an instant (convert it); a plain date is already a calendar day.
    return to_vn(d).date() if isinstance(d, datetime) else d


def format_vn_datetime(dt: datetime) -> str:
    """`09 giờ 00 phút, ngày 01/12/2026` — the wording the forms use for times."""
    local = to_vn(dt)
    return f"{local:%H} giờ {local:%M} phút, ngày {local:%d/%m/%Y}"


def format_vn_date(d: date | datetime) -> str:
    """`01/12/2026` (dd/mm/yyyy) in Vietnam time."""
    return f"{_as_vn_date(d):%d/%m/%Y}"


def format_vn_long_date(d: date | datetime) -> str:
    """`ngày 01 tháng 12 năm 2026`, the spelled-out form of the place/date line of a document."""
    local = _as_vn_date(d)
    return f"ngày {local:%d} tháng {local:%m} năm {local:%Y}"


def format_vnd(amount: int) -> str:
    """`1.250.000 đồng`: Vietnamese groups thousands with dots."""
    return f"{amount:,} đồng".replace(",", ".")


# A percentage in a spreadsheet cell: the number stays a number (it sums and sorts); Excel and
# LibreOffice draw the decimal separator of the reader's locale, so a Vietnamese reader sees 94,0 %.
XLSX_PERCENT_FORMAT = '0.0" %"'


def format_vn_number(value: float, digits: int = 1) -> str:
    """`1.234,5`: Vietnamese groups thousands with dots and writes a decimal comma."""
    text = f"{value:,.{digits}f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def format_vn_percent(value: float | None, blank: str = "-") -> str:
    """`94,0 %` for 94.0 (a value already in percent, one decimal); `blank` when there is none.

    The one rule for every percentage the documents print (reports, PDF and spreadsheet labels).
    """
    if value is None:
        return blank
    return f"{format_vn_number(value, 1)} %"


def format_vn_month(month: str) -> str:
    """`07/2026` for the counters' `2026-07`; anything else is returned unchanged."""
    year, sep, mon = month.partition("-")
    if not sep or len(year) != 4 or len(mon) != 2 or not (year + mon).isdigit():
        return month
    return f"{mon}/{year}"


def format_vn_month_range(months: Sequence[str]) -> str:
    """`tháng 07/2026 đến tháng 12/2026`, or `tháng 07/2026` for a single month."""
    if not months:
        return ""
    first, last = format_vn_month(months[0]), format_vn_month(months[-1])
    return f"tháng {first}" if first == last else f"tháng {first} đến tháng {last}"
