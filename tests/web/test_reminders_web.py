"""Reminder preferences in the browser: on "Hồ sơ cá nhân" a citizen turns the fee reminder off,
sees it saved, and finds it still off after a reload (the account's preference, not the page's)."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.pages import sign_in_to

pytestmark = [pytest.mark.web]


def test_a_citizen_turns_a_reminder_kind_off_and_on_again(
    stack: Any, accounts: dict[str, Any], new_page: Any
) -> None:
    page = new_page(width=360)
    sign_in_to(page, "congdan", accounts["congdan"]["password"], "Hồ sơ của tôi")
    page.goto("/#/profile")
    card = page.locator("#reminders-form")
    fee = card.get_by_label("Trước hạn nộp phí, lệ phí (2 ngày làm việc)")
    appointment = card.get_by_label("Trước ngày hẹn trả kết quả (1 ngày làm việc)")
    expect(fee).to_be_checked()
    expect(appointment).to_be_checked()
    expect(card.get_by_role("checkbox")).to_have_count(4)  # appointment, supplement, fee, expiry

    fee.uncheck()
    card.get_by_role("button", name="Lưu lựa chọn nhắc việc").click()
    expect(page.locator("#notices")).to_contain_text("Đã lưu lựa chọn nhắc việc.")

    page.reload()
    card = page.locator("#reminders-form")
    expect(card.get_by_label("Trước hạn nộp phí, lệ phí (2 ngày làm việc)")).not_to_be_checked()
    expect(card.get_by_label("Trước ngày hẹn trả kết quả (1 ngày làm việc)")).to_be_checked()

    # and on again, so the demo account is left as it was
    card.get_by_label("Trước hạn nộp phí, lệ phí (2 ngày làm việc)").check()
    card.get_by_role("button", name="Lưu lựa chọn nhắc việc").click()
    expect(page.locator("#notices")).to_contain_text("Đã lưu lựa chọn nhắc việc.")
