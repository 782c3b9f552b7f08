"""A parent signs in with VNeID in Chromium (the local provider twin's own login page), files a
dossier for their minor child, and the dossier shows who filed it for whom, for the parent and
at the one-stop desk."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from infra.twins.vneid_twin import node_available
from tests.support.pages import (
    choose_procedure,
    fill_eform,
    required_papers,
    review_and_submit,
    sign_in,
    upload_papers,
)
from tests.support.samples import well_formed_pdf

pytestmark = [
    pytest.mark.web,
    pytest.mark.skipif(not node_available(), reason="node/npm not installed (VNeID twin)"),
]

CHILD = {"name": "Nguyễn Minh Khang", "id": "093214000777", "birth": "2014-03-01"}


def test_a_parent_files_for_a_child(
    new_page: Any, stack: Any, accounts: Any, shot: Any, tmp_path: Any
) -> None:
    procedure = choose_procedure(stack.url, accounts)
    desk = accounts["motcua"]
    pdf = tmp_path / "giay-to.pdf"
    pdf.write_bytes(well_formed_pdf())
    issuer = stack.environment["VNEID_ISSUER"]

    # The parent signs in through VNeID's own page (level 2).
    page = new_page()
    page.goto("/#/signin")
    page.click("#vneid-signin")
    page.wait_for_url(re.compile(re.escape(issuer) + r"/interaction/"))
    page.fill("#login", "093090000123")
    page.fill("#password", "VNeID@2026")
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(re.escape(stack.url) + r"/?#/my"))

    # They file for their child: the representation fieldset, then the usual wizard.
    page.goto(f"/#/submit/{procedure['code']}")
    page.get_by_label("Tôi nộp thay cho con chưa thành niên (cha, mẹ)").check()
    page.fill("#rep-name", CHILD["name"])
    page.fill("#rep-id", CHILD["id"])
    page.fill("#rep-birth", CHILD["birth"])
    page.fill("#rep-ref", "Số 12/2014, quyển 01")
    page.get_by_label("Bộ phận Một cửa tiếp nhận").select_option(desk["unit"])
    for key, value in (("address", "Phường V, TP Vị Thanh"), ("phone", "0911111111")):
        page.locator(f"#applicant-{key}").fill(value)
    fill_eform(page, procedure["form_schema"], procedure["example"])
    shot(page, "representation-step1")
    page.get_by_role("button", name="Lưu và tiếp tục").click()
    expect(page.get_by_role("heading", name="Giấy tờ kèm theo", level=2)).to_be_visible()
    dossier_id = upload_papers(page, required_papers(procedure), pdf)
    review_and_submit(page, dossier_id)

    # The parent's page: the child is the applicant, the parent the representative.
    facts = page.locator("section.card").filter(
        has=page.get_by_role("heading", name="Thông tin người nộp")
    )
    expect(facts).to_contain_text(CHILD["name"])
    expect(facts).to_contain_text("Người nộp thay (đại diện)")
    expect(facts).to_contain_text("Nguyễn Văn An")
    expect(facts).to_contain_text("Giấy khai sinh (Số 12/2014, quyển 01)")
    shot(page, "representation-my-detail")

    # The one-stop desk sees the same before it receives the dossier.
    staff = new_page()
    sign_in(staff, desk["username"], desk["password"])
    expect(staff.get_by_role("heading", level=1, name="Hồ sơ chờ tiếp nhận")).to_be_visible()
    staff.goto(f"/#/desk/{dossier_id}")
    expect(staff.get_by_text("Người nộp thay (đại diện)")).to_be_visible()
    expect(staff.get_by_text(CHILD["name"]).first).to_be_visible()
    shot(staff, "representation-desk")
