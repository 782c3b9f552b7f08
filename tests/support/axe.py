"""axe-core's WCAG 2.0/2.1 A and AA rules run on a Chromium page (axe-playwright-python)."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

AA = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def violations(page: Page) -> list[str]:
    """Each violation as `rule (impact): first targets`; empty when the page passes."""
    from axe_playwright_python.sync_playwright import Axe

    page.wait_for_load_state("networkidle")
    found: list[dict[str, Any]] = Axe().run(page, options=AA).response["violations"]
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}" for v in found]
