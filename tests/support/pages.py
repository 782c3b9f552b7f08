"""Steps of the browser tests (Playwright pages over the live local stack): sign in, wait for what
the asynchronous workflow brings, pick the demo procedure a journey can fill, fill an e-form, read
the PDF behind a link the page made."""

from __future__ import annotations

import base64
import io
import json
import time
from pathlib import Path
from typing import Any

import requests
from playwright.sync_api import Locator, Page, expect

DEMO = Path(__file__).resolve().parents[2] / "data" / "demo"
SCALARS = ("string", "integer", "number", "boolean")


def sign_in(page: Page, username: str, password: str) -> None:
    """Fill and send the sign-in form (whatever it answers)."""
    page.goto("/#/signin")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập", exact=True).click()


def sign_in_to(page: Page, username: str, password: str, lands_on: str) -> None:
    """Sign in and see the page whose heading is `lands_on`."""
    sign_in(page, username, password)
    expect(page.get_by_role("heading", level=1, name=lands_on)).to_be_visible()


def poll_visible(page: Page, locator: Locator, seconds: float = 20.0, step_ms: int = 2_000) -> None:
    """Wait for `locator`, reloading the page between short auto-waits (the workflow is async)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            expect(locator).to_be_visible(timeout=step_ms)
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
            page.reload()


def choose_procedure(url: str, accounts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A full-online procedure with a demo e-form example, a flat form, and an agency account for
    every step; the one with the fewest steps and documents."""
    agency_units = {a["unit"] for a in accounts.values() if a.get("role") == "agency"}
    examples = json.loads((DEMO / "form_examples.json").read_text())
    items = requests.get(f"{url}/api/procedures", params={"level": "full_online"}, timeout=10)
    candidates = []
    for item in items.json()["items"]:
        p = requests.get(f"{url}/api/procedures/{item['code']}", timeout=10).json()
        props = p.get("form_schema", {}).get("properties", {})
        flat = all(v.get("type") in SCALARS for v in props.values())
        steps_ok = all(s["agency"] in agency_units for s in p["steps"])
        if p["level"] == "full_online" and p["code"] in examples and flat and steps_ok:
            candidates.append((len(p["steps"]), len(p["documents"]), p["code"], p))
    assert candidates, "no full-online procedure in the demo data fits the journey"
    procedure: dict[str, Any] = min(candidates)[3]
    procedure["example"] = examples[procedure["code"]]
    return procedure


def fill_eform(page: Page, schema: dict[str, Any], values: dict[str, Any]) -> None:
    """Type `values` into the rendered e-form of `schema` (selects, ticks, text)."""
    for key, prop in schema["properties"].items():
        if key not in values:
            continue
        field = page.locator(f"#form-{key}")
        value = values[key]
        if "enum" in prop:
            field.select_option(str(value))
        elif prop.get("type") == "boolean":
            field.set_checked(bool(value))
        else:
            field.fill(str(value))


def upload_papers(page: Page, doc_ids: list[str], pdf: Path | str) -> str:
    """On the wizard's "Giấy tờ kèm theo" step: upload `pdf` to each slot and wait until the
    server took it; returns the draft's id from the URL."""
    import re

    match = re.search(r"dossier=([^&]+)", page.url)
    assert match, page.url
    for doc_id in doc_ids:
        control = page.locator(f'.upload[data-doc="{doc_id}"]')
        control.locator("input[type=file]").set_input_files(str(pdf))
        expect(control.locator(".verdict-ok")).to_contain_text("Đã nhận tệp", timeout=20_000)
    return match.group(1)


def review_and_submit(page: Page, dossier_id: str) -> None:
    """Review, pledge and submit; the citizen lands on the dossier's own page."""
    import re

    page.get_by_role("button", name="Tiếp tục: xem lại hồ sơ").click()
    page.get_by_label("Tôi xin cam đoan").check()
    page.get_by_role("button", name="Nộp hồ sơ", exact=True).click()
    expect(page).to_have_url(re.compile(rf"#/my/{re.escape(dossier_id)}$"))


def required_papers(procedure: dict[str, Any]) -> list[str]:
    """The ids of a procedure's required papers, in its order."""
    return [d["id"] for d in procedure["documents"] if d.get("required", True)]


def linked_pdf_text(link: Locator) -> str:
    """The text of the PDF behind a download link the page left (a blob: URL), read as the person
    who clicked it would get it; it must be a PDF."""
    from pypdf import PdfReader

    body = base64.b64decode(
        link.evaluate(
            """async (a) => {
                const bytes = new Uint8Array(await (await fetch(a.href)).arrayBuffer());
                let s = '';
                for (const b of bytes) s += String.fromCharCode(b);
                return btoa(s);
            }"""
        )
    )
    assert body.startswith(b"%PDF"), body[:20]
    return "".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(body)).pages)
