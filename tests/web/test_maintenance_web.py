"""Planned downtime in Chromium (NĐ 224/2026 Đ13): the administrator types a window the Vietnamese
way, too early is refused under the field with the earliest date, a valid one appears at once in
the banner of every page (a visitor's too, in English after the toggle), and a cancelled one
leaves it."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.web]

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _earliest() -> date:
    from chalicelib.domain.calendar import default_calendar
    from chalicelib.domain.maintenance import earliest_planned_start

    return earliest_planned_start(default_calendar(), datetime.now(UTC))


def _sign_in(page: Page, route: str, account: dict[str, Any], heading: str) -> None:
    page.goto(f"/#{route}")
    page.get_by_label("Tên đăng nhập").fill(account["username"])
    page.get_by_label("Mật khẩu").fill(account["password"])
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()


def test_admin_announces_downtime_and_every_page_shows_it(
    new_page: Any, accounts: dict[str, dict[str, Any]], shot: Any
) -> None:
    page = new_page()
    _sign_in(page, "/admin/maintenance", accounts["quantri"], "Bảo trì hệ thống")
    form = page.locator("#maint-form")
    early = _earliest().toordinal() - 1
    too_soon = date.fromordinal(early).strftime("%d/%m/%Y")
    start = _earliest().strftime("%d/%m/%Y")
    form.get_by_label("Bắt đầu").fill(f"22h00 {too_soon}")
    form.get_by_label("Kết thúc").fill(f"23:30 {too_soon}")
    form.get_by_label("Nội dung thông báo (tiếng Việt)").fill("Nâng cấp máy chủ cơ sở dữ liệu")
    form.get_by_role("button", name="Thông báo").click()
    error = form.locator(".field.has-error .field-error")
    expect(error).to_contain_text("7 ngày")
    expect(error).to_contain_text(_earliest().strftime("%d/%m/%Y"))
    expect(page.locator("#maintenance-banner")).to_be_hidden()

    form.get_by_label("Bắt đầu").fill(f"22:00 {start}")
    form.get_by_label("Kết thúc").fill(f"23:30 {start}")
    form.get_by_label("Nội dung thông báo (tiếng Anh, không bắt buộc)").fill("Database upgrade")
    form.get_by_role("button", name="Thông báo").click()
    expect(page.locator("#maint-table tbody tr")).to_have_count(1)
    banner = page.locator("#maintenance-banner")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(f"22:00 {start}")
    expect(banner).to_contain_text("Nâng cấp máy chủ cơ sở dữ liệu")
    shot(page, "maintenance-admin")

    visitor = new_page()
    visitor.goto("/#/")
    vbanner = visitor.locator("#maintenance-banner")
    expect(vbanner).to_contain_text("Bảo trì hệ thống theo kế hoạch")
    visitor.locator("#lang-toggle").click()
    expect(vbanner).to_contain_text("Planned maintenance")
    expect(vbanner).to_contain_text("Database upgrade")

    page.locator("#maint-table tbody tr").get_by_role("button", name="Hủy đợt này").click()
    expect(page.locator("#maint-table tbody tr")).to_contain_text("Đã hủy")
    expect(banner).to_be_hidden()
    visitor.reload()
    expect(visitor.get_by_role("heading", level=1)).to_be_visible()
    expect(visitor.locator("#maintenance-banner")).to_be_hidden()
