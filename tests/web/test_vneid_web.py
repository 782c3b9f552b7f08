"""A citizen signs in with VNeID in Chromium, through the local provider twin's own login page
(panva's oidc-provider), and signs out of both; with the provider down, the sign-in page says so
and the password form is still there."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

import pytest

from infra.twins.vneid_twin import node_available

pytestmark = [
    pytest.mark.web,
    pytest.mark.skipif(not node_available(), reason="node/npm not installed (VNeID twin)"),
]


def _twin_mode(stack: Any, mode: str) -> None:
    req = urllib.request.Request(
        f"{stack.environment['VNEID_ISSUER']}/__twin/mode",
        data=json.dumps({"mode": mode}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert json.loads(resp.read())["mode"] == mode


def test_vneid_sign_in_and_out(stack: Any, new_page: Any, shot: Any) -> None:
    from playwright.sync_api import expect

    issuer = stack.environment["VNEID_ISSUER"]
    page = new_page()
    # The provider is down first: the page says so and offers the password alternative.
    _twin_mode(stack, "down")
    try:
        page.goto("/#/signin")
        page.click("#vneid-signin")
        expect(page.get_by_text(re.compile("VNeID đang gián đoạn"))).to_be_visible()
        expect(page.locator("input[name=password]")).to_be_visible()
    finally:
        _twin_mode(stack, "ok")

    page.click("#vneid-signin")
    page.wait_for_url(re.compile(re.escape(issuer) + r"/interaction/"))
    expect(page.get_by_role("heading", name="Định danh điện tử VNeID")).to_be_visible()
    page.fill("#login", "093090000123")
    page.fill("#password", "sai-mat-khau")
    page.click("button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("không đúng")
    page.fill("#password", "VNeID@2026")
    shot(page, "vneid-login")
    page.click("button[type=submit]")

    page.wait_for_url(re.compile(re.escape(stack.url) + r"/?#/my"))
    expect(page.get_by_text(re.compile(r"Nguyễn Văn An.*VNeID \(mức độ 2\)"))).to_be_visible()
    assert "code=" not in page.url  # the authorization code left the address bar
    me = page.evaluate("JSON.parse(sessionStorage.getItem('tthc.session')).me")
    assert (me["id_number"], me["assurance_level"]) == ("093090000123", 2)

    page.get_by_role("button", name="Đăng xuất").click()  # ours, then VNeID's end-session
    page.wait_for_url(re.compile(re.escape(stack.url)))
    assert page.evaluate("sessionStorage.getItem('tthc.session')") is None
