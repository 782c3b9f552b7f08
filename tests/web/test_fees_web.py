"""Fees in Chromium on the local stack, as the desk clerk and the citizen meet them (issue 25).

- The desk receives an online, fee-bearing dossier (2.001610, 100 000 đ) without ticking anything:
  the dossier awaits its fee (status 6) and both sides read "Hạn nộp phí, lệ phí", never the
  supplement deadline's label. The citizen presses "Thanh toán trực tuyến", lands on the VNPay
  simulator (not a bare "Not found"), cancels, comes back, pays, and comes back to a dossier page
  that says it was paid online through VNPay; the biên lai says so too.
- A second dossier is paid in cash at the desk: the citizen reads "tiền mặt" in every fee part and
  never "trực tuyến", on the page and on the biên lai.
- An unknown address on the local server answers a Vietnamese page with a way home.
"""

from __future__ import annotations

import io
import re
import unicodedata
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support import live
from tests.support.pages import sign_in_to

pytestmark = [pytest.mark.web, pytest.mark.slow]

PROCEDURE = "2.001610"  # one step at the Department of Planning and Investment; desk motcua
FEE = "100.000"
SHOWN_TIME = re.compile(r"^\d{2}:\d{2} \d{2}/\d{2}/\d{4}$")  # HH:mm dd/MM/yyyy


def _fee_receipt_text(page: Page) -> str:
    """Press the citizen's biên lai button and read the PDF it opened (the blob behind the link
    the page leaves next to the button), with pypdf."""
    from pypdf import PdfReader

    with page.expect_response(lambda r: r.url.endswith("/fee-receipt.pdf")) as got:
        page.get_by_role("button", name="Tải biên lai thu phí (PDF)").click()
    assert got.value.status == 200
    assert got.value.header_value("content-type") == "application/pdf"
    link = page.locator("#payment-card .receipt-slot a[download]")
    expect(link).to_have_attribute("href", re.compile(r"^blob:"))
    data = link.evaluate(
        """async (a) => Array.from(new Uint8Array(await (await fetch(a.href)).arrayBuffer()))"""
    )
    reader = PdfReader(io.BytesIO(bytes(data)))
    return unicodedata.normalize("NFC", " ".join(p.extract_text() for p in reader.pages))


def _accepted_awaiting_fee(desk: Page, dossier_id: str) -> None:
    """The desk opens the dossier and accepts it without ticking the fee: status 6 follows."""
    desk.goto(f"/#/desk/{dossier_id}")
    fee = desk.get_by_label("Đã thu phí, lệ phí tại quầy")
    expect(fee).not_to_be_checked()
    expect(desk.locator("#accept-fee")).to_contain_text(FEE)
    desk.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    expect(desk.locator("#accept-result")).to_be_visible()
    expect(desk.locator('.facts .badge[data-status="6"]').first).to_have_text(
        "Chờ thực hiện nghĩa vụ tài chính"
    )
    expect(desk.locator("#fee-state")).to_contain_text("chưa nộp")
    expect(desk.locator("#fee-due-at")).to_be_visible()
    expect(desk.get_by_text("Hạn nộp phí, lệ phí", exact=True)).to_be_visible()
    expect(desk.locator("#main")).not_to_contain_text("Hạn bổ sung hồ sơ")


def _submitted_and_desk(
    new_page: Any, stack: Any, accounts: dict[str, dict[str, Any]]
) -> tuple[str, Page]:
    """A fee-bearing dossier the citizen submitted online, and the desk clerk signed in."""
    dossier_id = live.submitted_dossier(stack.url, accounts["congdan"], PROCEDURE, None)
    desk = new_page()
    sign_in_to(desk, "motcua", accounts["motcua"]["password"], "Hồ sơ chờ tiếp nhận")
    return dossier_id, desk


def _citizen_on(page: Page, dossier_id: str, accounts: dict[str, dict[str, Any]]) -> None:
    sign_in_to(page, "congdan", accounts["congdan"]["password"], "Hồ sơ của tôi")
    page.goto(f"/#/my/{dossier_id}")
    expect(page.locator(".page-head .badge")).to_have_text("Chờ thực hiện nghĩa vụ tài chính")


