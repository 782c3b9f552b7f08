"""Planned downtime (NĐ 224/2026 Đ13): 7 working days' notice, counted with the calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.maintenance import (
    MaintenanceWindow,
    check_window,
    earliest_planned_start,
    working_days_between,
)

pytestmark = pytest.mark.unit

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkingCalendar()
MONDAY = datetime(2026, 12, 7, 9, 0, tzinfo=VN).astimezone(UTC)  # Monday 07/12/2026


def _vn(y: int, m: int, d: int, hh: int = 22) -> datetime:
    return datetime(y, m, d, hh, 0, tzinfo=VN).astimezone(UTC)


def _check(starts: datetime, hours: int = 4, emergency: bool = False, why: str = "") -> None:
    check_window(
        CAL,
        announced_at=MONDAY,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours),
        emergency=emergency,
        emergency_reason=why,
    )


def test_seven_working_days_lie_strictly_between_the_announcement_and_the_start() -> None:
    # Tue 8 .. Wed 16 December: 7 working days (the weekend of 12-13 is not counted)
    assert earliest_planned_start(CAL, MONDAY) == date(2026, 12, 17)
    assert working_days_between(CAL, date(2026, 12, 7), date(2026, 12, 17)) == 7
    assert working_days_between(CAL, date(2026, 12, 7), date(2026, 12, 16)) == 6


def test_a_province_holiday_pushes_the_earliest_start_by_a_day() -> None:
    closed = WorkingCalendar(extra_holidays=frozenset({date(2026, 12, 10)}))
    assert earliest_planned_start(closed, MONDAY) == date(2026, 12, 18)


def test_the_announcement_is_counted_in_vietnam_time() -> None:
    # 23:30 Monday in Vietnam is still Monday 16:30 UTC; 00:30 Tuesday in Vietnam is Monday UTC
    late_monday = datetime(2026, 12, 7, 23, 30, tzinfo=VN)
    early_tuesday = datetime(2026, 12, 8, 0, 30, tzinfo=VN)
    assert earliest_planned_start(CAL, late_monday.astimezone(UTC)) == date(2026, 12, 17)
    assert earliest_planned_start(CAL, early_tuesday.astimezone(UTC)) == date(2026, 12, 18)


def test_a_window_with_too_little_notice_names_the_earliest_date() -> None:
    _check(_vn(2026, 12, 17))  # accepted
    with pytest.raises(InvalidInput) as err:
        _check(_vn(2026, 12, 16))
    assert err.value.code == "maintenance_notice_too_short"
    assert err.value.field == "starts_at"
    assert "17/12/2026" in err.value.message_vi and "7 ngày" in err.value.message_vi


def test_an_emergency_may_start_at_once_but_must_say_why() -> None:
    with pytest.raises(InvalidInput) as err:
        _check(MONDAY + timedelta(minutes=5), emergency=True, why="  ")
    assert err.value.field == "emergency_reason"
    _check(MONDAY + timedelta(minutes=5), emergency=True, why="Vá lỗ hổng bảo mật")


@pytest.mark.parametrize(
    ("starts", "hours", "code", "field"),
    [
        (_vn(2026, 12, 20), 0, "maintenance_bad_range", "ends_at"),
        (_vn(2026, 12, 20), -2, "maintenance_bad_range", "ends_at"),
        (_vn(2026, 12, 20), 73, "maintenance_too_long", "ends_at"),
        (_vn(2026, 12, 1), 4, "maintenance_in_past", "ends_at"),
    ],
)
def test_a_window_that_cannot_be_is_refused(
    starts: datetime, hours: int, code: str, field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        _check(starts, hours=hours, emergency=True, why="x")
    assert (err.value.code, err.value.field) == (code, field)


def test_the_banner_shows_a_window_from_its_announcement_until_its_end() -> None:
    w = MaintenanceWindow(
        id="w1",
        starts_at=_vn(2026, 12, 17),
        ends_at=_vn(2026, 12, 17) + timedelta(hours=4),
        reason="Nâng cấp máy chủ",
        announced_at=MONDAY,
        announced_by="Quản trị",
    )
    assert not w.shown_at(MONDAY - timedelta(seconds=1))
    assert w.shown_at(MONDAY) and not w.in_progress(MONDAY)
    assert w.shown_at(w.starts_at) and w.in_progress(w.starts_at)
    assert not w.shown_at(w.ends_at) and not w.in_progress(w.ends_at)
    cancelled = w.model_copy(update={"cancelled_at": MONDAY + timedelta(hours=1)})
    assert not cancelled.shown_at(w.starts_at) and not cancelled.in_progress(w.starts_at)
