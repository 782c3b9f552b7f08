"""Web weight: bytes the citizen home page transfers on first load, against the 300 KB budget.

Starts the local stack (moto, API, static web; demo data), opens `/` in a fresh Chromium context
(empty cache) and sums, from Playwright's network log, every finished request's response headers
and body as they came over the wire (`Request.sizes()`; the decoded body length when Chromium
gives no size). Waits for the network to be idle, so the API calls the page makes count too.

    python bench/web_weight.py [--url http://localhost:8000] [--json]

With `--url` the running stack at that address is measured instead of starting one.
Prints each resource, the total, and the ratio total / budget (target <= 1.0).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# As a script, bench/ is first on sys.path, where bench/requests.py would shadow the `requests`
# library (moto imports it): the repository root takes its place.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

BUDGET = 300 * 1024
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@contextmanager
def _local_stack() -> Iterator[str]:
    from infra.local.stack import running_stack

    with running_stack(port=0, data_dir=ROOT / "data" / "demo", background_pump=False) as s:
        yield str(s.url)


def measure(url: str) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    rows: list[dict[str, Any]] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        try:
            ctx = browser.new_context(locale="vi-VN", viewport={"width": 360, "height": 780})
            page = ctx.new_page()

            def done(request: Any) -> None:
                if request.url.startswith("data:"):
                    return
                response = request.response()
                try:
                    sizes = request.sizes()
                    body = int(sizes.get("responseBodySize") or 0)
                    headers = int(sizes.get("responseHeadersSize") or 0)
                except Exception:
                    body, headers = 0, 0
                if body <= 0 and response is not None:
                    try:
                        body = len(response.body())
                    except Exception:
                        body = 0
                rows.append(
                    {
                        "url": request.url.replace(url, ""),
                        "type": request.resource_type,
                        "status": response.status if response else None,
                        "bytes": body + headers,
                    }
                )

            page.on("requestfinished", done)
            page.goto(url + "/", wait_until="networkidle")
            page.wait_for_timeout(300)  # late module imports
            ctx.close()
        finally:
            browser.close()
    total = sum(r["bytes"] for r in rows)
    return {
        "url": url,
        "requests": len(rows),
        "bytes": total,
        "budget": BUDGET,
        "ratio": round(total / BUDGET, 3),
        "resources": sorted(rows, key=lambda r: -int(r["bytes"])),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="measure a running stack instead of starting one")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument(
        "--smoke", action="store_true", help="exit 0 whatever the weight (make test runs it)"
    )
    args = parser.parse_args()
    stack = nullcontext(args.url.rstrip("/")) if args.url else _local_stack()
    with stack as url:
        result = measure(url)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for r in result["resources"]:
            print(f"{r['bytes']:>9,} B  {r['status']}  {r['type']:<10} {r['url']}")
        print(
            f"citizen home, first load: {result['bytes']:,} B in {result['requests']} requests; "
            f"budget {BUDGET:,} B; ratio {result['ratio']:.3f} "
            f"({'within' if result['bytes'] <= BUDGET else 'OVER'} budget)"
        )
    return 0 if result["bytes"] <= BUDGET or args.smoke else 1


if __name__ == "__main__":
    raise SystemExit(main())
