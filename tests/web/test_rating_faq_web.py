"""FAQ page and the dossier satisfaction rating in Chromium against the real local stack.

The blueprint `chalicelib.api.routes.care` is registered on the stack's app here while app.py does
not register it yet (and removed afterwards); the dev server builds its route table per request.
A one-step dossier (2.001610, Department of Planning and Investment) is driven through the API to
status 10 (the stack's background pump runs the workflow), then the citizen rates it in the page.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.live import get, id_token, post, returned_online

pytestmark = [pytest.mark.web, pytest.mark.slow]

PROC = "2.001610"
DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"


def _token(url: str, accounts: dict[str, Any], username: str) -> str:
    return id_token(url, username, accounts[username]["password"])


def _returned_dossier(url: str, accounts: dict[str, Any]) -> dict[str, Any]:
    """Submit online, accept, approve the one step, hand the result over online: status 10."""
    dossier_id, citizen = returned_online(url, accounts, PROC)
    base = f"/api/my/dossiers/{dossier_id}"
    mine = get(url, base, citizen).json()
    return {"id": dossier_id, "code": mine["code"], "token": mine["lookup_url"].split("token=")[1]}


def test_faq_page_shows_a_published_question(new_page: Any, stack: Any, accounts: Any) -> None:
    office = _token(stack.url, accounts, "vanphong")
    question = f"Đăng ký doanh nghiệp qua mạng mất bao lâu? ({uuid.uuid4().hex[:4]})"
    created = post(
        stack.url,
        "/api/province/faq",
        office,
        {
            "question": question,
            "answer": "Ba ngày làm việc kể từ khi nhận đủ hồ sơ hợp lệ.",
            "field": "Thành lập và hoạt động doanh nghiệp",
            "procedure_code": PROC,
        },
    )
    assert created.status_code == 201, created.text
    faq_id = created.json()["id"]
    assert post(stack.url, f"/api/province/faq/{faq_id}/publish", office, {}).status_code == 200

    page = new_page()
    page.goto("/#/faq?q=dang%20ky%20qua%20mang")  # no accents: still found
    expect(page.get_by_role("heading", level=1, name="Câu hỏi thường gặp")).to_be_visible()
    item = page.locator(f"#faq-{faq_id}")
    expect(item).to_contain_text(question)
    item.locator("summary").click()
    expect(item).to_contain_text("Ba ngày làm việc")

    # the procedure page links to its questions
    page.goto(f"/#/procedures/{PROC}")
    page.locator("#procedure-faq").click()
    expect(page.locator(f"#faq-{faq_id}")).to_be_visible()


RAW_KEY = re.compile(r"\b[a-z]+\.[a-zA-Z]+\b")  # an i18n key shown as text, e.g. "faq.search"


def _visible_text(page: Any) -> str:
    """Everything a person can read on the page, button labels and placeholders included."""
    return str(
        page.evaluate(
            """() => [document.body.innerText,
                ...[...document.querySelectorAll('input, textarea')].map(e => e.placeholder || ''),
                ...[...document.querySelectorAll('[aria-label]')]
                    .map(e => e.getAttribute('aria-label'))
              ].join('\\n')"""
        )
    )


def test_faq_lists_the_demo_questions_and_finds_one_typed_without_accents(
    new_page: Any, stack: Any
) -> None:
    demo = json.loads((DEMO / "faq.json").read_text(encoding="utf-8"))
    page = new_page()
    page.goto("/#/faq")
    expect(page.get_by_role("heading", level=1, name="Câu hỏi thường gặp")).to_be_visible()
    for entry in demo:
        expect(page.locator(f"#faq-{entry['id']}")).to_contain_text(entry["question"])
    expect(page.get_by_role("button", name="Tìm kiếm")).to_be_visible()
    raw = RAW_KEY.findall(_visible_text(page))
    assert raw == [], f"raw i18n keys on the FAQ page: {raw}"

    # a person types Vietnamese without diacritics and gets the post question first
    page.get_by_label("Từ khóa").fill("nhan ket qua qua buu dien")
    page.get_by_role("button", name="Tìm kiếm").click()
    expect(page).to_have_url(re.compile(r"#/faq\?q=nhan"))
    first = page.locator("#faq-list details").first
    expect(first).to_have_attribute("id", "faq-demo-nhan-qua-buu-dien")
    first.locator("summary").click()
    expect(first).to_contain_text("dịch vụ bưu chính công ích")
    assert page.locator("#faq-list details").count() < len(demo)

    # by field, and in English
    page.goto("/#/faq")
    page.get_by_label("Lĩnh vực").select_option("Tài khoản")
    page.get_by_role("button", name="Tìm kiếm").click()
    expect(page.locator("#faq-list details")).to_have_count(1)
    page.get_by_role("button", name="Chuyển sang tiếng Anh").click()
    expect(page.locator("#faq-demo-quen-mat-khau")).to_contain_text("I forgot my password.")
    expect(page.get_by_role("button", name="Search", exact=True)).to_be_visible()
    page.get_by_role("button", name="Switch to Vietnamese").click()


def test_citizen_rates_a_returned_dossier(new_page: Any, stack: Any, accounts: Any) -> None:
    d = _returned_dossier(stack.url, accounts)
    page = new_page()
    page.goto("/#/signin")
    page.get_by_label("Tên đăng nhập").fill("congdan")
    page.get_by_label("Mật khẩu").fill(accounts["congdan"]["password"])
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Hồ sơ của tôi")).to_be_visible()

    page.goto(f"/#/rate?id={d['id']}")
    expect(page.get_by_role("heading", level=1, name="Đánh giá mức độ hài lòng")).to_be_visible()
    form = page.locator("#rating-form")
    expect(form).to_be_visible()
    for criterion, level in (
        ("overall", "Không hài lòng"),
        ("time", "Hài lòng"),
        ("staff_attitude", "Bình thường"),
        ("online_service", "Hài lòng"),
    ):
        form.locator(f"#crit-{criterion}").get_by_label(level, exact=True).check()
    form.locator("#rate-trips").fill("2")
    form.locator("#rate-comment").fill("Phải bổ sung giấy tờ hai lần.")
    # a first try fails (one criterion left unanswered): the red error is shown
    form.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.locator("#alerts .alert-error")).to_contain_text("Hãy chọn mức đánh giá")
    form.locator("#crit-publicity").get_by_label("Hài lòng", exact=True).check()
    form.get_by_role("button", name="Gửi đánh giá").click()
    expect(page.locator("#rate-thanks")).to_be_visible()
    # after the success only the thank-you is shown: the earlier error is gone
    expect(page.locator("#notices")).to_contain_text("Cảm ơn bạn đã đánh giá.")
    expect(page.locator("#alerts .alert-error")).to_have_count(0)
    expect(page.locator(".alert-error:visible")).to_have_count(0)

    # the receipt's link now says it was rated; the leader has the dissatisfied rating
    other = new_page()
    other.goto(f"/#/rate?code={d['code']}&token={d['token']}")
    expect(other.locator("#rate-done")).to_be_visible()
    leader = _token(stack.url, accounts, "lanhdaosokhdt")
    items = get(stack.url, "/api/leader/notifications", leader).json()["items"]
    assert d["code"] in [i["dossier_code"] for i in items]


def test_face_lookup_page_says_it_is_unavailable_here(new_page: Any, stack: Any) -> None:
    page = new_page()
    page.goto("/#/lookup/face")
    expect(page.locator("#face-unavailable")).to_contain_text("không khả dụng")
    page.locator("#face-by-code").click()
    expect(page).to_have_url(f"{stack.url}/#/lookup")
