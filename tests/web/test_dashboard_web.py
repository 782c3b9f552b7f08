"""The QĐ 766 dashboard, the periodic reports, the alerts page and the public transparency page,
driven in Chromium against the live local stack.

To have non-trivial numbers a building-permit dossier (1.009994, led by Vị Thanh, H33.30) is
submitted and accepted at the Vị Thanh desk through the API first: the receipt transaction adds to
Vị Thanh's monthly counters and writes the register line the drill-down reads.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.journeys import FEE_PAID_AT_DESK
from tests.support.live import id_token, post, submitted_dossier

pytestmark = [pytest.mark.web]

PROCEDURE = "1.009994"
VI_THANH = "H33.30"
NUMBER = re.compile(r"^\d{1,3}(,\d+)?$")  # "100", "92,97" (vi-VN)


@pytest.fixture(scope="module")
def received(stack: Any, accounts: dict[str, dict[str, Any]]) -> str:
    """A dossier submitted online and accepted at the Vị Thanh desk; returns its code."""
    url = stack.url
    dossier_id = submitted_dossier(
        url, accounts["congdan"], PROCEDURE, accounts["motcuavithanh"]["unit"]
    )
    desk = id_token(url, "motcuavithanh", accounts["motcuavithanh"]["password"])
    accepted = post(url, f"/api/desk/dossiers/{dossier_id}/accept", desk, FEE_PAID_AT_DESK)
    assert accepted.status_code == 200, accepted.text
    # The month the receipt counts in (after 17:00 it is the next working day's, maybe next month).
    from datetime import datetime
    from zoneinfo import ZoneInfo

    at = datetime.fromisoformat(accepted.json()["received_at"].replace("Z", "+00:00"))
    RECEIVED_MONTH["month"] = at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m")
    return str(accepted.json()["code"])


RECEIVED_MONTH: dict[str, str] = {}


def sign_in_to(page: Page, route: str, username: str, password: str, heading: str) -> None:
    """Open a console route signed out, sign in on the form it sends us to, land back on it."""
    page.goto(f"/#{route}")
    expect(page.get_by_label("Tên đăng nhập")).to_be_visible()
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()


def test_province_dashboard_scores_trend_and_drill_down(
    new_page, accounts, received: str, shot
) -> None:
    page = new_page()
    sign_in_to(page, "/dashboard", "vanphong", accounts["vanphong"]["password"], "Chỉ số QĐ 766")
    expect(page.get_by_role("link", name="Chỉ số QĐ 766")).to_be_visible()
    page.goto(f"/#/dashboard?month={RECEIVED_MONTH['month']}")
    total = page.locator("#dash-total")
    expect(total).to_have_text(NUMBER)
    expect(page.locator("svg.dash-chart")).to_be_visible()
    rows = page.locator("#dash-agencies tr.dash-agency")
    expect(rows.first).to_be_visible()
    assert rows.count() >= 1
    # unavailable indicators say so instead of showing a zero
    vt = page.locator(f'#dash-agencies tr.dash-agency[data-agency="{VI_THANH}"]')
    expect(vt).to_contain_text("Ủy ban nhân dân thành phố Vị Thanh")
    received_cell = vt.locator("td").nth(1)
    assert int(received_cell.inner_text().strip()) >= 1
    vt.get_by_role("button", name=re.compile("Chi tiết")).click()
    detail = page.locator(
        f'button.dash-drill-btn[data-agency="{VI_THANH}"]'
        '[data-indicator="online_dossiers"][data-part="denominator"]'
    )
    expect(detail).to_be_visible()
    expect(page.locator("tr.dash-unavailable").first).to_contain_text("chưa thu thập")
    shot(page, "dash-01-province")
    detail.click()
    drill = page.locator("#dash-drill")
    expect(drill).to_be_visible()
    expect(drill.get_by_role("heading", level=2)).to_contain_text("mẫu số")
    expect(page.locator("#dash-drill-table")).to_contain_text(received)
    expect(page.locator("#dash-drill-table")).to_contain_text(PROCEDURE)
    shot(page, "dash-02-drill")


def test_public_transparency_without_signing_in(new_page, received: str, shot) -> None:
    page = new_page()
    page.goto("/#/")
    page.locator("#footer-transparency").click()
    expect(
        page.get_by_role("heading", level=1, name="Công khai kết quả giải quyết hồ sơ")
    ).to_be_visible()
    page.goto(f"/#/transparency?month={RECEIVED_MONTH['month']}")
    year, month = RECEIVED_MONTH["month"].split("-")
    expect(page.locator("#pub-month")).to_have_value(f"{month}/{year}")  # as people write it
    table = page.locator("#transparency-table")
    expect(table).to_be_visible()
    assert table.locator("tbody tr").count() >= 1
    row = table.locator(f'tbody tr[data-agency="{VI_THANH}"]')
    assert int(row.locator("td").first.inner_text().strip()) >= 1
    expect(table).not_to_contain_text(received)  # numbers only, no dossier codes
    expect(page.get_by_role("link", name="Đăng nhập")).to_be_visible()
    shot(page, "dash-03-transparency")


def test_report_created_and_downloadable(new_page, accounts, received: str, shot) -> None:
    page = new_page()
    sign_in_to(page, "/reports", "quantri", accounts["quantri"]["password"], "Báo cáo định kỳ")
    page.get_by_label("Kỳ báo cáo").select_option("2026-H2")
    page.get_by_role("button", name="Tạo báo cáo").click()
    expect(page.locator("#notices")).to_contain_text("Đã tạo báo cáo kỳ 2026-H2")
    row = page.locator("#reports-list tbody tr").first
    expect(row).to_contain_text("2026-H2")
    xlsx = row.get_by_role("button", name=re.compile("Tải XLSX"))
    expect(xlsx).to_be_visible()
    expect(row.get_by_role("button", name=re.compile("Tải PDF"))).to_be_visible()
    with page.expect_download() as dl:
        xlsx.click()
    assert dl.value.suggested_filename.endswith(".xlsx")
    expect(row.locator("a.report-file")).to_have_attribute("href", re.compile("^blob:"))
    shot(page, "dash-04-reports")


def test_province_office_reports_on_one_agency_over_a_custom_range(new_page, accounts) -> None:
    page = new_page()
    sign_in_to(page, "/reports", "vanphong", accounts["vanphong"]["password"], "Báo cáo định kỳ")
    page.get_by_label("Phạm vi").select_option(VI_THANH)
    page.get_by_label("Kỳ báo cáo").select_option("custom")
    page.get_by_label("Từ tháng").fill("2026-11")
    page.get_by_label("Đến tháng").fill("2026-07")
    page.get_by_role("button", name="Tạo báo cáo").click()
    expect(page.locator("#report-range-error")).to_contain_text("trước hoặc trùng")
    page.get_by_label("Đến tháng").fill("2026-11")
    page.get_by_label("Từ tháng").fill("2026-07")
    page.get_by_role("button", name="Tạo báo cáo").click()
    expect(page.locator("#notices")).to_contain_text("Đã tạo báo cáo kỳ")
    row = page.locator("#reports-list tbody tr").first
    expect(row).to_contain_text("2026-07")
    expect(row).not_to_contain_text("Toàn tỉnh")  # the agency's own report


def test_agency_alerts_page(new_page, accounts) -> None:
    page = new_page()
    sign_in_to(
        page, "/alerts", "ubndvithanh", accounts["ubndvithanh"]["password"], "Cảnh báo hạn xử lý"
    )
    expect(page.locator("#alerts-table, #alerts-list .empty").first).to_be_visible()


# ---- issue 25: "no data" instead of 100 points, Vietnamese percentages -----------------------
IDLE = "H33.15"  # Sở Văn hóa, Thể thao và Du lịch leads no procedure: never a dossier
PERCENT = re.compile(r"^\d{1,3}(\.\d{3})*,\d %$")  # "94,0 %", "100,0 %"


def test_dashboard_says_no_data_for_an_idle_agency_and_ranks_it_last(
    new_page, accounts, received: str, shot
) -> None:
    page = new_page()
    sign_in_to(page, "/dashboard", "vanphong", accounts["vanphong"]["password"], "Chỉ số QĐ 766")
    page.goto(f"/#/dashboard?month={RECEIVED_MONTH['month']}")
    rows = page.locator("#dash-agencies tr.dash-agency")
    expect(rows.first).to_be_visible()
    idle = page.locator(f'#dash-agencies tr.dash-agency[data-agency="{IDLE}"]')
    expect(idle.locator("td.dash-score")).to_have_text("Chưa có dữ liệu")
    expect(idle.locator("td.dash-score")).not_to_contain_text("100")
    vt = page.locator(f'#dash-agencies tr.dash-agency[data-agency="{VI_THANH}"]')
    expect(vt.locator("td.dash-score .dash-bar-num")).to_have_text(NUMBER)
    order = rows.evaluate_all("rows => rows.map(r => r.dataset.agency)")
    assert order.index(IDLE) > order.index(VI_THANH)  # no data never ranks above data
    # every agency listed after the first "no data" one has no data either
    scores = rows.locator("td.dash-score").all_inner_texts()
    first_idle = scores.index("Chưa có dữ liệu")
    assert all(s == "Chưa có dữ liệu" for s in scores[first_idle:])
    # the ratios of Vị Thanh's indicators read as Vietnamese percentages
    vt.get_by_role("button", name=re.compile("Chi tiết")).click()
    ratios = page.locator("table.dash-indicators td[data-label='Tỷ lệ']").all_inner_texts()
    shown = [r for r in ratios if "%" in r]
    assert shown, ratios
    assert all(PERCENT.match(r) for r in shown), shown
    shot(page, "dash-05-no-data")


def test_transparency_says_no_data_for_an_idle_agency(new_page, received: str) -> None:
    page = new_page()
    page.goto(f"/#/transparency?month={RECEIVED_MONTH['month']}")
    table = page.locator("#transparency-table")
    idle = table.locator(f'tbody tr[data-agency="{IDLE}"]')
    expect(idle.locator("td").last).to_have_text("Chưa có dữ liệu")
    vt = table.locator(f'tbody tr[data-agency="{VI_THANH}"]')
    expect(vt.locator("td").last.locator(".dash-bar-num")).to_have_text(NUMBER)


def test_reports_list_shows_vietnamese_percent_period_and_the_maker_s_name(
    new_page, accounts
) -> None:
    from datetime import date, timedelta

    # last month: the demo statistics always cover it, so its on-time share is a real number
    last = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    page = new_page()
    sign_in_to(page, "/reports", "quantri", accounts["quantri"]["password"], "Báo cáo định kỳ")
    page.get_by_label("Kỳ báo cáo").select_option("custom")
    page.get_by_label("Từ tháng").fill(last)
    page.get_by_label("Đến tháng").fill(last)
    page.get_by_role("button", name="Tạo báo cáo").click()
    expect(page.locator("#notices")).to_contain_text("Đã tạo báo cáo kỳ")
    row = page.locator("#reports-list tbody tr").first
    expect(row).to_contain_text(f"{last}..{last}")
    expect(row.locator(".report-period-text")).to_have_text(f"tháng {last[5:]}/{last[:4]}")
    expect(row.locator(".report-on-time")).to_have_text(PERCENT)
    expect(row.locator(".report-by")).to_have_text("Trần Quốc Bảo")  # not "quantri"
    page.reload()
    expect(page.locator("#reports-list tbody tr").first.locator(".report-on-time")).to_have_text(
        PERCENT
    )
