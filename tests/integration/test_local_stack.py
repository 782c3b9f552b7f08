"""The local stack (`make run`): one port for web and API, a moto server, the event pump.

These start a real moto server in a thread and an HTTP server on a free port, so they are `slow`.
"""

from __future__ import annotations

import json
import os
import socket
import time
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest
import requests
from chalice import Chalice

from infra.local.events import is_s3_test_event
from infra.local.stack import WEB_DIR, running_stack

pytestmark = pytest.mark.integration


def _real_app_or_none() -> Any:
    try:
        import app as app_module
    except ModuleNotFoundError as exc:  # app.py not written yet: the stack serves the web only
        if exc.name != "app":
            raise
        return None
    return app_module.app


def _port_closed(url: str) -> bool:
    host, port = url.split("//", 1)[1].split(":")
    with socket.socket() as s:
        s.settimeout(1)
        return s.connect_ex((host.replace("localhost", "127.0.0.1"), int(port))) != 0


@pytest.mark.slow
def test_stack_serves_web_and_api_on_one_port_then_stops_cleanly() -> None:
    app = _real_app_or_none()
    before = dict(os.environ)  # after the import: Chalice() sets AWS_EXECUTION_ENV
    with running_stack(port=0, app=app) as stack:
        assert stack.url.startswith("http://localhost:")
        assert stack.endpoint_url.startswith("http://127.0.0.1:")
        assert os.environ["AWS_ENDPOINT_URL"] == stack.endpoint_url
        assert os.environ["TASK_QUEUE_URL"] == stack.outputs.workflow_queue_url
        assert os.environ["PUBLIC_BASE_URL"] == stack.url
        assert isinstance(stack.accounts, list)

        index = requests.get(f"{stack.url}/", timeout=10)
        assert index.status_code == 200
        assert index.headers["Content-Type"].startswith("text/html")
        assert index.content == (WEB_DIR / "index.html").read_bytes()
        assert requests.get(f"{stack.url}/no/such/file.js", timeout=10).status_code == 404
        escape = requests.get(f"{stack.url}/%2e%2e/%2e%2e/etc/passwd", timeout=10)
        assert escape.status_code == 404

        if app is not None and "/api/procedures" in app.routes:
            api = requests.get(f"{stack.url}/api/procedures", timeout=10)
            assert api.status_code == 200
            assert "items" in api.json()
        else:
            api = requests.get(f"{stack.url}/api/no-such-route", timeout=10)
            assert api.status_code in (403, 404, 503)
            assert api.json()

        # the JWKS of the pool is served by the moto endpoint, for the app's token checks
        jwks = requests.get(stack.outputs.jwks_url or "", timeout=10)
        assert jwks.status_code == 200 and jwks.json()["keys"]
        url = stack.url
    assert _port_closed(url)
    assert dict(os.environ) == before


def _fake_app(calls: dict[str, list[Any]], poison: str) -> Chalice:
    """A stand-in with the handler names and queues app.py uses."""
    app = Chalice(app_name="fake")

    @app.route("/api/ping")
    def ping() -> dict[str, str]:
        return {"pong": "yes"}

    @app.on_sqs_message(queue="tthc-workflow", batch_size=1)
    def on_workflow_message(event: Any) -> None:
        for record in event:
            body = json.loads(record.body)
            if body.get("type") == poison:
                raise RuntimeError("cannot handle this one")
            calls["workflow"].append(body)

    @app.on_sqs_message(queue="tthc-uploads", batch_size=1)
    def on_upload_event(event: Any) -> None:
        for record in event:
            calls["uploads"].append(json.loads(record.body))

    @app.schedule("cron(0 0 ? * MON-FRI *)")
    def on_daily_digest(event: Any) -> None:
        calls["schedules"].append(event.to_dict())

    return app


