"""Numbers as people type them into an e-form: Vietnamese thousands separators, never a guess.

Vietnamese write five hundred million as "500.000.000" (or "500 000 000") and one and a half as
"1,5"; English habits give "500,000,000" and "1.5". `parse_number` reads all of these where only
one reading is possible, and refuses what could mean two numbers ("1,500": 1,5 or 1.500?) with a
message that shows both, so an amount is never silently changed. `normalise_form` applies it to
the string values of a JSON Schema's number/integer properties before the schema is checked, so
an API caller gets the same reading as the web form (web/js/natural.js mirrors these rules; the
shared cases are in tests/number_cases.py).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal
from typing import Any, Literal

from chalicelib.domain.errors import InvalidInput

# More digits than this cannot be held exactly by a browser's number (2**53 has 16).
MAX_DIGITS = 15
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]")
_CURRENCY = re.compile(r"\s*(?:đồng|đ|vnđ|vnd)\.?$", re.IGNORECASE)
_SHAPE = re.compile(r"^\d+(?:[., ]\d+)*$")

Reason = Literal["not_number", "not_integer", "ambiguous", "too_long"]


class NumberProblem(Exception):
    """Why a text is not a number; `readings` holds the two meanings of an ambiguous one."""

    def __init__(self, reason: Reason, readings: tuple[str, str] = ("", "")) -> None:
        super().__init__(reason)
        self.reason: Reason = reason
        self.readings = readings


def group_vi(digits: str) -> str:
    """'1500000' -> '1.500.000' (Vietnamese grouping of an integer's digits)."""
    head = len(digits) % 3 or 3
    return ".".join([digits[:head], *(digits[i : i + 3] for i in range(head, len(digits), 3))])


def _grouped(groups: list[str]) -> bool:
    """Groups of a thousands-separated integer: 1-3 digits without a leading zero, then threes."""
    first = groups[0]
    return (
        1 <= len(first) <= 3 and not first.startswith("0") and all(len(g) == 3 for g in groups[1:])
    )


def _value(whole: str, fraction: str, integer: bool) -> int | float:
    if len((whole + fraction).lstrip("0")) > MAX_DIGITS:
        raise NumberProblem("too_long")
    if fraction.strip("0") == "":
        return int(whole)
    if integer:
        raise NumberProblem("not_integer")
    return float(Decimal(f"{whole}.{fraction}"))


def _ambiguous(whole: str, fraction: str) -> NumberProblem:
    """'1,500' -> the readings '1.500' (thousands) and '1,5' (a decimal), Vietnamese-written."""
    decimal = fraction.rstrip("0")
    return NumberProblem(
        "ambiguous", (group_vi(whole + fraction), f"{whole},{decimal}" if decimal else whole)
    )


def parse_number(text: str, *, integer: bool) -> int | float:
    """The number `text` means, or NumberProblem. An integer field reads a lone "." before three
    digits as thousands (Vietnamese "1.500"); a lone "," before three digits is ambiguous."""
    s = unicodedata.normalize("NFC", str(text)).strip()
    s = _CURRENCY.sub("", s).strip()
    sign = -1 if s[:1] in ("-", "−") else 1
    if s[:1] in ("-", "−", "+"):
        s = s[1:].lstrip()
    s = _SPACES.sub(" ", s)
    if not _SHAPE.match(s):
        raise NumberProblem("not_number")
    seps = re.findall(r"[., ]", s)
    kinds = list(dict.fromkeys(seps))
    groups = re.split(r"[., ]", s)
    if not seps:
        n = _value(s, "", integer)
    elif len(kinds) == 1 and (len(seps) > 1 or kinds[0] == " "):
        if not _grouped(groups):
            raise NumberProblem("not_number")
        n = _value("".join(groups), "", integer)
    elif len(kinds) == 1:  # one "." or one ","
        whole, fraction = groups
        if len(fraction) == 3 and _grouped(groups):
            if kinds[0] == "." and integer:
                n = _value(whole + fraction, "", integer)
            else:
                raise _ambiguous(whole, fraction)
        else:
            n = _value(whole, fraction, integer)
    elif len(kinds) == 2 and seps.count(seps[-1]) == 1 and seps[-1] != " ":
        # thousands with one kind, then the decimal part after the other ("1.500,5", "1,500.5");
        # three digits after it may be one more group written with another mark ("1 500.000")
        *head, fraction = groups
        if not _grouped(head):
            raise NumberProblem("not_number")
        if len(fraction) == 3:
            raise _ambiguous("".join(head), fraction)
        n = _value("".join(head), fraction, integer)
    else:
        raise NumberProblem("not_number")
    return sign * n if n else n


def _message(problem: NumberProblem, label: str, text: str) -> tuple[str, str]:
    """(Vietnamese, English) text for a field's number problem."""
    if problem.reason == "ambiguous":
        a, b = problem.readings
        return (
            f"Trường {label}: “{text}” có thể hiểu là {a} hoặc {b}. Hãy viết rõ: dấu chấm ngăn "
            f"cách hàng nghìn ({a}), dấu phẩy trước phần thập phân ({b}).",
            f"Field {label}: “{text}” could mean {a} or {b}. Write it the Vietnamese way: a dot "
            f"between thousands ({a}), a comma before decimals ({b}).",
        )
    if problem.reason == "not_integer":
        return (f"Trường {label} phải là số nguyên.", f"Field {label} must be a whole number.")
    if problem.reason == "too_long":
        return (
            f"Trường {label} có quá {MAX_DIGITS} chữ số.",
            f"Field {label} has more than {MAX_DIGITS} digits.",
        )
    return (
        f"Trường {label} phải là một số, ví dụ 500.000.000 hoặc 12,5.",
        f"Field {label} must be a number, e.g. 500.000.000 or 12,5.",
    )


# ---- text as people type it ---------------------------------------------------------------
# A schema property may name how its text is typed (`x-normalize`); the value is rewritten to the
# one form its pattern expects before the schema is checked. web/js/forms.js mirrors these rules.
TextKind = Literal["digits", "phone", "upper", "code", "month", "time", "size"]
TEXT_KINDS: tuple[str, ...] = ("digits", "phone", "upper", "code", "month", "time", "size")
_SEPARATORS = re.compile(r"[\s\u00a0\u202f\u2009.\-()]")
_MONTH_TYPED = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_TIME_TYPED = re.compile(r"^(\d{1,2})\s*(?:[:hg.]|giờ)\s*(\d{2})?\s*(?:phút|p)?$", re.IGNORECASE)
_SIZE_TYPED = re.compile(r"^(\d{1,2}(?:[.,]\d)?)\s*[x×*]\s*(\d{1,2}(?:[.,]\d)?)\s*(?:cm)?$", re.I)


def nfc(text: str) -> str:
    """Composed Vietnamese: some keyboards send "ệ" as e + two marks, which no pattern matches."""
    return unicodedata.normalize("NFC", text)


def normalise_text(kind: str, text: str) -> str:
    """`text` in the one form a pattern of `kind` expects, or as typed (trimmed, NFC) when it cannot
    be read: the schema's own message then says what is expected. Never guesses a digit.

    digits: "0790 9000 1234", "079.090.001.234" -> "079090001234"; phone: "0912 345 678",
    "(+84) 912.345.678" -> "0912345678" / "+84912345678"; upper: "john smith" -> "JOHN SMITH";
    code: "c 123 4567" -> "C1234567"; month: "3/2015", "03-2015" -> "03/2015"; time: "8:30",
    "8h30", "8 giờ 30", "8h" -> "08:30", "08:00"; size: "14,5 x 20,5 cm" -> "14.5x20.5".
    """
    s = " ".join(nfc(text).split())
    if kind == "digits":
        bare = _SEPARATORS.sub("", s)
        return bare if bare.isdigit() else s
    if kind == "phone":
        bare = _SEPARATORS.sub("", s)
        if bare.startswith("+84") and bare[3:].isdigit():
            return "+84" + bare[3:].removeprefix("0")
        return bare if bare.isdigit() else s
    if kind == "upper":
        return s.upper()
    if kind == "code":
        return s.replace(" ", "").upper()
    if kind == "month":
        m = _MONTH_TYPED.match(s)
        if m and 1 <= int(m[1]) <= 12:
            return f"{int(m[1]):02d}/{m[2]}"
        return s.lower() if s.lower() == "nay" else s
    if kind == "time":
        m = _TIME_TYPED.match(s)
        if m and int(m[1]) <= 23 and int(m[2] or 0) <= 59:
            return f"{int(m[1]):02d}:{int(m[2] or 0):02d}"
        return s
    if kind == "size":
        m = _SIZE_TYPED.match(s)
        if m:
            return f"{m[1].replace(',', '.')}x{m[2].replace(',', '.')}"
        return s
    return s


def _types(prop: dict[str, Any]) -> set[str]:
    t = prop.get("type")
    return set(t) if isinstance(t, list) else {t} if isinstance(t, str) else set()


def _walk(schema: Any, value: Any, path: list[str]) -> Any:
    if not isinstance(schema, dict):
        return value
    if isinstance(value, dict):
        props = schema.get("properties")
        if not isinstance(props, dict):
            return value
        return {k: _walk(props.get(k), v, [*path, k]) for k, v in value.items()}
    if isinstance(value, list):
        items = schema.get("items")
        return [_walk(items, v, [*path, str(i)]) for i, v in enumerate(value)]
    types = _types(schema)
    if isinstance(value, str) and "string" in types:
        kind = schema.get("x-normalize")  # any text is stored composed (NFC), as patterns are
        return normalise_text(kind, value) if isinstance(kind, str) else nfc(value)
    if not isinstance(value, str) or not types & {"number", "integer"}:
        return value
    if value.strip() == "":
        return value  # left to the schema (required / type), like any other empty answer
    try:
        return parse_number(value, integer="number" not in types)
    except NumberProblem as problem:
        name = ".".join(path)
        title = schema.get("title")
        vi, en = _message(problem, f"“{title or name}”", value.strip())
        raise InvalidInput(vi, en, code="invalid_form", field=f"form_data.{name}") from None


def normalise_form(schema: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
    """`data` with every string typed into a number/integer property read as that number and every
    text of a property with `x-normalize` in its expected form (a new dict; numbers, other types and
    unknown keys are left for the schema check). Raises
    InvalidInput naming `form_data.<path>` for a value that is no number or could be two."""
    out = _walk(schema, data, [])
    return out if isinstance(out, dict) else data
