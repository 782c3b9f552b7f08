"""Forms that explain themselves (issue 23): every rule of a demo e-form says what it expects, with
an example, before anything goes wrong (the hint) and when it does (the message), in Vietnamese and
English; what people type naturally ("0912 345 678", "8h30", "3/2015") is written the expected
way before the schema is checked, and a wrong value gets the field's own words."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from chalicelib.domain.eform import property_at, validate_form
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.form_input import TEXT_KINDS, normalise_text

DATA = Path(__file__).resolve().parents[2] / "data"
CONFIGS = ("demo", "demo-cantho")

# How people type each kind, and what the pattern then receives.
NATURAL = [
    ("digits", "0790 9000 1234", "079090001234"),
    ("digits", "079.090.001.234", "079090001234"),
    ("digits", " 4741 ", "4741"),
    ("phone", "0912 345 678", "0912345678"),
    ("phone", "0912.345.678", "0912345678"),
    ("phone", "(+84) 912-345-678", "+84912345678"),
    ("phone", "+84 0912 345 678", "+84912345678"),
    ("upper", "cs 123456", "CS 123456"),
    ("upper", "john  smith", "JOHN SMITH"),
    ("code", "c 123 4567", "C1234567"),
    ("code", "0101-234 567", "0101-234567"),
    ("month", "3/2015", "03/2015"),
    ("month", "03-2015", "03/2015"),
    ("month", "Nay", "nay"),
    ("time", "8h30", "08:30"),
    ("time", "8 giờ 30", "08:30"),
    ("time", "8h", "08:00"),
    ("time", "08.30", "08:30"),
    ("size", "14,5 x 20,5 cm", "14.5x20.5"),
    ("size", "13X19", "13x19"),
]
# What cannot be read is left as typed (trimmed): never a guessed digit.
UNREADABLE = [
    ("digits", "0790 9000 12a4"),
    ("phone", "0912 345 67x"),
    ("month", "13/2015"),
    ("time", "8:5"),
    ("time", "25:00"),
    ("size", "khổ A5"),
]


def ruled_fields() -> list[tuple[str, str, str, dict[str, Any]]]:
    """(config, procedure, path, property) for every field with a pattern or an e-mail format."""
    found: list[tuple[str, str, str, dict[str, Any]]] = []

    def walk(config: str, code: str, node: dict[str, Any], path: list[str]) -> None:
        for key, prop in (node.get("properties") or {}).items():
            walk(config, code, prop, [*path, key])
        if isinstance(node.get("items"), dict):
            walk(config, code, node["items"], [*path, "0"])
        if "pattern" in node or node.get("format") == "email":
            found.append((config, code, ".".join(path), node))

    for config in CONFIGS:
        for proc in json.loads((DATA / config / "procedures.json").read_text()):
            walk(config, proc["code"], proc.get("form_schema") or {}, [])
    return found


FIELDS = ruled_fields()


def test_every_demo_rule_is_covered() -> None:
    assert len(FIELDS) >= 40  # 28 fields in demo, 19 in demo-cantho
    kinds = {p.get("x-normalize") for *_, p in FIELDS} - {None}
    assert kinds == set(TEXT_KINDS)


@pytest.mark.parametrize(("config", "code", "path", "prop"), FIELDS, ids=lambda v: str(v)[:30])
def test_each_rule_has_a_hint_and_a_message_with_an_example_in_both_languages(
    config: str, code: str, path: str, prop: dict[str, Any]
) -> None:
    example = prop["examples"][0]
    if "pattern" in prop:
        assert re.search(prop["pattern"], example), f"{code} {path}: the example breaks the rule"
    for key in ("description", "x-description-en", "x-pattern-message", "x-pattern-message-en"):
        text = prop[key]
        assert "ví dụ" in text or "e.g." in text, f"{code} {path}: {key} has no example"
    assert prop["x-pattern-message"].startswith(f"Trường “{prop['title']}”")
    # the example shown in the hint is what a person would type: it passes once normalised
    shown = prop["description"].rsplit("ví dụ: ", 1)[1].rstrip(".")
    kind = prop.get("x-normalize")
    typed = normalise_text(kind, shown) if kind else shown
    if "pattern" in prop:
        assert re.search(prop["pattern"], typed)


@pytest.mark.parametrize(("kind", "typed", "stored"), NATURAL)
def test_natural_typing_is_written_the_expected_way(kind: str, typed: str, stored: str) -> None:
    assert normalise_text(kind, typed) == stored


@pytest.mark.parametrize(("kind", "typed"), UNREADABLE)
def test_what_cannot_be_read_is_left_as_typed(kind: str, typed: str) -> None:
    assert normalise_text(kind, typed) == typed.strip()


def schema_of(code: str) -> dict[str, Any]:
    procs = json.loads((DATA / "demo" / "procedures.json").read_text())
    return next(p["form_schema"] for p in procs if p["code"] == code)


def example_of(code: str) -> dict[str, Any]:
    examples: dict[str, Any] = json.loads((DATA / "demo" / "form_examples.json").read_text())
    return dict(examples[code])


def test_the_issue_s_phone_with_spaces_is_accepted_and_stored_bare() -> None:
    form = {**example_of("2.001610"), "dien_thoai": "0912 345 678"}
    stored = validate_form(schema_of("2.001610"), form)
    assert stored["dien_thoai"] == "0912345678"


def test_the_issue_s_shop_name_is_told_to_start_with_doanh_nghiep_tu_nhan() -> None:
    form = {**example_of("2.001610"), "ten_doanh_nghiep": "Cửa hàng Điện máy An Phát"}
    with pytest.raises(InvalidInput) as caught:
        validate_form(schema_of("2.001610"), form)
    err = caught.value
    assert err.field == "form_data.ten_doanh_nghiep"
    assert "phải bắt đầu bằng “Doanh nghiệp tư nhân”" in err.message_vi
    assert "Doanh nghiệp tư nhân Điện máy An Phát" in err.message_vi
    assert "must start with" in err.message_en


def test_a_nested_field_is_named_by_its_own_title_not_its_group() -> None:
    example = example_of("2.001610")
    owner = {**example["chu_doanh_nghiep"], "so_giay_to": "0790 9000 12"}
    with pytest.raises(InvalidInput) as caught:
        validate_form(schema_of("2.001610"), {**example, "chu_doanh_nghiep": owner})
    err = caught.value
    assert err.field == "form_data.chu_doanh_nghiep.so_giay_to"
    assert err.message_vi.startswith("Trường “Số định danh cá nhân (CCCD)” gồm đúng 12 chữ số")


def test_a_row_of_a_list_is_named_by_its_path() -> None:
    example = example_of("2.001610")
    rows = [{**example["nganh_nghe"][0], "ma_nganh": "47 41 1"}]
    with pytest.raises(InvalidInput) as caught:
        validate_form(schema_of("2.001610"), {**example, "nganh_nghe": rows})
    assert caught.value.field == "form_data.nganh_nghe.0.ma_nganh"
    assert "mã ngành cấp 4" in caught.value.message_vi


def test_property_at_walks_objects_and_lists() -> None:
    schema = schema_of("2.001610")
    assert property_at(schema, ["nganh_nghe", "3", "ma_nganh"])["pattern"] == "^[0-9]{4}$"
    assert property_at(schema, ["chu_doanh_nghiep", "ho_ten"])["title"] == "Họ và tên"
    assert property_at(schema, ["nothing", "here"]) == {}


def test_nfd_typed_vietnamese_still_matches_the_prefix() -> None:
    """Some keyboards send decomposed Vietnamese ("ệ" as e + two marks): read as composed."""
    import unicodedata

    name = unicodedata.normalize("NFD", "Doanh nghiệp tư nhân Điện máy An Phát")
    form = {**example_of("2.001610"), "ten_doanh_nghiep": name}
    stored = validate_form(schema_of("2.001610"), form)
    assert stored["ten_doanh_nghiep"] == unicodedata.normalize("NFC", name)
