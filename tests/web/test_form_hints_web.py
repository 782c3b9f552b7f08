"""Each demo procedure's e-form explains itself (issue 23), driven in Chromium as a citizen types:
every field with a rule shows its hint, with an example, before anything goes wrong; a wrong value
gets the field's own message when the field is left; the same value typed naturally ("0912 345
678", "8h30", "3/2015", "14,5 x 20,5") is accepted. In English the hint and message are English."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.support.pages import sign_in

pytestmark = [pytest.mark.web, pytest.mark.slow]

DATA = Path(__file__).resolve().parents[2] / "data" / "demo"
WRONG = "??? ???"  # breaks every rule; long enough for any minimum length
# A natural way to type a field of each kind, from the example it shows.
NATURAL = {
    "digits": lambda ex: " ".join(ex[i : i + 4] for i in range(0, len(ex), 4)),
    "phone": lambda ex: f"{ex[:4]} {ex[4:7]} {ex[7:]}",
    "upper": str.lower,
    "code": lambda ex: f"{ex[:3].lower()} {ex[3:]}",
    "month": lambda ex: f"{int(ex[:2])}/{ex[3:]}",
    "time": lambda ex: f"{int(ex[:2])}h{ex[3:]}",
    "size": lambda ex: f"{ex.replace('.', ',').replace('x', ' x ')} cm",
}


def ruled_fields(schema: dict[str, Any]) -> list[tuple[list[str], bool, dict[str, Any]]]:
    """(path, inside a list row, property) for each field of the form that has a rule."""
    out: list[tuple[list[str], bool, dict[str, Any]]] = []

    def walk(node: dict[str, Any], path: list[str], row: bool) -> None:
        for key, prop in (node.get("properties") or {}).items():
            if prop.get("type") == "array" and isinstance(prop.get("items"), dict):
                walk(prop["items"], [*path, key], True)
            elif prop.get("type") == "object":
                walk(prop, [*path, key], row)
            elif "x-pattern-message" in prop:
                out.append(([*path, key], row, prop))

    walk(schema, [], False)
    return out


def online_procedures() -> list[dict[str, Any]]:
    procs = json.loads((DATA / "procedures.json").read_text())
    return [p for p in procs if p["level"] != "not_online" and ruled_fields(p["form_schema"])]


def control(page: Page, path: list[str], row: bool) -> Locator:
    if row:  # the first row of the list: its inputs are named by their key
        rows = page.locator(f"#form-{path[0]} .repeat-item").first
        return rows.locator(f"input[name={path[-1]}]")
    return page.locator(f"#form-{'-'.join(path)}")


def described(page: Page, box: Locator, suffix: str) -> Locator:
    return page.locator(f"[id='{box.get_attribute('id')}-{suffix}']")


def leave_with(box: Locator, text: str) -> None:
    box.fill("")
    box.press_sequentially(text)
    box.press("Tab")


def test_every_demo_form_explains_its_rules_and_reads_natural_typing(
    new_page, stack, accounts
) -> None:
    citizen = accounts["congdan"]
    page = new_page()
    sign_in(page, citizen["username"], citizen["password"])
    expect(page.get_by_role("heading", level=1, name="Hồ sơ của tôi")).to_be_visible()
    checked = 0
    for proc in online_procedures():
        page.goto(f"/#/submit/{proc['code']}")
        fields = ruled_fields(proc["form_schema"])
        for path, row, prop in fields:  # every hint is there before anything is typed
            box = control(page, path, row)
            where = f"{proc['code']} {'.'.join(path)}"
            expect(box, where).to_be_visible()
            expect(described(page, box, "hint"), where).to_contain_text(prop["description"])
            expect(described(page, box, "err"), where).to_be_hidden()
        for path, row, prop in fields:
            box = control(page, path, row)
            where = f"{proc['code']} {'.'.join(path)}"
            error = described(page, box, "err")
            leave_with(box, WRONG)
            expect(error, where).to_have_text(prop["x-pattern-message"])
            example = prop["description"].rsplit("ví dụ: ", 1)[1].rstrip(".")
            kind = prop.get("x-normalize")
            leave_with(box, NATURAL[kind](example) if kind else example)
            expect(error, where).to_be_hidden()
            checked += 1
    assert checked >= 20


def test_the_issue_s_shop_name_and_phone_in_english(new_page, stack, accounts) -> None:
    citizen = accounts["congdan"]
    page = new_page()
    sign_in(page, citizen["username"], citizen["password"])
    expect(page.get_by_role("heading", level=1, name="Hồ sơ của tôi")).to_be_visible()
    page.evaluate("localStorage.setItem('tthc.lang', 'en')")
    page.goto("/#/submit/2.001610")
    page.reload()
    name, phone = page.locator("#form-ten_doanh_nghiep"), page.locator("#form-dien_thoai")
    expect(described(page, name, "hint")).to_contain_text("Must start with “Doanh nghiệp tư nhân”")
    leave_with(name, "Cửa hàng Điện máy An Phát")
    expect(described(page, name, "err")).to_contain_text("Doanh nghiệp tư nhân Điện máy An Phát")
    leave_with(phone, "0912 345 678")
    expect(described(page, phone, "err")).to_be_hidden()
    leave_with(phone, "0912 345")
    expect(described(page, phone, "err")).to_contain_text("10-digit phone number")
