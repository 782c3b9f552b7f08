"""The whole system on one laptop: `make run` = `python -m infra.local [--port 8000] [--data DIR]`.

In one process: a moto server with Step Functions execution on (or the endpoint in
AWS_ENDPOINT_URL, e.g. LocalStack), the resources of `infra.resources` provisioned onto it, the demo
data, and one HTTP port serving both the Chalice app under `/api/...` (chalice's local gateway) and
the static `web/` everywhere else, so the browser is same-origin. An event pump delivers SQS
messages and schedules to the very handlers Lambda would call, with Lambda's retry/DLQ behaviour.

Tests use `running_stack()`, which yields a `RunningStack` (url, endpoint_url, outputs, accounts,
pump_once()).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import importlib
import json
import logging
import mimetypes
import os
import re
import signal
import sys
import threading
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from infra import resources as r

log = logging.getLogger("infra.local")

ROOT = r.ROOT
WEB_DIR = ROOT / "web"
DEFAULT_DATA_DIR = ROOT / "data" / "demo"
DEFAULT_PORT = 8000
DUMMY_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}


# --- Lambda-shaped events ------------------------------------------------------------------------


def lambda_context(function_name: str, timeout_seconds: int = 60) -> Any:
    """A context object with the attributes Lambda gives (chalice local's own fake)."""
    from chalice.local import LambdaContext

    return LambdaContext(
        function_name=function_name, memory_size=512, max_runtime_ms=timeout_seconds * 1000
    )


def sqs_event(messages: Sequence[Mapping[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    """The event Lambda's SQS event source passes, from `ReceiveMessage` results."""
    records = []
    for m in messages:
        attrs = dict(m.get("Attributes") or {})
        attrs.setdefault("ApproximateReceiveCount", "1")
        attrs.setdefault("SentTimestamp", str(int(time.time() * 1000)))
        records.append(
            {
                "messageId": m.get("MessageId", str(uuid.uuid4())),
                "receiptHandle": m.get("ReceiptHandle", ""),
                "body": m["Body"],
                "attributes": attrs,
                "messageAttributes": m.get("MessageAttributes") or {},
                "md5OfBody": m.get("MD5OfBody", ""),
                "eventSource": "aws:sqs",
                "eventSourceARN": queue_arn,
                "awsRegion": region,
            }
        )
    return {"Records": records}


def scheduled_event(
    rule_arn: str, region: str, account_id: str, at: datetime | None = None
) -> dict[str, Any]:
    """The event EventBridge passes to a scheduled Lambda."""
    when = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": when.isoformat().replace("+00:00", "Z"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }


def is_s3_test_event(body: str) -> bool:
    """S3 sends `s3:TestEvent` once when a notification is configured: nothing to handle."""
    try:
        data = json.loads(body)
    except ValueError:
        return False
    return isinstance(data, dict) and data.get("Event") == "s3:TestEvent"


# --- moto compatibility --------------------------------------------------------------------------


def patch_moto_stale_tokens() -> None:
    """Make moto answer a task token that no longer waits as AWS does.

    moto 5.2 keeps accepting SendTaskSuccess for a token whose wait timed out (the answer is then
    silently lost) and, where it does notice, fails building the error. AWS answers TaskTimedOut,
    TaskDoesNotExist or InvalidToken, and the services rely on that error to fall back
    (docs/design.md, last paragraph of the Workflow contract), so the local cloud must give it.
    Once a wait ends, its token reports TaskTimedOut (it timed out) or TaskDoesNotExist (it was
    answered); a token of no running execution is InvalidToken. Applies to moto in this process
    (in-process mocks and the ThreadedMotoServer of the local stack). Idempotent.
    """
    from moto.core.exceptions import AWSError
    from moto.stepfunctions.parser import models as parser_models
    from moto.stepfunctions.parser.api import ExecutionStatus
    from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import EvalTimeoutError
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (
        state_task_service_callback as cb,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import (
        CallbackConsumerLeft,
        CallbackConsumerTimeout,
        CallbackNotifyConsumerError,
        CallbackOutcomeFailure,
        CallbackOutcomeSuccess,
    )

    task_cls: Any = cb.StateTaskServiceCallback
    backend_cls: Any = parser_models.StepFunctionsParserBackend
    if getattr(task_cls, "_tthc_stale_tokens", False):
        return
    original_evaluate = task_cls._evaluate_with_timeout

    def _evaluate_with_timeout(self: Any, env: Any) -> Any:
        # The task's own timer (not the callback waiter, which notices later) decides the
        # timeout, so the token is marked at that instant.
        task = env.states.context_object.context_object_data.get("Task") or {}
        token = task.get("Token")
        try:
            result = original_evaluate(self, env)
        except EvalTimeoutError:
            _mark(env, token, CallbackConsumerTimeout())
            raise
        _mark(env, token, CallbackConsumerLeft())
        return result

    def _mark(env: Any, token: str | None, error: Any) -> None:
        endpoint = env.callback_pool_manager.get(token) if token else None
        if endpoint is not None and endpoint.consumer_error is None:
            endpoint.report(error)

    def _answer(backend: Any, token: str, outcome: Any) -> None:
        for execution in backend._get_executions(ExecutionStatus.RUNNING):
            worker = getattr(execution, "exec_worker", None)
            if worker is None:
                continue
            try:
                if worker.env.callback_pool_manager.notify(callback_id=token, outcome=outcome):
                    return
            except CallbackNotifyConsumerError as exc:
                if isinstance(exc.callback_consumer_error, CallbackConsumerTimeout):
                    raise AWSError(
                        "Task Timed Out: the task token timed out", "TaskTimedOut"
                    ) from None
                raise AWSError("Task does not exist anymore", "TaskDoesNotExist") from None
        raise AWSError("Invalid Token: 'Invalid token'", "InvalidToken")

    def send_task_success(self: Any, task_token: str, outcome: str) -> None:
        _answer(self, task_token, CallbackOutcomeSuccess(callback_id=task_token, output=outcome))

    def send_task_failure(
        self: Any, task_token: str, error: str | None = None, cause: str | None = None
    ) -> dict[str, Any]:
        _answer(
            self,
            task_token,
            CallbackOutcomeFailure(callback_id=task_token, error=error, cause=cause),
        )
        return {}

    task_cls._evaluate_with_timeout = _evaluate_with_timeout
    backend_cls.send_task_success = send_task_success
    backend_cls.send_task_failure = send_task_failure
    task_cls._tthc_stale_tokens = True


_DYNAMODB_SERIAL = threading.RLock()
_DYNAMODB_OPERATIONS = (
    "put_item",
    "get_item",
    "update_item",
    "delete_item",
    "query",
    "scan",
    "transact_write_items",
    "transact_get_items",
    "batch_get_item",
    "batch_write_item",
)


def _serialise(backend: Any, names: tuple[str, ...], lock: threading.RLock) -> None:
    """Wrap each of a moto backend's operations so they run one at a time under `lock`."""

    def serial(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return fn(*args, **kwargs)

        return wrapper

    for name in names:
        setattr(backend, name, serial(getattr(backend, name)))


def patch_moto_dynamodb_serial() -> None:
    """Make moto's DynamoDB apply each request atomically, as DynamoDB does.

    moto 5.2 checks a condition and then writes without any lock, so two threaded requests of the
    moto server can both pass `version = :v` (or the daily sequence's `n = :old`), and two `ADD`s
    can lose one: found by the concurrency test (duplicate dossier codes, a lost counter), which
    then proved moto wrong, not the app. DynamoDB serialises conflicting writes and transactions,
    and the app relies on it, so the local cloud runs one DynamoDB operation at a time.
    Idempotent; applies to moto in this process (the local stack's ThreadedMotoServer).
    """
    from moto.dynamodb.models import DynamoDBBackend

    from infra.moto_speed import patch_moto_speed

    patch_moto_speed()  # first: the lock must wrap the item-level transaction
    backend: Any = DynamoDBBackend
    if getattr(backend, "_tthc_serial", False):
        return

    _serialise(backend, _DYNAMODB_OPERATIONS, _DYNAMODB_SERIAL)
    backend._tthc_serial = True


_SQS_SERIAL = threading.RLock()
_SQS_OPERATIONS = (
    "send_message",
    "send_message_batch",
    "delete_message",
    "delete_message_batch",
    "change_message_visibility",
    "change_message_visibility_batch",
    "purge_queue",
)


def patch_moto_sqs_serial() -> None:
    """Make moto's SQS apply each request atomically, as SQS does.

    moto 5.2's `receive_message` walks a queue's pending set while another request's delete or
    receive changes it ("Set changed size during iteration", answered 500): found with the event
    pump's concurrent pollers under the full-size load bench. Each request now runs alone; a long
    poll takes the lock only for each look at the queue, so a send during the wait still lands and
    is received. Idempotent; applies to moto in this process.
    """
    from moto.sqs.models import SQSBackend

    backend: Any = SQSBackend
    if getattr(backend, "_tthc_serial", False):
        return

    _serialise(backend, _SQS_OPERATIONS, _SQS_SERIAL)
    receive = backend.receive_message

    @functools.wraps(receive)
    def receive_message(
        self: Any,
        queue_name: str,
        count: int,
        wait_seconds_timeout: int,
        visibility_timeout: int,
        attribute_names: list[str] | None = None,
    ) -> Any:
        end = time.monotonic() + (wait_seconds_timeout or 0)
        while True:
            with _SQS_SERIAL:
                got = receive(self, queue_name, count, 0, visibility_timeout, attribute_names)
            if got or time.monotonic() >= end:
                return got
            time.sleep(0.05)

    backend.receive_message = receive_message
    backend._tthc_serial = True


def start_moto_server(host: str, port: int) -> tuple[Any, int]:
    """A patched ThreadedMotoServer in this process, started; returns it and its port."""
    from moto.server import ThreadedMotoServer

    patch_moto_stale_tokens()
    patch_moto_dynamodb_serial()
    patch_moto_sqs_serial()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound = int(server.get_host_and_port()[1])
    # moto's ASL interpreter calls the other services at localhost:$MOTO_PORT.
    os.environ["MOTO_PORT"] = str(bound)
    return server, bound


# --- schedule expressions ------------------------------------------------------------------------

_MONTH_NAMES = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_MONTHS = {m: i + 1 for i, m in enumerate(_MONTH_NAMES)}
_DAYS = {d: i + 1 for i, d in enumerate(("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"))}  # SUN=1
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")


def _cron_field(spec: str, lo: int, hi: int, names: Mapping[str, int] | None = None) -> set[int]:
    values: set[int] = set()
    for part in spec.split(","):
        step = 1
        if "/" in part:
            part, step_s = part.split("/", 1)
            step = int(step_s)
        if part in ("*", "?"):
            start, end = lo, hi
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = _cron_value(a, names), _cron_value(b, names)
        else:
            start = _cron_value(part, names)
            end = hi if step > 1 else start
        if not (lo <= start <= hi and lo <= end <= hi):
            raise ValueError(f"cron field {spec!r} is outside {lo}-{hi}")
        values.update(range(start, end + 1, step))
    return values


def _cron_value(token: str, names: Mapping[str, int] | None) -> int:
    token = token.upper()
    if names and token in names:
        return names[token]
    if not token.isdigit():
        raise ValueError(f"unsupported cron token {token!r} (L, W and # are not supported locally)")
    return int(token)


def cron_matches(expression: str, at: datetime) -> bool:
    """Whether an EventBridge `cron(min hour dom month dow year)` (UTC) fires in `at`'s minute."""
    body = expression.strip()
    if not (body.startswith("cron(") and body.endswith(")")):
        raise ValueError(f"not a cron expression: {expression!r}")
    fields = body[5:-1].split()
    if len(fields) != 6:
        raise ValueError(f"cron needs 6 fields: {expression!r}")
    minute, hour, dom, month, dow, year = fields
    at = at.astimezone(UTC)
    aws_dow = (at.weekday() + 1) % 7 + 1  # Monday=0 in Python -> MON=2 in AWS
    day_ok = (dom == "?" or at.day in _cron_field(dom, 1, 31)) and (
        dow == "?" or aws_dow in _cron_field(dow, 1, 7, _DAYS)
    )
    return (
        at.minute in _cron_field(minute, 0, 59)
        and at.hour in _cron_field(hour, 0, 23)
        and at.month in _cron_field(month, 1, 12, _MONTHS)
        and at.year in _cron_field(year, 1970, 2199)
        and day_ok
    )


def rate_seconds(expression: str) -> int | None:
    """The period of a `rate(...)` expression, or None for anything else."""
    m = _RATE.match(expression.strip())
    if not m:
        return None
    unit = m.group(2).rstrip("s")
    return int(m.group(1)) * {"minute": 60, "hour": 3600, "day": 86400}[unit]


# --- the event pump ------------------------------------------------------------------------------


@dataclass
class _Consumer:
    logical: str
    queue: r.QueueOutputs
    handler_name: str
    handler: Callable[..., Any]
    max_receive_count: int
    batch_size: int = 10


@dataclass
class _Timer:
    schedule: r.Schedule
    rule_arn: str
    handler: Callable[..., Any]
    period: int | None  # rate(...) in seconds; None for cron
    next_due: float = 0.0


def _find_sqs_handler(app: Any, handler_name: str, queue: r.QueueOutputs) -> Any:
    """The app's handler for a queue: by the queue it is registered on, else by its name."""
    from chalice.app import SQSEventConfig

    handler_map: Mapping[str, Any] = getattr(app, "handler_map", {})
    for src in getattr(app, "event_sources", []):
        if isinstance(src, SQSEventConfig) and (
            src.queue == queue.name or src.queue_arn == queue.arn
        ):
            h = handler_map.get(src.name)
            if h is not None:
                return h
    return handler_map.get(handler_name)


class EventPump:
    """Delivers queue messages and schedules to the app's handlers, as Lambda's triggers would.

    Up to the queue's batch size per invocation; a message is deleted only after its handler
    returns without naming it in `batchItemFailures` (an exception fails the whole batch). A failed
    message becomes visible again after a short back-off and, after the queue's maxReceiveCount
    receives, SQS moves it to the dead-letter queue (it is logged each time).
    """

    def __init__(
        self,
        app: Any,
        outputs: r.Outputs,
        definition: r.Stack,
        sqs: Any,
        *,
        wait_seconds: int = 1,
        retry_delay_seconds: float = 1.0,
        pollers: int = 1,
    ) -> None:
        self.app = app
        # Lambda runs a queue's batches concurrently; `pollers` threads per queue do the same here
        # (the load bench's workflow queue falls hours behind with one).
        self.pollers = max(1, pollers)
        self.outputs = outputs
        self.sqs = sqs
        self.wait_seconds = wait_seconds
        self.retry_delay_seconds = retry_delay_seconds
        self.consumers: list[_Consumer] = []
        self.timers: dict[str, _Timer] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.failures = 0
        handler_map: Mapping[str, Any] = getattr(app, "handler_map", {}) if app else {}
        for q in definition.queues:
            qo = outputs.queues[q.logical]
            h = _find_sqs_handler(app, q.handler, qo) if app and q.handler else None
            if h is None:
                log.info("queue %s: no handler %s in the app yet; not pumped", qo.name, q.handler)
                continue
            self.consumers.append(
                _Consumer(q.logical, qo, q.handler or "", h, q.max_receive_count, q.batch_size)
            )
        for s in definition.schedules:
            h = handler_map.get(s.handler)
            if h is None:
                log.info("schedule %s: no handler %s in the app yet; skipped", s.name, s.handler)
                continue
            period = rate_seconds(s.expression)
            if period is None:
                try:
                    cron_matches(s.expression, datetime.now(UTC))
                except ValueError as exc:
                    log.warning("schedule %s: %s; skipped", s.name, exc)
                    continue
            self.timers[s.name] = _Timer(
                s, outputs.schedules.get(s.name, ""), h, period, time.time() + (period or 0)
            )

    # -- queues

    def _receive(self, c: _Consumer, wait_seconds: int) -> list[dict[str, Any]]:
        resp = self.sqs.receive_message(
            QueueUrl=c.queue.url,
            MaxNumberOfMessages=max(1, min(10, c.batch_size)),
            WaitTimeSeconds=wait_seconds,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(resp.get("Messages", []))

    def _deliver(self, c: _Consumer, m: Mapping[str, Any]) -> bool:
        """Run the handler on one message; True when it succeeded (and was deleted)."""
        return self._deliver_batch(c, [m]) == 1

    def _deliver_batch(self, c: _Consumer, messages: Sequence[Mapping[str, Any]]) -> int:
        """One invocation for the batch; returns how many messages succeeded (and were deleted).

        As Lambda's SQS event source with ReportBatchItemFailures: the ids in the answer's
        `batchItemFailures` return to the queue, the rest are deleted; an exception (or a failure
        id that is not in the batch) returns the whole batch.
        """
        batch: list[Mapping[str, Any]] = []
        for m in messages:
            if is_s3_test_event(m["Body"]):
                self.sqs.delete_message(QueueUrl=c.queue.url, ReceiptHandle=m["ReceiptHandle"])
            else:
                batch.append(m)
        if not batch:
            return 0
        ids = [str(m.get("MessageId")) for m in batch]
        event = sqs_event(batch, c.queue.arn, self.outputs.region)
        error: BaseException | None = None
        try:
            result = c.handler(event, lambda_context(c.handler_name))
            failures = result.get("batchItemFailures", []) if isinstance(result, Mapping) else []
            failed = {str(f.get("itemIdentifier")) for f in failures}
            if not failed <= set(ids):
                raise RuntimeError(f"batchItemFailures names messages not in the batch: {failed}")
        except Exception as exc:
            error = exc
            failed = set(ids)
        done = 0
        for m, mid in zip(batch, ids, strict=True):
            if mid in failed:
                self._retry_later(c, m, error)
            else:
                self.sqs.delete_message(QueueUrl=c.queue.url, ReceiptHandle=m["ReceiptHandle"])
                done += 1
        return done

    def _retry_later(self, c: _Consumer, m: Mapping[str, Any], error: BaseException | None) -> None:
        """Log the failure and make the message visible again after a back-off."""
        self.failures += 1
        count = int((m.get("Attributes") or {}).get("ApproximateReceiveCount", "1"))
        last = count >= c.max_receive_count
        log.error(
            "%s failed on message %s from %s (attempt %d of %d)%s",
            c.handler_name,
            m.get("MessageId"),
            c.queue.name,
            count,
            c.max_receive_count,
            f"; it goes to the dead-letter queue {c.queue.dlq_name}" if last else "; retrying",
            exc_info=error if error is not None else False,
        )
        with contextlib.suppress(Exception):  # the message may have expired meanwhile
            self.sqs.change_message_visibility(
                QueueUrl=c.queue.url,
                ReceiptHandle=m["ReceiptHandle"],
                VisibilityTimeout=int(self.retry_delay_seconds * count),
            )

    def pump_once(self, wait_seconds: int = 0) -> int:
        """Deliver what waits in every pumped queue now; returns how many messages succeeded."""
        done = 0
        for c in self.consumers:
            messages = self._receive(c, wait_seconds)
            for i in range(0, len(messages), c.batch_size):
                done += self._deliver_batch(c, messages[i : i + c.batch_size])
        return done

    def pump_until_idle(self, idle_seconds: float = 0.5, timeout: float = 30.0) -> int:
        """Deliver until nothing has arrived for `idle_seconds` (the state machine is async)."""
        total = 0
        deadline = time.monotonic() + timeout
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            n = self.pump_once()
            total += n
            if n:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= idle_seconds:
                break
            else:
                time.sleep(0.05)
        return total

    def _consume_loop(self, c: _Consumer) -> None:
        while not self._stop.is_set():
            try:
                messages = self._receive(c, self.wait_seconds)
            except Exception as exc:
                if self._stop.is_set():
                    return
                log.warning("receiving from %s failed: %s", c.queue.name, exc)
                self._stop.wait(1.0)
                continue
            for i in range(0, len(messages), c.batch_size):
                if self._stop.is_set():
                    return  # not deleted: they become visible again for the next run
                self._deliver_batch(c, messages[i : i + c.batch_size])

    # -- schedules

    def fire_schedule(self, name: str, at: datetime | None = None) -> bool:
        """Call a schedule's handler now; False if the app has no handler for it."""
        t = self.timers.get(name)
        if t is None:
            log.info("schedule %s has no handler; skipped", name)
            return False
        event = scheduled_event(t.rule_arn, self.outputs.region, self.outputs.account_id, at)
        log.info("schedule %s -> %s", name, t.schedule.handler)
        try:
            t.handler(event, lambda_context(t.schedule.handler, timeout_seconds=900))
        except Exception:
            self.failures += 1
            log.exception("schedule %s: %s failed", name, t.schedule.handler)
        return True

    def _schedule_loop(self) -> None:
        last_minute: datetime | None = None
        while not self._stop.wait(1.0):
            now = datetime.now(UTC)
            minute = now.replace(second=0, microsecond=0)
            for name, t in self.timers.items():
                if t.period is not None:
                    if time.time() >= t.next_due:
                        t.next_due += t.period
                        self.fire_schedule(name, now)
                elif minute != last_minute and cron_matches(t.schedule.expression, minute):
                    self.fire_schedule(name, now)
            last_minute = minute

    # -- lifecycle

    def start(self) -> None:
        self._stop.clear()
        for c in self.consumers:
            for k in range(self.pollers):
                self._threads.append(
                    threading.Thread(
                        target=self._consume_loop,
                        args=(c,),
                        name=f"pump-{c.logical}-{k}",
                        daemon=True,
                    )
                )
        if self.timers:
            self._threads.append(
                threading.Thread(target=self._schedule_loop, name="pump-schedules", daemon=True)
            )
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=self.wait_seconds + 10)
        self._threads.clear()


# --- HTTP: the API and the static web on one port ------------------------------------------------


def _make_handler_class() -> type:
    """Built lazily so importing this module does not import chalice.local."""
    from chalice.local import ChaliceRequestHandler

    class WebAndApiHandler(ChaliceRequestHandler):
        """`/api/...` goes through chalice's local API Gateway; every other path is a web file."""

        path: str

        def __init__(
            self,
            request: Any,
            client_address: Any,
            server: Any,
            app_object: Any,
            config: Any,
            *,
            web_dir: Path,
            strip_api_prefix: bool,
        ) -> None:
            # Set before the base __init__, which handles the request.
            self.web_dir = web_dir
            self.strip_api_prefix = strip_api_prefix
            self.has_app = app_object is not None
            if app_object is None:
                BaseHTTPRequestHandler.__init__(self, request, client_address, server)
            else:
                super().__init__(request, client_address, server, app_object, config)

        def _dispatch(self) -> None:
            path = urlsplit(self.path).path
            # The contract is served beside the API, as CloudFront does (/openapi.json → API).
            if path == "/api" or path.startswith("/api/") or path == "/openapi.json":
                self._api()
            else:
                self._static(path)

        do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = do_PATCH = do_OPTIONS = _dispatch

        def _api(self) -> None:
            if not self.has_app:
                self._plain(503, b'{"code": "no_app", "message": "app.py is not available"}')
                return
            if self.strip_api_prefix:
                rest = self.path[len("/api") :]
                self.path = rest if rest.startswith("/") else "/" + rest
            try:
                self._generic_handle()
            except Exception:
                log.exception("API request %s %s failed", self.command, self.path)
                with contextlib.suppress(Exception):
                    self._plain(500, b'{"code": "internal", "message": "local gateway error"}')

        def _static(self, path: str) -> None:
            if self.command not in ("GET", "HEAD"):
                self._plain(405, b'{"code": "method_not_allowed"}')
                return
            root = self.web_dir.resolve()
            target = (root / unquote(path).lstrip("/")).resolve()
            if target.is_dir():
                target = target / "index.html"
            if not target.is_relative_to(root) or not target.is_file():
                self._plain(404, b"Not found", "text/plain; charset=utf-8")
                return
            body = target.read_bytes()
            ctype = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
                ctype += "; charset=utf-8"
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-cache")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(body)

        def _plain(self, code: int, body: bytes, ctype: str = "application/json") -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            api = self.path.startswith("/api")
            log.log(
                logging.INFO if api else logging.DEBUG,
                "%s %s",
                self.address_string(),
                format % args,
            )

    return WebAndApiHandler


def _serves_api_prefix(app: Any) -> bool:
    """Whether the app's routes already start with /api (else /api is the stage, as in AWS)."""
    return any(p == "/api" or p.startswith("/api/") for p in getattr(app, "routes", {}))


def _http_server(app: Any, host: str, port: int, web_dir: Path) -> Any:
    """A chalice LocalDevServer whose handler also serves the web; not yet serving."""
    from chalice.config import Config
    from chalice.local import CustomLocalChalice, LocalChalice, LocalDevServer

    if app is not None and not isinstance(app, LocalChalice):
        # What chalice's create_local_server does: current_request becomes thread-local.
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    config = Config.create(
        chalice_stage="dev",
        app_name=getattr(app, "app_name", "tthc"),
        lambda_timeout=60,
        lambda_memory_size=512,
    )
    handler = functools.partial(
        _make_handler_class(),
        web_dir=web_dir,
        strip_api_prefix=app is not None and not _serves_api_prefix(app),
    )
    return LocalDevServer(app, config, host, port, handler_cls=handler)


# --- the stack -----------------------------------------------------------------------------------


@dataclass
class RunningStack:
    """A running local stack, as `running_stack()` yields it."""

    url: str
    endpoint_url: str
    outputs: r.Outputs
    accounts: list[dict[str, Any]]
    pump: EventPump
    app: Any = None
    environment: dict[str, str] = field(default_factory=dict)

    def pump_once(self, wait_seconds: int = 0) -> int:
        """Deliver the messages waiting now; returns how many handlers succeeded."""
        return self.pump.pump_once(wait_seconds)

    def pump_until_idle(self, idle_seconds: float = 0.5, timeout: float = 30.0) -> int:
        return self.pump.pump_until_idle(idle_seconds, timeout)

    def fire_schedule(self, name: str) -> bool:
        return self.pump.fire_schedule(name)


def reset_app_caches() -> None:
    """Forget every process-wide client and settings object, after the environment changed.

    chalicelib.aws caches clients and settings; the services cache their `Deps` (whose store and
    settings point at one endpoint). A second stack in the same process must not reuse either.
    """
    from chalicelib import aws

    aws.reset()
    try:
        from chalicelib.services.deps import set_deps
    except ImportError:  # the services are not there yet
        return
    set_deps(None)


def _ensure_base_env() -> None:
    """Dummy credentials and a region so boto3 never reaches for a real account's."""
    for k, v in DUMMY_CREDENTIALS.items():
        os.environ.setdefault(k, v)
    region = (
        os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or r.DEFAULT_REGION
    )
    os.environ.setdefault("AWS_REGION", region)
    os.environ.setdefault("AWS_DEFAULT_REGION", region)


def _enable_sfn_execution(endpoint: str, *, required: bool) -> None:
    """Turn on moto's ASL interpreter (without it executions never run)."""
    req = urllib.request.Request(
        f"{endpoint}/moto-api/config",
        data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            resp.read()
    except Exception as exc:
        if required:
            raise
        log.info(
            "%s is not a moto server (%s); Step Functions runs as it does there", endpoint, exc
        )


# What the app imports on first use (Lambda's cold start stays short), imported once up front here.
POWERTOOLS_LAZY = (
    "aws_lambda_powertools.logging",
    "aws_lambda_powertools.metrics",
    "aws_lambda_powertools.tracing",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.utilities.idempotency.exceptions",
)


def warm_imports() -> None:
    """Import the app's lazily imported modules before the stack's threads start.

    A Lambda instance serves one request at a time, so the app defers heavy imports to first use.
    The local stack serves many at once from one process, and two threads importing the same
    package for the first time can trip Python's import-lock deadlock detection: a browser test
    met `_DeadlockError` on `aws_lambda_powertools.utilities` (a 500 on the first sign-in).
    """
    import pkgutil

    import chalicelib

    for name in POWERTOOLS_LAZY:
        importlib.import_module(name)
    for module in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."):
        importlib.import_module(module.name)


def _load_app() -> Any:
    """The Chalice app of app.py, or None while app.py does not exist yet."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        module = importlib.import_module("app")
    except ModuleNotFoundError as exc:
        if exc.name != "app":
            raise
        log.warning("app.py not found: serving the web only")
        return None
    return module.app


def _load_demo(data_dir: Path | None, outputs: r.Outputs) -> list[dict[str, Any]]:
    if data_dir is None:
        return []
    try:
        from infra.demo import load_demo
    except ImportError as exc:
        log.warning("demo data not loaded: infra.demo is not importable (%s)", exc)
        return []
    accounts = list(load_demo(Path(data_dir), outputs))
    from infra.demo import seed_dossiers

    seed_dossiers(accounts, Path(data_dir))
    from chalicelib.services.deps import get_deps
    from infra.demo import seed_statistics

    seed_statistics(get_deps().store, Path(data_dir))
    return accounts


def _start_fake_national_portal(host: str) -> Any:
    """The national portal (Cổng DVCQG) stand-in for the sync packets: it validates each packet
    against the schema and keeps one record per (packet, version). None if tests/ is absent."""
    try:
        from tests.fakes.national_portal import FakeNationalPortal
    except ImportError:
        log.warning("no fake national portal: portal sync fails until NATIONAL_PORTAL_URL is set")
        return None
    portal = FakeNationalPortal(host=host).start()
    log.info("fake national portal at %s", portal.url)
    return portal


@contextlib.contextmanager
def running_stack(
    port: int = 0,
    data_dir: Path | str | None = DEFAULT_DATA_DIR,
    endpoint_url: str | None = None,
    *,
    host: str = "127.0.0.1",
    stack: str = r.DEFAULT_STACK,
    app: Any = None,
    background_pump: bool = True,
    web_dir: Path = WEB_DIR,
    retry_delay_seconds: float = 1.0,
    moto_process: bool = False,
    pump_pollers: int = 1,
) -> Iterator[RunningStack]:
    """Start the local stack; stop it (and restore os.environ) on exit.

    `port=0` picks a free port. Without `endpoint_url` (or AWS_ENDPOINT_URL, or LOCALSTACK=1) an
    in-process moto server is started on a free port. `data_dir=None` loads no demo data. `app`
    defaults to app.py's Chalice app. With `background_pump=False` only `pump_once()` delivers.
    `moto_process=True` runs that moto server in a process of its own (`infra.moto_process`), so
    it and the API each get a core (the load bench). `pump_pollers` threads consume each queue.
    """
    from infra.provision import provision

    saved_env = dict(os.environ)
    moto_server: Any = None
    server: Any = None
    server_thread: threading.Thread | None = None
    pump: EventPump | None = None
    portal: Any = None  # the fake national portal (tests/fakes) when none is configured
    moto_child = contextlib.ExitStack()
    try:
        _ensure_base_env()
        os.environ["STACK_NAME"] = stack  # app.py names its queues from it at import
        # The port first: a port in use fails before anything else starts.
        the_app = app if app is not None else _load_app()
        warm_imports()  # before any of the stack's threads can import on first use
        server = _http_server(the_app, host, port, web_dir)
        http_port = server.server.server_address[1]
        shown_host = "localhost" if host in ("127.0.0.1", "0.0.0.0", "localhost") else host
        url = f"http://{shown_host}:{http_port}"

        endpoint = endpoint_url or os.environ.get("AWS_ENDPOINT_URL")
        if not endpoint and os.environ.get("LOCALSTACK") == "1":
            from localstack_client import config as ls_config

            endpoint = ls_config.get_service_endpoint("sqs")
        if endpoint:
            endpoint = endpoint.rstrip("/")
            if os.environ.get("LOCALSTACK") != "1":
                _enable_sfn_execution(endpoint, required=False)
        elif moto_process:
            from infra.moto_process import moto_subprocess

            endpoint = moto_child.enter_context(moto_subprocess(host))
            _enable_sfn_execution(endpoint, required=True)
        else:
            moto_server, moto_port = start_moto_server(host, 0)
            endpoint = f"http://{host}:{moto_port}"
            _enable_sfn_execution(endpoint, required=True)
        os.environ["AWS_ENDPOINT_URL"] = endpoint

        outputs = provision(
            stack,
            endpoint_url=endpoint,
            web_origin=[url, f"http://127.0.0.1:{http_port}"],
        )
        env = r.environment(outputs, public_base_url=url)
        # The local stack pays through the VNPay simulator and auto-confirms sign-ups (demo only).
        env.setdefault("VNPAY_SIMULATOR", "true")
        env.setdefault("AUTO_CONFIRM_SIGNUP", "true")
        env.setdefault("API_BASE_URL", url)
        if not os.environ.get("NATIONAL_PORTAL_URL"):
            portal = _start_fake_national_portal("127.0.0.1")  # the pump is in-process
            if portal is not None:
                env["NATIONAL_PORTAL_URL"] = portal.url
        os.environ.update(env)
        reset_app_caches()
        log.info("moto endpoint %s; JWKS %s", endpoint, outputs.jwks_url)

        accounts = _load_demo(Path(data_dir) if data_dir is not None else None, outputs)

        import boto3

        sqs = boto3.session.Session().client(
            "sqs", region_name=outputs.region, endpoint_url=endpoint
        )
        pump = EventPump(
            the_app,
            outputs,
            r.definition(stack),
            sqs,
            retry_delay_seconds=retry_delay_seconds,
            pollers=pump_pollers,
        )
        if background_pump:
            pump.start()
        server_thread = threading.Thread(
            target=server.server.serve_forever, name="http", kwargs={"poll_interval": 0.2}
        )
        server_thread.daemon = True
        server_thread.start()
        yield RunningStack(url, endpoint, outputs, accounts, pump, the_app, env)
    finally:
        if pump is not None:
            pump.stop()
        if portal is not None:
            portal.stop()
        if server is not None:
            if server_thread is not None:
                server.server.shutdown()
            server.server.server_close()
        if moto_server is not None:
            moto_server.stop()
        moto_child.close()
        os.environ.clear()
        os.environ.update(saved_env)
        reset_app_caches()


# --- command line --------------------------------------------------------------------------------


def _accounts_table(accounts: Sequence[Mapping[str, Any]]) -> str:
    cols = [
        c for c in ("username", "password", "role", "unit", "name") if any(c in a for a in accounts)
    ]
    rows = [[str(a.get(c) or "") for c in cols] for a in accounts]
    widths = [max(len(c), *(len(row[i]) for row in rows)) for i, c in enumerate(cols)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(("  " + line).rstrip() for line in lines)


class _SignalWaiter:
    """Turns SIGINT/SIGTERM into a clean stop, without a Python signal handler.

    The signals are blocked before any thread starts (threads inherit the mask) and taken by one
    watcher thread with sigwait, so no thread is interrupted mid-work (no KeyboardInterrupt
    tracebacks) and no signal is lost to a thread that does not look. The first signal asks for
    a stop (even during start-up); a second one ends the process at once. Windows falls back to
    a handler.
    """

    SIGNALS = frozenset({signal.SIGINT, signal.SIGTERM})

    def __init__(self) -> None:
        self.stop = threading.Event()
        if hasattr(signal, "pthread_sigmask") and hasattr(signal, "sigwait"):
            signal.pthread_sigmask(signal.SIG_BLOCK, self.SIGNALS)
            threading.Thread(target=self._watch, name="signals", daemon=True).start()
        else:  # pragma: no cover - Windows
            for sig in self.SIGNALS:
                signal.signal(sig, lambda signum, frame: self.stop.set())

    def _watch(self) -> None:
        signal.sigwait(self.SIGNALS)
        self.stop.set()
        signal.sigwait(self.SIGNALS)
        print("Forced exit.", file=sys.stderr, flush=True)
        os._exit(130)

    def wait(self) -> None:
        while not self.stop.wait(0.5):
            pass


def main(argv: list[str] | None = None) -> int:
    """Run the local stack until Ctrl-C (SIGINT) or SIGTERM."""
    p = argparse.ArgumentParser(prog="python -m infra.local", description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=int(os.environ.get("PORT", DEFAULT_PORT)))
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--data", type=Path, default=DEFAULT_DATA_DIR, help="demo data folder")
    p.add_argument("--no-demo", action="store_true", help="load no demo data")
    p.add_argument("--stack", default=r.DEFAULT_STACK)
    p.add_argument("-v", "--verbose", action="store_true")
    a = p.parse_args(argv)
    waiter = _SignalWaiter()  # before any thread starts
    logging.basicConfig(
        level=logging.DEBUG if a.verbose else logging.INFO,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in ("botocore", "boto3", "urllib3", "werkzeug"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    try:
        with running_stack(
            port=a.port,
            data_dir=None if a.no_demo else a.data,
            host=a.host,
            stack=a.stack,
        ) as s:
            banner = ["", f"  Open {s.url}/", "  (Ctrl-C stops the stack)", ""]
            if s.accounts:
                banner += ["  Demo accounts:", _accounts_table(s.accounts), ""]
            print("\n".join(banner), flush=True)
            waiter.wait()
            print("Stopping…", flush=True)
    except OSError as exc:
        if exc.errno in (errno.EADDRINUSE, 48):  # 48: EADDRINUSE on macOS
            print(f"Port {a.port} is in use: try --port {a.port + 1}", file=sys.stderr)
            return 1
        raise
    print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
