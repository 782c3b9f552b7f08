"""The working-day calendar: real 2026 Vietnamese holidays, session edges, and properties."""

from __future__ import annotations

import time as clock
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.domain.calendar import (
    VIETNAM_TZ,
    WorkingCalendar,
    default_calendar,
)
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.procedure import Duration, TimeUnit

pytestmark = pytest.mark.unit

CAL = default_calendar()
DAY = CAL.day_seconds
PROPS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, ss, tzinfo=VIETNAM_TZ)


def local(t: datetime) -> datetime:
    return t.astimezone(VIETNAM_TZ)


ZONES = st.sampled_from(
    [UTC, VIETNAM_TZ, ZoneInfo("America/New_York"), timezone(timedelta(hours=5, minutes=30))]
)
INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=ZONES
)


def inside(cal: WorkingCalendar, t: datetime) -> bool:
    """`t` is inside a session [start, end) of a working day: a moment someone is at work."""
    loc = t.astimezone(cal.tz)
    return cal.is_working_day(loc.date()) and any(s <= loc.time() < e for s, e in cal.sessions)


def canonical(cal: WorkingCalendar, t: datetime) -> bool:
    """`t` is where results land: start < t <= end of a session of a working day."""
    loc = t.astimezone(cal.tz)
    return cal.is_working_day(loc.date()) and any(s < loc.time() <= e for s, e in cal.sessions)


LUNCH_OFFSET = 4 * 3600  # working seconds from 07:30 to 11:30: the morning session's end


@st.composite
def working_instants(draw: st.DrawFn, strictly_inside: bool = False) -> datetime:
    """A canonical instant of a working day (start < t <= end of a session), as UTC.

    With `strictly_inside`, never on a session boundary (start < t < end).
    """
    day = draw(st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)))
    start = CAL.next_working_instant(datetime.combine(day, time(0), tzinfo=VIETNAM_TZ))
    offsets = st.integers(min_value=1, max_value=DAY)
    if strictly_inside:
        offsets = st.integers(min_value=1, max_value=DAY - 1).filter(lambda o: o != LUNCH_OFFSET)
    return CAL.add_working_seconds(start, draw(offsets))


# ----------------------------------------------------------------- real 2026 holidays


@pytest.mark.parametrize(
    "day",
    [date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19), date(2026, 2, 20)],
)
def test_tet_2026_days_are_not_working_days(day: date) -> None:
    assert CAL.is_working_day(day) is False


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 1, 1), False),  # New Year
        (date(2026, 1, 2), True),  # a plain Friday
        (date(2026, 4, 27), False),  # Hùng Kings, Sunday 26/4 observed on Monday
        (date(2026, 4, 30), False),
        (date(2026, 5, 1), False),
        (date(2026, 8, 31), False),  # substituted day off (for Saturday 22/8)
        (date(2026, 8, 22), True),  # the make-up Saturday, per the holidays package
        (date(2026, 9, 1), False),
        (date(2026, 9, 2), False),
        (date(2026, 9, 3), True),
        (date(2026, 11, 24), False),  # Vietnam Cultural Day, as the package has it
        (date(2026, 3, 7), False),  # a plain Saturday
        (date(2026, 3, 8), False),  # a plain Sunday
    ],
)
def test_national_calendar_2026_follows_holidays_package(day: date, working: bool) -> None:
    assert CAL.is_working_day(day) is working


def test_one_working_day_before_tet_lands_after_tet_same_wall_time() -> None:
    received = vn(2026, 2, 13, 9, 0)  # Friday before Tết
    assert local(CAL.add_working_days(received, 1)) == vn(2026, 2, 23, 9, 0)


def test_national_day_2026_with_substitute_monday_is_skipped() -> None:
    # Fri 28/8 -> (Sat 29, Sun 30, Mon 31 sub, Tue 1/9, Wed 2/9 off) -> Thu 3/9
    assert local(CAL.add_working_days(vn(2026, 8, 28, 10, 0), 1)) == vn(2026, 9, 3, 10, 0)


