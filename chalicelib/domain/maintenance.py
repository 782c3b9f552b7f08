"""Planned downtime (NĐ 224/2026 Đ13): a maintenance window is announced at least 7 working days
ahead, and the portal shows it from the moment it is announced.

"At least 7 working days ahead" is counted conservatively: the working days strictly between the
announcement's date and the window's first date (both in Vietnam time) must be 7 or more, so a
window announced on Monday 07/12/2026 may start on Thursday 17/12/2026 at the earliest. An emergency
(a security fix, a failure) may start at once; it must say why, and it is marked as an emergency
wherever it is shown.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.errors import InvalidInput

if TYPE_CHECKING:
    from chalicelib.domain.calendar import WorkingCalendar

NOTICE_WORKING_DAYS = 7
MAX_WINDOW = timedelta(days=3)  # longer than this is not maintenance but an outage plan


class MaintenanceWindow(BaseModel):
    """One announced window; times are UTC instants."""

    model_config = ConfigDict(extra="forbid")

    id: str
    starts_at: datetime
    ends_at: datetime
    reason: str = Field(min_length=1, max_length=500)
    reason_en: str = Field(default="", max_length=500)
    services: str = Field(default="", max_length=300)  # what is affected ("" = the whole portal)
    emergency: bool = False
    emergency_reason: str = Field(default="", max_length=500)
    announced_at: datetime
    announced_by: str
    cancelled_at: datetime | None = None
    cancelled_by: str = ""
    version: int = 0

    def shown_at(self, now: datetime) -> bool:
        """In the banner: announced, not cancelled, not yet over."""
        return self.cancelled_at is None and self.announced_at <= now < self.ends_at

    def in_progress(self, now: datetime) -> bool:
        return self.cancelled_at is None and self.starts_at <= now < self.ends_at


def working_days_between(calendar: WorkingCalendar, first: date, last: date) -> int:
    """Working days strictly after `first` and strictly before `last`."""
    n, d = 0, first + timedelta(days=1)
    while d < last:
        n += calendar.is_working_day(d)
        d += timedelta(days=1)
    return n


def earliest_planned_start(calendar: WorkingCalendar, announced_at: datetime) -> date:
    """The first local date a window announced at `announced_at` may start on."""
    d, counted = calendar.local_date(announced_at), 0
    while counted < NOTICE_WORKING_DAYS:
        d += timedelta(days=1)
        counted += calendar.is_working_day(d)
    return d + timedelta(days=1)


def check_window(
    calendar: WorkingCalendar,
    *,
    announced_at: datetime,
    starts_at: datetime,
    ends_at: datetime,
    emergency: bool,
    emergency_reason: str,
) -> None:
    """Refuse a window that ends before it starts, is too long, is in the past, or (unless an
    emergency with a stated reason) was announced less than 7 working days ahead."""
    if ends_at <= starts_at:
        raise InvalidInput(
            "Thời điểm kết thúc phải sau thời điểm bắt đầu.",
            "The end must be after the start.",
            code="maintenance_bad_range",
            field="ends_at",
        )
    if ends_at - starts_at > MAX_WINDOW:
        raise InvalidInput(
            "Một đợt bảo trì dài tối đa 72 giờ; hãy chia thành nhiều đợt.",
            "A maintenance window lasts at most 72 hours; split it.",
            code="maintenance_too_long",
            field="ends_at",
        )
    if ends_at <= announced_at:
        raise InvalidInput(
            "Đợt bảo trì này đã kết thúc; không thể thông báo một đợt trong quá khứ.",
            "That window is over; a past window cannot be announced.",
            code="maintenance_in_past",
            field="ends_at",
        )
    if emergency:
        if not emergency_reason.strip():
            raise InvalidInput(
                "Bảo trì khẩn cấp phải nêu lý do khẩn cấp.",
                "An emergency window must say why it is urgent.",
                code="maintenance_emergency_reason",
                field="emergency_reason",
            )
        return
    earliest = earliest_planned_start(calendar, announced_at)
    if calendar.local_date(starts_at) < earliest:
        shown = earliest.strftime("%d/%m/%Y")
        raise InvalidInput(
            f"Bảo trì theo kế hoạch phải được thông báo trước ít nhất {NOTICE_WORKING_DAYS} ngày "
            f"làm việc (Nghị định 224/2026/NĐ-CP, Điều 13): sớm nhất từ ngày {shown}. "
            "Nếu là sự cố khẩn cấp, hãy đánh dấu khẩn cấp và nêu lý do.",
            f"Planned maintenance needs at least {NOTICE_WORKING_DAYS} working days' notice "
            f"(Decree 224/2026, Art. 13): {shown} at the earliest. For an emergency, mark it so "
            "and say why.",
            code="maintenance_notice_too_short",
            field="starts_at",
        )
