"""Dossier codes `<unit>-<YYMMDD>-<NNNN>`: Vietnam date, daily sequence key, parsing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.calendar import VIETNAM_TZ
from chalicelib.domain.dossier_code import (
    DEFAULT_FORMAT,
    counter_of,
    format_code,
    is_valid_unit_code,
    lookup_forms,
    parse_code,
    sequence_day,
)
from chalicelib.domain.errors import InvalidInput
from chalicelib.store.sequences import sequence_key

pytestmark = pytest.mark.unit


def test_default_code_is_unit_date_and_four_digit_sequence() -> None:
    received = datetime(2026, 11, 30, 9, 15, tzinfo=VIETNAM_TZ)
    assert format_code("H15.50", received, 1) == "H15.50-261130-0001"
    assert format_code("H15.50.05.13", received, 123) == "H15.50.05.13-261130-0123"


def test_code_date_is_the_receipt_day_in_vietnam_time() -> None:
    late_utc = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)  # 06:30 on 30/11 in Vietnam
    assert format_code("H15.50", late_utc, 7) == "H15.50-261130-0007"
    assert sequence_day(late_utc) == "261130"
    early_utc = datetime(2026, 11, 29, 16, 59, tzinfo=UTC)  # 23:59 on 29/11 in Vietnam
    assert sequence_day(early_utc) == "261129"


def test_sequence_key_names_the_units_daily_counter() -> None:
    received = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    assert counter_of("000.00.15.H15", received) == ("000.00.15.H15", "261130")  # the rule
    assert sequence_key("000.00.15.H15", received) == "SEQ#000.00.15.H15#261130"  # the key


def test_sequence_above_9999_widens_and_still_parses() -> None:
    code = format_code("H15", datetime(2026, 1, 5, 9, tzinfo=VIETNAM_TZ), 10_000)
    assert code == "H15-260105-10000"
    assert parse_code(code) == ("H15", date(2026, 1, 5), 10_000)


@pytest.mark.parametrize("unit", ["H15.50.05.13", "000.00.15.H15", "H15", "G01.12"])
def test_qcvn_102_unit_codes_are_valid(unit: str) -> None:
    assert is_valid_unit_code(unit) is True


@pytest.mark.parametrize("unit", ["", "h15.50", "H15..50", ".H15", "H15.", "H15-50", "H 15", "Đ1"])
def test_invalid_unit_codes_are_rejected(unit: str) -> None:
    assert is_valid_unit_code(unit) is False
    with pytest.raises(InvalidInput):
        format_code(unit, datetime(2026, 1, 5, tzinfo=UTC), 1)
    with pytest.raises(InvalidInput):
        sequence_key(unit, datetime(2026, 1, 5, tzinfo=UTC))


@pytest.mark.parametrize("seq", [0, -1, True])
def test_sequence_must_be_a_positive_integer(seq: int) -> None:
    with pytest.raises(InvalidInput):
        format_code("H15", datetime(2026, 1, 5, tzinfo=UTC), seq)


def test_naive_receipt_time_is_rejected() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_code("H15", datetime(2026, 1, 5, 9), 1)
    with pytest.raises(ValueError, match="naive"):
        sequence_day(datetime(2026, 1, 5, 9))


def test_parse_code_returns_unit_date_and_sequence() -> None:
    assert parse_code("H15.50.05.13-261130-0042") == ("H15.50.05.13", date(2026, 11, 30), 42)
    assert parse_code("  H15-260105-0001 ") == ("H15", date(2026, 1, 5), 1)


@pytest.mark.parametrize(
    "code",
    [
        "",
        "garbage",
        "H15.50-261130",
        "H15.50-261130-001",  # sequence shorter than 4 digits
        "H15.50-2611300-0001",
        "h15.50-261130-0001",
        "H15.50-261332-0001",  # no 32nd of the 13th month
        "H15.50-260230-0001",  # no 30 February
        "H15.50-261130-0000",
        "H15.50-261130-0001-extra",
    ],
)
def test_parse_code_rejects_garbage_with_invalid_input(code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_code(code)
    assert info.value.field == "code"
    assert info.value.status == 400


def test_custom_format_is_configurable_and_parsable() -> None:
    fmt = "{date:%Y%m%d}/{unit}/{seq:05d}"
    received = datetime(2026, 11, 29, 23, 30, tzinfo=UTC)
    code = format_code("H15.50", received, 42, fmt)
    assert code == "20261130/H15.50/00042"
    assert parse_code(code, fmt) == ("H15.50", date(2026, 11, 30), 42)
    with pytest.raises(InvalidInput):
        parse_code("H15.50-261130-0042", fmt)


@pytest.mark.parametrize("fmt", ["{unit}-{seq:04d}", "{unit}-{date:%y%m%d}-{seq:04d}-{x}"])
def test_formats_missing_or_adding_fields_cannot_be_parsed(fmt: str) -> None:
    with pytest.raises(ValueError):
        parse_code("H15-261130-0001", fmt)


def test_format_with_unknown_field_raises_value_error() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        format_code("H15", datetime(2026, 1, 5, tzinfo=UTC), 1, "{unit}-{agency}")


UNITS = st.from_regex(r"\A[A-Z0-9]{1,4}(\.[A-Z0-9]{1,4}){0,3}\Z")


@settings(max_examples=80, deadline=None)
@given(
    unit=UNITS,
    day=st.dates(min_value=date(2000, 1, 1), max_value=date(2068, 12, 31)),
    clock=st.times(),
    seq=st.integers(min_value=1, max_value=99_999),
)
def test_format_then_parse_round_trips(unit: str, day: date, clock: time, seq: int) -> None:
    received = datetime.combine(day, clock, tzinfo=VIETNAM_TZ)
    code = format_code(unit, received, seq, DEFAULT_FORMAT)
    assert parse_code(code) == (unit, day, seq)
    assert sequence_key(unit, received) == f"SEQ#{unit}#{code.split('-')[1]}"


def test_a_typed_code_is_looked_up_trimmed_then_upper_cased() -> None:
    # a code copied with spaces, or typed in lower case at the counter (issue 25)
    assert lookup_forms("  h33.50-261201-0001 ") == ["h33.50-261201-0001", "H33.50-261201-0001"]
    assert lookup_forms("H33.50-261201-0001") == ["H33.50-261201-0001"]
    assert lookup_forms("   ") == [] and lookup_forms("x" * 65) == []


@given(st.integers(min_value=1, max_value=9999))
def test_every_issued_code_is_found_from_its_lower_case_form(seq: int) -> None:
    code = format_code("H33.30.01.50", datetime(2026, 12, 1, 3, tzinfo=UTC), seq)
    assert code in lookup_forms(f" {code.lower()}\t")
