"""AWS round trips per request against their floor, for whole lifecycles, in process on moto.

For every HTTP request and every queue message of two lifecycles (bench/lifecycle.py: the
one-agency business registration 2.001610, and the multi-agency building permit 1.009994 with a
supplement and a fee paid after receipt), prints the AWS calls the app made by service and
operation (botocore hooks on every app client: DynamoDB, S3, Step Functions, KMS, SES, SNS, SQS),
the longest chain of sequential calls, the app's own time (wall minus time inside AWS calls;
moto answers in process, so its time counts as AWS time), the declared floor of round trips for
that operation (FLOORS: the fewest its semantics need, and why) and the ratio calls / floor.
A total line per lifecycle. Targets: every ratio <= 1.5, the one-agency lifecycle <= 50 calls.

    python bench/requests.py            # both lifecycles
    python bench/requests.py --smoke    # the one-agency lifecycle only (make test)
    python bench/requests.py --json out.json
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# As a script, bench/ is first on sys.path, where bench/requests.py would shadow the `requests`
# library (moto imports it): the repository root takes its place.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

from bench.lifecycle import Meter, Step, building_permit, one_agency, world  # noqa: E402

# (label prefix, floor, why). The first matching prefix wins; the floor is per request.
FLOORS: list[tuple[str, int, str]] = [
    ("GET /api/procedures/", 1, "one read of the published version (0 once cached in process)"),
    ("POST /api/my/dossiers/{id}/uploads", 2, "read the dossier; conditional write of the slot"),
    (
        "POST /api/my/dossiers/{id}/attachments/{id}/finalize",
        3,
        "read the dossier; HEAD the object; conditional update",
    ),
    ("POST /api/my/dossiers/{id}/submit", 3, "idempotency claim; read; one status transaction"),
    (
        "POST /api/my/dossiers",
        3,
        "idempotency claim; encrypt the personal data (KMS data key); conditional put",
    ),
    (
        "POST /api/desk/dossiers/{id}/accept",
        5,
        "idempotency claim; read; daily sequence; status transaction; start the execution",
    ),
    ("POST /api/desk/dossiers/{id}/payments", 4, "idempotency; read; transaction; task success"),
    ("POST /api/desk/dossiers/{id}/return", 3, "idempotency claim; read; status transaction"),
    ("GET /api/desk/dossiers/{id}/receipt.pdf", 2, "read the dossier; decrypt its personal data"),
    ("GET /api/agency/tasks", 1, "one query of the agency's open tasks"),
    (
        "POST /api/agency/dossiers/{id}/steps/",
        4,
        "idempotency claim; read dossier+task; status transaction; send the task token",
    ),
    ("GET /api/my/dossiers/{id}", 2, "read the dossier (with history); decrypt personal data"),
    ("GET /api/lookup/", 2, "rate-limit counter; read the dossier by code"),
    ("on_workflow_message: agency_task", 2, "read the dossier; one transaction (task + status)"),
    ("on_workflow_message: timer", 2, "read the dossier; answer the task token"),
    ("on_workflow_message: applicant_wait", 2, "read the dossier; store the token"),
    ("on_workflow_message: dossier_processed", 3, "read; transaction; answer the token"),
    ("on_upload_event", 2, "find the attachment by key; conditional update (or nothing)"),
]


def floor_of(label: str) -> tuple[int, str]:
    for prefix, n, why in FLOORS:
        if label.startswith(prefix):
            return n, why
    return 1, "(no floor declared: one round trip)"


def _ops(s: Step) -> str:
    return ", ".join(
        f"{k.split(':', 1)[0].replace('dynamodb', 'ddb').replace('stepfunctions', 'sfn')}:"
        f"{k.split(':', 1)[1]}×{v}"
        for k, v in sorted(s.by_operation().items())
    )


def table(name: str, steps: list[Step]) -> dict[str, Any]:
    print(f"\n== {name}: {len(steps)} requests and messages")
    print(
        f"{'#':>3} {'request / message':<58} {'calls':>5} {'chain':>5} {'app ms':>7}"
        f" {'floor':>5} {'ratio':>5}  calls by service:operation"
    )
    total = Counter[str]()
    worst, floor_sum = 0.0, 0
    rows = []
    for i, s in enumerate(steps, 1):
        n = len(s.calls)
        floor, why = floor_of(s.label)
        ratio = n / floor if floor else 0.0
        worst = max(worst, ratio)
        floor_sum += floor
        total.update(s.by_operation())
        print(
            f"{i:>3} {s.label[:58]:<58} {n:>5} {s.chain():>5} {s.app_seconds * 1000:>7.1f}"
            f" {floor:>5} {ratio:>5.2f}  {_ops(s)}"
        )
        rows.append(
            {
                "label": s.label,
                "calls": n,
                "chain": s.chain(),
                "floor": floor,
                "why": why,
                "app_ms": round(s.app_seconds * 1000, 1),
                "by_operation": dict(s.by_operation()),
            }
        )
    calls = sum(total.values())
    app_ms = sum(s.app_seconds for s in steps) * 1000
    chain = sum(s.chain() for s in steps)
    print(
        f"    {'TOTAL ' + name:<58} {calls:>5} {chain:>5} {app_ms:>7.0f} {floor_sum:>5}"
        f" {calls / floor_sum:>5.2f}  worst request ratio {worst:.2f} (target <= 1.5)"
    )
    print("    by operation: " + ", ".join(f"{k}={v}" for k, v in sorted(total.items())))
    return {
        "steps": rows,
        "calls": calls,
        "floor": floor_sum,
        "worst_ratio": worst,
        "app_ms": round(app_ms),
        "by_operation": dict(total),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="the one-agency lifecycle only")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    meter = Meter()
    out: dict[str, Any] = {}
    with world(meter) as w:
        lifecycles = [("one-agency " + "2.001610", one_agency)]
        if not args.smoke:
            lifecycles.append(("building permit 1.009994 (fee, supplement)", building_permit))
        for name, drive in lifecycles:
            meter.steps.clear()
            code = drive(w)
            out[name] = table(f"{name} {code}", list(meter.steps))
    print("\nfloors (fewest round trips the operation's semantics need):")
    for prefix, n, why in FLOORS:
        print(f"  {n}  {prefix}: {why}")
    one = next(iter(out.values()))
    print(f"\none-agency lifecycle: {one['calls']} AWS calls (target <= 50; 131 at 9881e97)")
    if args.json:
        args.json.write_text(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
