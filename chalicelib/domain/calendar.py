"""The working-day calendar: every legal time limit is counted in working time, not clock time.

Model. A working day is the sum of its sessions (07:30-11:30 and 13:30-17:00 by default, 7.5 h),
in Vietnam time. "N working days" means N x that length of working time, so adding N days to an
instant strictly inside a session lands at the same wall time N working days later.

Positions. Think of a counter that runs only during sessions. Every instant has a position on it;
outside working hours the position stands still. All results are the *earliest* instant at the
wanted position, so a result that falls exactly on a session end lands on the end instant
(17:00, or 11:30 before the lunch break), never on the next morning. Consequences, all intended:

* ``add_working_days(Mon 07:30, 1)`` is Mon 17:00 (the whole of Monday), not Tue 07:30;
* ``add_working_seconds(t, s)`` for ``s > 0`` is strictly after ``t``; for ``s == 0`` it is ``t``;
* ``working_seconds_between(a, add_working_seconds(a, s)) == s`` for every ``a`` and ``s >= 0``;
* ``add_working_seconds(a, working_seconds_between(a, b)) == b`` whenever ``b`` is a canonical
  instant: strictly after a session start and at most its end (``start < b <= end``). A ``b``
  exactly on a session start comes back as the previous session's end (same position);
* an instant outside working hours counts from the next working time (an online dossier sent at
  night is received the next working morning), because its position equals that start's.

Day status, strongest rule first: ``swap_workdays`` (the province says: work) > ``swap_days_off``
and ``extra_holidays`` (the province says: closed) > national public holidays from the
``holidays`` package (with its observed and substituted days) > the package's own make-up
Saturdays (e.g. 2026-08-22) > Saturday and Sunday off.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.procedure import Duration, TimeUnit

VIETNAM_TZ_NAME = "Asia/Ho_Chi_Minh"
VIETNAM_TZ = ZoneInfo(VIETNAM_TZ_NAME)
DEFAULT_SESSIONS: tuple[tuple[time, time], ...] = (
    (time(7, 30), time(11, 30)),
    (time(13, 30), time(17, 0)),
)

_US = 1_000_000  # microseconds per second; positions are kept in integer microseconds
_ONE_DAY = timedelta(days=1)
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


@lru_cache(maxsize=256)
def _national(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """(public days off, make-up weekend workdays) for one year, from the `holidays` package.

    Cached per year: building the package's table is far slower than a set lookup.
    """
    table = holidays.country_holidays("VN", years=year)
    off = frozenset(d for d in table if d.year == year)
    workdays = frozenset(d for d in getattr(table, "weekend_workdays", ()) if d.year == year)
    return off, workdays


def national_days(year: int) -> dict[date, tuple[str, str]]:
    """The `holidays` package's Vietnamese public days off of `year` with their (vi, en) names,
    and its make-up Saturdays: what the administrator's month grid marks."""
    vi = holidays.country_holidays("VN", years=year, language="vi")
    en = holidays.country_holidays("VN", years=year, language="en_US")
    out = {d: (str(name), str(en.get(d) or name)) for d, name in vi.items() if d.year == year}
    for d in _national(year)[1]:
        out.setdefault(d, ("Ngày làm việc bù", "Make-up working day"))
    return out


def _aware(t: datetime) -> datetime:
    if t.tzinfo is None or t.tzinfo.utcoffset(t) is None:
        raise ValueError("naive datetime: working time needs a timezone-aware instant")
    return t


def _us_of_day(t: time) -> int:
    return ((t.hour * 60 + t.minute) * 60 + t.second) * _US + t.microsecond