def test_make_up_saturday_2026_08_22_counts_as_working_day() -> None:
    assert local(CAL.add_working_days(vn(2026, 8, 21, 10, 0), 1)) == vn(2026, 8, 22, 10, 0)


def test_reunification_and_labour_day_2026_skipped_for_15_day_procedure() -> None:
    # Mon 20/4 09:00 + 15 working days; off: Mon 27/4, Thu 30/4, Fri 1/5 and weekends.
    got = local(CAL.add_working_days(vn(2026, 4, 20, 9, 0), 15))
    assert got == vn(2026, 5, 14, 9, 0)


# --------------------------------------------------------------------- session edges


def test_received_after_hours_counts_from_next_working_time() -> None:
    assert local(CAL.next_working_instant(vn(2026, 3, 6, 17, 30))) == vn(2026, 3, 9, 7, 30)


def test_received_at_session_end_counts_from_next_session() -> None:
    assert local(CAL.next_working_instant(vn(2026, 3, 9, 17, 0))) == vn(2026, 3, 10, 7, 30)
    assert local(CAL.next_working_instant(vn(2026, 3, 9, 11, 30))) == vn(2026, 3, 9, 13, 30)


def test_received_at_lunch_counts_from_afternoon_session() -> None:
    assert local(CAL.next_working_instant(vn(2026, 3, 9, 12, 0))) == vn(2026, 3, 9, 13, 30)


def test_received_inside_session_counts_at_once() -> None:
    t = vn(2026, 3, 9, 7, 30)
    assert CAL.next_working_instant(t) == t


def test_received_on_holiday_counts_from_next_working_day() -> None:
    assert local(CAL.next_working_instant(vn(2026, 2, 17, 10, 0))) == vn(2026, 2, 23, 7, 30)


def test_one_working_day_from_session_start_ends_same_day_at_1700() -> None:
    assert local(CAL.add_working_days(vn(2026, 3, 9, 7, 30), 1)) == vn(2026, 3, 9, 17, 0)


def test_result_on_session_end_lands_on_end_instant_not_next_session() -> None:
    assert local(CAL.add_working_hours(vn(2026, 3, 9, 9, 0), 2.5)) == vn(2026, 3, 9, 11, 30)
    assert local(CAL.add_working_hours(vn(2026, 3, 9, 13, 30), 3.5)) == vn(2026, 3, 9, 17, 0)


def test_working_hours_skip_lunch_and_night() -> None:
    # 16:00 Mon + 3 h -> 1 h Mon, 2 h Tue morning -> 09:30 Tue
    assert local(CAL.add_working_hours(vn(2026, 3, 9, 16, 0), 3)) == vn(2026, 3, 10, 9, 30)
    # 11:00 + 1 h -> 30 min before lunch, 30 min after -> 14:00
    assert local(CAL.add_working_hours(vn(2026, 3, 9, 11, 0), 1)) == vn(2026, 3, 9, 14, 0)


def test_day_length_is_sum_of_sessions() -> None:
    assert DAY == 27_000
    custom = WorkingCalendar(sessions=((time(8), time(12)), (time(13), time(17))))
    assert custom.day_seconds == 8 * 3600
    assert local(custom.add_working_days(vn(2026, 3, 9, 8, 0), 1)) == vn(2026, 3, 9, 17, 0)


def test_add_duration_uses_its_unit() -> None:
    start = vn(2026, 3, 9, 9, 0)
    assert CAL.add(start, Duration(amount=2)) == CAL.add_working_days(start, 2)
    hours = Duration(amount=4, unit=TimeUnit.WORKING_HOURS)
    assert local(CAL.add(start, hours)) == vn(2026, 3, 9, 15, 0)
    assert CAL.duration_seconds(hours) == 4 * 3600
    assert CAL.duration_seconds(Duration(amount=3)) == 3 * DAY


