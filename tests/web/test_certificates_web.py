"""Signing certificates in Chromium (issue 19): the administrator sees every agency's and
official's certificate with its subject, serial, validity and status; a certificate for another
key is refused under the field in Vietnamese; a good one is registered, then rotated from a .pem
file (the notice names the serial it replaced), then revoked, and the list says so; the page
reads in English after the toggle."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.web]

HOLDER = "H33.13"  # Sở Nội vụ: no demo staff, so nothing else signs in its name


def _issue() -> dict[str, str]:
    """A KMS key in the stack's moto and the test CA's certificate for it."""
    from cryptography.hazmat.primitives.serialization import Encoding, load_der_public_key

    from chalicelib import aws
    from infra.local.pki_server import local_pki

    kms = aws.client("kms")
    key_id = str(
        kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
    )
    pki = local_pki().pki
    pub = load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    cert = pki.issue(pub, "Sở Nội vụ tỉnh Hậu Giang", "Sở Nội vụ tỉnh Hậu Giang")  # type: ignore[arg-type]
    return {
        "key_id": key_id,
        "cert": cert.public_bytes(Encoding.PEM).decode(),
        "chain": "".join(c.public_bytes(Encoding.PEM).decode() for c in pki.chain()),
        "serial": format(cert.serial_number, "x"),
    }


def _sign_in(page: Page, account: dict[str, Any]) -> None:
    page.goto("/#/admin/certificates")
    page.get_by_label("Tên đăng nhập").fill(account["username"])
    page.get_by_label("Mật khẩu").fill(account["password"])
    page.get_by_role("button", name="Đăng nhập", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Chứng thư số ký văn bản")).to_be_visible()


def test_admin_registers_rotates_and_revokes_a_signing_certificate(
    new_page: Any, accounts: dict[str, dict[str, Any]], shot: Any, tmp_path: Path
) -> None:
    page = new_page()
    _sign_in(page, accounts["quantri"])
    table = page.locator("#cert-table")
    justice = table.locator('tr[data-kind="agency"][data-holder="H33.02"]')
    expect(justice).to_contain_text("Sở Tư pháp tỉnh Hậu Giang")
    expect(justice.locator(".cert-status")).to_have_text("Còn hiệu lực")
    expect(justice).to_contain_text("còn ")
    expect(table.locator(f'tr[data-holder="{HOLDER}"]')).to_have_count(0)

    first, other = _issue(), _issue()
    form = page.locator("#cert-form")
    form.get_by_label("Mã đơn vị hoặc tên đăng nhập người ký").fill(HOLDER)
    form.get_by_label("Mã khóa ký (KMS key id hoặc ARN)").fill(other["key_id"])
    form.get_by_label("Chứng thư số (PEM)", exact=True).fill(first["cert"])
    form.get_by_label("Chuỗi chứng thư của CA (PEM, CA trung gian)", exact=True).fill(
        first["chain"]
    )
    form.get_by_role("button", name="Đăng ký chứng thư").click()
    error = form.locator(".field.has-error .field-error")
    expect(error).to_contain_text("không khớp với khóa ký")
    expect(table.locator(f'tr[data-holder="{HOLDER}"]')).to_have_count(0)

    form.get_by_label("Mã khóa ký (KMS key id hoặc ARN)").fill(first["key_id"])
    form.get_by_role("button", name="Đăng ký chứng thư").click()
    expect(page.locator("#notices")).to_contain_text(f"số hiệu {first['serial']}")
    row = table.locator(f'tr[data-kind="agency"][data-holder="{HOLDER}"]')
    expect(row.locator(".cert-status")).to_have_text("Còn hiệu lực")
    expect(row).to_contain_text(first["serial"])

    second = _issue()  # rotation: the CA's certificate for a new key, chosen as a .pem file
    (tmp_path / "noivu.pem").write_text(second["cert"])
    row.get_by_role("button", name="Thay chứng thư").click()
    expect(form.get_by_label("Mã đơn vị hoặc tên đăng nhập người ký")).to_have_value(HOLDER)
    form.get_by_label("Mã khóa ký (KMS key id hoặc ARN)").fill(second["key_id"])
    form.get_by_label("Chọn tệp: Chứng thư số (PEM)").set_input_files(str(tmp_path / "noivu.pem"))
    expect(form.get_by_label("Chứng thư số (PEM)", exact=True)).to_have_value(
        second["cert"].strip()
    )
    form.get_by_label("Chuỗi chứng thư của CA (PEM, CA trung gian)", exact=True).fill(
        second["chain"]
    )
    form.get_by_role("button", name="Đăng ký chứng thư").click()
    expect(page.locator("#notices")).to_contain_text(f"thay cho {first['serial']}")
    expect(row).to_contain_text(second["serial"])
    shot(page, "certificates-admin")

    row.get_by_role("button", name="Thu hồi").click()
    row.get_by_label("Lý do thu hồi").fill("Thay đổi người quản lý khóa")
    row.get_by_role("button", name="Xác nhận thu hồi").click()
    expect(row.locator(".cert-status")).to_have_text("Đã thu hồi")
    expect(row.get_by_role("button", name="Thu hồi")).to_have_count(0)
    expect(page.locator("#notices")).to_contain_text("không dùng để ký")

    page.locator("#lang-toggle").click()
    expect(page.get_by_role("heading", level=1, name="Signing certificates")).to_be_visible()
    expect(row.locator(".cert-status")).to_have_text("Revoked")
