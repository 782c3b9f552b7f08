"""EventBridge schedule expressions, as the local stack's event pump fires them (UTC).

`cron(minute hour day-of-month month day-of-week year)` with `*`, `?`, numbers, names (JAN-DEC,
SUN-SAT with SUN=1 as in AWS), ranges, lists and steps; `rate(N minute(s)|hour(s)|day(s))`.
`L`, `W` and `#` are not supported locally.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime

_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}
_DAYS = {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}  # SUN=1
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")


def _cron_field(spec: str, lo: int, hi: int, names: Mapping[str, int] | None = None) -> set[int]:
    values: set[int] = set()
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, step_s = part.split("/", 1)
            step = int(step_s)
        if part in ("*", "?"):
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


def cron_matches(expression: str, at: datetime) -> bool:
    """Whether an EventBridge `cron(min hour dom month dow year)` (UTC) fires in `at`'s minute."""
    body = expression.strip()
    if not (body.startswith("cron(") and body.endswith(")")):
        raise ValueError(f"not a cron expression: {expression!r}")
    fields = body[5:-1].split()
    if len(fields) != 6:
        raise ValueError(f"cron needs 6 fields: {expression!r}")
    minute, hour, dom, month, dow, year = fields
    at = at.astimezone(UTC)
    aws_dow = (at.weekday() + 1) % 7 + 1  # Monday=0 in Python -> MON=2 in AWS
    day_ok = (dom == "?" or at.day in _cron_field(dom, 1, 31)) and (
        dow == "?" or aws_dow in _cron_field(dow, 1, 7, _DAYS)
    )
    return (
        at.minute in _cron_field(minute, 0, 59)
        and at.hour in _cron_field(hour, 0, 23)
        and at.month in _cron_field(month, 1, 12, _MONTHS)
        and at.year in _cron_field(year, 1970, 2199)
        and day_ok
    )


def rate_seconds(expression: str) -> int | None:
    """The period of a `rate(...)` expression, or None for anything else."""
    m = _RATE.match(expression.strip())
    if not m:
        return None
    unit = m.group(2).rstrip("s")
    return int(m.group(1)) * {"minute": 60, "hour": 3600, "day": 86400}[unit]
