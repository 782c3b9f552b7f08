"""Legal deadlines of a dossier: appointment, per-step plan, clock pauses and the alarm chain.

All instants are timezone-aware; results are UTC. Working time comes from `WorkingCalendar`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Pause
from chalicelib.domain.errors import Conflict, InvalidInput
from chalicelib.domain.procedure import Duration, ProcessStep, group_stages

AlarmKind = Literal["step_due_soon", "step_overdue", "dossier_due_soon", "dossier_overdue"]

# Tie order at equal times: "due soon" before "overdue", then step before dossier.
_ALARM_RANK: dict[str, int] = {
    "step_due_soon": 0,
    "dossier_due_soon": 1,
    "step_overdue": 2,
    "dossier_overdue": 3,
}


def _aware(t: datetime) -> datetime:
    if t.tzinfo is None or t.tzinfo.utcoffset(t) is None:
        raise ValueError("naive datetime")
    return t.astimezone(UTC)


# ------------------------------------------------------------------ appointment and steps


def appointment_at(
    received_at: datetime, processing_time: Duration, cal: WorkingCalendar
) -> datetime:
    """The appointment (ngày hẹn trả): valid receipt, snapped to working time, plus the allowance.

    Đ7: processing time runs from the desk's receipt of a valid dossier; a receipt outside working
    hours counts from the next working instant.
    """
    return cal.add(cal.next_working_instant(received_at), processing_time)


class StepDeadline(BaseModel):
    """The planned window of one agency step, fixed at receipt time."""

    model_config = ConfigDict(frozen=True)

    step_id: str
    agency: str
    start: AwareDatetime
    due_at: AwareDatetime
    warn_at: AwareDatetime


def step_schedule(
    start: datetime,
    steps: Sequence[ProcessStep],
    cal: WorkingCalendar,
    warn_before_working_days: float = 1,
) -> list[StepDeadline]:
    """Plan the steps stage by stage, as the workflow runs them (`procedure.group_stages`).

    The steps of one stage (a parallel group: the same `stage` number) start together; the next
    stage starts when the longest of them is due. The first stage starts at
    `next_working_instant(start)`; a later stage starts exactly at the previous stage's latest
    `due_at` (possibly a session end such as 17:00, which has the same working position as the
    next morning). `warn_at` is `warn_before_working_days` of working time before `due_at`, never
    before the step's start. The plan lists the steps in the order given.

    Planning a parallel group one step after the other put the last steps after the appointment
    the citizen was given (issue 25).
    """
    if warn_before_working_days < 0:
        raise ValueError("warn_before_working_days must be >= 0")
    warn_seconds = round(warn_before_working_days * cal.day_seconds)
    planned: dict[str, StepDeadline] = {}
    current = cal.next_working_instant(start)
    for stage in group_stages(steps):
        ends: list[datetime] = []
        for step in stage:
            due = cal.add(current, step.allowance)
            warn = max(current, cal.subtract_working_seconds(due, warn_seconds))
            planned[step.id] = StepDeadline(
                step_id=step.id, agency=step.agency, start=current, due_at=due, warn_at=warn
            )
            ends.append(due)
        current = max(ends)
    return [planned[step.id] for step in steps]


# ----------------------------------------------------------------------------- pauses


def _merged(pauses: Sequence[Pause], now: datetime) -> list[tuple[datetime, datetime]]:
    """Pause intervals with open ones ending at `now`, overlaps merged so nothing counts twice."""
    spans = sorted((_aware(p.start), _aware(p.end) if p.end is not None else now) for p in pauses)
    merged: list[tuple[datetime, datetime]] = []
    for s, e in spans:
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def paused_working_seconds(pauses: Sequence[Pause], cal: WorkingCalendar, now: datetime) -> int:
    """Working seconds the legal clock stood still (supplement time is excluded, Đ7 / QĐ 766).

    An open pause counts until `now`.
    """
    now = _aware(now)
    return sum(cal.working_seconds_between(s, e) for s, e in _merged(pauses, now))


def shift_for_pauses(
    deadline: datetime, pauses: Sequence[Pause], cal: WorkingCalendar, now: datetime
) -> datetime:
    """The deadline moved later by the paused working time (unchanged when nothing paused)."""
    return cal.add_working_seconds(_aware(deadline), paused_working_seconds(pauses, cal, now))


def open_pause(pauses: Sequence[Pause]) -> Pause | None:
    """The pause still running, if any (at most one, enforced by `add_pause`)."""
    return next((p for p in reversed(pauses) if p.end is None), None)


def add_pause(
    pauses: Sequence[Pause], start: datetime, reason: str, kind: str = "supplement"
) -> list[Pause]:
    """A new list with an open pause appended; the list is append-only.

    Raises Conflict (a DomainError) if a pause is already open, InvalidInput if `start` is before
    the end of the last pause (pauses never overlap or rewrite the past).
    """
    start = _aware(start)
    if open_pause(pauses) is not None:
        raise Conflict(
            "Hồ sơ đang tạm dừng tính thời gian, không thể tạm dừng thêm.",
            "The dossier clock is already paused.",
            code="pause_already_open",
        )
    last_end = max((_aware(p.end) for p in pauses if p.end is not None), default=None)
    if last_end is not None and start < last_end:
        raise InvalidInput(
            "Thời điểm tạm dừng trước khi lần tạm dừng trước kết thúc.",
            "A pause cannot start before the previous pause ended.",
            field="start",
        )
    return [*pauses, Pause(start=start, end=None, reason=reason, kind=kind)]


def close_pause(pauses: Sequence[Pause], end: datetime) -> list[Pause]:
    """A new list where the open pause gets its `end`; earlier entries are left untouched.

    Raises Conflict if no pause is open, InvalidInput if `end` is before the pause's start.
    """
    end = _aware(end)
    current = open_pause(pauses)
    if current is None:
        raise Conflict(
            "Hồ sơ không có lần tạm dừng nào đang mở.",
            "There is no open pause to close.",
            code="no_open_pause",
        )
    if end < _aware(current.start):
        raise InvalidInput(
            "Thời điểm kết thúc tạm dừng trước thời điểm bắt đầu.",
            "A pause cannot end before it starts.",
            field="end",
        )
    return [p.model_copy(update={"end": end}) if p is current else p for p in pauses]


# ------------------------------------------------------------------------------ alarms


# ---------------------------------------------------------------------------- lateness


def is_late(finished_at: datetime, due_at: datetime) -> bool:
    """Late means finished strictly after the due instant; finishing exactly on it is on time."""
    return _aware(finished_at) > _aware(due_at)


def lateness_working_days(
    finished_or_now: datetime, due_at: datetime, cal: WorkingCalendar
) -> float:
    """How late, in working days (0.0 when on time); weekends and holidays do not count."""
    return cal.working_days_between(due_at, finished_or_now)


# --------------------------------------------------------------------- the step timer

TimerKind = Literal[
    "step_due_soon", "step_overdue", "dossier_due_soon", "dossier_overdue", "repeat", "paused"
]


class Timer(BaseModel):
    """The next deadline a waiting step should wake up for (the Timer's answer on the wire is
    `chalicelib.workflow.messages.NextTimer`)."""

    model_config = ConfigDict(frozen=True)

    kind: TimerKind
    after_seconds: int = Field(ge=1)


def next_timer(
    now: datetime,
    *,
    fired: frozenset[str],
    step_warn_at: datetime | None,
    step_due_at: datetime | None,
    dossier_warn_at: datetime | None,
    dossier_due_at: datetime | None,
    repeat_seconds: int,
    paused: bool = False,
) -> Timer:
    """The earliest alarm not yet fired, counted from `now`; else a repeat reminder.

    The workflow asks again after every alarm and whenever dates move (a pause ends, an extension
    is approved), so a single next alarm is enough and never goes stale. While the clock is paused
    nothing is due: the step only re-checks every `repeat_seconds`. A past alarm fires in 1 second.
    """
    if paused:
        return Timer(kind="paused", after_seconds=repeat_seconds)
    now = _aware(now)
    candidates: tuple[tuple[AlarmKind, datetime | None], ...] = (
        ("step_due_soon", step_warn_at),
        ("step_overdue", step_due_at),
        ("dossier_due_soon", dossier_warn_at),
        ("dossier_overdue", dossier_due_at),
    )
    pending = sorted(
        (_aware(at), _ALARM_RANK[kind], kind)
        for kind, at in candidates
        if at is not None and kind not in fired
    )
    if not pending:
        return Timer(kind="repeat", after_seconds=repeat_seconds)
    at, _rank, kind = pending[0]
    return Timer(kind=kind, after_seconds=max(1, math.ceil((at - now).total_seconds())))


def shift_by_pause(
    deadline: datetime | None, pause: Pause, cal: WorkingCalendar
) -> datetime | None:
    """A deadline moved later by one closed pause's working time (Đ: the clock stood still)."""
    if deadline is None or pause.end is None:
        return deadline
    return cal.add_working_seconds(
        _aware(deadline), cal.working_seconds_between(pause.start, pause.end)
    )


def warn_at(
    calendar: WorkingCalendar, warn_days: float, due: datetime, start: datetime
) -> datetime:
    """When a due-soon warning fires: `warn_days` working days before `due`, not before `start`."""
    seconds = round(warn_days * calendar.day_seconds)
    return max(start, calendar.subtract_working_seconds(due, seconds))
