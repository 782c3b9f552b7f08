"""Staff open the citizen's papers in the page, and the agency's own document is the result
(issue 25), driven by hand in Chromium against the real local stack.

A driving-licence exchange (1.002804: one step at the Department of Transport, H33.07) is filed
online with a PDF form and a portrait photo. The desk clerk opens each paper from the dossier page:
a dialog shows the PDF in an iframe and the photo in an img (the very bytes the citizen uploaded,
loaded with status 200 and the right type), closes with Esc or the close button, and gives focus
back. After receipt the agency's officer opens the same paper, attaches the real licence PDF from
the console and approves; the citizen downloads the result and it is that PDF, opens their own
paper the same way, and sees the staff openings in "Ai đã xem dữ liệu của tôi".
"""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page, Response, expect

from tests.support import live
from tests.support.pages import poll_visible, sign_in_to
from tests.support.samples import minimal_pdf, minimal_png, pdf_text, text_pdf

pytestmark = [pytest.mark.web, pytest.mark.slow]

PROCEDURE = "1.002804"  # papers: don-de-nghi (PDF), giay-kham-suc-khoe (PDF), anh-chan-dung (PNG)
FETCH_BYTES = """async (url) => {
    const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
}"""


def _bytes_at(page: Page, url: str) -> bytes:
    """What the page itself gets from `url` (a presigned link or a blob URL)."""
    return base64.b64decode(page.evaluate(FETCH_BYTES, url))


def _is_paper(r: Response) -> bool:
    return "/dossiers/" in r.url and "Signature=" in r.url  # the presigned S3 GET


def open_paper(page: Page, name: str, content_type: str, expected: bytes) -> Any:
    """Click the paper's name; the viewer loads it in the page. Returns the dialog."""
    button = page.get_by_role("button", name=f"Xem {name}")
    with page.expect_response(_is_paper) as shown:
        button.click()
    viewer = page.get_by_role("dialog", name=name)
    expect(viewer).to_be_visible()
    assert shown.value.status == 200, shown.value.status
    assert shown.value.header_value("content-type") == content_type
    assert shown.value.header_value("content-disposition").startswith("inline;")
    frame_or_img = viewer.locator("iframe, img")
    expect(frame_or_img).to_have_count(1)
    src = str(frame_or_img.get_attribute("src"))
    assert src == shown.value.url  # what loaded is what the viewer shows
    assert _bytes_at(page, src) == expected
    download = viewer.get_by_role("link", name=f"Tải về {name}")
    expect(download).to_be_visible()
    expect(viewer.get_by_role("button", name="Đóng")).to_be_focused()
    return viewer


