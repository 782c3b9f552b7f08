"""What one dossier's lifecycle costs on AWS, priced at list prices, per 1,000 dossiers.

It runs the real path in process on moto (submit with attachments, accept, agency approval, result,
public lookup, hand-over), counts every AWS call the app makes through botocore event hooks, sizes
DynamoDB reads and writes from the items themselves, takes the state transitions from the
execution's history, and counts each HTTP request and each queue message as one Lambda invocation.
Storage (GB-month) is excluded. Target: <= $1.00 per 1,000 dossiers.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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
    "cognito_auth": 0.0,  # priced per monthly active user, not per dossier
}
LAMBDA_MEMORY_GB = 0.512
LAMBDA_AVG_SECONDS = 0.15  # assumed average billed duration of one invocation


def _attr_size(value: Any) -> int:
    """DynamoDB's item size rule of thumb: names plus values, in bytes."""
    return len(json.dumps(value, separators=(",", ":")))


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


def main() -> None:
    os.environ.update(
        {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "ap-southeast-1",
            "AWS_DEFAULT_REGION": "ap-southeast-1",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    from moto import mock_aws

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):  # type: ignore[arg-type]
        run()


def run() -> None:
    import logging

    from chalice.test import Client

    from app import app
    from chalicelib import aws
    from chalicelib.api import context
    from chalicelib.api.auth import StaticJwks, TokenVerifier
    from chalicelib.services.deps import get_deps, set_deps
    from infra.demo import load_demo
    from infra.provision import provision
    from infra.resources import environment
    from tests.support.aws import AwsView, moto_jwks
    from tests.support.client import ApiClient, deliver_workflow
    from tests.support.journeys import FEE_PAID_AT_DESK, submit_online

    logging.disable(logging.INFO)
    outputs = provision()
    os.environ.update(environment(outputs))
    aws.reset()
    set_deps(None)
    accounts = {a["username"]: a for a in load_demo()}
    context.set_verifier(
        TokenVerifier.from_settings(get_deps().settings, jwks=StaticJwks(moto_jwks()))
    )
    cloud = AwsView(outputs)
    meter = Meter()
    http_requests = 0
    with Client(app) as client:
        api = ApiClient(client, accounts)
        for user in ("congdan", "motcua", "sokhdt"):
            api.as_user(user)  # sign-ins are per session, not per dossier
        deps = get_deps()
        for c in (deps.store.client, deps.files.client, deps.workflow.client):
            c.meta.events.register("before-parameter-build", meter.before)
            c.meta.events.register("after-call", meter.after)

        original_get, original_post = ApiClient.get, ApiClient.post

        def counted_get(self: ApiClient, *a: Any, **k: Any) -> Any:
            nonlocal http_requests
            http_requests += 1
            return original_get(self, *a, **k)

        def counted_post(self: ApiClient, *a: Any, **k: Any) -> Any:
            nonlocal http_requests
            http_requests += 1
            return original_post(self, *a, **k)

        ApiClient.get = counted_get  # type: ignore[method-assign]
        ApiClient.post = counted_post  # type: ignore[method-assign]
        dossier = submit_online(api, "2.001610")
        desk = api.as_user("motcua")
        code = desk.post(f"/api/desk/dossiers/{dossier['id']}/accept", FEE_PAID_AT_DESK).json()[
            "code"
        ]
        desk.get(f"/api/desk/dossiers/{dossier['id']}/receipt.pdf", {"Accept": "application/pdf"})
        agency = api.as_user("sokhdt")
        messages = 0
        tasks: list[dict[str, Any]] = []
        for _ in range(100):
            messages += deliver_workflow(api, cloud)
            tasks = agency.get("/api/agency/tasks").json()["items"]
            if tasks:
                break
        agency.post(
            f"/api/agency/dossiers/{dossier['id']}/steps/{tasks[0]['step_id']}/complete",
            {"outcome": "approve"},
        )
        arn = cloud.execution_arn(code)
        for _ in range(100):
            messages += deliver_workflow(api, cloud)
            if cloud.sfn.describe_execution(executionArn=arn)["status"] != "RUNNING":
                break
        api.get(f"/api/lookup/{code}")
        desk.post(f"/api/desk/dossiers/{dossier['id']}/return")
        ApiClient.get, ApiClient.post = original_get, original_post  # type: ignore[method-assign]
        transitions = deps.workflow.history_transition_count(arn)

    # The SFN service's own SQS sends (token tasks) are not seen by our hooks: one per message.
    sqs_requests = meter.sqs + messages * 3  # send (by Step Functions), receive, delete
    invocations = http_requests + messages
    cost = {
        "API Gateway requests": http_requests * PRICE["apigw_request"],
        "Lambda requests": invocations * PRICE["lambda_request"],
        "Lambda compute": invocations
        * LAMBDA_MEMORY_GB
        * LAMBDA_AVG_SECONDS
        * PRICE["lambda_gb_second"],
        "DynamoDB writes": meter.wru * PRICE["ddb_wru"],
        "DynamoDB reads": meter.rru * PRICE["ddb_rru"],
        "Step Functions transitions": transitions * PRICE["sfn_transition"],
        "SQS requests": sqs_requests * PRICE["sqs_request"],
        "S3 requests": meter.s3_put * PRICE["s3_put"] + meter.s3_get * PRICE["s3_get"],
    }
    total = sum(cost.values())
    print(f"one dossier ({code}): {http_requests} HTTP requests, {messages} queue messages,")
    print(f"  {transitions} state transitions, {meter.wru} WRU, {meter.rru:.1f} RRU")
    print("AWS calls by the app:", ", ".join(f"{k}={v}" for k, v in sorted(meter.calls.items())))
    print(f"{'item':30} {'USD per 1,000 dossiers':>24}")
    for k, v in cost.items():
        print(f"{k:30} {v * 1000:24.4f}")
    print(f"{'TOTAL':30} {total * 1000:24.4f}   (target <= 1.00; ratio {total * 1000 / 1.0:.2f})")


if __name__ == "__main__":
    main()
