"""Amounts, dates and months typed as Vietnamese people write them, in a browser whose language is
English and whose clock is in New York (issue 25): "500.000.000" stays five hundred million from
the field to the review and the stored draft, "12/05/1990" is the 12th of May, months read
"12/2026" and date-times are 24-hour, never the browser's "05/12/1990" or "December 2026". A
message that appears or goes as a field is left does not move the box the person is clicking.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.support import live
from tests.support.number_cases import NUMBER_CASES
from tests.support.pages import sign_in
from tests.support.samples import FORM_EXAMPLES, minimal_pdf

pytestmark = [pytest.mark.web, pytest.mark.slow]

ENGLISH = {"locale": "en-US", "timezone_id": "America/New_York"}
VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAPITAL = "#form-von_dau_tu"
BIRTH = "#form-chu_doanh_nghiep-ngay_sinh"
START = "#form-dang_ky_thue-ngay_bat_dau_hoat_dong"
SHOWN_TIME = re.compile(r"^\d{2}:\d{2} \d{2}/\d{2}/\d{4}$")


def get(url: str, path: str, token: str) -> Any:
    r = requests.get(f"{url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=15)
    assert r.status_code == 200, r.text
    return r.json()


def fact(page: Page, label: str) -> Any:
    """The <dd> shown for `label` in a facts list."""
    return page.locator("dt", has_text=label).first.locator("xpath=following-sibling::dd[1]")


def fill_2001610_text(page: Page, example: dict[str, Any]) -> None:
    """The e-form's text fields from the demo example, but the trade's name (numbers, dates and
    that name are typed by the test)."""
    for key in ("ten_doanh_nghiep", "dia_chi_tru_so", "dien_thoai", "email"):
        page.locator(f"#form-{key}").fill(example[key])
    row = page.locator("#form-nganh_nghe .repeat-item").first
    row.locator("input[name=ma_nganh]").fill(example["nganh_nghe"][0]["ma_nganh"])
    owner = example["chu_doanh_nghiep"]
    page.locator("#form-chu_doanh_nghiep-ho_ten").fill(owner["ho_ten"])
    page.locator("#form-chu_doanh_nghiep-so_giay_to").fill(owner["so_giay_to"])
    page.locator("#form-dang_ky_thue-phuong_phap_tinh_thue_gtgt").select_option(
        example["dang_ky_thue"]["phuong_phap_tinh_thue_gtgt"]
    )


def retype(page: Page, selector: str, text: str) -> None:
    """Empty a field and type `text` key by key, then leave it with Tab, as a person does."""
    field = page.locator(selector)
    field.fill("")
    field.press_sequentially(text)
    field.press("Tab")


def test_the_web_form_reads_numbers_like_the_server(new_page, stack) -> None:
    """web/js/natural.js and chalicelib/domain/form_input.py on the same table of typed texts."""
    page = new_page(**ENGLISH)
    page.goto("/")
    got = page.evaluate(
        """async (cases) => {
            const { parseNumber } = await import('/js/natural.js');
            return cases.map(([text, integer]) => {
                const r = parseNumber(text, { integer });
                return r.ok ? r.value : r.reason;
            });
        }""",
        [[text, integer] for text, integer, _ in NUMBER_CASES],
    )
    assert got == [expected for _, _, expected in NUMBER_CASES]


def test_amount_and_dates_typed_the_vietnamese_way_in_an_english_browser(
    new_page, stack, accounts, shot
) -> None:
    citizen = accounts["congdan"]
    desk = accounts["motcua"]
    example = FORM_EXAMPLES["2.001610"]
    page = new_page(**ENGLISH)
    sign_in(page, citizen["username"], citizen["password"])
    expect(page.get_by_role("heading", level=1, name="Hồ sơ của tôi")).to_be_visible()
    page.goto("/#/submit/2.001610")
    page.get_by_label("Bộ phận Một cửa tiếp nhận").select_option(desk["unit"])
    for key in ("id_number", "address", "phone"):
        if not page.locator(f"#applicant-{key}").input_value() and citizen.get(key):
            page.locator(f"#applicant-{key}").fill(citizen[key])
    fill_2001610_text(page, example)
    capital = page.locator(CAPITAL)
    capital_error = page.locator(f"{CAPITAL}-err")
    expect(capital).to_have_attribute("type", "text")
    expect(capital).to_have_attribute("inputmode", "numeric")
    expect(page.locator(f"{CAPITAL}-hint")).to_contain_text("500.000.000")

    # WHEN a wrong amount is typed and the box below is clicked at once: leaving the field shows
    # its message and moves the box down, yet the click lands on the box
    row = page.locator("#form-nganh_nghe .repeat-item").first
    main_trade = row.locator("input[name=nganh_chinh]")
    expect(main_trade).not_to_be_checked()
    capital.fill("năm trăm triệu")
    expect(capital_error).to_be_hidden()  # nothing is said while typing a first time
    main_trade.click()
    expect(main_trade).to_be_checked()
    expect(capital_error).to_contain_text("phải là một số")
    # AND the other way round: a message shown by "Lưu và tiếp tục" goes when the field right
    # above the box is filled and left by clicking the box (the layout moves up)
    trade_name = row.locator("input[name=ten_nganh]")
    trade_name_error = page.locator(f"#{trade_name.get_attribute('id')}-err")
    page.get_by_role("button", name="Lưu và tiếp tục").press("Enter")
    expect(trade_name_error).to_contain_text("Vui lòng nhập")
    trade_name.fill(example["nganh_nghe"][0]["ten_nganh"])
    main_trade.click()
    expect(main_trade).not_to_be_checked()
    expect(trade_name_error).to_be_hidden()
    main_trade.click()
    expect(main_trade).to_be_checked()

    # WHEN a value that could be two numbers is typed THEN it is refused as typed, never changed
    retype(page, CAPITAL, "1,500")
    expect(capital_error).to_contain_text("“1,500” có thể hiểu là 1.500 hoặc 1,5")
    expect(capital).to_have_value("1,500")
    # AND "500.000.000" is five hundred million, shown grouped
    retype(page, CAPITAL, "500.000.000")
    expect(capital).to_have_value("500.000.000")
    expect(capital_error).to_be_hidden()
    retype(page, "#form-so_lao_dong", "1 200")
    expect(page.locator("#form-so_lao_dong")).to_have_value("1.200")

    # WHEN the date of birth is typed day first, in a browser that writes month first
    birth = page.locator(BIRTH)
    expect(birth).to_have_attribute("type", "text")
    describedby = birth.get_attribute("aria-describedby") or ""
    assert f"{BIRTH[1:]}-hint" in describedby.split()
    expect(page.locator(f"{BIRTH}-hint")).to_contain_text("Ngày/tháng/năm, ví dụ 25/03/1990")
    retype(page, BIRTH, "31/02/1990")
    expect(page.locator(f"{BIRTH}-err")).to_contain_text("không có trên lịch")
    retype(page, BIRTH, "12/05/1990")
    expect(birth).to_have_value("12/05/1990")
    expect(page.locator(f"{BIRTH}-err")).to_be_hidden()
    retype(page, START, "2-3-2026")
    expect(page.locator(START)).to_have_value("02/03/2026")
    shot(page, "natural-01-eform-en-browser")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page.get_by_role("heading", name="Giấy tờ kèm theo", level=2)).to_be_visible()
    dossier_id = re.search(r"dossier=([^&]+)", page.url).group(1)

    # THEN the saved draft holds the number and the ISO dates
    token = live.id_token(stack.url, citizen["username"], citizen["password"])
    draft = get(stack.url, f"/api/my/dossiers/{dossier_id}", token)
    assert draft["form_data"]["von_dau_tu"] == 500_000_000
    assert draft["form_data"]["so_lao_dong"] == 1200
    assert draft["form_data"]["nganh_nghe"][0]["nganh_chinh"] is True
    assert draft["form_data"]["chu_doanh_nghiep"]["ngay_sinh"] == "1990-05-12"
    assert draft["form_data"]["dang_ky_thue"]["ngay_bat_dau_hoat_dong"] == "2026-03-02"

    # AND the review shows them the Vietnamese way
    for doc in draft["documents"]:
        if doc.get("required", True):
            control = page.locator(f'.upload[data-doc="{doc["id"]}"]')
            control.locator("input[type=file]").set_input_files(
                {"name": f"{doc['id']}.pdf", "mimeType": "application/pdf", "buffer": minimal_pdf()}
            )
            expect(control.locator(".verdict-ok")).to_be_visible(timeout=20_000)
    page.get_by_role("button", name="Tiếp tục: xem lại hồ sơ").click()
    expect(page.get_by_role("heading", name="Thông tin người nộp")).to_be_visible()
    expect(fact(page, "Vốn đầu tư (đồng)")).to_have_text("500.000.000")
    expect(fact(page, "Số lao động dự kiến")).to_have_text("1.200")
    expect(fact(page, "Ngày, tháng, năm sinh")).to_have_text("12/05/1990")
    expect(fact(page, "Ngày bắt đầu hoạt động")).to_have_text("02/03/2026")
    shot(page, "natural-02-review-en-browser")
    page.get_by_label("Tôi xin cam đoan").check()
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    expect(page.locator("#notices")).to_contain_text("Đã nộp hồ sơ")
    expect(page.locator("time").first).to_have_text(SHOWN_TIME)

    # AND the one-stop desk reads the same amount and dates on its dossier page
    staff = new_page(**ENGLISH)
    sign_in(staff, desk["username"], desk["password"])
    expect(staff.get_by_role("heading", level=1, name="Hồ sơ chờ tiếp nhận")).to_be_visible()
    staff.goto(f"/#/desk/{dossier_id}")
    expect(fact(staff, "Vốn đầu tư (đồng)")).to_have_text("500.000.000")
    expect(fact(staff, "Ngày, tháng, năm sinh")).to_have_text("12/05/1990")
    expect(fact(staff, "Ngày nộp")).to_have_text(SHOWN_TIME)


def test_months_read_mm_yyyy_in_an_english_browser(new_page, stack, accounts) -> None:
    page = new_page(**ENGLISH)
    page.goto("/#/transparency?month=2026-11")
    month = page.locator("#pub-month")
    expect(month).to_have_value("11/2026")
    expect(month).to_have_attribute("type", "text")
    expect(page.locator("#pub-month-hint")).to_contain_text("Tháng/năm, ví dụ 12/2026")
    assert "pub-month-hint" in (month.get_attribute("aria-describedby") or "").split()
    show = page.get_by_role("button", name="Xem", exact=True)
    # WHEN the browser's own wording is typed THEN it is a message, and nothing is asked for
    month.fill("December 2026")
    show.click()
    expect(page.locator("#pub-month-err")).to_contain_text("không đọc được")
    expect(page).to_have_url(re.compile(r"month=2026-11"))
    # WHEN a month is typed the Vietnamese way THEN that month is shown
    month.fill("3/2026")
    show.click()
    expect(page).to_have_url(re.compile(r"month=2026-03$"))
    expect(page.locator("#pub-month")).to_have_value("03/2026")

    # AND the signed-in dashboard's month field opens on this month as mm/yyyy
    office = new_page(**ENGLISH)
    sign_in(office, "vanphong", accounts["vanphong"]["password"])
    expect(office).not_to_have_url(re.compile(r"#/signin"))
    office.goto("/#/dashboard")
    this_month = datetime.now(VN).strftime("%m/%Y")
    expect(office.locator("#dash-month")).to_have_value(this_month)
    next_month = (datetime.now(VN).replace(day=28) + timedelta(days=10)).strftime("%m/%Y")
    office.locator("#dash-month").fill(next_month)
    office.get_by_role("button", name="Xem", exact=True).click()
    expect(office.locator("#dash-month-err")).to_contain_text("chưa đến")


def test_extension_date_is_24_hour_day_first_in_an_english_browser(
    new_page, stack, accounts
) -> None:
    procedure, step = "1.005092", "doi-chieu-so-goc"  # one step, no fee
    url = stack.url
    citizen = accounts["congdan"]
    dossier_id = live.submitted_dossier(url, citizen, procedure, None)
    mine = live.id_token(url, citizen["username"], citizen["password"])
    d = get(url, f"/api/my/dossiers/{dossier_id}", mine)
    clerk = next(
        a
        for a in accounts.values()
        if a.get("role") == "desk" and a.get("unit") == d["receiving_unit"]
    )
    desk_token = live.id_token(url, clerk["username"], clerk["password"])
    accepted = live.post(url, f"/api/desk/dossiers/{dossier_id}/accept", desk_token, {})
    assert accepted.status_code == 200, accepted.text
    code = accepted.json()["code"]
    officer = next(
        a for a in accounts.values() if a.get("role") == "agency" and a.get("unit") == "H33.10"
    )
    staff_token = live.id_token(url, officer["username"], officer["password"])
    deadline = time.monotonic() + 30
    while live.agency_task(lambda p: get(url, p, staff_token), dossier_id, code) is None:
        assert time.monotonic() < deadline, "the agency's task never opened"
        time.sleep(0.5)
    appointment = datetime.fromisoformat(accepted.json()["appointment_at"]).astimezone(VN)

    page = new_page(**ENGLISH)
    sign_in(page, officer["username"], officer["password"])
    expect(page.get_by_role("heading", level=1, name="Hồ sơ cần xử lý")).to_be_visible()
    page.goto(f"/#/agency/{dossier_id}?step={step}")
    page.get_by_role("button", name="Đề nghị gia hạn (mẫu 04)").click()
    when = page.get_by_label("Ngày hẹn trả mới")
    # THEN the current appointment is shown 24-hour, day first, in Vietnam time
    expect(when).to_have_value(appointment.strftime("%H:%M %d/%m/%Y"))
    expect(page.locator("#extension-form .field-hint", has_text="24 giờ")).to_be_visible()
    page.get_by_label("Lý do gia hạn").fill("Cần đối chiếu thêm sổ gốc lưu trữ.")
    # WHEN the browser's 12-hour wording is typed THEN it is refused next to the field
    later = appointment + timedelta(days=30)
    when.fill(f"4:00 PM {later:%m/%d/%Y}")
    page.get_by_role("button", name="Gửi đề nghị gia hạn").click()
    expect(page.locator("#extension-form .field-error:visible").first).to_contain_text(
        "không đọc được"
    )
    # WHEN "16:00 dd/mm/yyyy" is typed THEN the API gets 16:00 Vietnam time on that day
    when.fill(f"16:00 {later:%d/%m/%Y}")
    page.get_by_role("button", name="Gửi đề nghị gia hạn").click()
    expect(page.locator("#notices")).to_contain_text("Đã gửi đề nghị gia hạn")
    d = get(url, f"/api/my/dossiers/{dossier_id}", mine)
    asked = datetime.fromisoformat(d["extension"]["new_appointment_at"])
    assert asked == later.replace(hour=16, minute=0, second=0, microsecond=0)
    expect(page.locator("#extension-state")).to_contain_text(f"16:00 {later:%d/%m/%Y}")
