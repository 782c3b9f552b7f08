"""Drive whole dossier lifecycles in process (moto with Step Functions execution, the real app)
and meter every AWS call the app makes, per HTTP request and per queue message.

Shared by `bench/cost.py` (what a lifecycle costs) and `bench/requests.py` (round trips per
request against their floor). Every client the app gets from `chalicelib.aws.client` carries
botocore `before-call` / `after-call` hooks, so DynamoDB, S3, Step Functions, KMS, SES, SNS and
SQS are all counted; the bench's own clients (queue polling, execution status) are not.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# As a script, bench/ is first on sys.path, where bench/requests.py would shadow the `requests`
# library (moto imports it): the repository root takes its place.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]

ONE_AGENCY = "2.001610"  # one step at H33.03 (Sở KH&ĐT), received at H33.50
BUILDING = "1.009994"  # tham-dinh @H33.30 -> (xd @H33.05 || tnmt @H33.06) -> ky @H33.30


@dataclass
class Call:
    service: str
    operation: str
    start: float
    end: float = 0.0


@dataclass
class Step:
    """One HTTP request or one queue message, and the AWS calls it made."""

    kind: str  # "http" | "queue"
    label: str
    wall: float = 0.0
    status: int = 0
    calls: list[Call] = field(default_factory=list)

    @property
    def aws_seconds(self) -> float:
        return sum(c.end - c.start for c in self.calls)

    @property
    def app_seconds(self) -> float:
        return max(0.0, self.wall - self.aws_seconds)

    def by_operation(self) -> Counter[str]:
        return Counter(f"{c.service}:{c.operation}" for c in self.calls)

    def chain(self) -> int:
        """The longest chain of calls made one after another (a call starts after the previous
        one ended): the greedy earliest-end choice of non-overlapping calls. The app makes its
        calls one at a time, so today this is every call; concurrency would show here."""
        n, last_end = 0, float("-inf")
        for c in sorted(self.calls, key=lambda c: c.end):
            if c.start >= last_end:
                n, last_end = n + 1, c.end
        return n


class Meter:
    """Hooks on every app client; records calls into the current step (None: not recorded)."""

    def __init__(self) -> None:
        self.current: Step | None = None
        self.steps: list[Step] = []
        self.listeners: list[tuple[str, Callable[..., Any]]] = []
        self.paused = False
        self._hooked: set[int] = set()
        self._open: dict[int, Call] = {}

    @property
    def recording(self) -> bool:
        """Inside a lifecycle's request or message (not set-up, not the bench's polling)."""
        return self.current is not None and not self.paused

    def on(self, event: str, handler: Callable[..., Any]) -> None:
        """Also register `handler` for `event` on every app client (e.g. cost.py's sizing),
        called only while recording."""

        def only_recorded(**kwargs: Any) -> None:
            if self.recording:
                handler(**kwargs)

        self.listeners.append((event, only_recorded))

    def hook(self, client: Any) -> Any:
        if id(client) in self._hooked:
            return client
        self._hooked.add(id(client))
        ev = client.meta.events
        ev.register("before-call", self._before, unique_id=f"bench-before-{id(client)}")
        ev.register("after-call", self._after, unique_id=f"bench-after-{id(client)}")
        ev.register("after-call-error", self._after, unique_id=f"bench-error-{id(client)}")
        for event, handler in self.listeners:
            ev.register(event, handler)
        return client

    def _before(self, model: Any, context: Any, **_: Any) -> None:
        call = Call(model.service_model.service_name, model.name, time.perf_counter())
        self._open[id(context)] = call

    def _after(self, model: Any, context: Any, **_: Any) -> None:
        call = self._open.pop(id(context), None)
        if call is None:
            return
        call.end = time.perf_counter()
        if self.current is not None:
            self.current.calls.append(call)

    @contextmanager
    def step(self, kind: str, label: str) -> Iterator[Step]:
        s = Step(kind, label)
        outer, self.current = self.current, s
        start = time.perf_counter()
        try:
            yield s
        finally:
            s.wall = time.perf_counter() - start
            self.current = outer
            if outer is None:
                self.steps.append(s)


_ID = re.compile(r"^(?=.*\d)[A-Za-z0-9._-]{9,}$")


def route_label(method: str, path: str) -> str:
    """`POST /api/my/dossiers/{id}/submit`: ids and codes (segments with digits, 9+ long) folded."""
    path = path.split("?", 1)[0]
    parts = ["{id}" if _ID.match(p) else p for p in path.split("/")]
    return f"{method} {'/'.join(parts)}"


def environment() -> None:
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


class World:
    """The provisioned moto account, the app's test client and the metered API."""

    def __init__(self, meter: Meter) -> None:
        import logging

        from chalice.test import Client

        from app import app
        from chalicelib import aws
        from chalicelib.api import context
        from chalicelib.api.auth import StaticJwks, TokenVerifier
        from chalicelib.services.deps import get_deps, set_deps
        from infra.demo import load_demo
        from infra.local.pki_server import local_pki
        from infra.provision import provision
        from infra.resources import environment as stack_env
        from tests.support.aws import AwsView, moto_jwks
        from tests.support.client import ApiClient

        logging.disable(logging.INFO)
        self.meter = meter
        outputs = provision()
        os.environ.update(stack_env(outputs))
        os.environ.update(local_pki().environment())  # test root CA, TSA and CRLs (PAdES)
        original = aws.client

        def metered(service: str) -> Any:
            return meter.hook(original(service))

        aws.client = metered  # type: ignore[assignment]
        aws.reset()
        set_deps(None)
        accounts = {a["username"]: a for a in load_demo()}
        context.set_verifier(
            TokenVerifier.from_settings(get_deps().settings, jwks=StaticJwks(moto_jwks()))
        )
        self.cloud = AwsView(outputs)
        self.client_cm = Client(app)
        self.client = self.client_cm.__enter__()
        self.api = ApiClient(self.client, accounts)
        for user in ("congdan", "motcua", "motcuavithanh", "sokhdt", "ubndvithanh"):
            self.api.as_user(user)  # sign-ins are per session, not per dossier: not metered
        for user in ("soxaydung", "sotnmt", "quantri"):
            self.api.as_user(user)
        self.http_requests = 0
        self.messages = 0
        self._wrap_api()

    def _wrap_api(self) -> None:
        from tests.support.client import ApiClient

        world = self
        get, post = ApiClient.get, ApiClient.post

        def metered_get(self: ApiClient, path: str, *a: Any, **k: Any) -> Any:
            world.http_requests += 1
            with world.meter.step("http", route_label("GET", path)) as s:
                r = get(self, path, *a, **k)
                s.status = r.status_code
            return r

        def metered_post(self: ApiClient, path: str, *a: Any, **k: Any) -> Any:
            world.http_requests += 1
            with world.meter.step("http", route_label("POST", path)) as s:
                r = post(self, path, *a, **k)
                s.status = r.status_code
            return r

        ApiClient.get = metered_get  # type: ignore[method-assign]
        ApiClient.post = metered_post  # type: ignore[method-assign]

    def close(self) -> None:
        self.client_cm.__exit__(None, None, None)

    # ---- the event pump, metered per message --------------------------------------------
    def pump(self) -> int:
        """One round: every queued workflow message and upload event to its handler."""
        n = self._deliver(self.cloud.outputs.workflow_queue_url, "on_workflow_message")
        n += self._deliver(self.cloud.outputs.uploads_queue_url, "on_upload_event")
        if n == 0:
            time.sleep(0.05)  # the execution's thread (moto) moves on; bounded by the caller
        return n

    def _deliver(self, queue_url: str, handler: str) -> int:
        delivered = 0
        for _ in range(5):
            msgs = self.cloud.sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
            ).get("Messages", [])
            if not msgs:
                break
            for m in msgs:
                try:
                    kind = str(json.loads(m["Body"]).get("type", "s3_event"))
                except ValueError:
                    kind = "?"
                event = self.client.events.generate_sqs_event(
                    message_bodies=[m["Body"]], queue_name=queue_url.rsplit("/", 1)[-1]
                )
                with self.meter.step("queue", f"{handler}: {kind}"):
                    self.client.lambda_.invoke(handler, event)
                self.cloud.sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
                delivered += 1
        self.messages += delivered
        return delivered

    def until(self, probe: Callable[[], Any], rounds: int = 150) -> Any:
        """Pump until `probe()` is truthy (its requests are metered as polling, not lifecycle)."""
        for _ in range(rounds):
            with self.unmetered():
                last = probe()
            if last:
                return last
            self.pump()
        raise RuntimeError("the lifecycle did not reach the awaited state")

    @contextmanager
    def unmetered(self) -> Iterator[None]:
        """Requests the bench makes to wait for a state: not part of the lifecycle."""
        meter, steps, n = self.meter, len(self.meter.steps), self.http_requests
        meter.paused = True
        try:
            yield
        finally:
            meter.paused = False
            del meter.steps[steps:]
            self.http_requests = n

    # ---- helpers -------------------------------------------------------------------------
    def task(self, user: str, dossier_id: str, step_id: str | None = None) -> dict[str, Any]:
        def probe() -> dict[str, Any] | None:
            items = self.api.as_user(user).get("/api/agency/tasks").json()["items"]
            return next(
                (
                    t
                    for t in items
                    if t["dossier_id"] == dossier_id and step_id in (None, t["step_id"])
                ),
                None,
            )

        found: dict[str, Any] = self.until(probe)
        return found

    def finished(self, code: str, dossier_id: str) -> None:
        """Until the execution has ended and the signed result is stored."""
        arn = self.cloud.execution_arn(code)
        self.until(
            lambda: self.cloud.sfn.describe_execution(executionArn=arn)["status"] != "RUNNING"
        )
        admin = self.api.as_user("quantri")
        self.until(lambda: admin.get(f"/api/desk/dossiers/{dossier_id}").json().get("result"))


