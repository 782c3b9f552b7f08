"""The dossier code `<unit code>-<YYMMDD>-<NNNN>` (TT 01/2018 Đ19; the layout is configurable).

The date is the receipt date in Vietnam time: 23:30 UTC is already the next day in Vietnam, and
the daily sequence restarts with the Vietnamese day, so both use `sequence_day`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache
from string import Formatter

from chalicelib.domain.calendar import VIETNAM_TZ
from chalicelib.domain.errors import InvalidInput

DEFAULT_FORMAT = "{unit}-{date:%y%m%d}-{seq:04d}"
UNIT_CODE_PATTERN = r"[A-Z0-9]+(?:\.[A-Z0-9]+)*"  # QCVN 102:2016-style, e.g. H15.50.05.13
_UNIT_RE = re.compile(rf"^{UNIT_CODE_PATTERN}$")
_DATE_DIRECTIVES = {"%Y": r"\d{4}", "%y": r"\d{2}", "%m": r"\d{2}", "%d": r"\d{2}"}
_SEQ_SPEC = re.compile(r"^0?(\d*)d$")


def is_valid_unit_code(unit: str) -> bool:
    return bool(_UNIT_RE.match(unit))


def _check_unit(unit: str) -> str:
    if not isinstance(unit, str) or not is_valid_unit_code(unit):
        raise InvalidInput(
            f"Mã đơn vị không hợp lệ: {unit!r}.",
            f"Invalid unit code: {unit!r} (expected e.g. H15.50.05.13).",
            field="unit",
        )
    return unit


def _vietnam_date(received_at: datetime) -> date:
    if received_at.tzinfo is None or received_at.tzinfo.utcoffset(received_at) is None:
        raise ValueError("naive datetime: the receipt time must be timezone-aware")
    return received_at.astimezone(VIETNAM_TZ).date()


def sequence_day(received_at: datetime) -> str:
    """YYMMDD of the receipt in Vietnam time: the day the daily sequence belongs to."""
    return _vietnam_date(received_at).strftime("%y%m%d")


def counter_of(unit: str, received_at: datetime) -> tuple[str, str]:
    """The daily counter a receipt takes its number from: the receiving unit (checked) and the
    Vietnamese day (`sequence_day`). The counter's key format is the store's
    (`store.sequences.sequence_key`)."""
    return _check_unit(unit), sequence_day(received_at)


def format_code(unit: str, received_at: datetime, seq: int, fmt: str = DEFAULT_FORMAT) -> str:
    """The code for the `seq`-th dossier (from 1) received by `unit` on that Vietnamese day.

    `fmt` is a Python format string over `{unit}`, `{date:...}` (a `date`) and `{seq:...}`.
    """
    _check_unit(unit)
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 1:
        raise InvalidInput(
            "Số thứ tự hồ sơ phải là số nguyên dương.",
            "The daily sequence number must be a positive integer.",
            field="seq",
        )
    try:
        return fmt.format(unit=unit, date=_vietnam_date(received_at), seq=seq)
    except (KeyError, IndexError) as exc:
        raise ValueError(f"dossier code format uses an unknown field: {exc}") from exc


@lru_cache(maxsize=16)
def _parser(fmt: str) -> tuple[re.Pattern[str], str]:
    """Compile `fmt` into a regex; returns (regex, strftime spec of the date field)."""
    parts: list[str] = []
    seen: set[str] = set()
    date_spec = ""
    for literal, name, spec, _conv in Formatter().parse(fmt):
        parts.append(re.escape(literal))
        if name is None:
            continue
        if name in seen or name not in {"unit", "date", "seq"}:
            raise ValueError(f"cannot parse codes of format {fmt!r}: field {name!r}")
        seen.add(name)
        spec = spec or ""
        if name == "unit":
            parts.append(f"(?P<unit>{UNIT_CODE_PATTERN})")
        elif name == "seq":
            match = _SEQ_SPEC.match(spec or "d")
            if match is None:
                raise ValueError(f"unsupported seq format {spec!r}")
            width = int(match.group(1) or 1)
            parts.append(rf"(?P<seq>\d{{{width},}})")
        else:
            date_spec = spec
            pattern = re.escape(spec)
            for directive, rx in _DATE_DIRECTIVES.items():
                pattern = pattern.replace(re.escape(directive), rx)
            if "%" in pattern:
                raise ValueError(f"unsupported date format {spec!r}")
            parts.append(f"(?P<date>{pattern})")
    if seen != {"unit", "date", "seq"}:
        raise ValueError(f"format {fmt!r} must contain unit, date and seq")
    return re.compile("^" + "".join(parts) + "$"), date_spec


def parse_code(code: str, fmt: str = DEFAULT_FORMAT) -> tuple[str, date, int]:
    """(unit, receipt date, sequence) of a code; InvalidInput when it is not a code."""
    regex, date_spec = _parser(fmt)
    match = regex.match(code.strip()) if isinstance(code, str) else None
    if match is None:
        raise InvalidInput(
            f"Mã hồ sơ không hợp lệ: {code!r}.", f"Invalid dossier code: {code!r}.", field="code"
        )
    try:
        received = datetime.strptime(match["date"], date_spec).date()
    except ValueError as exc:
        raise InvalidInput(
            f"Mã hồ sơ có ngày không hợp lệ: {code!r}.",
            f"The dossier code has an invalid date: {code!r}.",
            field="code",
        ) from exc
    seq = int(match["seq"])
    if seq < 1:
        raise InvalidInput(
            f"Mã hồ sơ có số thứ tự không hợp lệ: {code!r}.",
            f"The dossier code has an invalid sequence: {code!r}.",
            field="code",
        )
    return match["unit"], received, seq


MAX_CODE_LENGTH = 64  # far above any layout's code; longer input is not a code (nor a key)


def lookup_forms(typed: str) -> list[str]:
    """The codes to look for when a person types `typed`: trimmed as typed, then upper-cased.

    People copy a receipt's code with spaces around it or type it in lower case
    (`h33.50-261201-0001`); the codes issued are upper case (unit codes are), so the upper-cased
    form finds it. The trimmed form comes first for a layout with lower-case literals. Empty or
    overlong input gives no form at all (nothing to look up).
    """
    code = typed.strip() if isinstance(typed, str) else ""
    if not code or len(code) > MAX_CODE_LENGTH:
        return []
    return list(dict.fromkeys((code, code.upper())))
