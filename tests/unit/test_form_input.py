"""Numbers typed the Vietnamese way reach the e-form as numbers; what could be two is refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.form_input import NumberProblem, group_vi, normalise_form, parse_number
from tests.support.number_cases import NUMBER_CASES

pytestmark = pytest.mark.unit

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def _schema(code: str) -> dict[str, Any]:
    procs = json.loads((DEMO / "procedures.json").read_text())
    return next(p["form_schema"] for p in procs if p["code"] == code)


def _example(code: str) -> dict[str, Any]:
    return dict(json.loads((DEMO / "form_examples.json").read_text())[code])


@pytest.mark.parametrize(("text", "integer", "expected"), NUMBER_CASES)
def test_typed_numbers(text: str, integer: bool, expected: int | float | str) -> None:
    if isinstance(expected, str):
        with pytest.raises(NumberProblem) as caught:
            parse_number(text, integer=integer)
        assert caught.value.reason == expected
    else:
        got = parse_number(text, integer=integer)
        assert got == expected
        assert isinstance(got, int) == isinstance(expected, int)


def test_an_ambiguous_number_names_both_readings() -> None:
    with pytest.raises(NumberProblem) as caught:
        parse_number("1,500", integer=True)
    assert caught.value.readings == ("1.500", "1,5")
    with pytest.raises(NumberProblem) as caught:
        parse_number("2,000", integer=True)
    assert caught.value.readings == ("2.000", "2")


@pytest.mark.parametrize(
    ("digits", "shown"),
    [("5", "5"), ("500", "500"), ("1500", "1.500"), ("500000000", "500.000.000")],
)
def test_vietnamese_grouping(digits: str, shown: str) -> None:
    assert group_vi(digits) == shown


def test_capital_typed_as_vietnamese_write_it_becomes_the_number() -> None:
    schema = _schema("2.001610")
    typed = {**_example("2.001610"), "von_dau_tu": "500.000.000", "so_lao_dong": "12"}
    out = normalise_form(schema, typed)
    assert out["von_dau_tu"] == 500_000_000
    assert out["so_lao_dong"] == 12
    assert typed["von_dau_tu"] == "500.000.000"  # the caller's dict is not changed
    assert not list(Draft202012Validator(schema).iter_errors(out))


def test_numbers_deep_in_objects_and_lists_are_read() -> None:
    schema = {
        "type": "object",
        "properties": {
            "thua_dat": {"type": "object", "properties": {"dien_tich": {"type": "number"}}},
            "rows": {
                "type": "array",
                "items": {"type": "object", "properties": {"so": {"type": "integer"}}},
            },
            "nam": {"type": ["integer", "null"]},
            "ma": {"type": ["string", "integer"]},
        },
    }
    data = {
        "thua_dat": {"dien_tich": "1.234,5"},
        "rows": [{"so": "1.000"}, {"so": 7}],
        "nam": "2.015",
        "ma": "0012",
    }
    assert normalise_form(schema, data) == {
        "thua_dat": {"dien_tich": 1234.5},
        "rows": [{"so": 1000}, {"so": 7}],
        "nam": 2015,
        "ma": "0012",  # a string is a valid answer there: left as typed
    }


def test_other_values_are_left_to_the_schema_check() -> None:
    schema = _schema("2.001610")
    data = {**_example("2.001610"), "von_dau_tu": 500_000_000, "unknown": "1.500", "email": "a@b.c"}
    assert normalise_form(schema, data) == data
    assert normalise_form(schema, {"von_dau_tu": ""}) == {"von_dau_tu": ""}


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("1,500", ["1.500", "1,5", "dấu chấm"]),
        ("năm trăm triệu", ["phải là một số", "500.000.000"]),
        ("1,5", ["số nguyên"]),
    ],
)
def test_a_bad_amount_is_a_400_naming_the_field_in_vietnamese(typed: str, words: list[str]) -> None:
    schema = _schema("2.001610")
    with pytest.raises(InvalidInput) as caught:
        normalise_form(schema, {**_example("2.001610"), "von_dau_tu": typed})
    err = caught.value
    assert err.status == 400
    assert err.code == "invalid_form"
    assert err.field == "form_data.von_dau_tu"
    assert "Vốn đầu tư (đồng)" in err.message_vi
    for w in words:
        assert w in err.message_vi
    assert err.message_en and err.message_en != err.message_vi


def test_the_path_of_a_nested_bad_number() -> None:
    schema = {
        "type": "object",
        "properties": {
            "rows": {
                "type": "array",
                "items": {"type": "object", "properties": {"so": {"type": "integer"}}},
            }
        },
    }
    with pytest.raises(InvalidInput) as caught:
        normalise_form(schema, {"rows": [{"so": 1}, {"so": "x"}]})
    assert caught.value.field == "form_data.rows.1.so"