def _ok(r: Any, status: int = 200) -> dict[str, Any]:
    if r.status_code != status:
        raise RuntimeError(f"{r.status_code}: {r.text}")
    body: dict[str, Any] = r.json()
    return body


def submit_online(w: World, procedure: str) -> dict[str, Any]:
    """Draft, the required papers (slot, upload, finalize), submit: the citizen's path."""
    from tests.support.journeys import upload_required_papers
    from tests.support.samples import FORM_EXAMPLES

    citizen = w.api.as_user("congdan")
    proc = _ok(w.api.get(f"/api/procedures/{procedure}"))
    draft = citizen.post(
        "/api/my/dossiers",
        {
            "procedure_code": procedure,
            "applicant": {
                "name": "Nguyễn Văn An",
                "id_number": "093090001234",
                "address": "Phường V, TP Vị Thanh",
                "phone": "0901234567",
                "email": "an@example.com",
            },
            "form_data": FORM_EXAMPLES[procedure],
        },
    )
    dossier = _ok(draft, 201)
    upload_required_papers(citizen.post, f"/api/my/dossiers/{dossier['id']}", proc["documents"])
    sub = _ok(citizen.post(f"/api/my/dossiers/{dossier['id']}/submit"))
    return sub


def one_agency(w: World) -> str:
    """Submit online, accept with the fee paid, the receipt, the agency approves, the citizen
    reads, the public lookup, hand-over at the desk. Returns the dossier code."""
    from tests.support.journeys import FEE_PAID_AT_DESK

    d = submit_online(w, ONE_AGENCY)
    desk = w.api.as_user("motcua")
    code = str(_ok(desk.post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK))["code"])
    desk.get(f"/api/desk/dossiers/{d['id']}/receipt.pdf", {"Accept": "application/pdf"})
    task = w.task("sokhdt", d["id"])
    agency = w.api.as_user("sokhdt")
    agency.get("/api/agency/tasks")
    _ok(
        agency.post(
            f"/api/agency/dossiers/{d['id']}/steps/{task['step_id']}/complete",
            {"outcome": "approve"},
        )
    )
    w.finished(code, d["id"])
    w.api.as_user("congdan").get(f"/api/my/dossiers/{d['id']}")
    w.api.get(f"/api/lookup/{code}")
    _ok(desk.post(f"/api/desk/dossiers/{d['id']}/return", {"channel": "online"}))
    return code


