"""The event pump: SQS messages and schedules delivered to the app's handlers, as Lambda would.

The handlers are the very ones Lambda calls (app.py's `on_sqs_message` and `schedule` functions),
with Lambda's batch, retry and dead-letter behaviour; schedules fire on the expressions of
`infra.resources` (`infra.schedule_expr`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from infra import resources as r
from infra.local.events import is_s3_test_event, lambda_context, scheduled_event, sqs_event
from infra.schedule_expr import cron_matches, rate_seconds

log = logging.getLogger("infra.local")


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
            try:
                period = rate_seconds(s.expression)
                if period is None:
                    cron_matches(s.expression, datetime.now(UTC))  # raises if it is invalid
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