def _parse_date(value: Any, key: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidInput(
        f"Ngày không hợp lệ trong “{key}”: {value!r}.",
        f"Invalid date in “{key}”: {value!r}.",
        field=key,
    )


def _parse_hhmm(value: Any) -> time:
    if isinstance(value, time):
        return value
    match = _HHMM.match(value) if isinstance(value, str) else None
    if match is None:
        raise InvalidInput(
            f"Giờ làm việc không hợp lệ: {value!r} (dạng HH:MM).",
            f"Invalid session time: {value!r} (expected HH:MM).",
            field="sessions",
        )
    return time(int(match.group(1)), int(match.group(2)))


@dataclass(frozen=True)
class WorkingCalendar:
    """Immutable working-time calendar of one province. Safe to share and cache."""

    extra_holidays: frozenset[date] = frozenset()
    swap_workdays: frozenset[date] = frozenset()
    swap_days_off: frozenset[date] = frozenset()
    sessions: tuple[tuple[time, time], ...] = DEFAULT_SESSIONS
    timezone: str = VIETNAM_TZ_NAME
    _tz: ZoneInfo = field(init=False, repr=False, compare=False)
    _spans: tuple[tuple[int, int], ...] = field(init=False, repr=False, compare=False)
    _day_us: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Accept any iterable of dates / sessions but store the immutable forms.
        for name in ("extra_holidays", "swap_workdays", "swap_days_off"):
            object.__setattr__(self, name, frozenset(getattr(self, name)))
        object.__setattr__(self, "sessions", tuple((s, e) for s, e in self.sessions))
        clash = self.swap_workdays & (self.swap_days_off | self.extra_holidays)
        if clash:
            raise ValueError(f"dates both working and off: {sorted(clash)}")
        if not self.sessions:
            raise ValueError("a working day needs at least one session")
        spans: list[tuple[int, int]] = []
        for start, end in self.sessions:
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("session times are wall times: no tzinfo")
            s, e = _us_of_day(start), _us_of_day(end)
            if s >= e:
                raise ValueError(f"session {start}-{end} must start before it ends")
            if spans and s < spans[-1][1]:
                raise ValueError("sessions must be sorted and must not overlap")
            spans.append((s, e))
        try:
            tz = ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {self.timezone!r}") from exc
        object.__setattr__(self, "_tz", tz)
        object.__setattr__(self, "_spans", tuple(spans))
        object.__setattr__(self, "_day_us", sum(e - s for s, e in spans))

    # ----------------------------------------------------------------- storage

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> WorkingCalendar:
        """Build from admin-entered JSON (see `to_dict`); bad data raises InvalidInput."""
        known = {"extra_holidays", "swap_workdays", "swap_days_off", "sessions", "timezone"}
        unknown = set(data) - known
        if unknown:
            raise InvalidInput(
                f"Trường lịch làm việc không hợp lệ: {sorted(unknown)}.",
                f"Unknown calendar fields: {sorted(unknown)}.",
                field=sorted(unknown)[0],
            )
        kwargs: dict[str, Any] = {}
        for key in ("extra_holidays", "swap_workdays", "swap_days_off"):
            kwargs[key] = frozenset(_parse_date(v, key) for v in data.get(key) or ())
        if data.get("sessions") is not None:
            sessions = []
            for pair in data["sessions"]:
                if not isinstance(pair, list | tuple) or len(pair) != 2:
                    raise InvalidInput(
                        "Mỗi buổi làm việc gồm giờ bắt đầu và giờ kết thúc.",
                        "Each session is a [start, end] pair.",
                        field="sessions",
                    )
                sessions.append((_parse_hhmm(pair[0]), _parse_hhmm(pair[1])))
            kwargs["sessions"] = tuple(sessions)
        if data.get("timezone"):
            kwargs["timezone"] = str(data["timezone"])
        try:
            return cls(**kwargs)
        except ValueError as exc:
            raise InvalidInput(
                f"Lịch làm việc không hợp lệ: {exc}.", f"Invalid calendar: {exc}."
            ) from exc

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form; `from_dict(to_dict())` gives an equal calendar."""
        return {
            "extra_holidays": sorted(d.isoformat() for d in self.extra_holidays),
            "swap_workdays": sorted(d.isoformat() for d in self.swap_workdays),
            "swap_days_off": sorted(d.isoformat() for d in self.swap_days_off),
            "sessions": [[s.strftime("%H:%M"), e.strftime("%H:%M")] for s, e in self.sessions],
            "timezone": self.timezone,
        }

    # ------------------------------------------------------------------- days

    @property
    def day_seconds(self) -> int:
        """Length of one working day in seconds (27000 = 7.5 h by default)."""
        return self._day_us // _US

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    def local_date(self, t: datetime) -> date:
        """The calendar date of an instant in the calendar's zone (Vietnam by default)."""
        return _aware(t).astimezone(self._tz).date()

    def is_working_day(self, d: date) -> bool:
        """Whether `d` has sessions; see the module docstring for which rule wins."""
        if isinstance(d, datetime):
            d = d.date()
        if d in self.swap_workdays:
            return True
        if d in self.swap_days_off or d in self.extra_holidays:
            return False
        off, makeup = _national(d.year)
        if d in off:
            return False
        if d in makeup:
            return True
        return d.weekday() < 5

    # ------------------------------------------------------------- internals

    def _local(self, t: datetime) -> tuple[date, int]:
        """(local date, microseconds since local midnight) of an aware instant."""
        loc = _aware(t).astimezone(self._tz)
        return loc.date(), _us_of_day(loc.time())

    def _offset(self, us: int) -> int:
        """Working microseconds of a working day already spent at wall time `us`."""
        done = 0
        for s, e in self._spans:
            if us <= s:
                break
            done += min(us, e) - s
        return done

    def _instant(self, d: date, offset: int) -> datetime:
        """Earliest instant on working day `d` whose day offset is `offset` (0 < offset <= day).

        Using `<=` makes an offset on a session boundary resolve to that session's end.
        """
        done = 0
        for s, e in self._spans:
            if offset <= done + (e - s):
                wall = s + (offset - done)
                local = datetime.combine(d, time(0), tzinfo=self._tz) + timedelta(microseconds=wall)
                return local.astimezone(UTC)
            done += e - s
        raise AssertionError("offset beyond the working day")  # pragma: no cover

    def _working_us_between(self, a: datetime, b: datetime) -> int:
        if _aware(b) <= _aware(a):
            return 0
        da, ua = self._local(a)
        db, ub = self._local(b)
        if da == db:
            return self._offset(ub) - self._offset(ua) if self.is_working_day(da) else 0
        total = self._day_us - self._offset(ua) if self.is_working_day(da) else 0
        d = da + _ONE_DAY
        while d < db:  # whole days: one set lookup each, never per second
            if self.is_working_day(d):
                total += self._day_us
            d += _ONE_DAY
        if self.is_working_day(db):
            total += self._offset(ub)
        return total

    def _add_us(self, t: datetime, amount: int) -> datetime:
        if amount == 0:
            return _aware(t).astimezone(UTC)
        if amount < 0:
            return self._sub_us(t, -amount)
        d, us = self._local(t)
        remaining = amount
        if self.is_working_day(d):
            offset = self._offset(us)
            if offset + remaining <= self._day_us:
                return self._instant(d, offset + remaining)
            remaining -= self._day_us - offset
        while True:
            d += _ONE_DAY
            if self.is_working_day(d):
                if remaining <= self._day_us:
                    return self._instant(d, remaining)
                remaining -= self._day_us

    def _sub_us(self, t: datetime, amount: int) -> datetime:
        if amount == 0:
            return _aware(t).astimezone(UTC)
        if amount < 0:
            return self._add_us(t, -amount)
        d, us = self._local(t)
        remaining = amount
        if self.is_working_day(d):
            offset = self._offset(us)
            if offset - remaining > 0:
                return self._instant(d, offset - remaining)
            remaining -= offset
        # Offset 0 of a day has the same position as the previous working day's end (earliest).
        while True:
            d -= _ONE_DAY
            if self.is_working_day(d):
                if remaining < self._day_us:
                    return self._instant(d, self._day_us - remaining)
                remaining -= self._day_us

    # ------------------------------------------------------------- operations

    def next_working_instant(self, t: datetime) -> datetime:
        """`t` if inside a session [start, end), else the start of the next session (UTC).

        An online dossier sent at 17:00, at night or on a holiday counts from this instant.
        """
        d, us = self._local(t)
        if self.is_working_day(d):
            for s, e in self._spans:
                if us < s:
                    return self._instant_at_wall(d, s)
                if us < e:
                    return _aware(t).astimezone(UTC)
        while True:
            d += _ONE_DAY
            if self.is_working_day(d):
                return self._instant_at_wall(d, self._spans[0][0])

    def _instant_at_wall(self, d: date, wall_us: int) -> datetime:
        local = datetime.combine(d, time(0), tzinfo=self._tz) + timedelta(microseconds=wall_us)
        return local.astimezone(UTC)

    def add_working_seconds(self, t: datetime, seconds: int) -> datetime:
        """`t` plus `seconds` of working time (negative subtracts). Result is UTC-aware.

        Counting starts at `next_working_instant(t)`; a result on a session end stays there.
        """
        return self._add_us(t, int(seconds) * _US)

    def subtract_working_seconds(self, t: datetime, seconds: int) -> datetime:
        """`t` minus `seconds` of working time; the earliest instant at that position (UTC).

        So `subtract(Fri 17:00, 1 day)` is Thu 17:00, and `add(subtract(t, s), s) == t` for a
        canonical `t` (start < t <= end of a session).
        """
        return self._sub_us(t, int(seconds) * _US)

    def add_working_days(self, t: datetime, n: float) -> datetime:
        """`t` plus `n` working days (n x day length of working time)."""
        return self._add_us(t, round(n * self._day_us))

    def add_working_hours(self, t: datetime, n: float) -> datetime:
        """`t` plus `n` hours of working time."""
        return self._add_us(t, round(n * 3600 * _US))

    def add(self, t: datetime, duration: Duration) -> datetime:
        """`t` plus a procedure's legal allowance (working days or working hours)."""
        if duration.unit is TimeUnit.WORKING_HOURS:
            return self.add_working_hours(t, duration.amount)
        return self.add_working_days(t, duration.amount)

    def duration_seconds(self, duration: Duration) -> int:
        """Working seconds in an allowance (what `add` adds)."""
        if duration.unit is TimeUnit.WORKING_HOURS:
            return duration.amount * 3600
        return duration.amount * self.day_seconds

    def working_seconds_between(self, a: datetime, b: datetime) -> int:
        """Whole seconds of working time in [a, b); 0 if b <= a."""
        return self._working_us_between(a, b) // _US

    def working_days_between(self, a: datetime, b: datetime) -> float:
        """Working time in [a, b) in working days (seconds / day length); 0.0 if b <= a."""
        return self._working_us_between(a, b) / self._day_us

    def working_days_in(self, start: date, end: date) -> Iterable[date]:
        """Working days d with start <= d < end (for reports and the admin's preview)."""
        d = start
        while d < end:
            if self.is_working_day(d):
                yield d
            d += _ONE_DAY


@lru_cache(maxsize=1)
def default_calendar() -> WorkingCalendar:
    """National holidays and default sessions only; shared (the calendar is immutable)."""
    return WorkingCalendar()
