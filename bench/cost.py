"""What one dossier's lifecycle costs on AWS, priced at list prices, per 1,000 dossiers.

It runs the real path in process on moto (submit with attachments, accept, agency approval, result,
public lookup, hand-over), counts every AWS call the app makes through botocore event hooks, sizes
DynamoDB reads and writes from the items themselves, takes the state transitions from the
execution's history, and counts each HTTP request and each queue message as one Lambda invocation.
Storage (GB-month) is excluded. Target: <= $0.50 per 1,000 dossiers (issue 22).
The lifecycle itself is bench/lifecycle.py's `one_agency` (shared with bench/requests.py).
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# As a script, bench/ is first on sys.path, where bench/requests.py would shadow the `requests`
# library (moto imports it): the repository root takes its place.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

# List prices, USD, Asia Pacific (Singapore) where it differs from us-east-1 (checked 2026).
PRICE = {
    "apigw_request": 3.50 / 1e6,  # REST API, first 333M requests
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second": 0.0000166667,
    "ddb_wru": 0.7125 / 1e6,  # on-demand, per write request unit
    "ddb_rru": 0.1425 / 1e6,  # on-demand, per read request unit
    "sfn_transition": 0.025 / 1e3,  # Standard workflows
    "sqs_request": 0.40 / 1e6,
    "s3_put": 0.0055 / 1e3,  # PUT, COPY, POST, LIST
    "s3_get": 0.00044 / 1e3,  # GET, HEAD and others
    "kms_request": 0.03 / 1e4,  # symmetric and asymmetric (Sign) requests
    "cognito_auth": 0.0,  # priced per monthly active user, not per dossier
}
LAMBDA_MEMORY_GB = 0.512
LAMBDA_AVG_SECONDS = 0.15  # assumed average billed duration of one invocation


def _attr_size(value: Any) -> int:
    """DynamoDB's item size rule of thumb, in bytes, for a typed attribute value (`{"S": ...}`):
    strings as UTF-8, binary as its raw length (the privacy work stores ciphertexts as `B`),
    numbers as their digits, collections as their members plus a few bytes of overhead."""
    if isinstance(value, bytes | bytearray | memoryview):
        return len(value)
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, int | float):
        return len(str(value))
    if isinstance(value, dict):
        return 3 + sum(len(str(k)) + _attr_size(v) for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return 3 + sum(_attr_size(v) for v in value)
    return len(json.dumps(value, default=str, separators=(",", ":")))


def _item_size(item: dict[str, Any]) -> int:
    return sum(len(k) + _attr_size(v) for k, v in item.items())


class Meter:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.wru = 0
        self.rru = 0.0
        self.s3_put = 0
        self.s3_get = 0
        self.sqs = 0

    def before(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        service = model.service_model.service_name
        op = model.name
        if (service, op) == ("s3", "CreateBucket"):
            return  # botocore signs a presigned POST with this model: no request is sent
        self.calls[f"{service}:{op}"] += 1
        if service == "dynamodb":
            if op == "PutItem":
                self.wru += math.ceil(_item_size(params["Item"]) / 1024)
            elif op in ("UpdateItem", "DeleteItem"):
                self.wru += 1
            elif op == "TransactWriteItems":
                for t in params["TransactItems"]:
                    body = next(iter(t.values()))
                    size = _item_size(body["Item"]) if "Item" in body else 100
                    self.wru += 2 * math.ceil(size / 1024)
        elif service == "s3":
            if op in ("PutObject", "CopyObject", "ListObjectsV2", "DeleteObject"):
                self.s3_put += 1 if op != "DeleteObject" else 0
            else:
                self.s3_get += 1
        elif service == "sqs":
            self.sqs += 1

    def after(self, http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.service_model.service_name != "dynamodb":
            return
        op = model.name
        if op == "GetItem" and "Item" in parsed:
            self.rru += math.ceil(_item_size(parsed["Item"]) / 4096)
        elif op == "Query":
            size = sum(_item_size(i) for i in parsed.get("Items", []))
            self.rru += max(1, math.ceil(size / 4096)) * 0.5  # eventually consistent


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--smoke", action="store_true", help="the same one lifecycle (make test)")
    ap.parse_args(argv)  # one dossier is already the smallest size: --smoke changes nothing
    run()
    return 0


def run() -> None:
    from bench.lifecycle import Meter as CallMeter
    from bench.lifecycle import one_agency, world

    sizer = Meter()
    calls = CallMeter()
    calls.on("before-parameter-build", sizer.before)
    calls.on("after-call", sizer.after)
    with world(calls) as w:
        code = one_agency(w)
        from chalicelib.services.deps import get_deps

        transitions = get_deps().workflow.history_transition_count(w.cloud.execution_arn(code))
        http_requests, messages = w.http_requests, w.messages

    # The SFN service's own SQS sends (token tasks) are not seen by our hooks: one per message.
    sqs_requests = sizer.sqs + messages * 3  # send (by Step Functions), receive, delete
    kms_requests = sum(v for k, v in sizer.calls.items() if k.startswith("kms:"))
    invocations = http_requests + messages
    cost = {
        "API Gateway requests": http_requests * PRICE["apigw_request"],
        "Lambda requests": invocations * PRICE["lambda_request"],
        "Lambda compute": invocations
        * LAMBDA_MEMORY_GB
        * LAMBDA_AVG_SECONDS
        * PRICE["lambda_gb_second"],
        "DynamoDB writes": sizer.wru * PRICE["ddb_wru"],
        "DynamoDB reads": sizer.rru * PRICE["ddb_rru"],
        "Step Functions transitions": transitions * PRICE["sfn_transition"],
        "SQS requests": sqs_requests * PRICE["sqs_request"],
        "S3 requests": sizer.s3_put * PRICE["s3_put"] + sizer.s3_get * PRICE["s3_get"],
        "KMS requests": kms_requests * PRICE["kms_request"],
    }
    total = sum(cost.values())
    print(f"one dossier ({code}): {http_requests} HTTP requests, {messages} queue messages,")
    print(f"  {transitions} state transitions, {sizer.wru} WRU, {sizer.rru:.1f} RRU")
    print("AWS calls by the app:", ", ".join(f"{k}={v}" for k, v in sorted(sizer.calls.items())))
    print(f"{'item':30} {'USD per 1,000 dossiers':>24}")
    for k, v in cost.items():
        print(f"{k:30} {v * 1000:24.4f}")
    print(f"{'TOTAL':30} {total * 1000:24.4f}   (target <= 0.50; ratio {total * 1000 / 0.5:.2f})")


if __name__ == "__main__":
    raise SystemExit(main())
