"""Reminders to citizens (NĐ 224/2026 Đ16, proactive services, level 1): which are due for a
dossier at an instant.

Four kinds, each a deadline of the dossier and a lead counted in working days of the province's
calendar (Asia/Ho_Chi_Minh):

* `appointment`: the appointment to collect the result (`appointment_at`), while the dossier is
  received or being processed (statuses 2 and 4); 1 working day before by default.
* `supplement`: the applicant's deadline to complete the dossier (`supplement_due_at`) while it
  waits for the supplement after receipt (status 5); 2 working days before.
* `fee`: the deadline to pay a fee or financial obligation (`supplement_due_at`, which holds the
  fee's deadline in status 6); 2 working days before.
* `expiry`: the end of a result's validity (`result.valid_until`, a licence or permit) once the
  result is ready or handed over (statuses 9 and 10); 20 working days before, with a link to
  the procedure that renews it.

A reminder is due from the start of its reminder day (the working day `lead` working days before
the deadline's day) until the deadline itself, so a daily job that missed a day still sends it.
A reminder day on or before the day the wait (or the receipt) began is no reminder at all: the
citizen was just told the deadline. Each reminder has a stable key (dossier, kind, deadline
instant): sending it once per key makes the job idempotent, and a deadline that moves (a new
appointment after an extension, an appointment shifted by a pause) is a new reminder.

Pure: no boto3, no Chalice; the caller passes the calendar and the instant.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.statuses import DossierStatus

ReminderKind = Literal["appointment", "supplement", "fee", "expiry"]
KINDS: tuple[ReminderKind, ...] = ("appointment", "supplement", "fee", "expiry")

# Working days before the deadline's day on which the reminder goes out.
DEFAULT_LEAD_WORKING_DAYS: dict[ReminderKind, int] = {
    "appointment": 1,
    "supplement": 2,
    "fee": 2,
    "expiry": 20,
}

LABELS: dict[ReminderKind, tuple[str, str]] = {
    "appointment": (
        "Nhắc trước ngày hẹn trả kết quả",
        "Before the appointment to collect a result",
    ),
    "supplement": ("Nhắc trước hạn bổ sung hồ sơ", "Before the deadline to complete a dossier"),
    "fee": ("Nhắc trước hạn nộp phí, lệ phí", "Before the deadline to pay a fee"),
    "expiry": ("Nhắc trước khi giấy phép hết hạn", "Before a licence or permit expires"),
}

S = DossierStatus
_APPOINTMENT_STATUSES = frozenset({S.RECEIVED, S.PROCESSING})
_RESULT_STATUSES = frozenset({S.PROCESSED, S.RETURNED})


@dataclass(frozen=True)
class Reminder:
    """One reminder of one dossier: its kind, the deadline it is about, the day it goes out."""

    kind: ReminderKind
    dossier_id: str
    deadline: datetime
    remind_on: date  # local (province) date

    @property
    def key(self) -> str:
        """Stable: the same dossier, kind and deadline always give the same key."""
        return reminder_key(self.dossier_id, self.kind, self.deadline)


def reminder_key(dossier_id: str, kind: str, deadline: datetime) -> str:
    instant = deadline.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"reminder#{dossier_id}#{kind}#{instant}"


def remind_on(cal: WorkingCalendar, deadline: datetime, lead_working_days: int) -> date:
    """The working day `lead_working_days` working days before the deadline's day (0: that day,
    or the last working day before it when it is not one)."""
    day = cal.local_date(deadline)
    if lead_working_days <= 0:
        while not cal.is_working_day(day):
            day -= timedelta(days=1)
        return day
    remaining = lead_working_days
    while remaining > 0:
        day -= timedelta(days=1)
        if cal.is_working_day(day):
            remaining -= 1
    return day


def _open_pause_start(d: Dossier, kind: str) -> datetime | None:
    for p in reversed(d.pauses):
        if p.end is None and p.kind == kind:
            return p.start
    return None


def deadlines_of(d: Dossier) -> list[tuple[ReminderKind, datetime, datetime | None]]:
    """(kind, deadline, when the wait began) for what the dossier's status is waiting on."""
    if d.status in _APPOINTMENT_STATUSES and d.appointment_at is not None:
        return [("appointment", d.appointment_at, d.received_at)]
    if d.status is S.SUPPLEMENT_REQUESTED and d.received_at and d.supplement_due_at:
        return [("supplement", d.supplement_due_at, _open_pause_start(d, "supplement"))]
    if d.status is S.AWAITING_FEE and d.supplement_due_at is not None:
        return [("fee", d.supplement_due_at, _open_pause_start(d, "fee"))]
    if d.status in _RESULT_STATUSES and d.result is not None and d.result.valid_until is not None:
        return [("expiry", d.result.valid_until, d.finished_at)]
    return []


def due_reminders(
    d: Dossier,
    now: datetime,
    cal: WorkingCalendar,
    *,
    turned_off: Iterable[str] = (),
    lead: Mapping[ReminderKind, int] | None = None,
) -> list[Reminder]:
    """The reminders of `d` due at `now` (none for a kind the citizen turned off)."""
    leads = {**DEFAULT_LEAD_WORKING_DAYS, **(lead or {})}
    off = set(turned_off)
    today = cal.local_date(now)
    out: list[Reminder] = []
    for kind, deadline, began in deadlines_of(d):
        if kind in off or deadline <= now:
            continue
        day = remind_on(cal, deadline, leads[kind])
        if day > today:
            continue
        if began is not None and day <= cal.local_date(began):
            continue  # the citizen was told the deadline that day or later
        out.append(Reminder(kind, d.id, deadline, day))
    return out


# ---- the citizen's preferences ---------------------------------------------------------------
def check_preferences(values: Mapping[str, bool]) -> dict[ReminderKind, bool]:
    """Every kind on or off; a kind not named stays on; an unknown kind is a 400."""
    for name in values:
        if name not in KINDS:
            raise InvalidInput(
                f"Loại nhắc việc không hợp lệ: {name}.",
                f"Unknown reminder kind: {name}.",
                field=name,
            )
    return {k: bool(values.get(k, True)) for k in KINDS}


def turned_off(preferences: Mapping[str, bool] | None) -> frozenset[str]:
    """The kinds a stored preference turns off (nothing stored: every kind on)."""
    return frozenset(k for k in KINDS if (preferences or {}).get(k) is False)