def test_staff_open_papers_and_attach_the_real_result(new_page, stack, accounts, shot) -> None:
    pw = {name: a["password"] for name, a in accounts.items()}
    citizen = accounts["congdan"]
    dossier_id = live.submitted_dossier(stack.url, citizen, PROCEDURE, accounts["motcua"]["unit"])

    # GIVEN the desk clerk on the dossier page, before receiving it
    desk = new_page()
    sign_in_to(desk, "motcua", pw["motcua"], "Hồ sơ chờ tiếp nhận")
    desk.goto(f"/#/desk/{dossier_id}")
    expect(desk.get_by_role("button", name="Tiếp nhận hồ sơ")).to_be_visible()

    # WHEN they click the form's name THEN the PDF opens in the page (an iframe in a dialog)
    viewer = open_paper(desk, "don-de-nghi.pdf", "application/pdf", minimal_pdf())
    expect(viewer.locator("iframe")).to_have_attribute("title", "don-de-nghi.pdf")
    shot(desk, "papers-01-desk-viewer-pdf")
    # AND Esc closes it, giving focus back to the paper's button; the page never left
    desk.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    expect(desk.get_by_role("button", name="Xem don-de-nghi.pdf")).to_be_focused()
    assert desk.url.endswith(f"#/desk/{dossier_id}")

    # WHEN they open the portrait THEN it is an image that really loaded, and the button closes it
    viewer = open_paper(desk, "anh-chan-dung.png", "image/png", minimal_png())
    image = viewer.locator("img")
    expect(image).to_have_attribute("alt", re.compile("anh-chan-dung.png"))
    assert image.evaluate("(img) => img.complete && img.naturalWidth") == 8
    shot(desk, "papers-02-desk-viewer-photo")
    viewer.get_by_role("button", name="Đóng").click()
    expect(viewer).to_have_count(0)

    # AND the desk receives the dossier (papers checked), collecting the fee at the desk
    desk.get_by_label("Đã thu phí, lệ phí tại quầy").check()
    desk.get_by_label("Số biên lai").fill("BL-GPLX-1")
    desk.get_by_role("button", name="Tiếp nhận hồ sơ").click()
    expect(desk.locator("#accept-result")).to_be_visible()

    # WHEN the agency's officer opens the dossier once the step is theirs THEN the same paper opens
    agency = new_page()
    sign_in_to(agency, "sogtvt", pw["sogtvt"], "Hồ sơ cần xử lý")
    agency.goto(f"/#/agency/{dossier_id}")
    poll_visible(agency, agency.locator("#complete-form"))
    viewer = open_paper(agency, "don-de-nghi.pdf", "application/pdf", minimal_pdf())
    viewer.get_by_role("button", name="Đóng").click()
    expect(viewer).to_have_count(0)

    # WHEN they attach the real licence from the console
    marker = uuid.uuid4().hex[:10].upper()
    licence = text_pdf(f"GIAY PHEP LAI XE {marker}")
    form = agency.locator("#attach-result-form")
    expect(form).to_contain_text("Đính kèm kết quả (giấy phép, giấy chứng nhận)")
    form.get_by_role("button", name="Tải lên và ký số").click()  # nothing chosen: said inline
    expect(form.locator(".form-error")).to_have_text("Hãy chọn tệp PDF kết quả.")
    form.get_by_label("Tệp kết quả (PDF, tối đa 20 MB)").set_input_files(
        {"name": "GPLX-da-ky.pdf", "mimeType": "application/pdf", "buffer": licence}
    )
    form.get_by_role("button", name="Tải lên và ký số").click()
    expect(agency.locator("#notices")).to_contain_text("Đã đính kèm kết quả: GPLX-da-ky.pdf")
    # THEN the page shows it as the agency's own document, and it opens in the page
    expect(agency.locator("#result-kind")).to_contain_text("GPLX-da-ky.pdf")
    expect(agency.locator("#result-kind")).to_have_attribute("data-generated", "false")
    expect(agency.locator("#attach-result-form")).to_have_count(0)  # one result per dossier
    agency.get_by_role("button", name="Xem kết quả").click()
    viewer = agency.get_by_role("dialog", name="GPLX-da-ky.pdf")
    expect(viewer).to_be_visible()
    # the licence as uploaded, then the PAdES signatures as an incremental update (issue 19)
    served = _bytes_at(agency, str(viewer.locator("iframe").get_attribute("src")))
    assert served.startswith(licence) and len(served) > len(licence)
    assert b"/ByteRange" in served[len(licence) :]
    shot(agency, "papers-03-agency-result")
    agency.keyboard.press("Escape")
    # AND the officer approves the (only) step
    agency.get_by_label("Đồng ý, chuyển bước tiếp theo").check()
    agency.get_by_role("button", name="Hoàn thành").click()
    expect(agency.locator("#notices")).to_contain_text("Đã hoàn thành bước xử lý")

    # WHEN the citizen opens the dossier THEN the result is that licence, not a template notice
    me = new_page()
    sign_in_to(me, "congdan", pw["congdan"], "Hồ sơ của tôi")
    me.goto(f"/#/my/{dossier_id}")
    poll_visible(me, me.locator("#result-button"))
    expect(me.locator("#result-kind")).to_contain_text("GPLX-da-ky.pdf")
    with me.expect_response(lambda r: r.url.endswith("/result.pdf")) as got:
        me.locator("#result-button").click()
    assert got.value.status == 200 and got.value.header_value("content-type") == "application/pdf"
    link = me.locator(".receipt-slot a[download]").first
    expect(link).to_have_attribute("download", "GPLX-da-ky.pdf")
    with me.expect_download() as saved:
        link.click()
    data = open(saved.value.path(), "rb").read()
    assert data == served  # the signed licence the agency saw
    assert marker in pdf_text(data)

    # AND the citizen opens their own paper the same way
    viewer = open_paper(me, "giay-kham-suc-khoe.pdf", "application/pdf", minimal_pdf())
    me.keyboard.press("Escape")
    expect(viewer).to_have_count(0)
    shot(me, "papers-04-citizen")

    # AND the data tracker lists the staff openings (desk twice, agency once), with the paper
    me.goto("/#/my/access-log")
    rows = me.locator("#access-log tbody tr", has_text="Xem giấy tờ đã nộp")
    more = me.get_by_role("button", name="Xem thêm")
    expect(me.locator("#access-log")).to_be_visible()
    for _ in range(10):  # the page holds the 20 newest accesses; page reloads read the dossier too
        if rows.count() >= 3 or not more.is_visible():
            break
        more.click()
        expect(more).to_be_enabled()
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text(accounts["sogtvt"]["name"])
    expect(rows.first).to_contain_text("Đơn đề nghị đổi giấy phép lái xe")
    expect(rows.nth(2)).to_contain_text(accounts["motcua"]["name"])
    shot(me, "papers-05-tracker")
