"""Vietnamese renderings of instants, dates and money for printed documents.

Instants are stored in UTC; the citizen reads them in Vietnam time, so every document converts here,
in one place, rather than each form doing its own arithmetic.
"""

from __future__ import annotations

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
