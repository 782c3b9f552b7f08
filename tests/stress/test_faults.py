"""Injected AWS faults: throttling and 5xx on DynamoDB, S3, SQS and Step Functions calls.

A `Faults` injector hooks the app's own boto3 clients (chalicelib.aws) with botocore events:
`before-call` counts API calls, `before-send` (registered first, ahead of moto's stub) counts
attempts and answers a seeded fraction of them with a throttling or 5xx response. botocore's
standard retry mode (5 attempts, exponential backoff) then retries them; the backoff delays are
recorded and shortened 100x so the suite stays fast (the delay *schedule* is still botocore's).

Shown here: requests still succeed at 10% faults (attempts - calls == injected: every injected
failure was retried); a call failing every attempt answers 503 with Retry-After and our error
body and leaves nothing half-written; the retried POST with the same Idempotency-Key does the work
once; queue consumers report partial batch failures, and through the local pump only the poison
message returns and then reaches the dead-letter queue; a Step Functions task that fails goes to
the state machine's catch path, raises an ops alert and leaves the dossier actionable.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from infra.resources import Outputs
from tests.support.client import ApiClient, deliver_workflow
from tests.support.journeys import FEE_PAID_AT_DESK, accept_and_start, submit_online

pytestmark = pytest.mark.integration

SERVICES = ("dynamodb", "s3", "sqs", "stepfunctions")
BUSINESS = "2.001610"  # one step at H33.03 (sokhdt), desk motcua
STEP = "tham-dinh-cap-gcn"
_JSON_FAULTS = (
    (400, "ThrottlingException", "Rate exceeded"),
    (500, "InternalServerError", "Internal server error"),
    (503, "ServiceUnavailable", "Service unavailable"),
)
_S3_FAULTS = (
    (503, "SlowDown", "Please reduce your request rate."),
    (500, "InternalError", "We encountered an internal error."),
)


class _Raw:
    """The minimal raw body botocore reads from an AWSResponse."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


def _body(request: Any) -> bytes:
    """A request's JSON body (str or bytes; streamed uploads are never lost-reply targets)."""
    body = request.body or b""
    return body.encode() if isinstance(body, str) else bytes(body)


def _fault_response(service: str, url: str, rng: random.Random) -> Any:
    from botocore.awsrequest import AWSResponse

    if service == "s3":
        status, code, message = rng.choice(_S3_FAULTS)
        body = f"<Error><Code>{code}</Code><Message>{message}</Message></Error>".encode()
        headers = {"Content-Type": "application/xml"}
    else:
        status, code, message = rng.choice(_JSON_FAULTS)
        body = json.dumps({"__type": code, "message": message}).encode()
        headers = {"Content-Type": "application/x-amz-json-1.0"}
    return AWSResponse(url, status, headers, _Raw(body))