def test_subtract_lands_on_previous_session_end() -> None:
    assert local(CAL.subtract_working_seconds(vn(2026, 3, 10, 17, 0), DAY)) == vn(2026, 3, 9, 17)
    # Mon 09:00 minus 1.5 h is Monday 07:30's position: reported as Friday 17:00
    got = CAL.subtract_working_seconds(vn(2026, 3, 9, 9, 0), 5400)
    assert local(got) == vn(2026, 3, 6, 17, 0)
    assert CAL.add_working_seconds(got, 5400) == vn(2026, 3, 9, 9, 0)


def test_negative_amounts_subtract() -> None:
    t = vn(2026, 3, 11, 10, 0)
    assert CAL.add_working_seconds(t, -DAY) == CAL.subtract_working_seconds(t, DAY)
    assert CAL.subtract_working_seconds(t, -60) == CAL.add_working_seconds(t, 60)


def test_adding_zero_returns_the_instant_itself_in_utc() -> None:
    t = vn(2026, 3, 7, 22, 0)  # a Saturday night
    got = CAL.add_working_seconds(t, 0)
    assert got == t
    assert got.tzinfo is UTC


def test_results_are_utc_aware_whatever_the_input_zone() -> None:
    t = datetime(2026, 3, 9, 3, 0, tzinfo=ZoneInfo("Europe/Paris"))  # 09:00 in Vietnam
    got = CAL.add_working_hours(t, 1)
    assert got.tzinfo is UTC
    assert local(got) == vn(2026, 3, 9, 10, 0)


def test_23_30_utc_is_next_day_in_vietnam() -> None:
    t = datetime(2026, 3, 8, 23, 30, tzinfo=UTC)  # Mon 06:30 in Vietnam
    assert CAL.local_date(t) == date(2026, 3, 9)
    assert local(CAL.next_working_instant(t)) == vn(2026, 3, 9, 7, 30)


@pytest.mark.parametrize(
    "call",
    [
        lambda t: CAL.next_working_instant(t),
        lambda t: CAL.add_working_seconds(t, 10),
        lambda t: CAL.add_working_days(t, 1),
        lambda t: CAL.subtract_working_seconds(t, 10),
        lambda t: CAL.working_seconds_between(t, t + timedelta(hours=1)),
        lambda t: CAL.local_date(t),
    ],
)
def test_naive_datetimes_are_rejected(call: object) -> None:
    with pytest.raises(ValueError, match="naive"):
        call(datetime(2026, 3, 9, 9, 0))  # type: ignore[operator]


def test_counting_between_skips_weekends_and_lunch() -> None:
    # Fri 16:00 -> Mon 08:30 = 1 h Friday + 1 h Monday
    assert CAL.working_seconds_between(vn(2026, 3, 6, 16), vn(2026, 3, 9, 8, 30)) == 7200
    assert CAL.working_seconds_between(vn(2026, 3, 9, 11), vn(2026, 3, 9, 14)) == 3600
    assert CAL.working_seconds_between(vn(2026, 3, 9, 14), vn(2026, 3, 9, 11)) == 0
    assert CAL.working_days_between(vn(2026, 3, 9, 7, 30), vn(2026, 3, 13, 17)) == 5.0


def test_two_year_span_is_fast() -> None:
    a, b = vn(2025, 1, 2, 9, 0), vn(2027, 1, 4, 9, 0)
    began = clock.perf_counter()
    days = CAL.working_days_between(a, b)
    back = CAL.add_working_days(a, days)
    elapsed = clock.perf_counter() - began
    assert back == b
    assert 480 < days < 510
    assert elapsed < 0.05


def test_working_days_in_lists_only_working_days() -> None:
    days = list(CAL.working_days_in(date(2026, 2, 13), date(2026, 2, 24)))
    assert days == [date(2026, 2, 13), date(2026, 2, 23)]


# ------------------------------------------------------ province data: closures and swaps


def test_extra_holiday_closure_is_honoured() -> None:
    cal = WorkingCalendar(extra_holidays=frozenset({date(2026, 3, 10)}))  # storm closure
    assert cal.is_working_day(date(2026, 3, 10)) is False
    assert local(cal.add_working_days(vn(2026, 3, 9, 9), 1)) == vn(2026, 3, 11, 9)


