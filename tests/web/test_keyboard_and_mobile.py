"""Keyboard only and mobile width, in Chromium against the local stack.

1. A citizen signs in and submits a dossier for a procedure with required documents using only the
   keyboard: Tab to move, typing, Enter and Space to act; the file chooser opens from Enter on the
   focused file input (Space; Enter does not open it in Chromium). No clicks.
2. At 360 px wide, home and a procedure page fit the viewport (nothing scrolls sideways); their
   screenshots are saved under the test's output folder (pytest's `tmp_path`; also copied to
   WEB_SHOTS_DIR by the `shot` fixture) for review.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.support.samples import minimal_pdf

pytestmark = [pytest.mark.web, pytest.mark.slow]

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
PROCEDURE = "1.003838"  # full online, a flat e-form (text, a choice, a number), two required PDFs
MOBILE = 360


def _active(page: Page) -> dict[str, Any]:
    return dict(
        page.evaluate(
            """() => { const e = document.activeElement; return e ? {
                 id: e.id || '', tag: e.tagName.toLowerCase(), type: e.type || '',
                 text: (e.textContent || '').trim(), name: e.name || '' } : {}; }"""
        )
    )


def tab_to(page: Page, want: Any, limit: int = 120) -> dict[str, Any]:
    """Press Tab until the focused element satisfies `want` (a predicate on `_active`)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        el = _active(page)
        if want(el):
            return el
        seen.append(el.get("id") or el.get("text", "")[:20])
    raise AssertionError(f"Tab never reached the element; focus went through {seen[-15:]}")


def by_id(element_id: str) -> Any:
    return lambda el: el.get("id") == element_id


def by_text(tag: str, text: str) -> Any:
    return lambda el: el.get("tag") == tag and el.get("text") == text


