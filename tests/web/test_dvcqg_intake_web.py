"""The national portal (Cổng DVCQG) both ways, in Chromium on the live stack (issue 21): a dossier
submitted on the portal twin's own page is pushed to us, the one-stop desk sees it in the inbox
marked DVCQG, accepts it, and the twin's page then shows the status we pushed back under our code,
with the desk officer's receipt step (status 2)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.pages import poll_visible, sign_in
from tests.support.samples import FORM_EXAMPLES

pytestmark = [pytest.mark.web, pytest.mark.slow]

PROCEDURE = "2.001610"  # full online; documents giay-de-nghi and cccd-chu-dn; fee paid there
APPLICANT = "Lâm Thị Cẩm Tú"


def test_a_dossier_from_the_portal_twin_is_accepted_and_the_twin_shows_the_status(
    new_page: Any, stack: Any, accounts: dict[str, dict[str, Any]]
) -> None:
    twin = stack.portal
    if twin is None:
        pytest.skip("the stack was pointed at another national portal")
    desk = accounts["motcua"]

    # GIVEN a citizen submits on the twin's page (its own form, its sample PDFs)
    portal_page = new_page()
    portal_page.goto(twin.page_url)
    portal_page.get_by_label("Mã thủ tục").fill(PROCEDURE)
    portal_page.get_by_label("Đơn vị tiếp nhận").fill(desk["unit"])
    portal_page.get_by_label("Họ tên").fill(APPLICANT)
    portal_page.get_by_label("Số giấy tờ").fill("093190007788")
    portal_page.get_by_label("Thành phần hồ sơ", exact=False).fill("giay-de-nghi,cccd-chu-dn")
    portal_page.get_by_label("Dữ liệu biểu mẫu (JSON)").fill(
        json.dumps(FORM_EXAMPLES[PROCEDURE], ensure_ascii=False)
    )
    portal_page.get_by_label("Lệ phí đã nộp (đồng)").fill("100000")
    portal_page.get_by_role("button", name="Nộp").click()
    section = portal_page.locator("section.dossier").first
    expect(section).to_contain_text(PROCEDURE)
    expect(section.locator(".answer")).to_contain_text("200")  # our front door took it
    ref = section.get_attribute("data-ref")
    assert ref

    # WHEN the desk opens its inbox THEN the dossier is there, marked as from DVCQG
    staff = new_page()
    sign_in(staff, desk["username"], desk["password"])
    expect(staff.get_by_role("heading", level=1, name="Hồ sơ chờ tiếp nhận")).to_be_visible()
    row = staff.locator("#desk-inbox tr", has_text=APPLICANT)
    poll_visible(staff, row)
    expect(row.locator(".badge", has_text="DVCQG")).to_be_visible()

    # AND accepts it (the fee was paid on the portal: nothing to collect)
    row.get_by_role("link").click()
    expect(staff.get_by_text(APPLICANT).first).to_be_visible()
    staff.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    result = staff.locator("#accept-result")
    expect(result).to_be_visible()
    code = result.locator(".code").inner_text().strip()
    assert code.startswith(desk["unit"] + "-"), code

    # THEN the twin's page shows the dossier under our code, received (2) by the desk officer
    # (the workflow may already have handed it on: 4), with the desk's step line in status 2
    mine = portal_page.locator(f'section.dossier[data-ref="{ref}"]')
    poll_visible(portal_page, mine.locator(".code", has_text=code), seconds=60)
    expect(mine.locator(".status")).to_have_text(re.compile(r"^(2|4)$"))
    # each step line's status, oldest first: submitted (1), then received by the desk (2)
    expect(mine.locator("tbody tr td:last-child")).to_contain_text(["1", "2"])
    received = mine.locator("tbody tr").nth(1)
    expect(received.locator("td").nth(3)).not_to_be_empty()  # PhongBanXuLy: the desk's unit
