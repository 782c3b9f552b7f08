"""EventBridge schedule expressions, as the local stack's event pump fires them (UTC).

The grammar (EventBridge's, less what is not supported locally):
- `rate(N unit)`: N > 0; the unit `minute`/`hour`/`day` for N = 1, `minutes`/`hours`/`days` above.
- `cron(minute hour day-of-month month day-of-week year)`: in each field `*`, a number, a range
  `a-b`, a list `a,b,...` and a step `x/n` (`*/n`, `a-b/n`, or `a/n` for n > 1: from a to the
  field's end). Names in month (JAN-DEC) and day-of-week (SUN-SAT, SUN=1 as in AWS), any case.
  `?` ("any") only in day-of-month or day-of-week, and exactly one of the two must be `?`.
  Ranges: minute 0-59, hour 0-23, day-of-month 1-31, month 1-12, day-of-week 1-7, year 1970-2199.
- Not supported locally: `L`, `W` and `#` (they raise, as every invalid expression does).

EventBridge reads cron in UTC: app.py's handlers say their Vietnam time (UTC+7) in their
docstrings and tests/unit/test_schedule_expr.py checks that the two agree.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}
_DAYS = {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}  # SUN=1
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def _cron_field(spec: str, lo: int, hi: int, names: Mapping[str, int] | None = None) -> set[int]:
    values: set[int] = set()
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, step_s = part.split("/", 1)
            step = int(step_s)
            if step < 1:
                raise ValueError(f"cron step in {spec!r} must be at least 1")
        if part == "*":
            start, end = lo, hi
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _cron_value(a, names), _cron_value(b, names)
        else:
            start = _cron_value(part, names)
            end = hi if step > 1 else start
        if not (lo <= start <= hi and lo <= end <= hi):
            raise ValueError(f"cron field {spec!r} is outside {lo}-{hi}")
        values.update(range(start, end + 1, step))
    return values


def _cron_value(token: str, names: Mapping[str, int] | None) -> int:
    token = token.upper()
    if names and token in names:
        return names[token]
    if not token.isdigit():
        raise ValueError(f"unsupported cron token {token!r} (L, W and # are not supported locally)")
    return int(token)


@dataclass(frozen=True)
class _Cron:
    """A cron expression's fields read into the values they allow (None for `?`)."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int] | None
    months: frozenset[int]
    weekdays: frozenset[int] | None
    years: frozenset[int]


@functools.lru_cache(maxsize=64)
def _parse_cron(expression: str) -> _Cron:
    body = expression.strip()
    if not (body.startswith("cron(") and body.endswith(")")):
        raise ValueError(f"not a cron expression: {expression!r}")
    fields = body[5:-1].split()
    if len(fields) != 6:
        raise ValueError(f"cron needs 6 fields: {expression!r}")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ValueError(f"exactly one of day-of-month and day-of-week must be '?': {expression!r}")
    return _Cron(
        minutes=frozenset(_cron_field(minute, 0, 59)),
        hours=frozenset(_cron_field(hour, 0, 23)),
        days=None if dom == "?" else frozenset(_cron_field(dom, 1, 31)),
        months=frozenset(_cron_field(month, 1, 12, _MONTHS)),
        weekdays=None if dow == "?" else frozenset(_cron_field(dow, 1, 7, _DAYS)),
        years=frozenset(_cron_field(year, 1970, 2199)),
    )


def cron_matches(expression: str, at: datetime) -> bool:
    """Whether an EventBridge `cron(min hour dom month dow year)` (UTC) fires in `at`'s minute.

    The whole expression is read before anything is compared, so an invalid one raises ValueError
    whatever `at` is.
    """
    cron = _parse_cron(expression)
    at = at.astimezone(UTC)
    aws_dow = (at.weekday() + 1) % 7 + 1  # Monday=0 in Python -> MON=2 in AWS
    return (
        at.minute in cron.minutes
        and at.hour in cron.hours
        and (cron.days is None or at.day in cron.days)
        and at.month in cron.months
        and (cron.weekdays is None or aws_dow in cron.weekdays)
        and at.year in cron.years
    )


def rate_seconds(expression: str) -> int | None:
    """The period of a `rate(...)` expression; None for anything that is not `rate(...)`.

    A malformed rate (0, an unknown unit, `rate(1 minutes)`, `rate(5 minute)`) raises ValueError.
    """
    body = expression.strip()
    if not body.startswith("rate("):
        return None
    m = _RATE.match(body)
    if not m:
        raise ValueError(f"not a valid rate expression: {expression!r}")
    count, unit = int(m.group(1)), m.group(2)
    if count < 1 or (count == 1) != (not unit.endswith("s")):
        raise ValueError(f"rate needs a count > 0, singular for 1, plural above: {expression!r}")
    return count * _UNIT_SECONDS[unit.rstrip("s")]