def open_chooser(page: Page, input_id: str) -> Any:
    """Space on the focused file input opens the chooser (Chromium ignores Enter there). A press
    that lands while the page is still settling is retried, focus checked each time."""
    for attempt in range(3):
        if _active(page).get("id") != input_id:
            tab_to(page, by_id(input_id))
        try:
            with page.expect_file_chooser(timeout=4_000) as chooser:
                page.keyboard.press("Space")
            return chooser.value
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def type_into(page: Page, element_id: str, text: str) -> None:
    tab_to(page, by_id(element_id))
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_submission_journey_with_the_keyboard_only(
    stack: Any, accounts: dict[str, Any], new_page: Any, tmp_path: Path
) -> None:
    examples = json.loads((DEMO / "form_examples.json").read_text())
    if PROCEDURE not in examples:
        pytest.skip(f"no demo e-form example for {PROCEDURE}")
    example = examples[PROCEDURE]
    citizen = accounts["congdan"]
    pdf = tmp_path / "ban-khai.pdf"
    pdf.write_bytes(minimal_pdf())
    page = new_page()

    # sign in: Tab to the fields, type, Enter submits
    page.goto("/#/signin")
    expect(page.get_by_role("heading", level=1, name="Đăng nhập")).to_be_visible()
    tab_to(page, lambda el: el.get("name") == "username")
    page.keyboard.type(citizen["username"])
    page.keyboard.press("Tab")
    page.keyboard.type(citizen["password"])
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Hồ sơ của tôi")).to_be_visible()

    # the procedure page: Tab to "Nộp hồ sơ trực tuyến", Enter
    page.goto(f"/#/procedures/{PROCEDURE}")
    expect(page.get_by_role("heading", name="Thành phần hồ sơ")).to_be_visible()
    tab_to(page, by_text("a", "Nộp hồ sơ trực tuyến"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#/submit/"))
    expect(page.locator("#applicant-name")).to_be_visible()

    # the e-form: type into each field (a choice with the arrow keys, as a keyboard user does)
    for key in ("id_number", "address", "phone"):
        if not page.locator(f"#applicant-{key}").input_value() and citizen.get(key):
            type_into(page, f"applicant-{key}", str(citizen[key]))
    if not page.locator("#applicant-id_number").input_value():
        type_into(page, "applicant-id_number", "093123456789")
    schema = page.evaluate(
        f"fetch('/api/procedures/{PROCEDURE}').then(r => r.json()).then(p => p.form_schema)"
    )
    for key, prop in schema["properties"].items():
        if key not in example:
            continue
        value = example[key]
        if "enum" in prop:
            tab_to(page, by_id(f"form-{key}"))
            for _ in range(len(prop["enum"]) + 1):
                if page.locator(f"#form-{key}").input_value() == str(value):
                    break
                page.keyboard.press("ArrowDown")
            expect(page.locator(f"#form-{key}")).to_have_value(str(value))
        elif prop.get("type") == "boolean":
            tab_to(page, by_id(f"form-{key}"))
            if bool(value) != page.locator(f"#form-{key}").is_checked():
                page.keyboard.press("Space")
        else:
            type_into(page, f"form-{key}", str(value))
    tab_to(page, by_text("button", "Lưu và tiếp tục"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Giấy tờ kèm theo", level=2)).to_be_visible()

    # documents: Tab to each required file input, Enter opens the chooser
    procedure = page.evaluate(f"fetch('/api/procedures/{PROCEDURE}').then(r => r.json())")
    for doc in procedure["documents"]:
        if not doc.get("required", True):
            continue
        control = page.locator(f'.upload[data-doc="{doc["id"]}"]')
        input_id = control.locator("input[type=file]").get_attribute("id")
        tab_to(page, by_id(input_id))
        open_chooser(page, input_id).set_files(str(pdf))
        expect(control.locator(".verdict-ok")).to_contain_text("Đã nhận tệp", timeout=20_000)

    # review: Tab to continue, Enter; Space ticks the declaration; Enter submits
    tab_to(page, by_text("button", "Tiếp tục: xem lại hồ sơ"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Thông tin người nộp")).to_be_visible()
    tab_to(page, lambda el: el.get("name") == "declaration")
    page.keyboard.press("Space")
    expect(page.get_by_label("Tôi xin cam đoan")).to_be_checked()
    tab_to(page, by_id("submit-dossier"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#/my/[^/?]+$"), timeout=20_000)
    expect(page.locator("#notices")).to_be_visible()


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        f"""() => [...document.querySelectorAll('body *')]
              .filter(e => e.getBoundingClientRect().right > {MOBILE} + 1)
              .slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"""
    )
    assert width <= MOBILE, f"the page is {width}px wide at {MOBILE}px; too wide: {wide}"


def test_home_and_procedure_page_fit_a_360px_screen(
    stack: Any, new_page: Any, shot: Any, tmp_path: Path
) -> None:
    page = new_page(width=MOBILE, height=780)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.locator("#main .loading")).to_have_count(0)
    _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "home-360.png"), full_page=True)
    shot(page, "mobile-360-home")

    page.goto(f"/#/procedures/{PROCEDURE}")
    expect(page.get_by_role("heading", name="Thành phần hồ sơ")).to_be_visible()
    _no_sideways_scroll(page)
    page.screenshot(path=str(tmp_path / "procedure-360.png"), full_page=True)
    shot(page, "mobile-360-procedure")
    assert (tmp_path / "home-360.png").stat().st_size > 0
    assert (tmp_path / "procedure-360.png").stat().st_size > 0


HEADER_MAX = 120  # px of a 780 px phone screen the header may take (it took 428 with 13 links)


def _header_height(page: Page) -> float:
    box = page.locator(".site-header").bounding_box()
    assert box is not None
    return float(box["height"])


def test_the_phone_header_is_compact_and_its_menu_works_by_keyboard(
    stack: Any, accounts: dict[str, Any], new_page: Any, shot: Any
) -> None:
    page = new_page(width=MOBILE, height=780)
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert _header_height(page) <= HEADER_MAX
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    menu = page.get_by_role("button", name="Danh mục")
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")

    # a keyboard user opens it, Escape closes it and focus is back on the button
    tab_to(page, lambda el: el.get("id") == "menu-toggle")
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    expect(nav.get_by_role("link", name="Câu hỏi thường gặp")).to_be_visible()
    shot(page, "mobile-360-menu-open")
    page.keyboard.press("Tab")
    page.keyboard.press("Escape")
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")
    assert _active(page)["id"] == "menu-toggle"

    # Space opens it again; following a link navigates and closes the menu
    page.keyboard.press("Space")
    expect(nav).to_be_visible()
    nav.get_by_role("link", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1, name="Đăng nhập")).to_be_visible()
    expect(nav).to_be_hidden()
    expect(menu).to_have_attribute("aria-expanded", "false")

    # a signed-in desk clerk's page: the same compact header over a longer menu
    page.get_by_label("Tên đăng nhập").fill("motcua")
    page.get_by_label("Mật khẩu").fill(accounts["motcua"]["password"])
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Hồ sơ chờ tiếp nhận")).to_be_visible()
    assert _header_height(page) <= HEADER_MAX
    _no_sideways_scroll(page)
    shot(page, "mobile-360-desk")
    menu.click()
    expect(nav.get_by_role("button", name="Đăng xuất")).to_be_visible()
    nav.get_by_role("link", name="Xử lý phản ánh").click()
    expect(page.get_by_role("heading", level=1, name="Xử lý phản ánh, kiến nghị")).to_be_visible()
    expect(nav).to_be_hidden()
    assert _header_height(page) <= HEADER_MAX


def test_the_desktop_header_still_shows_every_link(
    stack: Any, accounts: dict[str, Any], new_page: Any
) -> None:
    page = new_page()
    page.goto("/#/signin")
    page.get_by_label("Tên đăng nhập").fill("quantri")
    page.get_by_label("Mật khẩu").fill(accounts["quantri"]["password"])
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page).to_have_url(re.compile(r"#/admin$"))  # signed in, the nav shows the role's links
    nav = page.get_by_role("navigation", name="Điều hướng chính")
    expect(nav.get_by_role("button", name="Đăng xuất")).to_be_visible()
    expect(nav.get_by_role("link", name="Tài khoản cán bộ")).to_be_visible()
    expect(page.locator("#menu-toggle")).to_be_hidden()
    assert nav.get_by_role("link").count() >= 13
    for link in nav.get_by_role("link").all():
        expect(link).to_be_visible()