def test_swap_workday_makes_a_saturday_a_working_day() -> None:
    cal = WorkingCalendar(swap_workdays=frozenset({date(2026, 3, 14)}))
    assert cal.is_working_day(date(2026, 3, 14)) is True
    assert local(cal.add_working_days(vn(2026, 3, 13, 9), 1)) == vn(2026, 3, 14, 9)


def test_swap_day_off_removes_a_working_day_even_a_make_up_saturday() -> None:
    cal = WorkingCalendar(swap_days_off=frozenset({date(2026, 3, 16), date(2026, 8, 22)}))
    assert cal.is_working_day(date(2026, 3, 16)) is False
    assert cal.is_working_day(date(2026, 8, 22)) is False
    assert local(cal.add_working_days(vn(2026, 3, 13, 9), 1)) == vn(2026, 3, 17, 9)


def test_province_swap_workday_wins_over_national_holiday() -> None:
    cal = WorkingCalendar(swap_workdays=frozenset({date(2026, 11, 24)}))
    assert cal.is_working_day(date(2026, 11, 24)) is True


def test_a_date_cannot_be_both_working_and_off() -> None:
    with pytest.raises(ValueError, match="both"):
        WorkingCalendar(
            swap_workdays=frozenset({date(2026, 3, 14)}),
            extra_holidays=frozenset({date(2026, 3, 14)}),
        )


@pytest.mark.parametrize(
    "sessions",
    [
        (),
        ((time(11), time(8)),),
        ((time(7, 30), time(11, 30)), (time(11), time(17))),
    ],
)
def test_invalid_sessions_are_rejected(sessions: tuple[tuple[time, time], ...]) -> None:
    with pytest.raises(ValueError):
        WorkingCalendar(sessions=sessions)


def test_calendar_round_trips_through_dict() -> None:
    cal = WorkingCalendar(
        extra_holidays=frozenset({date(2026, 3, 10)}),
        swap_workdays=frozenset({date(2026, 3, 14)}),
        swap_days_off=frozenset({date(2026, 3, 16)}),
        sessions=((time(8), time(12)), (time(13), time(17))),
    )
    data = cal.to_dict()
    assert data["extra_holidays"] == ["2026-03-10"]
    assert data["sessions"] == [["08:00", "12:00"], ["13:00", "17:00"]]
    assert WorkingCalendar.from_dict(data) == cal
    assert WorkingCalendar.from_dict({}) == default_calendar()


