"""The lifecycle console, driven by hand in Chromium against the real local stack.

A building-permit dossier (1.009994: Vị Thanh appraises, then the Construction and the Natural
Resources departments give opinions in parallel, then Vị Thanh signs) is submitted through the API;
the Vị Thanh desk ticks the fee as collected in cash (nothing is ticked for it) and accepts, Vị
Thanh approves its step with the button, both departments see the parallel stage and approve, Vị
Thanh proposes an extension that its leader approves on the "Phê duyệt" page, signs, and the desk
hands the result over at the desk.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support import live
from tests.support.pages import poll_visible, sign_in_to

pytestmark = [pytest.mark.web, pytest.mark.slow]

PROCEDURE = "1.009994"


def submitted_dossier(url: str, citizen: dict[str, Any], desk_unit: str) -> str:
    """What the citizen's wizard does, through the API: draft, each required paper, submit."""
    return live.submitted_dossier(url, citizen, PROCEDURE, desk_unit)


def open_task(page: Page, dossier_id: str, step_id: str) -> None:
    page.goto("/#/agency")
    task = page.locator(f'a[href="#/agency/{dossier_id}?step={step_id}"]')
    poll_visible(page, task)
    task.click()
    expect(page.locator("#complete-form")).to_be_visible()


def approve(page: Page, note: str) -> None:
    page.get_by_label("Đồng ý, chuyển bước tiếp theo").check()
    page.get_by_label("Ý kiến xử lý").fill(note)
    page.get_by_role("button", name="Hoàn thành").click()
    expect(page.locator("#notices")).to_contain_text("Đã hoàn thành bước xử lý")
    expect(page.locator("#notices")).to_contain_text("duyệt, chuyển bước sau")


