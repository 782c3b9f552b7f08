"""A business files through its VNeID organisation account in Chromium; its legal representative,
signed in as himself, finds the dossier under "Hồ sơ liên quan đến tôi" from the menu (wide and
360 px), opens it, and sees it read-only: no withdraw, no supplement, no receipt, while the
business's own page offers withdrawal. Both new pages pass axe-core's WCAG 2.1 AA rules."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from infra.twins.vneid_twin import node_available
from tests.support.axe import violations
from tests.support.pages import (
    choose_procedure,
    fill_eform,
    required_papers,
    review_and_submit,
    upload_papers,
)
from tests.support.samples import well_formed_pdf

pytestmark = [
    pytest.mark.web,
    pytest.mark.skipif(not node_available(), reason="node/npm not installed (VNeID twin)"),
]

BUSINESS = {"id": "6300123456", "name": "Công ty TNHH Thương mại Sông Hậu"}
PERSON = {"id": "093090000123", "name": "Nguyễn Văn An"}
PASSWORD = "VNeID@2026"  # the twin's demo accounts (infra/twins/vneid/accounts.json)


def _vneid_sign_in(page: Page, stack: Any, number: str) -> None:
    issuer = stack.environment["VNEID_ISSUER"]
    page.goto("/#/signin")
    page.click("#vneid-signin")
    page.wait_for_url(re.compile(re.escape(issuer) + r"/interaction/"))
    page.fill("#login", number)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(stack.url) + r"/?#/my"))


def _file_as_business(page: Page, procedure: dict[str, Any], desk_unit: str, pdf: Any) -> str:
    page.goto(f"/#/submit/{procedure['code']}")
    page.get_by_label("Bộ phận Một cửa tiếp nhận").select_option(desk_unit)
    for key, value in (("address", "Phường V, TP Vị Thanh"), ("phone", "0911111111")):
        page.locator(f"#applicant-{key}").fill(value)
    fill_eform(page, procedure["form_schema"], procedure["example"])
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page.get_by_role("heading", name="Giấy tờ kèm theo", level=2)).to_be_visible()
    dossier_id = upload_papers(page, required_papers(procedure), pdf)
    review_and_submit(page, dossier_id)
    return dossier_id


def _open_followed_from_menu(page: Page, narrow: bool) -> None:
    if narrow:
        page.get_by_role("button", name="Danh mục").click()
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Hồ sơ liên quan đến tôi"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Hồ sơ liên quan đến tôi")).to_be_visible()


def _expect_read_only(page: Page) -> None:
    expect(page.locator("#followed-readonly")).to_contain_text("chỉ xem")
    for name in ("Rút hồ sơ", "Nộp lại hồ sơ", "Giấy tiếp nhận và hẹn trả kết quả (PDF)"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    expect(page.locator("#withdraw-form, #resubmit, input[type=file]")).to_have_count(0)


def test_the_representative_follows_the_business_dossier_read_only(
    new_page: Any, stack: Any, accounts: Any, shot: Any, tmp_path: Any
) -> None:
    procedure = choose_procedure(stack.url, accounts)
    pdf = tmp_path / "giay-to.pdf"
    pdf.write_bytes(well_formed_pdf())

    # The business's own account files; its own page offers withdrawal (the owner's action).
    business = new_page()
    _vneid_sign_in(business, stack, BUSINESS["id"])
    dossier_id = _file_as_business(business, procedure, accounts["motcua"]["unit"], pdf)
    expect(business.get_by_role("button", name="Rút hồ sơ")).to_be_visible()

    # Its legal representative, signed in as himself, finds it from the menu (wide screen).
    person = new_page()
    _vneid_sign_in(person, stack, PERSON["id"])
    _open_followed_from_menu(person, narrow=False)
    row = person.locator("#followed-dossiers tbody tr").filter(has_text=BUSINESS["name"])
    expect(row).to_have_count(1)
    expect(row).to_contain_text(PERSON["name"])
    expect(row).to_contain_text(procedure["name"])
    assert violations(person) == []
    shot(person, "followed-list")

    row.get_by_role("link").click()
    expect(person).to_have_url(re.compile(rf"#/my/followed/{re.escape(dossier_id)}$"))
    expect(person.get_by_role("heading", level=1)).to_have_text(procedure["name"])
    facts = person.locator("section.card").filter(
        has=person.get_by_role("heading", name="Thông tin người nộp")
    )
    expect(facts).to_contain_text("Người nộp thay (đại diện)")
    expect(facts).to_contain_text(PERSON["name"])
    expect(facts).to_contain_text(BUSINESS["name"])
    _expect_read_only(person)
    assert violations(person) == []
    shot(person, "followed-detail")

    # The same at 360 px, through the narrow screen's menu.
    phone = new_page(width=360, height=780)
    _vneid_sign_in(phone, stack, PERSON["id"])
    _open_followed_from_menu(phone, narrow=True)
    assert violations(phone) == []
    phone.locator("#followed-dossiers tbody tr").filter(has_text=BUSINESS["name"]).get_by_role(
        "link"
    ).click()
    expect(phone).to_have_url(re.compile(r"#/my/followed/"))
    _expect_read_only(phone)
    assert violations(phone) == []
    shot(phone, "followed-detail-360")

    # The business (the owner) sees it there too, pointed to its own page to act on it.
    business.goto(f"/#/my/followed/{dossier_id}")
    expect(business.locator("#followed-readonly")).to_contain_text("Bạn là người đã nộp hồ sơ này")


AUTHORISER = {"id": "093195000456", "name": "Trần Thị Bình"}  # the twin's level-1 citizen


def test_a_citizen_files_under_a_written_authorisation_and_the_authoriser_follows_it(
    new_page: Any, stack: Any, accounts: Any, shot: Any, tmp_path: Any
) -> None:
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    procedure = choose_procedure(stack.url, accounts)
    pdf = tmp_path / "giay-to.pdf"
    pdf.write_bytes(well_formed_pdf())
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()

    page = new_page()
    _vneid_sign_in(page, stack, PERSON["id"])
    page.goto(f"/#/submit/{procedure['code']}")
    page.get_by_label("Tôi nộp theo giấy ủy quyền của người khác hoặc của tổ chức").check()
    page.fill("#rep-auth-name", AUTHORISER["name"])
    page.fill("#rep-auth-id", AUTHORISER["id"])
    page.fill("#rep-from", (today - timedelta(days=60)).isoformat())
    page.fill("#rep-until", (today - timedelta(days=1)).isoformat())  # expired yesterday
    page.get_by_label("Bộ phận Một cửa tiếp nhận").select_option(accounts["motcua"]["unit"])
    for key, value in (("address", "Phường V, TP Vị Thanh"), ("phone", "0911111111")):
        page.locator(f"#applicant-{key}").fill(value)
    fill_eform(page, procedure["form_schema"], procedure["example"])
    save = page.get_by_role("button", name="Lưu và tiếp tục")

    # The API's Vietnamese messages appear under the field they are about.
    save.click()
    expect(page.locator("#rep-until-err")).to_contain_text("Giấy ủy quyền đã hết hạn ngày")
    expect(page.locator("#rep-until")).to_have_attribute("aria-invalid", "true")
    page.fill("#rep-until", (today + timedelta(days=90)).isoformat())
    save.click()
    expect(page.locator("#rep-certified-err")).to_contain_text("phải được chứng thực")
    expect(page.locator("#rep-until-err")).to_be_hidden()
    shot(page, "authorisation-error")
    page.get_by_label("Giấy ủy quyền đã được chứng thực").check()
    save.click()

    # Step 2 asks for the authorisation paper besides the procedure's own documents.
    expect(page.get_by_role("heading", name="Giấy tờ kèm theo", level=2)).to_be_visible()
    expect(page.locator('.upload[data-doc="giay-uy-quyen"]')).to_have_count(1)
    dossier_id = upload_papers(page, [*required_papers(procedure), "giay-uy-quyen"], pdf)
    review_and_submit(page, dossier_id)
    facts = page.locator("section.card").filter(
        has=page.get_by_role("heading", name="Thông tin người nộp")
    )
    expect(facts).to_contain_text(AUTHORISER["name"])
    expect(facts).to_contain_text("Giấy ủy quyền")

    # The authoriser signs in with her own VNeID account and follows the dossier filed for her.
    her = new_page()
    _vneid_sign_in(her, stack, AUTHORISER["id"])
    _open_followed_from_menu(her, narrow=False)
    row = her.locator("#followed-dossiers tbody tr").filter(has_text=AUTHORISER["name"])
    expect(row).to_contain_text(PERSON["name"])
    row.get_by_role("link").click()
    expect(her).to_have_url(re.compile(rf"#/my/followed/{re.escape(dossier_id)}$"))
    _expect_read_only(her)
    shot(her, "authorisation-followed")