@pytest.mark.parametrize(
    "data",
    [
        {"extra_holidays": ["2026-13-01"]},
        {"swap_workdays": [20260314]},
        {"sessions": [["7:30", "11:30"]]},
        {"sessions": [["07:30"]]},
        {"sessions": [["13:00", "12:00"]]},
        {"timezone": "Mars/Olympus"},
        {"extra_holiday": ["2026-03-10"]},  # typo of a field name
    ],
)
def test_bad_admin_calendar_data_raises_invalid_input(data: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        WorkingCalendar.from_dict(data)


def test_calendar_is_immutable() -> None:
    with pytest.raises(AttributeError):
        CAL.extra_holidays = frozenset()  # type: ignore[misc]


# ------------------------------------------------------------------------- properties


@PROPS
@given(t=INSTANTS, n=st.integers(min_value=0, max_value=40))
def test_adding_n_working_days_then_counting_gives_n(t: datetime, n: int) -> None:
    end = CAL.add_working_days(t, n)
    assert CAL.working_seconds_between(t, end) == n * DAY
    assert CAL.working_days_between(t, end) == n


@PROPS
@given(t=INSTANTS, n=st.integers(min_value=0, max_value=200))
def test_adding_n_working_hours_then_counting_gives_n(t: datetime, n: int) -> None:
    end = CAL.add_working_hours(t, n)
    assert CAL.working_seconds_between(t, end) == n * 3600


@PROPS
@given(t=INSTANTS, s=st.integers(min_value=1, max_value=30 * DAY))
def test_result_never_lands_on_holiday_weekend_or_outside_sessions(t: datetime, s: int) -> None:
    end = CAL.add_working_seconds(t, s)
    assert end > t
    assert CAL.is_working_day(CAL.local_date(end))
    assert canonical(CAL, end)


@PROPS
@given(t=INSTANTS, a=st.integers(0, 20 * DAY), b=st.integers(0, 20 * DAY))
def test_result_is_monotonic_in_amount(t: datetime, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert CAL.add_working_seconds(t, lo) <= CAL.add_working_seconds(t, hi)


@PROPS
@given(t1=INSTANTS, t2=INSTANTS, s=st.integers(0, 20 * DAY))
def test_result_is_monotonic_in_start(t1: datetime, t2: datetime, s: int) -> None:
    early, late = sorted((t1, t2))
    assert CAL.add_working_seconds(early, s) <= CAL.add_working_seconds(late, s)


@PROPS
@given(t=working_instants(strictly_inside=True), n=st.integers(min_value=1, max_value=40))
def test_n_days_from_inside_a_session_keeps_the_wall_time(t: datetime, n: int) -> None:
    end = local(CAL.add_working_days(t, n))
    assert end.time() == local(t).time()
    assert CAL.is_working_day(end.date())


@PROPS
@given(t=working_instants(), s=st.integers(min_value=0, max_value=20 * DAY))
def test_subtract_then_add_returns_to_a_working_instant(t: datetime, s: int) -> None:
    back = CAL.subtract_working_seconds(t, s)
    assert back <= t
    assert CAL.working_seconds_between(back, t) == s
    assert CAL.add_working_seconds(back, s) == t


@PROPS
@given(a=INSTANTS, b=INSTANTS)
def test_add_of_counted_time_never_overshoots(a: datetime, b: datetime) -> None:
    a, b = sorted(x.replace(microsecond=0) for x in (a, b))
    got = CAL.add_working_seconds(a, CAL.working_seconds_between(a, b))
    assert got <= b
    if canonical(CAL, b):
        assert got == b


@PROPS
@given(a=INSTANTS, b=INSTANTS, c=INSTANTS)
def test_counting_is_additive(a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted(x.replace(microsecond=0) for x in (a, b, c))
    total = CAL.working_seconds_between(a, c)
    assert CAL.working_seconds_between(a, b) + CAL.working_seconds_between(b, c) == total


@PROPS
@given(t=INSTANTS)
def test_next_working_instant_is_first_working_moment(t: datetime) -> None:
    got = CAL.next_working_instant(t)
    assert got >= t
    assert inside(CAL, got)
    assert CAL.working_seconds_between(t, got) == 0
    assert CAL.next_working_instant(got) == got


@st.composite
def province_calendars(draw: st.DrawFn) -> WorkingCalendar:
    days = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 3, 31))
    closures = draw(st.frozensets(days, max_size=8))
    swaps_on = draw(st.frozensets(days, max_size=4)) - closures
    swaps_off = draw(st.frozensets(days, max_size=4)) - swaps_on
    return WorkingCalendar(extra_holidays=closures, swap_workdays=swaps_on, swap_days_off=swaps_off)


@PROPS
@given(
    cal=province_calendars(),
    t=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2026, 3, 31), timezones=st.just(UTC)
    ),
    n=st.integers(min_value=1, max_value=15),
)
def test_closures_and_swaps_are_honoured(cal: WorkingCalendar, t: datetime, n: int) -> None:
    end = cal.add_working_days(t, n)
    end_day = cal.local_date(end)
    assert end_day not in cal.extra_holidays
    assert end_day not in cal.swap_days_off
    assert end_day.weekday() < 5 or end_day in cal.swap_workdays
    assert cal.is_working_day(end_day)
    assert cal.working_seconds_between(t, end) == n * cal.day_seconds
    for d in cal.swap_workdays:
        assert cal.is_working_day(d)
    for d in cal.extra_holidays | cal.swap_days_off:
        assert not cal.is_working_day(d)
