"""The demo data sets are valid against the domain models and internally consistent.

Two configurations live under `data/`: `demo` (Hậu Giang, three levels, as in the seed regulation)
and `demo-cantho` (Cần Thơ after Nghị quyết 202/2025/QH15, two levels). Both are checked by the
same rules, so nothing province-specific is hard-wired.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from chalicelib.domain.dossier import Applicant
from chalicelib.domain.procedure import Procedure, ServiceLevel, TimeUnit, Unit

pytestmark = pytest.mark.unit

DATA = Path(__file__).resolve().parents[2] / "data"
CODE_RE = re.compile(r"^[A-Z0-9]+(\.[A-Z0-9]+)*$")
PROC_CODE_RE = re.compile(r"^[12]\.[0-9]{6}$")
ROLES = {"citizen", "desk", "agency", "leader", "province", "admin"}
MIME = {"application/pdf", "image/jpeg", "image/png"}
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# Minimum mixes each configuration must show (the full demo is the richer one).
MINIMUMS: dict[str, dict[str, int]] = {
    "demo": {
        "procedures": 14,
        "departments": 8,
        "per_level": 3,
        "working_hours": 2,
        "with_fee": 3,
        "without_fee": 2,
        "multi_step": 4,
        "cross_agency": 2,
    },
    "demo-cantho": {
        "procedures": 4,
        "departments": 6,
        "per_level": 1,
        "working_hours": 1,
        "with_fee": 1,
        "without_fee": 1,
        "multi_step": 2,
        "cross_agency": 1,
    },
}
CONFIGS = sorted(MINIMUMS)
REQUIRED_ACCOUNTS = {
    "demo": {
        "congdan": "citizen",
        "congdan2": "citizen",
        "motcua": "desk",
        "sotuphap": "agency",
        "sokhdt": "agency",
        "soxaydung": "agency",
        "quantri": "admin",
    },
    "demo-cantho": {
        "congdan": "citizen",
        "congdan2": "citizen",
        "motcua": "desk",
        "sotuphap": "agency",
        "soxaydung": "agency",
        "quantri": "admin",
    },
}


def _load(config: str, name: str) -> Any:
    return json.loads((DATA / config / name).read_text(encoding="utf-8"))


@pytest.fixture(params=CONFIGS)
def config(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def units(config: str) -> dict[str, Unit]:
    raw = _load(config, "units.json")
    parsed = [Unit.model_validate(u) for u in raw]
    by_code = {u.code: u for u in parsed}
    assert len(by_code) == len(parsed), "unit codes must be unique"
    return by_code


@pytest.fixture
def procedures(config: str) -> list[Procedure]:
    return [Procedure.model_validate(p) for p in _load(config, "procedures.json")]


@pytest.fixture
def accounts(config: str) -> list[dict[str, Any]]:
    return _load(config, "accounts.json")


@pytest.fixture
def examples(config: str) -> dict[str, dict[str, Any]]:
    return _load(config, "form_examples.json")


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


# ------------------------------------------------------------------------------------ units
def test_units_form_one_tree(units: dict[str, Unit]) -> None:
    roots = [u for u in units.values() if u.parent is None]
    assert len(roots) == 1
    assert roots[0].kind == "province"
    for u in units.values():
        assert CODE_RE.match(u.code), u.code
        assert u.name.strip()
        if u.parent is not None:
            assert u.parent in units, f"{u.code}: parent {u.parent} missing"
            assert u.parent != u.code
    # no cycles: walking up from every unit reaches the root
    for u in units.values():
        seen, cur = set(), u
        while cur.parent is not None:
            assert cur.code not in seen, f"cycle at {cur.code}"
            seen.add(cur.code)
            cur = units[cur.parent]
        assert cur is roots[0]


def test_units_have_the_expected_bodies(config: str, units: dict[str, Unit]) -> None:
    kinds = Counter(u.kind for u in units.values())
    assert kinds["department"] >= MINIMUMS[config]["departments"]
    root = next(u for u in units.values() if u.parent is None)
    desks = [u for u in units.values() if u.kind == "desk"]
    assert any(d.parent == root.code for d in desks), "a provincial service centre"
    assert any("Văn phòng" in u.name and u.parent == root.code for u in units.values())
    assert any("Trung tâm Phục vụ hành chính công" in d.name for d in desks)
    communes = [u for u in units.values() if u.kind == "commune"]
    assert communes
    for commune in communes:
        assert any(d.parent == commune.code for d in desks), f"{commune.code} has no desk"


def test_three_levels_in_haugiang_and_two_in_cantho(config: str, units: dict[str, Unit]) -> None:
    districts = [u for u in units.values() if u.kind == "district"]
    if config == "demo":
        names = {u.name for u in units.values()}
        for body in (
            "Sở Tư pháp",
            "Sở Kế hoạch và Đầu tư",
            "Sở Xây dựng",
            "Sở Tài nguyên và Môi trường",
            "Sở Giao thông vận tải",
            "Sở Lao động - Thương binh và Xã hội",
            "Sở Y tế",
            "Sở Giáo dục và Đào tạo",
            "Sở Công Thương",
            "Sở Thông tin và Truyền thông",
            "Công an tỉnh",
            "Vị Thanh",
        ):
            assert any(body in n for n in names), body
        assert districts, "the Hậu Giang demo keeps the district level"
        assert all(u.code.startswith("H33") for u in units.values())
    else:
        assert not districts, "after 1/7/2025 there is no district level"
        root = next(u for u in units.values() if u.parent is None)
        for u in units.values():
            if u.kind == "commune":
                assert u.parent == root.code


# ------------------------------------------------------------------------------- procedures
def test_procedures_are_unique_and_point_at_units(
    procedures: list[Procedure], units: dict[str, Unit]
) -> None:
    codes = [p.code for p in procedures]
    assert len(set(codes)) == len(codes), "procedure codes must be unique"
    for p in procedures:
        assert PROC_CODE_RE.match(p.code), p.code
        assert p.version == 1
        assert p.sample is True
        assert p.field.strip()
        assert p.lead_agency in units, f"{p.code}: lead {p.lead_agency}"
        assert units[p.lead_agency].kind != "desk", "desks receive, agencies decide"
        for s in p.steps:
            assert s.agency in units, f"{p.code}/{s.id}: agency {s.agency}"
            assert units[s.agency].kind != "desk"


def test_procedure_mix(config: str, procedures: list[Procedure]) -> None:
    need = MINIMUMS[config]
    assert len(procedures) >= need["procedures"]
    levels = Counter(p.level for p in procedures)
    for level in ServiceLevel:
        assert levels[level] >= need["per_level"], level
    units_used = Counter(p.processing_time.unit for p in procedures)
    assert units_used[TimeUnit.WORKING_HOURS] >= need["working_hours"]
    assert units_used[TimeUnit.WORKING_DAYS] >= need["working_hours"]
    assert sum(1 for p in procedures if p.total_fee_vnd > 0) >= need["with_fee"]
    assert sum(1 for p in procedures if not p.fees) >= need["without_fee"]
    assert sum(1 for p in procedures if len(p.steps) == 1) >= 1
    multi = [p for p in procedures if 2 <= len(p.steps) <= 4]
    assert len(multi) >= need["multi_step"]
    assert all(len(p.steps) <= 4 for p in procedures)
    # at least one electronic process has a parallel group (liên thông) in the main demo
    if config == "demo":
        assert any(len(stage) > 1 for p in procedures for stage in p.stages)
    cross = [p for p in multi if any(s.agency != p.lead_agency for s in p.steps)]
    assert len(cross) >= need["cross_agency"]


def test_step_allowances_add_up(procedures: list[Procedure]) -> None:
    for p in procedures:
        assert all(s.allowance.unit == p.processing_time.unit for s in p.steps), p.code
        # stages add up; a parallel group counts its longest step
        total = sum(max(s.allowance.amount for s in stage) for stage in p.stages)
        assert total == p.processing_time.amount, p.code
        if p.processing_time.unit is TimeUnit.WORKING_HOURS:
            # "ngay trong ngày": within one working day (7.5 h in the default sessions).
            assert p.processing_time.amount <= 7, p.code


def test_documents_and_delivery_fit_the_level(procedures: list[Procedure]) -> None:
    for p in procedures:
        assert p.documents, p.code
        assert any(d.required for d in p.documents), p.code
        for d in p.documents:
            assert d.name.strip()
            assert d.accepted_types and set(d.accepted_types) <= MIME, (p.code, d.id)
            assert 1024 * 1024 <= d.max_bytes <= 10 * 1024 * 1024, (p.code, d.id)
        for f in p.fees:
            assert f.name.strip() and f.amount_vnd > 0
        assert p.result_delivery and len(set(p.result_delivery)) == len(p.result_delivery)
        if p.level is ServiceLevel.FULL_ONLINE:
            # NĐ 42/2022: no paper, no in-person step; result online or by post.
            assert "online" in p.result_delivery and "desk" not in p.result_delivery, p.code
            assert all(d.form != "original" for d in p.documents), p.code
        if p.level is ServiceLevel.NOT_ONLINE:
            assert "online" not in p.result_delivery, p.code


# ------------------------------------------------------------------------------ form schemas
def _titles_everywhere(schema: dict[str, Any], where: str) -> None:
    for name, prop in schema.get("properties", {}).items():
        assert prop.get("title"), f"{where}.{name} has no title"
        _titles_everywhere(prop, f"{where}.{name}")
        if isinstance(prop.get("items"), dict):
            _titles_everywhere(prop["items"], f"{where}.{name}[]")
    for req in schema.get("required", []):
        assert req in schema.get("properties", {}), f"{where}: required {req} undefined"


def test_form_schemas_are_valid_draft_2020_12(procedures: list[Procedure]) -> None:
    for p in procedures:
        schema = p.form_schema
        Draft202012Validator.check_schema(schema)
        assert schema.get("$schema") == DRAFT_2020_12, p.code
        assert schema["type"] == "object"
        assert schema.get("title")
        assert schema.get("required"), f"{p.code}: the e-form must require something"
        _titles_everywhere(schema, p.code)


def test_examples_validate_and_wrong_forms_fail(
    procedures: list[Procedure], examples: dict[str, dict[str, Any]]
) -> None:
    assert set(examples) == {p.code for p in procedures}
    for p in procedures:
        validator = _validator(p.form_schema)
        errors = [e.message for e in validator.iter_errors(examples[p.code])]
        assert not errors, (p.code, errors)
        assert not validator.is_valid({}), p.code
        wrong = dict(examples[p.code])
        wrong["truong_khong_co"] = "x"  # unknown fields are refused
        assert not validator.is_valid(wrong), p.code


def test_schema_patterns_and_formats_bite() -> None:
    procs = {p["code"]: p for p in _load("demo", "procedures.json")}
    examples = _load("demo", "form_examples.json")
    lltp = _validator(procs["2.000488"]["form_schema"])
    good = examples["2.000488"]
    assert lltp.is_valid(good)
    assert not lltp.is_valid({**good, "so_giay_to": "09309000123"})  # 11 digits
    assert not lltp.is_valid({**good, "ngay_sinh": "14/05/1990"})  # not ISO date
    assert not lltp.is_valid({**good, "muc_dich": "Đi chơi"})  # not in the enum
    assert not lltp.is_valid({**good, "so_luong_phieu": 0})


# --------------------------------------------------------------------------------- accounts
def test_accounts(config: str, accounts: list[dict[str, Any]], units: dict[str, Unit]) -> None:
    names = [a["username"] for a in accounts]
    assert len(set(names)) == len(names)
    by_name = {a["username"]: a for a in accounts}
    for username, role in REQUIRED_ACCOUNTS[config].items():
        assert by_name[username]["role"] == role, username
    for a in accounts:
        assert a["role"] in ROLES
        pw = a["password"]
        # Cognito's default policy: length >= 8 with upper, lower, digit and symbol.
        assert len(pw) >= 8
        assert re.search(r"[A-Z]", pw) and re.search(r"[a-z]", pw)
        assert re.search(r"[0-9]", pw) and re.search(r"[^A-Za-z0-9]", pw)
        assert a["name"].strip()
        Applicant(name=a["name"], email=a["email"], phone=a.get("phone") or "")
        if a["role"] == "citizen":
            assert a["unit"] is None
            assert re.fullmatch(r"[0-9]{12}", a["id_number"])
            assert a["phone"] and a.get("address")
        else:
            assert a["unit"] in units, f"{a['username']}: unit {a['unit']}"
            kind = units[a["unit"]].kind
            if a["role"] == "desk":
                assert kind == "desk", a["username"]
            if a["role"] == "agency":
                assert kind != "desk", a["username"]
    assert by_name["congdan"]["name"] == "Nguyễn Văn An"
    assert "Vị Thanh" in by_name["congdan"]["address"]
    root = next(u for u in units.values() if u.parent is None)
    assert units[by_name["motcua"]["unit"]].parent == root.code
    assert "Văn phòng" in units[by_name["quantri"]["unit"]].name


def test_every_step_agency_has_staff(
    procedures: list[Procedure], accounts: list[dict[str, Any]]
) -> None:
    """The demo is walkable: every step can be completed by some agency account."""
    staffed = {a["unit"] for a in accounts if a["role"] == "agency"}
    for p in procedures:
        for s in p.steps:
            assert s.agency in staffed, f"{p.code}/{s.id}: nobody at {s.agency}"


# --------------------------------------------------------------------------------- calendar
def test_calendar(config: str) -> None:
    path = DATA / config / "calendar.json"
    if not path.exists():
        pytest.skip("no calendar adjustments in this configuration")
    cal = _load(config, "calendar.json")
    assert cal.get("_note")
    parsed = {
        key: [date.fromisoformat(d) for d in cal[key]]
        for key in ("extra_holidays", "swap_workdays", "swap_days_off")
    }
    for key, days in parsed.items():
        assert days == sorted(set(days)), key
    assert all(d.weekday() >= 5 for d in parsed["swap_workdays"]), "make-up days are weekends"
    assert all(d.weekday() < 5 for d in parsed["swap_days_off"]), "swapped days off are weekdays"
    assert all(d.weekday() < 5 for d in parsed["extra_holidays"])
    assert len(parsed["swap_workdays"]) == len(parsed["swap_days_off"])
    all_days = [d for days in parsed.values() for d in days]
    assert len(all_days) == len(set(all_days))


# ------------------------------------------------------------------------------------ FAQ
def test_faq(config: str, procedures: list[Procedure]) -> None:
    """The questions the office publishes first: valid entries, unique ids, Vietnamese and
    English for each, and any procedure they name is in the catalogue."""
    from datetime import UTC, datetime

    from chalicelib.domain.faq import FaqEntry

    raw = _load(config, "faq.json")
    assert 10 <= len(raw) <= 15
    assert len({f["id"] for f in raw}) == len(raw)
    codes = {p.code for p in procedures}
    for item in raw:
        entry = FaqEntry.model_validate(
            {**item, "created_by": "demo", "created_at": datetime.now(UTC)}
        )
        assert entry.question_en and entry.answer_en, entry.id
        assert re.search(r"[ăâđêôơưàáảãạ]", entry.answer.lower()), entry.id  # Vietnamese text
        assert entry.procedure_code is None or entry.procedure_code in codes, entry.id
