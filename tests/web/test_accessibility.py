"""WCAG 2.1 AA audit of the real pages with axe-core (axe-playwright-python), in Chromium.

GIVEN the running local stack WHEN axe-core runs its WCAG 2.0/2.1 A and AA rules (contrast,
labels, names, landmarks, lang, ...) on the public pages and on each role's console pages THEN it
finds no violation. A first test proves the audit can fail: a low-contrast paragraph injected into
a page is reported.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.axe import violations

pytestmark = pytest.mark.web

PUBLIC = ["/", "/lookup", "/faq", "/qa", "/feedback", "/transparency", "/signin", "/signup"]
CONSOLE = {
    "congdan": [
        "/my",
        "/my/followed",
        "/my/documents",
        "/my/privacy",
        "/my/access-log",
        "/profile",
    ],
    "motcua": ["/desk", "/desk/new", "/staff/feedback"],
    "sokhdt": ["/agency", "/alerts", "/dashboard"],
    "lanhdaosokhdt": ["/leader", "/reports"],
    "vanphong": ["/dashboard", "/reports"],
    "quantri": ["/admin", "/admin/breaches"],
}


def _open(page: Page, route: str) -> None:
    page.goto(f"/#{route}")
    expect(page.locator("h1").first).to_be_visible()


def test_the_audit_reports_low_contrast(new_page: Any) -> None:
    page = new_page()
    _open(page, "/")
    page.evaluate(
        """() => { const p = document.createElement('p');
        p.textContent = 'Chữ mờ khó đọc'; p.style.color = '#bbbbbb'; p.style.background = '#ffffff';
        document.querySelector('main').append(p); }"""
    )
    assert any(v.startswith("color-contrast") for v in violations(page))


@pytest.mark.parametrize("width", [1280, 360])
def test_public_pages_meet_wcag_aa(new_page: Any, width: int) -> None:
    page = new_page(width=width)
    problems: dict[str, list[str]] = {}
    procedure = "/procedures/1.009994"
    for route in [*PUBLIC, procedure]:
        _open(page, route)
        if found := violations(page):
            problems[route] = found
    assert problems == {}


def test_console_pages_meet_wcag_aa(new_page: Any, accounts: dict[str, Any]) -> None:
    problems: dict[str, list[str]] = {}
    for username, routes in CONSOLE.items():
        page = new_page()
        page.goto(f"/#{routes[0]}")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(accounts[username]["password"])
        page.get_by_role("button", name="Đăng nhập", exact=True).click()
        expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()
        for route in routes:
            _open(page, route)
            if found := violations(page):
                problems[f"{username} {route}"] = found
    assert problems == {}