def test_lifecycle_walk_through_the_console(new_page, stack, accounts, shot) -> None:
    pw = {name: a["password"] for name, a in accounts.items()}
    dossier_id = submitted_dossier(
        stack.url, accounts["congdan"], accounts["motcuavithanh"]["unit"]
    )

    # GIVEN the Vị Thanh desk: the fee box is not ticked; it collects the fee in cash and accepts
    desk = new_page()
    sign_in_to(desk, "motcuavithanh", pw["motcuavithanh"], "Hồ sơ chờ tiếp nhận")
    desk.goto(f"/#/desk/{dossier_id}")
    fee = desk.get_by_label("Đã thu phí, lệ phí tại quầy")
    expect(fee).not_to_be_checked()
    fee.check()
    desk.get_by_label("Số biên lai").fill("BL-VT-0001")
    desk.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    expect(desk.locator("#accept-result")).to_be_visible()
    code = desk.locator("#accept-result .code").inner_text().strip()
    assert code.startswith("H33.30.50-"), code
    expect(
        desk.get_by_role("heading", name="Phiếu kiểm soát quá trình giải quyết hồ sơ")
    ).to_be_visible()

    # WHEN Vị Thanh appraises and approves with the button
    vt = new_page()
    sign_in_to(vt, "ubndvithanh", pw["ubndvithanh"], "Hồ sơ cần xử lý")
    open_task(vt, dossier_id, "tham-dinh")
    expect(vt.locator(".facts .badge").first).to_have_text("Đang xử lý")
    expect(vt.locator("#control-slip")).to_contain_text("đang xử lý")
    shot(vt, "lc-01-agency-step")
    approve(vt, "Hồ sơ đủ điều kiện, chuyển lấy ý kiến.")

    # THEN the parallel stage shows in both departments' task lists
    xd = new_page()
    sign_in_to(xd, "soxaydung", pw["soxaydung"], "Hồ sơ cần xử lý")
    tn = new_page()
    sign_in_to(tn, "sotnmt", pw["sotnmt"], "Hồ sơ cần xử lý")
    for page, step in ((xd, "y-kien-so-xay-dung"), (tn, "y-kien-so-tnmt")):
        poll_visible(page, page.locator(f'a[href="#/agency/{dossier_id}?step={step}"]'))
        expect(page.locator("#agency-tasks")).to_contain_text(code)
    shot(tn, "lc-02-parallel-task")

    # AND a stop proposal without a reason is refused inline before anything is sent
    open_task(xd, dossier_id, "y-kien-so-xay-dung")
    xd.get_by_label("Đề nghị dừng xử lý").check()
    xd.get_by_role("button", name="Hoàn thành").click()
    expect(xd.locator("#complete-form .field-error:visible")).to_contain_text(
        "Vui lòng nhập ý kiến"
    )
    approve(xd, "Đồng ý về mặt xây dựng.")
    open_task(tn, dossier_id, "y-kien-so-tnmt")
    approve(tn, "Thửa đất phù hợp quy hoạch.")

    # WHEN Vị Thanh proposes an extension (form 04) on the signing step
    open_task(vt, dossier_id, "ky-giay-phep")
    expect(vt.locator("#control-slip")).to_contain_text("Duyệt, chuyển bước sau")
    vt.get_by_role("button", name="Đề nghị gia hạn (mẫu 04)").click()
    vt.get_by_label("Lý do gia hạn").fill("Cần kiểm tra thực địa bổ sung.")
    later = (datetime.now(UTC) + timedelta(days=40)).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh")
    )
    vt.get_by_label("Ngày hẹn trả mới").fill(later.strftime("09:00 %d/%m/%Y"))
    vt.get_by_role("button", name="Gửi đề nghị gia hạn").click()
    ext_msg = vt.locator("#extension-form .form-error")
    expect(
        vt.locator("#notices .alert-text, #extension-form .form-error:not([hidden])").first
    ).to_be_visible()
    extension_ok = vt.locator("#notices").inner_text().startswith("Đã gửi đề nghị gia hạn")

    if extension_ok:
        # THEN the leader sees it on "Phê duyệt" and approves it
        leader = new_page()
        sign_in_to(leader, "lanhdaovithanh", pw["lanhdaovithanh"], "Hồ sơ chờ phê duyệt")
        pending = leader.locator("#leader-pending")
        expect(pending).to_contain_text(code)
        shot(leader, "lc-03-leader")
        pending.locator(f"#ext-{dossier_id}-approve").click()
        expect(leader.locator("#notices")).to_contain_text("Đã chấp thuận gia hạn")
        vt.reload()
        expect(vt.locator("#extension-state")).to_contain_text("Đã chấp thuận")
        expect(vt.get_by_text("Ngày hẹn trả ban đầu")).to_be_visible()
    else:
        # the API's own Vietnamese message is shown next to the button
        expect(ext_msg).to_be_visible()

    # WHEN Vị Thanh signs THEN the desk sees "Đã xử lý xong" and hands the result over at the desk
    open_task(vt, dossier_id, "ky-giay-phep")
    approve(vt, "Cấp giấy phép.")
    desk.goto(f"/#/desk/{dossier_id}")
    poll_visible(desk, desk.locator(".facts .badge", has_text="Đã xử lý xong").first)
    # AND, Vị Thanh having attached no document, the result is plainly the system's notice
    poll_visible(desk, desk.locator('#result-kind[data-generated="true"]'))
    expect(desk.locator("#result-kind")).to_contain_text("do hệ thống tạo theo mẫu")
    expect(desk.get_by_label("Tại Bộ phận Một cửa")).to_be_checked()
    expect(desk.get_by_label("Họ tên người nhận")).to_have_value(accounts["congdan"]["name"])
    desk.get_by_role("button", name="Trả kết quả", exact=True).click()
    expect(desk.locator("#notices")).to_contain_text("Đã trả kết quả")
    expect(desk.locator(".facts .badge").first).to_have_text("Đã trả kết quả")
    expect(desk.locator("#control-slip tbody tr")).to_have_count(4)
    shot(desk, "lc-04-desk-returned")
