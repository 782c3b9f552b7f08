"""The administrator's console in Chromium against the live local stack: the electronic process
editor (a parallel step, refused then accepted by the domain's time rule, filed as a change
request), the calendar (a province holiday appears on the month grid) and staff accounts (a new
account with its one-time password, found by the server-side filter)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.web]

PROCEDURE = "2.000488"  # Phiếu lý lịch tư pháp: 2 + 6 + 2 working days of 10


def _sign_in(page: Page, route: str, account: dict[str, Any], heading: str) -> None:
    page.goto(f"/#{route}")
    page.get_by_label("Tên đăng nhập").fill(account["username"])
    page.get_by_label("Mật khẩu").fill(account["password"])
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()


def _a_working_wednesday_next_year() -> date:
    from chalicelib.domain.calendar import default_calendar

    d = date(datetime.now(UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).year + 1, 6, 3)
    while d.weekday() != 2 or not default_calendar().is_working_day(d):
        d += timedelta(days=1)
    return d


def test_admin_edits_a_process_sets_a_holiday_and_creates_staff(
    new_page: Any, accounts: dict[str, dict[str, Any]], shot: Any
) -> None:
    page = new_page()
    _sign_in(page, "/admin/procedures", accounts["quantri"], "Thủ tục và quy trình điện tử")

    # ---- the process editor: find the procedure through the server-side filter
    page.get_by_label("Mã hoặc tên thủ tục").fill(PROCEDURE)
    page.locator("#proc-filter").get_by_role("button", name="Lọc").click()
    rows = page.locator("#proc-table tbody tr")
    expect(rows).to_have_count(1)
    rows.first.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(PROCEDURE)
    expect(page.locator("#versions-table tbody tr")).to_have_count(1)

    stage2 = page.locator('[data-stage-box="2"]')
    stage2.get_by_role("button", name="Thêm bước song song").click()
    expect(stage2).to_have_class("stage stage-parallel")
    new_step = stage2.locator(".step-card").nth(1)
    new_step.get_by_label("Tên bước").fill("Xác minh nơi cư trú")
    new_step.get_by_label("Cơ quan thực hiện (mã)").fill("H33.20")
    new_step.get_by_label("Thời gian").fill("7")
    expect(page.locator("#process-total")).to_contain_text("Vượt thời hạn")
    page.get_by_label("Căn cứ pháp lý (văn bản quyết định)").fill(
        "Quyết định số 2150/QĐ-UBND ngày 25/11/2026"
    )
    page.locator("#save-change").click()
    # the domain refuses 2 + 7 + 2 > 10 days, in Vietnamese, next to the process
    expect(page.locator("#editor-problems")).to_contain_text("vượt thời hạn giải quyết")
    new_step.get_by_label("Thời gian").fill("5")
    page.locator("#save-change").click()
    expect(page.locator("#notices")).to_contain_text("Đã tạo đề nghị thay đổi")
    pending = page.locator('#proc-changes li[data-state="proposed"]')
    expect(pending.first).to_contain_text("quantri")
    shot(page, "admin-process-editor")

    # ---- the calendar: a province holiday on the month grid
    day = _a_working_wednesday_next_year()
    page.goto("/#/admin/calendar")
    expect(page.get_by_role("heading", level=1, name="Lịch làm việc, ngày nghỉ")).to_be_visible()
    form = page.locator("#cal-add-form")
    form.get_by_label("Loại").select_option("holiday")
    form.get_by_label("Ngày", exact=True).fill(day.isoformat())
    form.get_by_label("Lý do").fill("Ngày hội văn hóa của tỉnh")
    form.get_by_role("button", name="Thêm vào lịch").click()
    cell = page.locator(f'#cal-grid td[data-date="{day.isoformat()}"]')
    expect(cell).to_have_attribute("data-kind", "holiday")
    expect(cell).to_have_attribute("data-working", "false")
    expect(page.locator("#cal-entries")).to_contain_text("Ngày hội văn hóa của tỉnh")
    shot(page, "admin-calendar")
    entry = page.locator(f'#cal-entries li[data-date="{day.isoformat()}"]')
    entry.get_by_role("button", name="Xóa").click()  # leave the shared stack as it was
    expect(cell).to_have_attribute("data-working", "true")

    # ---- staff accounts: create one, see the one-time password, find it by the filter
    username = f"cb{uuid.uuid4().hex[:8]}"
    page.goto("/#/admin/users")
    expect(page.get_by_role("heading", level=1, name="Tài khoản cán bộ và vai trò")).to_be_visible()
    add = page.locator("#user-add-form")
    add.get_by_label("Tên đăng nhập").fill(username)
    add.get_by_label("Họ và tên").fill("Nguyễn Thị Thử")
    add.get_by_label("E-mail").fill(f"{username}@example.vn")
    add.get_by_label("Vai trò").select_option("agency")
    add.get_by_label("Đơn vị (mã)").fill("H33.02")
    add.get_by_role("button", name="Tạo tài khoản").click()
    password = page.locator("#temporary-password")
    expect(password).to_be_visible()
    assert len(password.inner_text().strip()) >= 12
    page.locator("#user-filter").get_by_label("Tên, tên đăng nhập hoặc e-mail").fill(username)
    page.locator("#user-filter").get_by_role("button", name="Lọc").click()
    row = page.locator(f'#user-table tbody tr[data-username="{username}"]')
    expect(row).to_contain_text("Chuyên viên xử lý")
    expect(row).to_contain_text("H33.02")

    # ---- units: the tree opens one level at a time
    page.goto("/#/admin/units")
    expect(page.get_by_role("heading", level=1, name="Đơn vị và mã định danh")).to_be_visible()
    root = page.locator('#unit-tree > li[data-code="H33"]')
    root.get_by_role("button", name="Mở đơn vị cấp dưới").click()
    expect(root.locator('li[data-code="H33.02"]')).to_contain_text("Sở Tư pháp")
    shot(page, "admin-units")