def building_permit(w: World) -> str:
    """The multi-agency construction permit: accepted with the fee owed (paid at the desk
    afterwards), the lead agency asks for a supplement, the citizen re-uploads and resubmits,
    the appraisal, the two departments' opinions side by side, the signature."""
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    from chalicelib.services.deps import any_deps, set_deps

    d = submit_online(w, BUILDING)
    # A legal clock inside working hours (pauses start and end in working time): a Wednesday.
    legal = {"now": datetime(2027, 4, 14, 8, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))}

    def tick() -> datetime:
        legal["now"] += timedelta(minutes=5)
        return legal["now"]

    set_deps(any_deps(clock=tick))
    desk = w.api.as_user("motcuavithanh")
    accepted = _ok(desk.post(f"/api/desk/dossiers/{d['id']}/accept", {"fee_collected": False}))
    code = str(accepted["code"])
    fee = accepted["fee"]["amount_vnd"]
    pay = {"method": "cash", "receipt_no": "BL-0001", "amount_vnd": fee}
    _ok(desk.post(f"/api/desk/dossiers/{d['id']}/payments", pay))
    steps = ("tham-dinh", "y-kien-so-xay-dung", "y-kien-so-tnmt", "ky-giay-phep")
    users = {
        "tham-dinh": "ubndvithanh",
        "y-kien-so-xay-dung": "soxaydung",
        "y-kien-so-tnmt": "sotnmt",
        "ky-giay-phep": "ubndvithanh",
    }

    def complete(step: str, outcome: str = "approve", note: str | None = None) -> None:
        w.task(users[step], d["id"], step)
        body: dict[str, Any] = {"outcome": outcome}
        if note:
            body["note"] = note
        _ok(
            w.api.as_user(users[step]).post(
                f"/api/agency/dossiers/{d['id']}/steps/{step}/complete", body
            )
        )

    complete(steps[0], "supplement", "Bổ sung bản vẽ mặt bằng có chữ ký.")
    w.until(
        lambda: (
            w.api.as_user("quantri").get(f"/api/desk/dossiers/{d['id']}").json()["status"]["code"]
            == 5
        )
    )
    for _ in range(5):  # the applicant wait reaches the service and holds its token
        w.pump()
    citizen = w.api.as_user("congdan")
    proc = _ok(w.api.get(f"/api/procedures/{BUILDING}"))
    from tests.support.journeys import upload_required_papers

    upload_required_papers(citizen.post, f"/api/my/dossiers/{d['id']}", proc["documents"])
    _ok(citizen.post(f"/api/my/dossiers/{d['id']}/submit"))
    complete(steps[0])
    complete(steps[1])
    complete(steps[2])
    complete(steps[3])
    w.finished(code, d["id"])
    citizen.get(f"/api/my/dossiers/{d['id']}")
    w.api.get(f"/api/lookup/{code}")
    _ok(desk.post(f"/api/desk/dossiers/{d['id']}/return", {"channel": "online"}))
    set_deps(any_deps(clock=lambda: datetime.now(ZoneInfo("UTC"))))
    return code


@contextmanager
def world(meter: Meter) -> Iterator[World]:
    environment()
    from moto import mock_aws

    from infra.moto_patches import kms_digest

    kms_digest.apply()  # Sign with MessageType=DIGEST signs the digest, as KMS does
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):  # type: ignore[arg-type]
        w = World(meter)
        try:
            yield w
        finally:
            w.close()
