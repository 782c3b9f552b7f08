"""Drafts, the desk's code search and the walk-in screen, in Chromium on the live stack (issue 25).

A citizen's draft survives a reload and the browser's Back at the step they were at, with what
they saved; typing not yet saved is warned about and kept; "Hồ sơ của tôi" leads back into the
wizard, and a draft can be deleted. Labels come from the status, not from a missing code. The
one-stop desk finds a received dossier by its code typed in lower case, and enters a walk-in paper
dossier with a scan, receives it and prints the receipt.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from playwright.sync_api import Page, expect

from tests.support.live import id_token, post, submitted_dossier
from tests.support.pages import choose_procedure, fill_eform, linked_pdf_text, sign_in
from tests.support.samples import well_formed_pdf

pytestmark = [pytest.mark.web, pytest.mark.slow]

# congdan2: the journey (test_journey.py) expects congdan's e-form empty, not prefilled from these
CITIZEN = "congdan2"

ADDRESS = "Ấp Thạnh Lợi, xã Vị Tân, thành phố Vị Thanh"
WALK_IN = "2.000908"  # chứng thực bản sao từ bản chính: not offered online, one required paper


def typed(page: Page, selector: str, text: str) -> None:
    """Type into a field key by key, as a person does (the unload warning needs a real gesture)."""
    field = page.locator(selector)
    field.click()
    field.fill("")
    field.press_sequentially(text)


def api_get(url: str, token: str, path: str) -> requests.Response:
    return requests.get(f"{url}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=15)


def test_a_draft_resumes_after_reload_and_back_and_can_be_continued_or_deleted(
    new_page: Any, stack: Any, accounts: dict[str, dict[str, Any]], tmp_path: Any
) -> None:
    procedure = choose_procedure(stack.url, accounts)
    citizen, desk = accounts[CITIZEN], accounts["motcua"]
    token = id_token(stack.url, citizen["username"], citizen["password"])
    pdf = tmp_path / "giay-de-nghi.pdf"
    pdf.write_bytes(well_formed_pdf())
    page = new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.type), d.accept()))
    sign_in(page, citizen["username"], citizen["password"])
    expect(page.get_by_role("heading", level=1, name="Hồ sơ của tôi")).to_be_visible()

    # GIVEN step 1 filled in, the address typed but not saved yet
    page.goto(f"/#/submit/{procedure['code']}")
    expect(page.locator("#applicant-name")).to_have_value(citizen["name"])
    page.get_by_label("Bộ phận Một cửa tiếp nhận").select_option(desk["unit"])
    for key in ("id_number", "phone"):
        if not page.locator(f"#applicant-{key}").input_value() and citizen.get(key):
            page.locator(f"#applicant-{key}").fill(citizen[key])
    fill_eform(page, procedure["form_schema"], procedure["example"])
    typed(page, "#applicant-address", ADDRESS)

    # WHEN the page is reloaded THEN the browser warns first, and the typing is still there
    page.reload()
    assert dialogs == ["beforeunload"], dialogs
    expect(page.locator("#applicant-address")).to_have_value(ADDRESS)

    # WHEN step 1 is saved THEN the URL names the draft and step 2
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page.get_by_role("heading", name="Giấy tờ kèm theo", level=2)).to_be_visible()
    expect(page).to_have_url(re.compile(r"dossier=[^&]+&step=2$"))
    dossier_id = re.search(r"dossier=([^&]+)", page.url).group(1)  # type: ignore[union-attr]

    # AND a reload lands on step 2 again, without a warning (nothing unsaved)
    page.reload()
    expect(page.get_by_role("heading", name="Giấy tờ kèm theo", level=2)).to_be_visible()
    expect(page.locator(".stepper [aria-current=step]")).to_contain_text("Giấy tờ kèm theo")
    assert dialogs == ["beforeunload"], dialogs

    # WHEN they go Back THEN step 1 shows what was saved
    page.go_back()
    expect(page).to_have_url(re.compile(rf"dossier={dossier_id}&step=1$"))
    expect(page.locator("#applicant-address")).to_have_value(ADDRESS)
    first_key = next(iter(procedure["example"]))
    expect(page.locator(f"#form-{first_key}")).to_have_value(str(procedure["example"][first_key]))
    # AND a change saved from there updates the same draft (no second one)
    typed(page, "#applicant-phone", "0987 654 321")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page).to_have_url(re.compile(rf"dossier={dossier_id}&step=2$"))
    saved = api_get(stack.url, token, f"/api/my/dossiers/{dossier_id}").json()
    assert saved["applicant"]["phone"] == "0987 654 321"
    assert saved["applicant"]["address"] == ADDRESS

    # WHEN they open "Hồ sơ của tôi" and follow "Bản nháp — tiếp tục" THEN they are in the wizard
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Hồ sơ của tôi"
    ).click()
    drafts = page.locator(f'#my-dossiers a[href*="dossier={dossier_id}"]')
    expect(drafts).to_have_text("Bản nháp — tiếp tục")
    drafts.click()
    expect(page).to_have_url(re.compile(rf"#/submit/.*dossier={dossier_id}"))
    expect(page.get_by_role("heading", name="Giấy tờ kèm theo", level=2)).to_be_visible()

    # AND once the papers are in, the draft's own page continues at the review
    for doc in procedure["documents"]:
        if doc.get("required", True):
            control = page.locator(f'.upload[data-doc="{doc["id"]}"]')
            control.locator("input[type=file]").set_input_files(str(pdf))
            expect(control.locator(".verdict-ok")).to_contain_text("Đã nhận tệp", timeout=20_000)
    page.goto(f"/#/my/{dossier_id}")
    expect(page.locator(".breadcrumb")).to_contain_text("Bản nháp")
    expect(page.get_by_role("button", name="Xóa bản nháp")).to_be_visible()
    page.get_by_role("link", name="Tiếp tục", exact=True).click()
    expect(page).to_have_url(re.compile(rf"dossier={dossier_id}&step=3$"))
    expect(page.get_by_role("heading", name="Thông tin người nộp")).to_be_visible()
    expect(page.locator(".wizard-stage")).to_contain_text("0987 654 321")

    # GIVEN another draft WHEN it is deleted from its page (after confirming) THEN it is gone
    other = post(
        stack.url,
        "/api/my/dossiers",
        token,
        {"procedure_code": procedure["code"], "applicant": saved["applicant"],
         "form_data": procedure["example"]},
    )  # fmt: skip
    assert other.status_code == 201, other.text
    other_id = other.json()["id"]
    page.goto(f"/#/my/{other_id}")
    page.get_by_role("button", name="Xóa bản nháp").click()
    expect(page.locator("#delete-draft-form")).to_contain_text("xóa hẳn")
    page.get_by_role("button", name="Xác nhận xóa bản nháp").click()
    expect(page).to_have_url(re.compile(r"#/my$"))
    expect(page.locator("#notices")).to_contain_text("Đã xóa bản nháp")
    expect(page.locator(f'#my-dossiers a[href*="{dossier_id}"]')).to_have_count(1)
    expect(page.locator(f'#my-dossiers a[href*="{other_id}"]')).to_have_count(0)
    assert api_get(stack.url, token, f"/api/my/dossiers/{other_id}").status_code == 404

    # AND typing kept for this tab goes when they sign out (the next person at the computer)
    page.goto(f"/#/submit/{procedure['code']}")
    typed(page, "#applicant-address", ADDRESS)
    kept = "() => Object.keys(sessionStorage).filter((k) => k.startsWith('tthc.wizard.'))"
    assert len(page.evaluate(kept)) == 1
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.locator("#notices")).to_contain_text("đăng xuất")
    assert page.evaluate(kept) == []


def test_a_submitted_dossier_without_a_code_is_labelled_by_its_status(
    new_page: Any, stack: Any, accounts: dict[str, dict[str, Any]]
) -> None:
    procedure = choose_procedure(stack.url, accounts)
    citizen = accounts[CITIZEN]
    dossier_id = submitted_dossier(stack.url, citizen, procedure["code"], "H33.50")
    page = new_page()
    sign_in(page, citizen["username"], citizen["password"])
    link = page.locator(f'#my-dossiers a[href="#/my/{dossier_id}"]')
    expect(link).to_have_text("Mới đăng ký")
    link.click()
    expect(page.locator(".page-head .badge")).to_have_text("Mới đăng ký")
    expect(page.locator(".breadcrumb")).to_contain_text("Mới đăng ký")
    expect(page.locator(".breadcrumb")).not_to_contain_text("Bản nháp")
    expect(page.get_by_role("button", name="Xóa bản nháp")).to_have_count(0)


def test_the_desk_finds_a_received_dossier_by_its_code_typed_in_lower_case(
    new_page: Any, stack: Any, accounts: dict[str, dict[str, Any]]
) -> None:
    # GIVEN a dossier received at the provincial desk (so no longer in its inbox)
    procedure = choose_procedure(stack.url, accounts)
    desk, other_desk = accounts["motcua"], accounts["motcuavithanh"]
    dossier_id = submitted_dossier(stack.url, accounts[CITIZEN], procedure["code"], desk["unit"])
    clerk = id_token(stack.url, desk["username"], desk["password"])
    accepted = post(stack.url, f"/api/desk/dossiers/{dossier_id}/accept", clerk, {})
    assert accepted.status_code == 200, accepted.text
    code = accepted.json()["code"]

    # WHEN the clerk types the receipt's code in lower case THEN the dossier opens
    page = new_page()
    sign_in(page, desk["username"], desk["password"])
    expect(page.get_by_role("heading", level=1, name="Hồ sơ chờ tiếp nhận")).to_be_visible()
    expect(page.locator(f'#desk-inbox a[href="#/desk/{dossier_id}"]')).to_have_count(0)
    page.get_by_label("Mã hồ sơ (trên giấy tiếp nhận)").fill(f" {code.lower()} ")
    page.get_by_role("button", name="Tìm và mở").click()
    expect(page).to_have_url(re.compile(rf"#/desk/{dossier_id}$"))
    expect(page.locator("#dossier-code")).to_have_text(code)
    expect(page.get_by_role("button", name="In giấy tiếp nhận và hẹn trả kết quả")).to_be_visible()

    # AND another unit's desk is told there is no such dossier, and stays where it is
    stranger = new_page()
    sign_in(stranger, other_desk["username"], other_desk["password"])
    stranger.get_by_label("Mã hồ sơ (trên giấy tiếp nhận)").fill(code)
    stranger.get_by_role("button", name="Tìm và mở").click()
    expect(stranger.locator("#desk-find .form-error")).to_contain_text("Không tìm thấy hồ sơ")
    expect(stranger).to_have_url(re.compile(r"#/desk$"))

    # AND the administrator's lookup takes the code as well
    admin = new_page()
    sign_in(admin, "quantri", accounts["quantri"]["password"])
    admin.get_by_label("Mã hồ sơ hoặc ID hồ sơ").fill(code.lower())
    admin.get_by_role("button", name="Mở hồ sơ", exact=True).click()
    expect(admin).to_have_url(re.compile(rf"#/agency/{dossier_id}"))


def test_the_desk_enters_a_walk_in_paper_dossier_receives_it_and_prints_the_receipt(
    new_page: Any, stack: Any, accounts: dict[str, dict[str, Any]], tmp_path: Any
) -> None:
    desk = accounts["motcua"]
    proc = requests.get(f"{stack.url}/api/procedures/{WALK_IN}", timeout=10).json()
    assert proc["level"] == "not_online"
    scan = tmp_path / "ban-chinh.pdf"
    scan.write_bytes(well_formed_pdf())

    # GIVEN the clerk opens the walk-in screen from the desk's menu and chooses the procedure
    page = new_page()
    sign_in(page, desk["username"], desk["password"])
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Tiếp nhận trực tiếp"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Tiếp nhận hồ sơ trực tiếp")).to_be_visible()
    page.get_by_label("Thủ tục hành chính").select_option(WALK_IN)
    page.get_by_role("button", name="Bắt đầu nhập hồ sơ").click()

    # WHEN they enter the applicant (nothing prefilled from their own account) and the form
    expect(page.locator("#applicant-name")).to_have_value("")
    typed(page, "#applicant-name", "Lê Thị Hoa")
    typed(page, "#applicant-id_number", "093195004567")
    typed(page, "#applicant-phone", "0939 123 456")
    typed(page, "#applicant-address", "Ấp 3, xã Vị Tân, thành phố Vị Thanh")
    fill_eform(page, proc["form_schema"], {"ten_giay_to": "Bằng tốt nghiệp đại học",
                                            "co_quan_cap": "Trường Đại học Cần Thơ",
                                            "so_trang": 1, "so_ban": 3})  # fmt: skip
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page).to_have_url(re.compile(rf"#/desk/new/{re.escape(WALK_IN)}\?dossier=[^&]+&step=2$"))
    dossier_id = re.search(r"dossier=([^&]+)", page.url).group(1)  # type: ignore[union-attr]

    # AND attach the scan, review and receive it
    control = page.locator('.upload[data-doc="ban-chinh"]')
    control.locator("input[type=file]").set_input_files(str(scan))
    expect(control.locator(".verdict-ok")).to_contain_text("Đã nhận tệp", timeout=20_000)
    page.get_by_role("button", name="Tiếp tục: xem lại hồ sơ").click()
    expect(page.locator(".wizard-stage")).to_contain_text("Lê Thị Hoa")
    expect(page.locator(".wizard-stage")).to_contain_text("Bằng tốt nghiệp đại học")
    # the fee (2.000 đ) is paid in cash at the counter: nothing is ticked until the clerk says so
    fee_box = page.locator("#accept-fee input[name=fee_collected]")
    expect(fee_box).not_to_be_checked()
    fee_box.check()
    page.locator("#accept").click()  # ticked without the biên lai number: refused on the page
    expect(page.locator("#accept-fee")).to_contain_text("biên lai")
    assert "?accepted=1" not in page.url
    page.locator("#accept-fee input[name=receipt_no]").fill("BL-0042")
    page.locator("#accept").click()

    # THEN its desk page shows the code, and the receipt (form 01) is a PDF carrying it
    expect(page).to_have_url(re.compile(rf"#/desk/{dossier_id}\?accepted=1$"))
    result = page.locator("#accept-result")
    expect(result).to_be_visible()
    code = result.locator(".code").inner_text().strip()
    assert re.fullmatch(rf"{re.escape(desk['unit'])}-\d{{6}}-\d{{4}}", code), code
    expect(page.locator("#notices")).to_contain_text(code)
    with page.expect_response(lambda r: r.url.endswith("/receipt.pdf")) as receipt:
        page.get_by_role("button", name="In giấy tiếp nhận và hẹn trả kết quả").click()
    assert receipt.value.status == 200
    assert receipt.value.header_value("content-type") == "application/pdf"
    assert code in linked_pdf_text(page.locator(".receipt-slot a[download]"))
    # AND it was received on the desk channel, with the clerk's unit
    clerk = id_token(stack.url, desk["username"], desk["password"])
    d = api_get(stack.url, clerk, f"/api/desk/dossiers/{dossier_id}").json()
    assert d["channel"] == 1 and d["receiving_unit"] == desk["unit"] and d["code"] == code
    # AND the fee is recorded as cash at the desk with its receipt number, not left owing
    assert d["status"]["code"] in (2, 4), d["status"]  # received, or already handed over
    assert (d["fee"]["method"], d["fee"]["receipt_no"]) == ("cash", "BL-0042")