def test_online_fee_owed_at_the_desk_is_paid_through_the_simulator(
    new_page: Any, stack: Any, accounts: dict[str, dict[str, Any]], shot: Any
) -> None:
    dossier_id, desk = _submitted_and_desk(new_page, stack, accounts)

    # GIVEN the desk accepts the online dossier without ticking anything: the fee is owed
    _accepted_awaiting_fee(desk, dossier_id)
    shot(desk, "fee-01-desk-awaiting-fee")

    # THEN the citizen is asked to pay, with the fee's deadline under the fee's name
    page = new_page()
    _citizen_on(page, dossier_id, accounts)
    expect(page.locator("#fee-due")).to_contain_text("Hạn nộp phí, lệ phí")
    expect(page.locator("#fee-due-at")).to_be_visible()
    expect(page.locator("#main")).not_to_contain_text("Hạn bổ sung hồ sơ")
    expect(page.locator("#payment-card")).to_contain_text(FEE)

    # WHEN they press "Thanh toán trực tuyến" THEN the simulator's page opens, in Vietnamese
    page.get_by_role("button", name="Thanh toán trực tuyến").click()
    expect(page.get_by_role("heading", name="Cổng thanh toán mô phỏng")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("Not found")
    expect(page.locator("body")).to_contain_text(f"{FEE} đ")
    shot(page, "fee-02-simulator")

    # AND cancelling brings them back to their dossier, the fee still due
    page.get_by_role("link", name="Hủy giao dịch").click()
    expect(page).to_have_url(re.compile(rf"#/my/{re.escape(dossier_id)}\?payment=failed$"))
    expect(page.locator("#payment-outcome")).to_contain_text("đã bị hủy")
    expect(page.locator(".page-head .badge")).to_have_text("Chờ thực hiện nghĩa vụ tài chính")

    # WHEN they try again and pay
    page.get_by_role("button", name="Thanh toán trực tuyến").click()
    page.get_by_role("link", name="Thanh toán", exact=True).click()

    # THEN their dossier page says it was paid online, with the time, and processing goes on
    expect(page).to_have_url(re.compile(rf"#/my/{re.escape(dossier_id)}\?payment=paid$"))
    expect(page.locator("#payment-outcome")).to_contain_text("Thanh toán thành công")
    expect(page.locator("#fee-paid")).to_contain_text("Đã thanh toán trực tuyến qua VNPay lúc")
    expect(page.locator("#fee-paid time")).to_have_text(SHOWN_TIME)
    expect(page.locator("#fee-state")).to_contain_text("thanh toán trực tuyến qua VNPay")
    expect(page.locator("#pay-online")).to_have_count(0)
    expect(page.locator(".page-head .badge")).not_to_have_text("Chờ thực hiện nghĩa vụ tài chính")
    shot(page, "fee-03-paid-online")
    text = _fee_receipt_text(page)
    assert "Thanh toán trực tuyến qua VNPay" in text and "Tiền mặt" not in text, text

    # AND the desk reads the same
    desk.reload()
    expect(desk.locator("#fee-state")).to_contain_text("thanh toán trực tuyến qua VNPay")


def test_cash_recorded_at_the_desk_is_never_called_online(
    new_page: Any, stack: Any, accounts: dict[str, dict[str, Any]], shot: Any
) -> None:
    dossier_id, desk = _submitted_and_desk(new_page, stack, accounts)

    # GIVEN "collected" ticked without its biên lai number: refused on the spot, nothing sent
    desk.goto(f"/#/desk/{dossier_id}")
    fee = desk.get_by_label("Đã thu phí, lệ phí tại quầy")
    fee.check()
    desk.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    expect(desk.locator("#accept-fee .field-error:visible")).to_contain_text("số biên lai")
    shot(desk, "fee-05-desk-receipt-needed")
    expect(desk.locator("#accept-result")).to_have_count(0)
    desk.reload()
    expect(desk.locator(".facts .badge").first).to_have_text("Mới đăng ký")

    # WHEN it is accepted without the fee, and the citizen then pays in cash at the desk
    _accepted_awaiting_fee(desk, dossier_id)
    desk.get_by_role("button", name="Ghi nhận nộp phí").click()
    form = desk.locator("#payment-form")
    form.get_by_label("Số biên lai").fill("BL-0099")
    form.get_by_label("Hình thức nộp").select_option("cash")
    form.get_by_role("button", name="Xác nhận đã thu").click()
    expect(desk.locator("#notices")).to_contain_text("Đã ghi nhận nộp phí")
    expect(desk.locator("#fee-state")).to_contain_text("tiền mặt tại Bộ phận Một cửa")
    expect(desk.locator("#fee-state")).to_contain_text("BL-0099")
    expect(desk.locator("#fee-state")).not_to_contain_text("trực tuyến")

    # THEN the citizen reads cash, with the time and the receipt number, and never "online"
    page = new_page()
    sign_in_to(page, "congdan", accounts["congdan"]["password"], "Hồ sơ của tôi")
    page.goto(f"/#/my/{dossier_id}")
    expect(page.locator("#fee-paid")).to_contain_text("Đã nộp tiền mặt tại Bộ phận Một cửa lúc")
    expect(page.locator("#fee-paid time")).to_be_visible()
    expect(page.locator("#payment-card")).to_contain_text("BL-0099")
    expect(page.locator("#fee-state")).to_contain_text("tiền mặt")
    for part in ("#payment-card", "#fee-state"):
        expect(page.locator(part)).not_to_contain_text("trực tuyến")
    expect(page.locator("#pay-online")).to_have_count(0)
    expect(page.locator("#payment-outcome")).to_have_count(0)
    shot(page, "fee-04-paid-cash")
    text = _fee_receipt_text(page)
    assert "Tiền mặt tại Bộ phận Một cửa" in text and "BL-0099" in text, text
    assert "trực tuyến" not in text.lower() and "VNPay" not in text, text


def test_an_unknown_address_answers_a_vietnamese_page_with_a_way_home(new_page: Any) -> None:
    page = new_page()
    response = page.goto("/ho-so/khong-co-trang-nay")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")
    expect(page.locator("body")).not_to_contain_text("Not found")
    page.get_by_role("link", name="Về trang chủ").click()
    expect(page).to_have_url(re.compile(r"/#/$"))
    expect(page.get_by_label("Mã hồ sơ")).to_be_visible()
