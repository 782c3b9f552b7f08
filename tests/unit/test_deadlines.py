"""Deadlines: appointment, step plan, supplement pauses, the alarm chain and lateness."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.calendar import VIETNAM_TZ, WorkingCalendar, default_calendar
from chalicelib.domain.deadlines import (
    StepDeadline,
    Timer,
    add_pause,
    appointment_at,
    close_pause,
    is_late,
    lateness_working_days,
    next_timer,
    open_pause,
    paused_working_seconds,
    shift_by_pause,
    shift_for_pauses,
    step_schedule,
)
from chalicelib.domain.dossier import Pause
from chalicelib.domain.errors import Conflict, DomainError, InvalidInput
from chalicelib.domain.procedure import Duration, ProcessStep, TimeUnit

pytestmark = pytest.mark.unit

CAL = default_calendar()
DAY = CAL.day_seconds


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VIETNAM_TZ)


def local(t: datetime) -> datetime:
    return t.astimezone(VIETNAM_TZ)


def step(sid: str, days: int, agency: str = "H15.50", stage: int | None = None) -> ProcessStep:
    return ProcessStep(
        id=sid, name=sid, agency=agency, allowance=Duration(amount=days), stage=stage
    )


# -------------------------------------------------------------------------- appointment


def test_appointment_counts_from_receipt_inside_working_hours_dieu_7() -> None:
    got = appointment_at(vn(2026, 3, 9, 9, 0), Duration(amount=3), CAL)
    assert local(got) == vn(2026, 3, 12, 9, 0)


def test_received_after_hours_counts_from_next_working_time() -> None:
    # Friday 17:30 -> counts from Monday 07:30 -> 1 working day ends Monday 17:00.
    got = appointment_at(vn(2026, 3, 6, 17, 30), Duration(amount=1), CAL)
    assert local(got) == vn(2026, 3, 9, 17, 0)


def test_received_during_tet_counts_from_first_working_day_after() -> None:
    got = appointment_at(vn(2026, 2, 17, 10, 0), Duration(amount=2), CAL)
    assert local(got) == vn(2026, 2, 24, 17, 0)


def test_appointment_in_working_hours_allowance() -> None:
    hours = Duration(amount=8, unit=TimeUnit.WORKING_HOURS)
    got = appointment_at(vn(2026, 3, 9, 15, 0), hours, CAL)
    # 2 h Monday, 6 h Tuesday: 4 h morning + 2 h afternoon -> 15:30
    assert local(got) == vn(2026, 3, 10, 15, 30)


def test_appointment_is_utc_aware() -> None:
    got = appointment_at(vn(2026, 3, 9, 9, 0), Duration(amount=1), CAL)
    assert got.tzinfo is UTC


# ---------------------------------------------------------------------------- step plan


def test_each_step_starts_when_the_previous_is_due() -> None:
    steps = [step("review", 2), step("approve", 3, "H15.01"), step("sign", 1)]
    plan = step_schedule(vn(2026, 3, 9, 9, 0), steps, CAL)
    assert [p.step_id for p in plan] == ["review", "approve", "sign"]
    assert [p.agency for p in plan] == ["H15.50", "H15.01", "H15.50"]
    assert local(plan[0].start) == vn(2026, 3, 9, 9, 0)
    assert local(plan[0].due_at) == vn(2026, 3, 11, 9, 0)
    assert plan[1].start == plan[0].due_at
    assert plan[2].start == plan[1].due_at
    assert local(plan[2].due_at) == vn(2026, 3, 17, 9, 0)


def test_last_step_due_equals_appointment_when_allowances_sum_to_processing_time() -> None:
    received = vn(2026, 4, 24, 16, 0)  # straddles Hùng Kings (27/4) and 30/4-1/5
    plan = step_schedule(received, [step("a", 2), step("b", 4), step("c", 1)], CAL)
    assert plan[-1].due_at == appointment_at(received, Duration(amount=7), CAL)


def test_first_step_starts_at_next_working_instant() -> None:
    plan = step_schedule(vn(2026, 3, 7, 10, 0), [step("a", 1)], CAL)  # a Saturday
    assert local(plan[0].start) == vn(2026, 3, 9, 7, 30)
    assert local(plan[0].due_at) == vn(2026, 3, 9, 17, 0)


def test_warn_is_one_working_day_before_due() -> None:
    plan = step_schedule(vn(2026, 3, 9, 9, 0), [step("a", 3)], CAL)
    assert local(plan[0].warn_at) == vn(2026, 3, 11, 9, 0)
    assert CAL.working_seconds_between(plan[0].warn_at, plan[0].due_at) == DAY


def test_warn_is_never_before_step_start() -> None:
    plan = step_schedule(vn(2026, 3, 9, 9, 0), [step("a", 1), step("b", 1)], CAL)
    assert plan[0].warn_at == plan[0].start
    assert plan[1].warn_at == plan[1].start


def test_warn_lead_time_is_configurable() -> None:
    plan = step_schedule(vn(2026, 3, 9, 9, 0), [step("a", 5)], CAL, warn_before_working_days=2)
    assert CAL.working_seconds_between(plan[0].warn_at, plan[0].due_at) == 2 * DAY
    none = step_schedule(vn(2026, 3, 9, 9, 0), [step("a", 5)], CAL, warn_before_working_days=0)
    assert none[0].warn_at == none[0].due_at
    with pytest.raises(ValueError):
        step_schedule(vn(2026, 3, 9, 9, 0), [step("a", 5)], CAL, warn_before_working_days=-1)


def test_steps_of_a_parallel_stage_start_together_and_the_next_waits_for_the_longest() -> None:
    # The building permit's shape: review, then two departments' opinions at once, then signing.
    received = vn(2026, 3, 9, 9, 0)
    steps = [
        step("review", 10, "H33.30"),
        step("xd", 3, "H33.05", stage=1),
        step("tnmt", 4, "H33.06", stage=1),
        step("sign", 2, "H33.30"),
    ]
    plan = {p.step_id: p for p in step_schedule(received, steps, CAL)}
    assert list(plan) == ["review", "xd", "tnmt", "sign"]  # the order given
    # both opinions start when the review is due, each with its own allowance
    assert plan["xd"].start == plan["tnmt"].start == plan["review"].due_at
    assert CAL.working_seconds_between(plan["xd"].start, plan["xd"].due_at) == 3 * DAY
    assert CAL.working_seconds_between(plan["tnmt"].start, plan["tnmt"].due_at) == 4 * DAY
    # signing waits for the longer opinion, not for the sum of both
    assert plan["sign"].start == plan["tnmt"].due_at
    # so the plan ends with the appointment of 10 + 4 + 2 working days, not 10 + 3 + 4 + 2
    assert plan["sign"].due_at == appointment_at(received, Duration(amount=16), CAL)
    assert local(plan["sign"].due_at) == vn(2026, 3, 31, 9, 0)


def test_a_parallel_group_keeps_the_position_of_its_first_step() -> None:
    # Steps of one stage need not be listed next to each other: they still run together.
    received = vn(2026, 3, 9, 9, 0)
    steps = [step("a", 1, stage=1), step("b", 2), step("c", 3, stage=1)]
    plan = {p.step_id: p for p in step_schedule(received, steps, CAL)}
    assert plan["a"].start == plan["c"].start == CAL.next_working_instant(received)
    assert plan["b"].start == plan["c"].due_at


def test_step_deadline_is_a_frozen_model() -> None:
    plan = step_schedule(vn(2026, 3, 9, 9, 0), [step("a", 1)], CAL)
    assert isinstance(plan[0], StepDeadline)
    with pytest.raises(ValueError):
        plan[0].due_at = vn(2026, 3, 20)  # type: ignore[misc]


@settings(max_examples=40, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2025, 6, 1), max_value=datetime(2027, 6, 1), timezones=st.just(UTC)
    ),
    days=st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=5),
    warn=st.integers(min_value=0, max_value=3),
)
def test_step_plan_is_ordered_and_each_step_gets_its_allowance(
    start: datetime, days: list[int], warn: int
) -> None:
    plan = step_schedule(start, [step(f"s{i}", n) for i, n in enumerate(days)], CAL, warn)
    for p, n in zip(plan, days, strict=True):
        assert p.start <= p.warn_at <= p.due_at
        assert CAL.working_seconds_between(p.start, p.due_at) == n * DAY
    for earlier, later in pairwise(plan):
        assert later.start == earlier.due_at


# ------------------------------------------------------------------------------- pauses


def pause(start: datetime, end: datetime | None, reason: str = "bổ sung") -> Pause:
    return Pause(start=start, end=end, reason=reason)


def test_supplement_pause_shifts_deadline_dieu_7() -> None:
    due = vn(2026, 3, 13, 17, 0)  # Friday
    pauses = [pause(vn(2026, 3, 9, 9, 0), vn(2026, 3, 11, 9, 0))]  # two working days
    assert paused_working_seconds(pauses, CAL, vn(2026, 3, 20)) == 2 * DAY
    assert local(shift_for_pauses(due, pauses, CAL, vn(2026, 3, 20))) == vn(2026, 3, 17, 17, 0)


def test_open_pause_counts_until_now() -> None:
    pauses = [pause(vn(2026, 3, 9, 9, 0), None)]
    assert paused_working_seconds(pauses, CAL, vn(2026, 3, 9, 10, 30)) == 5400
    assert paused_working_seconds(pauses, CAL, vn(2026, 3, 10, 9, 0)) == DAY


def test_pause_over_weekend_and_holiday_counts_only_working_time() -> None:
    # Fri 13/2 16:00 -> Mon 23/2 08:30 across Tết: 1 h Friday + 1 h Monday.
    pauses = [pause(vn(2026, 2, 13, 16, 0), vn(2026, 2, 23, 8, 30))]
    assert paused_working_seconds(pauses, CAL, vn(2026, 3, 1)) == 7200


def test_overlapping_pauses_are_not_counted_twice() -> None:
    pauses = [
        pause(vn(2026, 3, 9, 8, 0), vn(2026, 3, 9, 10, 0)),
        pause(vn(2026, 3, 9, 9, 0), vn(2026, 3, 9, 11, 0)),
    ]
    assert paused_working_seconds(pauses, CAL, vn(2026, 3, 20)) == 3 * 3600


def test_no_pause_leaves_deadline_unchanged() -> None:
    due = vn(2026, 3, 13, 17, 0)
    assert shift_for_pauses(due, [], CAL, vn(2026, 3, 20)) == due
    assert paused_working_seconds([], CAL, vn(2026, 3, 20)) == 0


def test_add_pause_appends_an_open_pause_without_touching_the_input() -> None:
    first = [pause(vn(2026, 3, 2, 9), vn(2026, 3, 3, 9))]
    got = add_pause(first, vn(2026, 3, 9, 9), "thiếu giấy tờ")
    assert len(first) == 1
    assert got[0] is first[0]
    assert got[1].end is None
    assert got[1].reason == "thiếu giấy tờ"
    assert open_pause(got) is got[1]


def test_opening_a_pause_while_one_is_open_raises() -> None:
    pauses = add_pause([], vn(2026, 3, 9, 9), "a")
    with pytest.raises(DomainError) as info:
        add_pause(pauses, vn(2026, 3, 10, 9), "b")
    assert isinstance(info.value, Conflict)
    assert info.value.code == "pause_already_open"


def test_closing_sets_end_on_the_open_pause_only() -> None:
    closed_before = pause(vn(2026, 3, 2, 9), vn(2026, 3, 3, 9))
    pauses = add_pause([closed_before], vn(2026, 3, 9, 9), "b")
    got = close_pause(pauses, vn(2026, 3, 10, 9))
    assert got[0] is closed_before
    assert got[1].end == vn(2026, 3, 10, 9)
    assert pauses[1].end is None  # the input list's pause is not mutated
    assert open_pause(got) is None


def test_closing_with_no_open_pause_raises() -> None:
    with pytest.raises(DomainError) as info:
        close_pause([pause(vn(2026, 3, 2, 9), vn(2026, 3, 3, 9))], vn(2026, 3, 9))
    assert info.value.code == "no_open_pause"
    with pytest.raises(DomainError):
        close_pause([], vn(2026, 3, 9))


def test_pause_times_cannot_go_backwards() -> None:
    with pytest.raises(InvalidInput):
        close_pause(add_pause([], vn(2026, 3, 9, 9), "a"), vn(2026, 3, 9, 8))
    with pytest.raises(InvalidInput):
        add_pause([pause(vn(2026, 3, 2, 9), vn(2026, 3, 3, 9))], vn(2026, 3, 3, 8), "b")


def test_pause_then_resume_round_trip_shifts_by_exact_paused_time() -> None:
    pauses = add_pause([], vn(2026, 3, 10, 14, 0), "bổ sung")
    pauses = close_pause(pauses, vn(2026, 3, 12, 10, 0))
    paused = paused_working_seconds(pauses, CAL, vn(2026, 3, 20))
    assert paused == 3 * 3600 + DAY + 2.5 * 3600
    due = vn(2026, 3, 16, 17, 0)
    assert CAL.working_seconds_between(due, shift_for_pauses(due, pauses, CAL, vn(2026, 4, 1))) == (
        paused
    )


# ------------------------------------------------------------------------------- alarms

NOW = datetime(2026, 3, 9, 2, 0, tzinfo=UTC)


def _timer(
    fired: frozenset[str] = frozenset(), paused: bool = False, **times: datetime | None
) -> Timer:
    return next_timer(
        NOW,
        fired=fired,
        step_warn_at=times.get("sw"),
        step_due_at=times.get("sd"),
        dossier_warn_at=times.get("dw"),
        dossier_due_at=times.get("dd"),
        repeat_seconds=3600,
        paused=paused,
    )


def test_next_timer_is_the_earliest_alarm_not_yet_fired() -> None:
    t = _timer(sw=NOW + timedelta(seconds=100), sd=NOW + timedelta(seconds=150))
    assert (t.kind, t.after_seconds) == ("step_due_soon", 100)
    t = _timer(
        frozenset({"step_due_soon"}),
        sw=NOW + timedelta(seconds=100),
        sd=NOW + timedelta(seconds=150),
    )
    assert (t.kind, t.after_seconds) == ("step_overdue", 150)


def test_next_timer_past_alarms_fire_in_one_second_in_legal_order() -> None:
    at = NOW - timedelta(days=3)
    t = _timer(sw=at, sd=at, dw=at, dd=at)
    assert (t.kind, t.after_seconds) == ("step_due_soon", 1)
    t = _timer(frozenset({"step_due_soon"}), sw=at, sd=at, dw=at, dd=at)
    assert t.kind == "dossier_due_soon"  # equal times: due soon before overdue, step first


def test_next_timer_repeats_when_every_alarm_fired_and_waits_while_paused() -> None:
    every = frozenset({"step_due_soon", "step_overdue", "dossier_due_soon", "dossier_overdue"})
    at = NOW + timedelta(days=1)
    t = _timer(every, sw=at, sd=at, dw=at, dd=at)
    assert (t.kind, t.after_seconds) == ("repeat", 3600)
    assert _timer(paused=True, sw=NOW).kind == "paused"
    assert _timer().kind == "repeat"  # no dates at all


def test_next_timer_rounds_up_so_an_alarm_never_fires_early() -> None:
    t = _timer(sd=NOW + timedelta(seconds=10, microseconds=1))
    assert (t.kind, t.after_seconds) == ("step_overdue", 11)


def test_next_timer_rejects_naive_times() -> None:
    with pytest.raises(ValueError):
        next_timer(
            datetime(2026, 3, 9),
            fired=frozenset(),
            step_warn_at=None,
            step_due_at=None,
            dossier_warn_at=None,
            dossier_due_at=None,
            repeat_seconds=60,
        )


def test_shift_by_pause_moves_by_the_paused_working_time_only() -> None:
    start, end = vn(2026, 4, 24, 10), vn(2026, 5, 4, 10)  # over 30/4, 1/5 and a weekend
    pause = Pause(start=start, end=end, reason="bổ sung")
    due = vn(2026, 5, 6, 9)
    shifted = shift_by_pause(due, pause, CAL)
    assert shifted is not None
    assert CAL.working_seconds_between(due, shifted) == CAL.working_seconds_between(start, end)
    assert shift_by_pause(None, pause, CAL) is None
    assert shift_by_pause(due, Pause(start=start, reason="open"), CAL) == due


OFFSETS = st.integers(min_value=-5 * 86400, max_value=30 * 86400)


@settings(max_examples=80, deadline=None)
@given(sw=OFFSETS, sd=OFFSETS, dw=OFFSETS, dd=OFFSETS, micro=st.integers(0, 999_999))
def test_asking_the_timer_after_each_alarm_fires_every_alarm_once_in_order(
    sw: int, sd: int, dw: int, dd: int, micro: int
) -> None:
    times = {
        "step_due_soon": NOW + timedelta(seconds=sw, microseconds=micro),
        "step_overdue": NOW + timedelta(seconds=sd),
        "dossier_due_soon": NOW + timedelta(seconds=dw),
        "dossier_overdue": NOW + timedelta(seconds=dd),
    }
    now, fired, order = NOW, frozenset[str](), []
    for _ in range(4):
        t = next_timer(
            now,
            fired=fired,
            step_warn_at=times["step_due_soon"],
            step_due_at=times["step_overdue"],
            dossier_warn_at=times["dossier_due_soon"],
            dossier_due_at=times["dossier_overdue"],
            repeat_seconds=60,
        )
        assert t.after_seconds == max(1, math.ceil((times[t.kind] - now).total_seconds()))
        now += timedelta(seconds=t.after_seconds)
        assert now >= times[t.kind]  # never early
        fired, order = fired | {t.kind}, [*order, t.kind]
    assert sorted(order) == sorted(times)
    assert all(times[a] <= times[b] for a, b in pairwise(order))


# ----------------------------------------------------------------------------- lateness


def test_finishing_exactly_on_due_is_on_time() -> None:
    due = vn(2026, 3, 13, 17, 0)
    assert is_late(due, due) is False
    assert is_late(due + timedelta(seconds=1), due) is True
    assert is_late(due - timedelta(days=1), due) is False


def test_lateness_counts_working_days_only() -> None:
    due = vn(2026, 3, 13, 17, 0)  # Friday end of day
    assert lateness_working_days(vn(2026, 3, 16, 11, 15), due, CAL) == 0.5  # 3 h 45 of 7 h 30
    assert lateness_working_days(vn(2026, 3, 17, 17, 0), due, CAL) == 2.0
    assert lateness_working_days(vn(2026, 3, 12, 9, 0), due, CAL) == 0.0


def test_lateness_uses_the_given_calendar() -> None:
    closed = WorkingCalendar(extra_holidays=frozenset({vn(2026, 3, 16).date()}))
    due = vn(2026, 3, 13, 17, 0)
    assert lateness_working_days(vn(2026, 3, 17, 17, 0), due, closed) == 1.0
