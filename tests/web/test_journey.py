"""The web, driven in Chromium against the real local stack: what each person sees.

Journey: a citizen finds a full-online procedure, fills its e-form, has a wrong file type refused
before upload, uploads a real PDF that the server accepts, and submits; the one-stop desk accepts it
and gets a code and the receipt; the agency that owns each step approves it; a stranger looks the
code up and sees "Đã xử lý xong" (status 9) with no personal data.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.support.pages import choose_procedure, fill_eform, linked_pdf_text, poll_visible, sign_in
from tests.support.samples import well_formed_pdf

pytestmark = [pytest.mark.web, pytest.mark.slow]

SHOWN_TIME = re.compile(r"^\d{2}:\d{2} \d{2}/\d{2}/\d{4}$")  # HH:mm dd/MM/yyyy


# ---- helpers ----------------------------------------------------------------------------------


def account(accounts: dict[str, dict[str, Any]], **match: Any) -> dict[str, Any]:
    return next(a for a in accounts.values() if all(a.get(k) == v for k, v in match.items()))


# ---- the journey --------------------------------------------------------------------------------


def test_citizen_desk_agency_lookup_journey(new_page, stack, accounts, shot, tmp_path) -> None:
    procedure = choose_procedure(stack.url, accounts)
    citizen = accounts["congdan"]
    desk = accounts["motcua"]
    pdf = tmp_path / "don-de-nghi.pdf"
    pdf.write_bytes(well_formed_pdf())

    # GIVEN a citizen signed in: they land on "my dossiers"
    page = new_page()
    sign_in(page, citizen["username"], citizen["password"])
    expect(page.get_by_role("heading", level=1, name="Hồ sơ của tôi")).to_be_visible()
    expect(page.locator("#notices")).to_contain_text("Xin chào")

    # WHEN they search the catalogue for full-online procedures and open one
    menu = page.get_by_role("navigation", name="Điều hướng chính")
    menu.get_by_role("link", name="Trang chủ").click()
    page.get_by_label("Từ khóa").fill(procedure["name"])
    page.get_by_label("Mức độ").select_option("full_online")
    page.get_by_role("button", name="Tìm kiếm").click()
    expect(page).to_have_url(re.compile(r"level=full_online"))
    result = page.get_by_role("link", name=procedure["name"], exact=True)
    expect(result).to_be_visible()
    shot(page, "01-home-search")
    result.click()

    # THEN the procedure page shows documents, fees, time, agency and the online button
    expect(page.get_by_role("heading", level=1)).to_have_text(procedure["name"])
    expect(page.get_by_role("heading", name="Thành phần hồ sơ")).to_be_visible()
    expect(page.get_by_text(procedure["documents"][0]["name"]).first).to_be_visible()
    expect(page.get_by_text("Thời hạn giải quyết")).to_be_visible()
    shot(page, "02-procedure")
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").first.click()

    # WHEN they try to continue with the e-form empty: inline Vietnamese messages, nothing sent
    expect(page.locator("#applicant-name")).to_have_value(citizen["name"])  # prefilled from /api/me
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page.locator(".field-error:visible").first).to_contain_text("Vui lòng")
    expect(page.locator("#alerts")).to_contain_text("Vui lòng sửa các ô")
    shot(page, "03-submit-validation")

    # AND fill it properly, filing at the province's one-stop desk
    page.get_by_label("Bộ phận Một cửa tiếp nhận").select_option(desk["unit"])
    for key in ("id_number", "address", "phone"):  # what /api/me does not carry
        field = page.locator(f"#applicant-{key}")
        if not field.input_value() and citizen.get(key):
            field.fill(citizen[key])
    fill_eform(page, procedure["form_schema"], procedure["example"])
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page.get_by_role("heading", name="Giấy tờ kèm theo", level=2)).to_be_visible()
    expect(page).to_have_url(re.compile(r"dossier="))
    dossier_id = re.search(r"dossier=([^&]+)", page.url).group(1)

    # THEN a wrong file type is refused before upload, in Vietnamese
    first_doc = procedure["documents"][0]
    first = page.locator(f'.upload[data-doc="{first_doc["id"]}"]')
    first.locator("input[type=file]").set_input_files(
        {"name": "ghi-chu.txt", "mimeType": "text/plain", "buffer": b"not a pdf"}
    )
    expect(first.locator(".upload-msg")).to_contain_text("không đúng định dạng")
    expect(first.locator(".upload-msg")).to_contain_text("Chỉ chấp nhận")

    # AND a file that only claims to be a PDF passes the browser's check but the server rejects it
    first.locator("input[type=file]").set_input_files(
        {"name": "gia-mao.pdf", "mimeType": "application/pdf", "buffer": b"not a PDF at all"}
    )
    expect(first.locator(".verdict-bad")).to_contain_text("bị từ chối", timeout=20_000)
    shot(page, "04a-submit-server-rejected")

    # AND a real PDF for each required document is uploaded and accepted by the server
    for doc in procedure["documents"]:
        if not doc.get("required", True):
            continue
        control = page.locator(f'.upload[data-doc="{doc["id"]}"]')
        control.locator("input[type=file]").set_input_files(str(pdf))
        expect(control.locator(".verdict-ok")).to_contain_text("Đã nhận tệp", timeout=20_000)
    shot(page, "04-submit-uploads")

    # WHEN they review and submit
    page.get_by_role("button", name="Tiếp tục: xem lại hồ sơ").click()
    expect(page.get_by_role("heading", name="Thông tin người nộp")).to_be_visible()
    page.get_by_label("Tôi xin cam đoan").check()
    shot(page, "05-submit-review")
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()

    # THEN the dossier page says it is new and waiting for the desk
    expect(page).to_have_url(re.compile(rf"#/my/{re.escape(dossier_id)}$"))
    expect(page.locator("#notices")).to_contain_text("Đã nộp hồ sơ")
    expect(page.locator(".page-head .badge")).to_have_text("Mới đăng ký")
    expect(page.locator(".timeline")).to_contain_text("Nộp hồ sơ trực tuyến")
    menu.get_by_role("link", name="Hồ sơ của tôi").click()
    expect(page.locator("#my-dossiers")).to_contain_text(procedure["name"])
    expect(page.locator("#my-dossiers")).to_contain_text("Mới đăng ký")

    # GIVEN the one-stop desk: the dossier is in its inbox
    staff = new_page()
    sign_in(staff, desk["username"], desk["password"])
    expect(staff.get_by_role("heading", level=1, name="Hồ sơ chờ tiếp nhận")).to_be_visible()
    staff.locator(f'a[href="#/desk/{dossier_id}"]').click()
    expect(staff.get_by_text(citizen["name"]).first).to_be_visible()
    expect(staff.locator(".checklist .is-ok").first).to_be_visible()

    # WHEN they accept it (collecting the fee, if any, at the desk: nothing is ticked for it) THEN a
    # code and an appointment are shown, and the receipt carries the code
    if procedure.get("fee_total_vnd"):
        staff.get_by_label("Đã thu phí, lệ phí tại quầy").check()
        staff.get_by_label("Số biên lai").fill("BL-0001")
    staff.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    result_box = staff.locator("#accept-result")
    expect(result_box).to_be_visible()
    code = result_box.locator(".code").inner_text().strip()
    assert re.fullmatch(rf"{re.escape(desk['unit'])}-\d{{6}}-\d{{4}}", code), code
    assert SHOWN_TIME.match(result_box.locator("time").inner_text().strip())
    shot(staff, "06-desk-accepted")
    with staff.expect_response(lambda r: r.url.endswith("/receipt.pdf")) as receipt:
        staff.get_by_role("button", name="In giấy tiếp nhận và hẹn trả kết quả").click()
    assert receipt.value.status == 200
    assert receipt.value.header_value("content-type") == "application/pdf"
    # what the desk got: the blob behind the download link the page leaves next to the button
    link = staff.locator(".receipt-slot a[download]")
    expect(link).to_have_attribute("href", re.compile(r"^blob:"))
    assert code in linked_pdf_text(link)

    # GIVEN each step's agency: the task appears (the workflow delivers it), and they approve it
    pages: dict[str, Page] = {}
    for i, step in enumerate(procedure["steps"]):
        who = account(accounts, role="agency", unit=step["agency"])
        agency = pages.get(who["username"])
        if agency is None:
            agency = pages[who["username"]] = new_page()
            sign_in(agency, who["username"], who["password"])
            expect(agency.get_by_role("heading", level=1, name="Hồ sơ cần xử lý")).to_be_visible()
        else:
            agency.goto("/#/agency")
        task = agency.locator(f'a[href="#/agency/{dossier_id}?step={step["id"]}"]')
        poll_visible(agency, task)
        expect(agency.locator("#agency-tasks")).to_contain_text(code)
        if i == 0:
            shot(agency, "07-agency-tasks")
        task.click()
        expect(agency.get_by_label("Đồng ý, chuyển bước tiếp theo")).to_be_checked()
        agency.get_by_label("Ý kiến xử lý").fill("Hồ sơ hợp lệ, đồng ý.")
        agency.get_by_role("button", name="Hoàn thành").click()
        expect(agency.locator("#notices")).to_contain_text("Đã hoàn thành bước xử lý")

    # THEN a stranger looking the code up sees "Đã xử lý xong" and no personal data
    public = new_page()
    public.goto("/")
    public.get_by_label("Mã hồ sơ").fill(code)
    public.get_by_role("button", name="Tra cứu").click()
    result = public.locator("#lookup-result")
    expect(result).to_contain_text(code)
    poll_visible(public, result.get_by_text("Đã xử lý xong"))
    expect(result).not_to_contain_text(citizen["name"])
    expect(result).not_to_contain_text(citizen.get("id_number") or "-")
    shot(public, "08-lookup")

    # AND the citizen's own page shows the result is ready, with the history of it
    page.goto(f"/#/my/{dossier_id}")
    expect(page.locator(".page-head .badge")).to_have_text("Đã xử lý xong")
    expect(page.locator(".timeline")).to_contain_text("Tiếp nhận hồ sơ")
    expect(page.get_by_role("button", name=re.compile("Giấy tiếp nhận"))).to_be_visible()
    shot(page, "09-my-dossier-processed")

    # WHEN the desk hands the result over THEN the dossier is "Đã trả kết quả" (status 10)
    staff.reload()  # the desk page still shows the dossier as it was when accepted
    staff.get_by_role("button", name="Trả kết quả", exact=True).click()
    expect(staff.locator("#notices")).to_contain_text("Đã trả kết quả")
    expect(staff.locator(".facts .badge").first).to_have_text("Đã trả kết quả")


# ---- errors and language ----------------------------------------------------------------------


def test_bad_signin_shows_the_apis_vietnamese_message(new_page, stack, accounts) -> None:
    # GIVEN what the API itself answers to a wrong password
    answer = requests.post(
        f"{stack.url}/api/auth/signin",
        json={"username": "congdan", "password": "sai-mat-khau"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
        timeout=10,
    )
    assert 400 <= answer.status_code < 500, answer.text
    message = answer.json()["message"]
    # WHEN someone signs in with it in the browser THEN that message is in the alert region
    page = new_page()
    sign_in(page, "congdan", "sai-mat-khau")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text(message)
    expect(page).to_have_url(re.compile(r"#/signin"))


def test_english_toggle_switches_labels_and_persists(new_page, stack, shot) -> None:
    page = new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Dịch vụ công trực tuyến")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    page.get_by_role("button", name="Chuyển sang tiếng Anh").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Online public services")
    expect(page.get_by_role("link", name="Home", exact=True)).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Online public services")
    expect(page.get_by_role("button", name="Search")).to_be_visible()
    expect(page.get_by_text(re.compile(r"\d+ procedures found"))).to_be_visible()
    shot(page, "12-home-english")
    page.get_by_role("button", name="Switch to Vietnamese").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Dịch vụ công trực tuyến")


def test_home_and_procedure_fit_a_360px_screen(new_page, stack, shot) -> None:
    page = new_page(width=360, height=740)
    page.goto("/")
    expect(page.locator(".result-list li").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "10-home-360")
    page.locator(".result-list a").first.click()
    expect(page.get_by_role("heading", name="Thành phần hồ sơ")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    shot(page, "11-procedure-360")
