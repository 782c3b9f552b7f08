"""The public verify page in Chromium (issue 19, "verification for everyone"), for a result made by
the full lifecycle on the real local stack: a one-step dossier (2.001610, Department of Planning
and Investment) is submitted online, received, approved and handed back through the API (the
stack's pump runs the workflow and signs the result: the official, then the agency).

The page opened from the result's QR shows, in Vietnamese, each of the two PAdES signers with
their agency, the signing time and the TSA timestamp, the chain to the root, the revocation status
at signing time, the document's integrity and the certificate's validity period; the English
toggle reads the same report. The citizen picks the copy they hold and gets the same report for
it; a copy with one flipped byte is "not valid (altered)", shown on the page, not as an error.
Every link on the page leads somewhere that answers; the file itself is never offered publicly.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.support.live import get, returned_online

pytestmark = [pytest.mark.web, pytest.mark.slow]

PROC = "2.001610"
TIME = r"\d{2}:\d{2} \d{2}/\d{2}/\d{4}"  # the portal's "HH:mm dd/MM/yyyy", Vietnam time


def _signed_result(url: str, accounts: dict[str, Any]) -> dict[str, Any]:
    """Submit online, accept, approve the one step, hand back online: the dossier's result."""
    dossier_id, citizen = returned_online(url, accounts, PROC, seconds=90.0)
    mine = get(url, f"/api/my/dossiers/{dossier_id}", citizen).json()
    pdf = get(url, f"/api/my/dossiers/{dossier_id}/result.pdf", citizen)
    assert pdf.status_code == 200, pdf.text
    return {"id": mine["result"]["id"], "code": mine["code"], "pdf": pdf.content}


def _report_shows_both_signers(page: Page, where: str, officer: str) -> None:
    signers = page.locator(f"{where} li.signer")
    expect(signers).to_have_count(2)
    official, agency = signers.nth(0), signers.nth(1)
    expect(official).to_have_attribute("data-role", "official")
    expect(agency).to_have_attribute("data-role", "agency")
    expect(official.locator(".signer-name")).to_contain_text(f"Người có thẩm quyền ký: {officer}")
    expect(agency.locator(".signer-name")).to_contain_text("Cơ quan ban hành: ")
    for signer in (official, agency):
        expect(signer).to_have_attribute("data-valid", "true")
        expect(signer.locator('[data-fact="agency"]')).to_contain_text("Kế hoạch và Đầu tư")
        expect(signer.locator('[data-fact="signing-time"]')).to_have_text(re.compile(TIME))
        expect(signer.locator('[data-fact="timestamp"]')).to_have_text(re.compile(f"^{TIME}$"))
        expect(signer.locator('[data-fact="chain"]')).to_have_text(re.compile(r"^tin cậy"))
        expect(signer.locator('[data-fact="revocation"]')).to_have_text("chưa bị thu hồi")
        expect(signer.locator('[data-fact="integrity"]')).to_have_text("nguyên vẹn")
        expect(signer.locator('[data-fact="validity"]')).to_have_text(
            re.compile(f"^từ {TIME} đến {TIME}$")
        )
        expect(signer.locator('[data-fact="verdict"]')).to_have_text("hợp lệ")


def test_verify_page_reports_both_signers_checks_a_copy_and_its_links_work(
    new_page: Any, stack: Any, accounts: dict[str, Any], shot: Any
) -> None:
    result = _signed_result(stack.url, accounts)
    officer = accounts["sokhdt"]["name"]

    # GIVEN the page the result's QR opens
    page = new_page()
    page.goto(f"/verify.html?id={result['id']}")
    verdict = page.locator("#verdict")
    # THEN it says the result is valid, with both PAdES signers, in Vietnamese
    expect(verdict.locator(".verdict-title")).to_have_text("KẾT QUẢ HỢP LỆ")
    expect(verdict).to_contain_text(result["code"])
    expect(verdict.locator(".pades-verdict")).to_contain_text("Văn bản hợp lệ")
    _report_shows_both_signers(page, "#verdict", officer)
    shot(page, "verify-01-valid")

    # WHEN the English toggle is pressed THEN the same report reads in English
    page.locator("#lang-toggle").click()
    expect(verdict.locator(".verdict-title")).to_have_text("VALID RESULT")
    first = verdict.locator("li.signer").first
    expect(first.locator(".signer-name")).to_contain_text(f"Competent official: {officer}")
    expect(first).to_contain_text("Certificate chain to the root")
    expect(first).to_contain_text("Revocation status at signing time")
    expect(first).to_contain_text("Certificate validity period")
    expect(first.locator('[data-fact="revocation"]')).to_have_text("not revoked")
    expect(first.locator('[data-fact="integrity"]')).to_have_text("intact")
    page.locator("#lang-toggle").click()
    expect(verdict.locator(".verdict-title")).to_have_text("KẾT QUẢ HỢP LỆ")

    # WHEN the citizen picks the copy they hold THEN their file gets the same report
    copy = page.locator("#copy-result")
    page.locator("#copy-file").set_input_files(
        {"name": "ket-qua.pdf", "mimeType": "application/pdf", "buffer": result["pdf"]}
    )
    expect(copy.locator(".verdict-title")).to_have_text("TỆP CỦA BẠN HỢP LỆ")
    expect(copy).to_contain_text("Tệp của bạn trùng khớp với kết quả đã ký.")
    _report_shows_both_signers(page, "#copy-result", officer)

    # WHEN the copy has one byte flipped THEN it is "not valid (altered)", not an error
    altered = bytearray(result["pdf"])
    altered[len(altered) // 2] ^= 0x01
    page.locator("#copy-file").set_input_files(
        {"name": "ban-sao.pdf", "mimeType": "application/pdf", "buffer": bytes(altered)}
    )
    expect(copy.locator(".verdict-title")).to_have_text("TỆP CỦA BẠN KHÔNG HỢP LỆ (ĐÃ BỊ THAY ĐỔI)")
    expect(copy).to_contain_text("Tệp của bạn KHÁC với kết quả đã ký")
    expect(copy).to_contain_text("ban-sao.pdf")
    expect(copy.locator(".alert-error")).to_have_count(0)
    expect(copy.locator("li.signer[data-valid='true']")).to_have_count(0)
    expect(verdict.locator(".verdict-title")).to_have_text("KẾT QUẢ HỢP LỆ")  # the original is
    shot(page, "verify-02-altered-copy")

    # AND every link on the page leads somewhere that answers
    hrefs = page.locator("a[href]").evaluate_all("(links) => links.map((a) => a.href)")
    assert not any("/api/verify/" in h and h.endswith(".pdf") for h in hrefs), (
        hrefs
    )  # no public file
    for href in hrefs:
        if "#" in href and href.split("#")[0] == page.url.split("#")[0]:
            target = href.split("#", 1)[1]
            expect(page.locator(f"#{target}")).to_have_count(1)
            continue
        answered = page.request.get(href)
        assert answered.status == 200, (href, answered.status)

    # and the home link opens the portal
    page.locator("a.brand").click()
    expect(page).not_to_have_url(re.compile("verify"))
    expect(page.locator("h1").first).to_be_visible()


def test_verify_page_for_an_unknown_id_says_so(new_page: Any, stack: Any) -> None:
    page = new_page()
    page.goto("/verify.html?id=0123456789abcdef0123456789abcdef")
    expect(page.locator("#verdict .verdict-title")).to_have_text("KẾT QUẢ KHÔNG HỢP LỆ")
    expect(page.locator("#verdict")).to_contain_text("Không tìm thấy kết quả")
    expect(page.locator("#compare")).to_be_hidden()
