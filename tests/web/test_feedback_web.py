"""Feedback in the browser against the local stack: a stranger sends a feedback through the public
form; the agency answers and publishes it; the Q&A page shows it with personal data removed and
finds it by search; the citizen rates an answer from their list."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests
from playwright.sync_api import expect

pytestmark = [pytest.mark.web, pytest.mark.slow]


def _api(stack: Any, method: str, path: str, token: str | None = None, body: Any = None) -> Any:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if method == "POST":
        headers["Idempotency-Key"] = uuid.uuid4().hex
    r = requests.request(method, stack.url + path, json=body, headers=headers, timeout=20)
    assert r.status_code < 300, r.text
    return r.json()


def _token(stack: Any, accounts: dict[str, Any], username: str) -> str:
    pw = accounts[username].get("password") or "Demo@2026"
    body = _api(stack, "POST", "/api/auth/signin", body={"username": username, "password": pw})
    return str(body["id_token"])


def test_online_feedback_then_the_published_answer_on_the_qa_page(
    stack: Any, accounts: dict[str, Any], new_page: Any, shot: Any
) -> None:
    marker = uuid.uuid4().hex[:6]
    page = new_page()
    page.goto("/#/feedback")
    form = page.locator("#feedback-form")
    form.get_by_label("Tiêu đề").fill(f"Hỏi về đăng ký hộ kinh doanh {marker}")
    form.get_by_label("Nội dung phản ánh, kiến nghị").fill(
        "Tôi là Lê Thị Hoa, số điện thoại 0912 345 678, xin hỏi thời hạn cấp giấy chứng nhận."
    )
    form.get_by_label("Cơ quan tiếp nhận").select_option("H33.03")
    form.get_by_label("Họ và tên người gửi").fill("Lê Thị Hoa")
    form.get_by_label("Đồng ý công khai", exact=False).check()
    form.get_by_role("button", name="Gửi phản ánh").click()
    code_el = page.locator("#feedback-code")
    expect(code_el).to_contain_text("PA-")
    code = code_el.inner_text().strip()
    shot(page, "feedback-sent")

    # the agency handles it (the queue page's actions are exercised in the staff part below)
    staff = new_page()
    staff.goto("/#/signin")
    staff.get_by_label("Tên đăng nhập").fill("sokhdt")
    staff.get_by_label("Mật khẩu").fill(accounts["sokhdt"].get("password") or "Demo@2026")
    staff.get_by_role("button", name="Đăng nhập", exact=True).click()
    staff.wait_for_url("**/#/agency*")
    staff.goto("/#/staff/feedback")
    item = staff.locator(f'.fb-item[data-code="{code}"]')
    item.get_by_role("button", name="Thụ lý", exact=True).click()
    expect(item.locator('[data-state="accepted"]')).to_be_visible()
    item.get_by_label("Nội dung trả lời").fill(
        "Chào bà Lê Thị Hoa: giấy chứng nhận được cấp trong 3 ngày làm việc."
    )
    item.get_by_role("button", name="Gửi trả lời").click()
    expect(item.locator('[data-state="answered"]')).to_be_visible()
    item.get_by_role("button", name="Công khai trả lời").click()
    expect(item).to_have_count(0)  # published: it leaves the open queue
    shot(staff, "feedback-queue")

    qa = new_page()
    qa.goto("/#/qa")
    qa.get_by_role("searchbox", name="Tìm trong hỏi đáp").fill(f"ho kinh doanh {marker}")
    qa.get_by_role("button", name="Tìm kiếm").click()
    entry = qa.locator(f'.qa-item[data-code="{code}"]')
    expect(entry).to_be_visible()
    expect(entry.locator(".qa-answer")).to_contain_text("3 ngày làm việc")
    text = entry.inner_text()
    assert "0912 345 678" not in text and "Thị Hoa" not in text
    assert "Lê T** H**" in text
    shot(qa, "qa-page")


def test_citizen_rates_the_answer_from_their_list(
    stack: Any, accounts: dict[str, Any], new_page: Any
) -> None:
    citizen = _token(stack, accounts, "congdan")
    agency = _token(stack, accounts, "sokhdt")
    fb = _api(
        stack,
        "POST",
        "/api/feedback",
        citizen,
        {
            "subject": "Phản ánh thời gian chờ",
            "content": "Thời gian chờ tại quầy quá lâu.",
            "agency": "H33.03",
        },
    )
    _api(stack, "POST", f"/api/staff/feedback/{fb['id']}/accept", agency, {})
    _api(
        stack,
        "POST",
        f"/api/staff/feedback/{fb['id']}/answer",
        agency,
        {"answer": "Sở đã bố trí thêm một quầy tiếp nhận."},
    )
    page = new_page()
    page.goto("/#/signin")
    page.get_by_label("Tên đăng nhập").fill("congdan")
    page.get_by_label("Mật khẩu").fill(accounts["congdan"].get("password") or "Demo@2026")
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    page.wait_for_url("**/#/my*")
    page.goto("/#/my/feedback")
    item = page.locator(f'.fb-item[data-code="{fb["code"]}"]')
    item.get_by_role("button", name="Hài lòng", exact=True).click()
    expect(item).to_contain_text("Bạn đã đánh giá: hài lòng.")
    expect(item.get_by_role("button", name="Hài lòng", exact=True)).to_have_count(0)
