"""PDF rendering time per document, warm and cold, against the targets (issue 22).

Documents: the receipt (form 01), the result notice, a form (06, the control slip), the
register (sổ theo dõi, 30 lines), the semiannual report, the fee receipt; the inputs are
tests/support/documents.py's. *Cold* is the first render in a new interpreter (after importing
the document module: that import is printed apart), *warm* the median of the next renders.
Targets: warm <= 20 ms, cold <= 150 ms.

    python bench/pdf.py            # 3 cold processes per document, 15 warm renders
    python bench/pdf.py --smoke    # 1 cold process, 3 warm renders (make test)
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# As a script, bench/ is first on sys.path, where bench/requests.py would shadow the `requests`
# library (moto imports it): the repository root takes its place.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

WARM_TARGET_MS = 20.0
COLD_TARGET_MS = 150.0
DOCUMENTS = ("receipt", "result", "form 06", "register", "report", "fee receipt")


def renderer(name: str) -> Callable[[], bytes]:
    """The document's render call with its sample input built (input building is not timed)."""
    if name == "receipt":
        from chalicelib.documents.receipt import render_receipt
        from tests.support.documents import receipt_data

        data = receipt_data()
        return lambda: render_receipt(data)
    if name == "result":
        from chalicelib.documents.result import render_result_pdf
        from tests.support.documents import result_data

        result = result_data()
        return lambda: render_result_pdf(result)
    if name == "form 06":
        from chalicelib.documents.forms import render_pdf
        from tests.support.documents import form_context

        ctx = form_context()
        return lambda: render_pdf("06", ctx)
    if name == "register":
        from chalicelib.documents.forms import render_register_pdf
        from tests.support.documents import PROCEDURE, register_dossiers

        dossiers = register_dossiers(30)
        return lambda: render_register_pdf(
            "Trung tâm PVHCC", "H15.50", "Tháng 11/2026", dossiers, {PROCEDURE.code: PROCEDURE}
        )
    if name == "report":
        from chalicelib.documents.report_pdf import render_pdf as render_report
        from tests.support.documents import report as sample_report

        report = sample_report()
        return lambda: render_report(report)
    if name == "fee receipt":
        from datetime import UTC, datetime

        from chalicelib.documents.fee_receipt import FeeReceipt, render_fee_receipt

        fee = FeeReceipt(
            receipt_no="BL-0001",
            province="Hậu Giang",
            dossier_code="H15.50-261130-0001",
            payer_name="Nguyễn Văn An",
            amount_vnd=75_000,
            reason="Lệ phí cấp giấy phép xây dựng nhà ở riêng lẻ",
            paid_at=datetime(2026, 3, 2, 2, 15, tzinfo=UTC),
            method="cash",
        )
        printed = datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
        return lambda: render_fee_receipt(fee, printed)
    raise ValueError(name)


def child(name: str, warm_runs: int) -> None:
    """In a new interpreter: import, first render (cold), then warm renders; JSON on stdout."""
    t = time.perf_counter()
    render = renderer(name)
    imported = time.perf_counter() - t
    t = time.perf_counter()
    render()
    cold = time.perf_counter() - t
    warm = []
    for _ in range(warm_runs):
        t = time.perf_counter()
        render()
        warm.append(time.perf_counter() - t)
    out = {"import_ms": imported * 1000, "cold_ms": cold * 1000}
    out["warm_ms"] = statistics.median(warm) * 1000 if warm else 0.0
    print(json.dumps(out))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="1 cold process, 3 warm renders")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--warm", type=int, default=15, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        child(args.child, args.warm)
        return 0
    processes, warm_runs = (1, 3) if args.smoke else (3, 15)
    print(
        f"{'document':<12} {'import ms':>9} {'cold ms':>8} {'target':>7} {'ratio':>6}"
        f" {'warm ms':>8} {'target':>7} {'ratio':>6}"
    )
    for name in DOCUMENTS:
        runs = []
        for _ in range(processes):
            proc = subprocess.run(
                [sys.executable, __file__, "--child", name, "--warm", str(warm_runs)],
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        imp = statistics.median(r["import_ms"] for r in runs)
        cold = statistics.median(r["cold_ms"] for r in runs)
        warm = statistics.median(r["warm_ms"] for r in runs)
        print(
            f"{name:<12} {imp:>9.0f} {cold:>8.0f} {COLD_TARGET_MS:>7.0f}"
            f" {cold / COLD_TARGET_MS:>6.2f} {warm:>8.1f} {WARM_TARGET_MS:>7.0f}"
            f" {warm / WARM_TARGET_MS:>6.2f}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