def _pump_until(stack: Any, condition: Any, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached by pumping"
        if not stack.pump_once():
            time.sleep(0.1)


@pytest.mark.slow
def test_pump_delivers_like_lambda_retries_then_dead_letters() -> None:
    from chalicelib.workflow.executions import StaleTaskToken, Workflow

    calls: dict[str, list[Any]] = {"workflow": [], "uploads": [], "schedules": []}
    app = _fake_app(calls, poison="poison")
    with running_stack(
        port=0, data_dir=None, app=app, background_pump=False, retry_delay_seconds=0
    ) as stack:
        out = stack.outputs
        assert requests.get(f"{stack.url}/api/ping", timeout=10).json() == {"pong": "yes"}

        # the state machine's messages reach on_workflow_message (it runs on the moto server)
        wf = Workflow()
        arn = wf.start(
            "H15.50-261130-0009",
            {
                "dossierId": "D-9",
                "dossierCode": "H15.50-261130-0009",
                "stages": [[{"stepId": "review", "agency": "H15.50"}]],
                "awaitFee": False,
                "feeWaitSeconds": 1,
            },
        )

        def seen(kind: str, fired: str | None = None) -> list[dict[str, Any]]:
            return [
                m
                for m in calls["workflow"]
                if m["type"] == kind and (fired is None or m.get("fired") == fired)
            ]

        _pump_until(stack, lambda: seen("timer", "start"))
        wf.send_success(
            seen("timer", "start")[0]["taskToken"], {"kind": "step_due_soon", "afterSeconds": 1}
        )
        _pump_until(stack, lambda: seen("timer", "step_due_soon"))  # the 1 s wait expired
        wf.send_success(
            seen("timer", "step_due_soon")[0]["taskToken"], {"kind": "repeat", "afterSeconds": 3600}
        )
        _pump_until(stack, lambda: len(seen("agency_task")) >= 2)
        first, task = seen("agency_task")[:2]
        assert first["taskToken"] != task["taskToken"]
        # over HTTP too, a timed-out token is refused the way AWS refuses it
        with pytest.raises(StaleTaskToken):
            wf.send_success(first["taskToken"], {"outcome": "approve"})
        wf.send_success(task["taskToken"], {"outcome": "approve"})
        _pump_until(stack, lambda: calls["workflow"][-1]["type"] == "dossier_processed")
        deadline = time.monotonic() + 10
        while wf.describe(arn)["status"] == "RUNNING" and time.monotonic() < deadline:
            time.sleep(0.1)
        assert wf.describe(arn)["status"] == "SUCCEEDED"

        # S3 ObjectCreated reaches on_upload_event; the s3:TestEvent is not delivered
        s3 = boto3.client("s3", region_name=out.region, endpoint_url=stack.endpoint_url)
        s3.put_object(Bucket=out.attachments_bucket, Key="dossiers/D-9/a.pdf", Body=b"%PDF-1.4")
        _pump_until(stack, lambda: calls["uploads"])
        [event] = calls["uploads"]
        assert event["Records"][0]["eventName"].startswith("ObjectCreated")
        key = event["Records"][0]["s3"]["object"]["key"]
        assert unquote_plus(key) == "dossiers/D-9/a.pdf"  # keys arrive URL-encoded

        # a failing message is retried, then SQS moves it to the dead-letter queue
        sqs = boto3.client("sqs", region_name=out.region, endpoint_url=stack.endpoint_url)
        sqs.send_message(QueueUrl=out.workflow_queue_url, MessageBody='{"type": "poison"}')
        dlq = out.queues["workflow"].dlq_url
        for _ in range(20):
            stack.pump_once()
            got = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=0).get("Messages", [])
            if got:
                assert json.loads(got[0]["Body"]) == {"type": "poison"}
                break
        else:
            pytest.fail("the failing message never reached the dead-letter queue")
        assert stack.pump.failures == 5

        # declared schedules fire the handler of the same name
        assert stack.fire_schedule("daily-digest")
        [scheduled] = calls["schedules"]
        assert scheduled["detail-type"] == "Scheduled Event"
        assert scheduled["resources"] == [out.schedules["daily-digest"]]


def test_s3_test_events_are_recognised() -> None:
    assert is_s3_test_event('{"Service": "Amazon S3", "Event": "s3:TestEvent"}')
    assert not is_s3_test_event('{"Records": []}')
    assert not is_s3_test_event("not json")


@pytest.mark.slow
def test_make_localstack_runs_the_same_stack_against_a_stand_in_endpoint(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`make localstack` (LOCALSTACK=1, localstack-client's endpoints from LOCALSTACK_HOST): the
    same code path as against LocalStack, with a moto server standing in at that address."""
    from pathlib import Path

    from moto.server import ThreadedMotoServer

    from infra.local.stack import enable_sfn_execution

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    try:
        enable_sfn_execution(endpoint, required=True)  # LocalStack runs its own Step Functions
        monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
        monkeypatch.setenv("LOCALSTACK", "1")
        monkeypatch.setenv("LOCALSTACK_HOST", endpoint.removeprefix("http://"))
        demo = Path(__file__).resolve().parents[2] / "data" / "demo"
        with running_stack(port=0, data_dir=demo) as stack:
            assert stack.endpoint_url == endpoint
            region = stack.outputs.region
            ddb = boto3.client("dynamodb", region_name=region, endpoint_url=endpoint)
            assert stack.outputs.table_name in ddb.list_tables()["TableNames"]
            sqs = boto3.client("sqs", region_name=region, endpoint_url=endpoint)
            urls = sqs.list_queues().get("QueueUrls", [])
            assert any(u.endswith(stack.outputs.queues["workflow"].name) for u in urls)
            procs = requests.get(f"{stack.url}/api/procedures", timeout=30).json()["items"]
            assert procs, "the demo catalogue was loaded through the LocalStack session"
            contract = requests.get(f"{stack.url}/openapi.json", timeout=30)
            assert contract.status_code == 200 and contract.json()["openapi"].startswith("3.1")
            signed = requests.post(
                f"{stack.url}/api/auth/signin",
                json={"username": "congdan", "password": "Demo@2026"},
                headers={"Idempotency-Key": "ls-1"},
                timeout=30,
            )
            assert signed.status_code == 200, signed.text
    finally:
        server.stop()
