"""Browser-test fixtures: the whole local stack (moto server, API, static web, event pump) and
Debian's Chromium driven by Playwright. Everything is session-scoped except the browser context,
so each test starts signed out with empty storage.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path(os.environ.get("WEB_SHOTS_DIR", "/tmp/web-shots"))
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import expect

    expect.set_options(timeout=10_000)
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser: Any, stack: Any) -> Iterator[Callable[..., Any]]:
    """Open a page in a fresh context (own storage: a different person). Uncaught JS errors fail."""
    contexts: list[Any] = []
    errors: list[str] = []

    def make(
        width: int = 1280,
        height: int = 900,
        locale: str = "vi-VN",
        timezone_id: str = "Asia/Ho_Chi_Minh",
    ) -> Any:
        ctx = browser.new_context(
            base_url=stack.url,
            locale=locale,
            timezone_id=timezone_id,
            viewport={"width": width, "height": height},
        )
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture(scope="session")
def shot() -> Callable[[Any, str], Path]:
    """Save a full-page screenshot under SHOTS for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