class Faults:
    """Seeded fault injection on the app's boto3 clients.

    `rate` applies to every call of the given services; `always` names (service, operation) pairs
    that fail on every attempt (a dependency that is down), until `heal()`; `lose_reply` names
    pairs whose every call is carried out but the reply to its first attempt is lost (a 5xx after
    the work was done), so botocore's retry resends the same request.
    """

    def __init__(self, seed: int, rate: float = 0.0, services: tuple[str, ...] = SERVICES) -> None:
        self.rng = random.Random(seed)
        self.rate = rate
        self.services = services
        self.always: set[tuple[str, str]] = set()
        self.lose_reply: set[tuple[str, str]] = set()
        self.lost: Counter[str] = Counter()
        self._answered: set[bytes] = set()  # bodies of the calls whose reply was lost once
        self.calls: Counter[str] = Counter()
        self.attempts: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.delays: list[float] = []
        self.log: list[tuple[str, str, str, bool]] = []
        self._skip = threading.local()
        self._hooked: list[Any] = []
        self._label: dict[str, str] = {}
        self._lock = threading.Lock()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> Faults:
        from botocore.retries.standard import ExponentialBackoff

        from chalicelib import aws
        from chalicelib.api import http

        # The idempotency layer caches its client across tests: use this test's (hooked) one.
        monkeypatch.setattr(http._config, "idempotency_store", None)
        for service in self.services:
            client = aws.client(service)
            event_id = client.meta.service_model.service_id.hyphenize()  # stepfunctions: "sfn"
            self._label[event_id] = service
            events = client.meta.events
            events.register_first(f"before-send.{event_id}", self._before_send)
            events.register(f"before-call.{event_id}", self._before_call)
            self._hooked.append(events)
        original = ExponentialBackoff.delay_amount
        faults = self
        self._skip_mock(monkeypatch)

        def delay_amount(self: Any, context: Any) -> float:
            delay = float(original(self, context))
            with faults._lock:
                faults.delays.append(delay)
            return delay / 100

        monkeypatch.setattr(ExponentialBackoff, "delay_amount", delay_amount)
        return self

    def _skip_mock(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """botocore emits `before-send` to every handler and takes the first answer, so moto's
        stub would still carry out a request we answer with a fault: a *lost response*, not a
        refused request. Throttling means "not done", so the stub skips what we fault."""
        from moto.core.botocore_stubber import BotocoreStubber

        stub = BotocoreStubber.__call__
        skip = self._skip

        def call(self: Any, event_name: str, request: Any, **kwargs: Any) -> Any:
            if getattr(skip, "request", None) is request:
                skip.request = None
                return None
            return stub(self, event_name, request, **kwargs)

        monkeypatch.setattr(BotocoreStubber, "__call__", call)

    def uninstall(self) -> None:
        """Unhook the clients (they may outlive the test in module caches)."""
        for events in self._hooked:
            events.unregister("before-send", self._before_send)
            events.unregister("before-call", self._before_call)
        self._hooked.clear()

    def heal(self) -> None:
        self.always.clear()
        self.rate = 0.0

    def _name(self, event_name: str) -> tuple[str, str]:
        parts = event_name.split(".")
        return self._label.get(parts[1], parts[1]), parts[2] if len(parts) > 2 else ""

    def _before_call(self, event_name: str, **_: Any) -> None:
        service, op = self._name(event_name)
        with self._lock:
            self.calls[service] += 1
            self.calls[f"{service}.{op}"] += 1

    def _before_send(self, request: Any, event_name: str, **_: Any) -> Any:
        service, op = self._name(event_name)
        with self._lock:
            self.attempts[service] += 1
            fail = (service, op) in self.always or self.rng.random() < self.rate
            self.log.append((threading.current_thread().name, service, op, fail))
            body = _body(request) if (service, op) in self.lose_reply else None
            if body is not None and body not in self._answered:
                # a retry resends the same body (ClientRequestToken included): lose the first reply
                self._answered.add(body)
                self.lost[f"{service}.{op}"] += 1
                return _fault_response(service, request.url, random.Random(500))  # stub runs
            if not fail:
                return None
            self.injected[service] += 1
            self.injected[f"{service}.{op}"] += 1
            self._skip.request = request
            return _fault_response(service, request.url, self.rng)

    def retries(self, service: str) -> int:
        return self.attempts[service] - self.calls[service]


@pytest.fixture
def inject(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """`inject(seed, rate)` hooks the app's clients; unhooked after the test."""
    made: list[Faults] = []

    def make(seed: int, rate: float = 0.0) -> Faults:
        faults = Faults(seed, rate).install(monkeypatch)
        made.append(faults)
        return faults

    yield make
    for faults in made:
        faults.uninstall()


# ---- helpers ----------------------------------------------------------------------------------
def _store() -> Any:
    from chalicelib.services.deps import get_deps

    return get_deps().store


def _month_counters(agency: str) -> dict[str, int]:
    """This month's and next month's counters summed: a receipt after office hours on the last
    day of a month counts on the next working day, in the next month."""
    from collections import Counter
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    now = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    months = {now.strftime("%Y-%m"), (now.replace(day=28) + timedelta(days=5)).strftime("%Y-%m")}
    total: Counter[str] = Counter()
    for month in months:
        total.update(_store().counters(agency, month).get(BUSINESS, {}))
    return dict(total)


def _draft(api: ApiClient) -> dict[str, Any]:
    """A complete draft of the one-step business procedure (documents attached), not submitted."""
    from tests.support.journeys import draft_online

    return draft_online(api, BUSINESS)


def _wait_open_task(api: ApiClient, cloud: Any, dossier_id: str, step_id: str) -> None:
    for _ in range(100):
        task = _store().get_task(dossier_id, step_id)
        if task is not None and task.state == "open" and task.token:
            return
        deliver_workflow(api, cloud)
    raise AssertionError(f"the task {step_id} of {dossier_id} never opened")


def _total_attempts(service: str) -> int:
    """botocore's `max_attempts: 5` means 5 retries: 6 attempts in all."""
    from chalicelib import aws

    return int(aws.client(service).meta.config.retries["total_max_attempts"])


def _assert_503(reply: Any) -> None:
    assert reply.status_code == 503, reply.text
    assert int(reply.headers["Retry-After"]) > 0
    body = reply.json()
    assert set(body) >= {"code", "message", "message_en", "field"}
    assert body["code"] == "service_unavailable"
    assert "thử lại" in body["message"]  # Vietnamese first


def _executions(cloud_sfn: Any, outputs: Outputs) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for arn in outputs.state_machines.values():
        out += cloud_sfn.list_executions(stateMachineArn=arn)["executions"]
    return out


# ---- 1. retries with backoff where AWS would succeed on retry ---------------------------------
def test_ten_percent_faults_are_retried_and_every_request_succeeds(
    api: ApiClient, cloud: Any, inject: Any
) -> None:
    faults = inject(2026, 0.10)

    try:
        ids = [_through_to_result(api, cloud) for _ in range(3)]
    except AssertionError:
        for line in faults.log[-25:]:
            print(line)
        raise

    print(
        "\nfaults: calls", {s: faults.calls[s] for s in SERVICES},
        "injected", {s: faults.injected[s] for s in SERVICES},
        "retries", {s: faults.retries(s) for s in SERVICES},
        "max backoff", round(max(faults.delays), 3),
    )  # fmt: skip
    assert faults.injected["dynamodb"] > 0
    assert sum(faults.injected[s] for s in ("s3", "sqs", "stepfunctions")) > 0
    for service in SERVICES:
        # every injected failure was followed by exactly one retry, and nothing else was retried
        assert faults.retries(service) == faults.injected[service], service
    assert len(faults.delays) >= sum(faults.injected[s] for s in SERVICES)  # a backoff each
    assert max(faults.delays) > 0
    # nothing duplicated: one execution per dossier, one history line per step of the way
    assert len(_executions(cloud.sfn, cloud.outputs)) == len(ids)
    for dossier_id in ids:
        actions = [e.action for e in _store().history(dossier_id)]
        for action in ("submitted", "received", "step_completed", "processed"):
            assert actions.count(action) == 1, actions


def _through_to_result(api: ApiClient, cloud: Any) -> str:
    """Submit, accept, approve the one step, and let the workflow finish: every answer 2xx."""
    d = submit_online(api, BUSINESS)  # draft, uploads, finalize, submit
    accept_and_start(api, cloud, d["id"], at=_store().get_dossier(d["id"]).submitted_at)
    _wait_open_task(api, cloud, d["id"], STEP)
    done = api.as_user("sokhdt").post(
        f"/api/agency/dossiers/{d['id']}/steps/{STEP}/complete",
        {"outcome": "approve", "note": "Đủ điều kiện."},
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"]["code"] == 9
    for _ in range(50):  # the workflow's handlers run under faults too
        if (
            cloud.sfn.describe_execution(executionArn=cloud.execution_arn(done.json()["code"]))[
                "status"
            ]
            != "RUNNING"
        ):
            break
        deliver_workflow(api, cloud)
    status = cloud.sfn.describe_execution(executionArn=cloud.execution_arn(done.json()["code"]))
    assert status["status"] == "SUCCEEDED"
    return str(d["id"])


# ---- 2. a final failure: 503 + Retry-After, nothing half-written, the retry does it once -------
def test_submit_failing_every_attempt_answers_503_and_the_same_key_submits_once(
    api: ApiClient, inject: Any
) -> None:
    d = _draft(api)
    before = _month_counters("H33.03")
    faults = inject(1)
    faults.always.add(("dynamodb", "TransactWriteItems"))
    citizen = api.as_user("congdan")
    key = f"submit-{uuid.uuid4().hex}"

    failed = citizen.post(f"/api/my/dossiers/{d['id']}/submit", idempotency_key=key)

    _assert_503(failed)
    attempts = _total_attempts("dynamodb")
    assert faults.injected["dynamodb.TransactWriteItems"] == attempts  # every attempt failed
    assert len(faults.delays) == attempts - 1  # a backoff before each retry
    stored = _store().get_dossier(d["id"])
    assert stored.status is None and stored.code is None  # still a draft
    assert _store().history(d["id"]) == []  # no history without the dossier change, nor back
    assert _month_counters("H33.03") == before  # no counter drift

    faults.heal()
    ok = citizen.post(f"/api/my/dossiers/{d['id']}/submit", idempotency_key=key)
    assert ok.status_code == 200, ok.text
    assert ok.json()["status"]["code"] == 1
    again = citizen.post(f"/api/my/dossiers/{d['id']}/submit", idempotency_key=key)
    assert again.status_code == 200, again.text
    assert again.headers.get("Idempotency-Replayed") == "true"
    assert [e.action for e in _store().history(d["id"])] == ["submitted"]
    after = _month_counters("H33.03")
    assert after.get("submitted", 0) == before.get("submitted", 0) + 1


def test_accept_whose_execution_cannot_start_answers_503_and_the_retry_starts_it_once(
    api: ApiClient, cloud: Any, inject: Any
) -> None:
    d = submit_online(api, BUSINESS)
    before = _month_counters("H33.03")
    faults = inject(2)
    faults.always.add(("stepfunctions", "StartExecution"))
    desk = api.as_user("motcua")
    key = f"accept-{uuid.uuid4().hex}"

    failed = desk.post(
        f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK, idempotency_key=key
    )

    _assert_503(failed)
    assert faults.injected["stepfunctions.StartExecution"] == _total_attempts("stepfunctions")
    assert _executions(cloud.sfn, cloud.outputs) == []  # no execution without its dossier
    stored = _store().get_dossier(d["id"])
    # The receipt committed as one transaction (code, history, counters) before the start.
    history = [e.action for e in _store().history(d["id"])]
    assert history.count("received") == (1 if stored.code else 0)
    # The desk still sees it and can act on it (the retry below is that action).
    view = desk.get(f"/api/desk/dossiers/{d['id']}")
    assert view.status_code == 200, view.text

    faults.heal()
    ok = desk.post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK, idempotency_key=key)
    assert ok.status_code == 200, ok.text
    code = ok.json()["code"]
    assert ok.json()["status"]["code"] == 2
    [execution] = _executions(cloud.sfn, cloud.outputs)
    from chalicelib.workflow.executions import execution_name

    assert execution["name"] == execution_name(code)
    assert [e.action for e in _store().history(d["id"])].count("received") == 1
    after = _month_counters("H33.03")
    assert after.get("received", 0) == before.get("received", 0) + 1  # counted once
    # and the execution really runs: the agency's task opens
    _wait_open_task(api, cloud, d["id"], STEP)


def test_a_lost_reply_to_a_status_change_is_answered_as_done_not_as_a_conflict(
    api: ApiClient, cloud: Any, inject: Any
) -> None:
    """DynamoDB answers a transaction retried with the same ClientRequestToken (botocore keeps it
    across its retries) as a success without writing twice; the caller must not get a 409."""
    d = _draft(api)
    before = _month_counters("H33.03")
    faults = inject(3)
    faults.lose_reply.add(("dynamodb", "TransactWriteItems"))

    submitted = api.as_user("congdan").post(f"/api/my/dossiers/{d['id']}/submit")
    accepted = api.as_user("motcua").post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK)

    assert submitted.status_code == 200, submitted.text
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"]["code"] == 2
    assert faults.lost["dynamodb.TransactWriteItems"] >= 2  # both status changes lost a reply
    assert faults.retries("dynamodb") >= faults.lost["dynamodb.TransactWriteItems"]
    actions = [e.action for e in _store().history(d["id"])]
    assert actions.count("submitted") == 1 and actions.count("received") == 1, actions
    after = _month_counters("H33.03")
    for metric in ("submitted", "received"):
        assert after.get(metric, 0) == before.get(metric, 0) + 1, metric  # counted once
    assert len(_executions(cloud.sfn, cloud.outputs)) == 1
    _wait_open_task(api, cloud, d["id"], STEP)  # and it runs (nor does it outlive this test)


# ---- 3. queue consumers report partial batch failures ------------------------------------------
def _harmless(i: int) -> str:
    """A workflow message the consumer handles successfully (an unknown dossier is dropped):
    a whole Timer message, as the state machine sends it, so it parses."""
    return json.dumps(
        {
            "type": "timer",
            "dossierId": f"gone-{i}",
            "dossierCode": f"H33.03-261130-{i:04d}",
            "stepId": "x",
            "stageIndex": 0,
            "agency": "H33.03",
            "fired": "start",
            "taskToken": "t",
        }
    )


POISON = json.dumps({"type": "no-such-type", "dossierId": "poison"})


def test_batch_sizes_come_from_the_queue_definition() -> None:
    from chalice.app import SQSEventConfig

    from app import app
    from infra import resources as r
    from infra import template as t

    definition = {q.handler: q for q in r.definition().queues if q.handler}
    declared = {
        src.name: src.batch_size for src in app.event_sources if isinstance(src, SQSEventConfig)
    }
    for handler in ("on_workflow_message", "on_upload_event"):
        assert declared[handler] == definition[handler].batch_size, handler
    mappings = [
        res["Properties"]
        for res in t.render("dev")["Resources"].values()
        if res["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    assert mappings
    by_queue_id = {t.cfn_id(q.logical, "queue"): q for q in r.definition().queues}
    for props in mappings:
        queue = by_queue_id[props["EventSourceArn"]["Fn::GetAtt"][0]]
        assert props["BatchSize"] == queue.batch_size, queue.logical
        assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"]


def test_a_poison_message_is_the_only_batch_item_failure(aws: Outputs) -> None:
    from app import on_workflow_message
    from infra.local.events import lambda_context, sqs_event

    messages = [
        {"MessageId": f"m{i}", "ReceiptHandle": f"r{i}", "Body": body}
        for i, body in enumerate([_harmless(0), POISON, _harmless(2)])
    ]
    event = sqs_event(messages, aws.queues["workflow"].arn, aws.region)

    result = on_workflow_message(event, lambda_context("on_workflow_message"))

    assert result == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


def test_through_the_pump_only_the_poison_returns_then_reaches_the_dlq(aws: Outputs) -> None:
    import boto3

    from app import app
    from infra import resources as r
    from infra.local.pump import EventPump

    sqs = boto3.client("sqs", region_name=aws.region)
    queue = aws.queues["workflow"]
    pump = EventPump(app, aws, r.definition(), sqs, retry_delay_seconds=0)
    [consumer] = [c for c in pump.consumers if c.logical == "workflow"]
    seen: Counter[str] = Counter()
    handler = consumer.handler

    def counting(event: dict[str, Any], context: Any) -> Any:
        for record in event["Records"]:
            seen[record["body"]] += 1
        return handler(event, context)

    consumer.handler = counting
    for body in (_harmless(0), POISON, _harmless(2)):
        sqs.send_message(QueueUrl=queue.url, MessageBody=body)

    pump.pump_once()

    # One invocation for the batch: each message seen once, and only the poison failed (an
    # execution an earlier test left running may add a message of its own, so count ours).
    assert [seen[b] for b in (_harmless(0), POISON, _harmless(2))] == [1, 1, 1]
    assert pump.failures == 1
    for _ in range(3 * consumer.max_receive_count):  # bounded: every round redelivers the poison
        pump.pump_once()
        dead = sqs.receive_message(QueueUrl=queue.dlq_url, WaitTimeSeconds=0).get("Messages", [])
        if dead:
            break
    assert [m["Body"] for m in dead] == [POISON]
    assert seen[POISON] == consumer.max_receive_count  # redelivered until maxReceiveCount
    assert seen[_harmless(0)] == seen[_harmless(2)] == 1  # never redelivered
    assert pump.failures == consumer.max_receive_count
    left = sqs.receive_message(QueueUrl=queue.url, WaitTimeSeconds=0).get("Messages", [])
    assert left == []


# ---- 4. a task that fails goes to the catch path, alerts, and leaves the dossier actionable -----
def test_a_failed_task_takes_the_catch_path_alerts_and_leaves_the_dossier_actionable(
    api: ApiClient, cloud: Any
) -> None:
    from chalicelib.workflow.executions import Workflow

    d = submit_online(api, BUSINESS)
    accept_and_start(api, cloud, d["id"], at=_store().get_dossier(d["id"]).submitted_at)
    _wait_open_task(api, cloud, d["id"], STEP)
    code = str(_store().get_dossier(d["id"]).code)
    token = _store().get_task(d["id"], STEP).token

    # The agency task fails for good (as a task whose integration keeps failing would).
    Workflow().send_failure(str(token), "Agency.SystemError", "Hệ thống chuyên ngành từ chối.")
    arn = cloud.execution_arn(code)
    for _ in range(100):
        deliver_workflow(api, cloud)
        done = cloud.sfn.describe_execution(executionArn=arn)["status"] != "RUNNING"
        if done and "workflow_failed" in [e.action for e in _store().history(d["id"])]:
            break

    # the catch path ran: ReportFailure then the Fail state (ExecutionsFailed pages operations)
    assert cloud.sfn.describe_execution(executionArn=arn)["status"] == "FAILED"
    events = cloud.sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
    entered = [
        e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e
    ]
    assert "ReportFailure" in entered and "WorkflowFailed" in entered
    # the agency sees an alert, and the dossier's history says why nothing moves (once)
    alerts = api.as_user("sokhdt").get("/api/agency/alerts")
    assert alerts.status_code == 200, alerts.text
    mine = [a for a in alerts.json()["items"] if a["dossier_id"] == d["id"]]
    assert [a["kind"] for a in mine] == ["workflow_failed"]
    view = api.as_user("sokhdt").get(f"/api/agency/dossiers/{d['id']}")
    assert view.status_code == 200, view.text
    assert [e.action for e in _store().history(d["id"])].count("workflow_failed") == 1
    # and staff can still act on it: the desk withdraws it at the citizen's request
    r = api.as_user("motcua").post(
        f"/api/desk/dossiers/{d['id']}/withdraw", {"reason": "Công dân đề nghị rút hồ sơ."}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 7


def test_a_completion_whose_answer_cannot_reach_step_functions_is_queued_not_failed(
    api: ApiClient, cloud: Any, inject: Any
) -> None:
    d = submit_online(api, BUSINESS)
    accept_and_start(api, cloud, d["id"], at=_store().get_dossier(d["id"]).submitted_at)
    _wait_open_task(api, cloud, d["id"], STEP)
    code = str(_store().get_dossier(d["id"]).code)
    faults = inject(3)
    faults.always.add(("stepfunctions", "SendTaskSuccess"))
    key = f"complete-{uuid.uuid4().hex}"
    path = f"/api/agency/dossiers/{d['id']}/steps/{STEP}/complete"
    body = {"outcome": "approve", "note": "Đủ điều kiện."}

    done = api.as_user("sokhdt").post(path, body, idempotency_key=key)

    # The work is committed once, so the answer is 200, not a 503 whose retry would meet 409.
    assert done.status_code == 200, done.text
    assert faults.injected["stepfunctions.SendTaskSuccess"] == _total_attempts("stepfunctions")
    again = api.as_user("sokhdt").post(path, body, idempotency_key=key)
    assert again.status_code == 200 and again.headers.get("Idempotency-Replayed") == "true"
    arn = cloud.execution_arn(code)
    assert cloud.sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"

    faults.heal()  # the queued answer reaches the execution once Step Functions answers again
    for _ in range(100):
        deliver_workflow(api, cloud)
        if cloud.sfn.describe_execution(executionArn=arn)["status"] != "RUNNING":
            break
    assert cloud.sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED"
    assert [e.action for e in _store().history(d["id"])].count("step_completed") == 1
