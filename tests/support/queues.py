"""In-process helpers for queues: deliver SQS messages to the app's handlers, wait for messages.

`drain` is what the local stack's event pump does, for tests under `mock_aws`: the handler gets the
same Lambda SQS event and a message is deleted only when its handler succeeded.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

from infra.local.events import is_s3_test_event, lambda_context, sqs_event


def _sqs() -> Any:
    from chalicelib import aws

    return aws.client("sqs")


def _queue_arn(sqs: Any, queue_url: str) -> str:
    attrs = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])
    return str(attrs["Attributes"]["QueueArn"])


def drain(
    queue_url: str,
    handler: Callable[[dict[str, Any], Any], Any],
    *,
    sqs: Any = None,
    max_messages: int = 100,
    raise_errors: bool = True,
) -> list[dict[str, Any]]:
    """Deliver every message waiting in `queue_url` to `handler` (e.g. `app.on_workflow_message`).

    Returns the decoded bodies delivered (an `s3:TestEvent` is deleted, not delivered). A handler
    error propagates when `raise_errors` (the message stays in the queue, as with Lambda).
    """
    sqs = sqs or _sqs()
    arn = _queue_arn(sqs, queue_url)
    region = arn.split(":")[3]
    delivered: list[dict[str, Any]] = []
    while len(delivered) < max_messages:
        msgs = sqs.receive_message(
            QueueUrl=queue_url,
            MaxNumberOfMessages=10,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["All"],
        ).get("Messages", [])
        if not msgs:
            break
        for m in msgs:
            if is_s3_test_event(m["Body"]):
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
                continue
            try:
                handler(sqs_event([m], arn, region), lambda_context("test"))
            except Exception:
                sqs.change_message_visibility(
                    QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
                )
                if raise_errors:
                    raise
                continue
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
            delivered.append(json.loads(m["Body"]))
    return delivered


class QueueReader:
    """Reads a queue for a test, keeping messages it was not asked for yet (order preserved).

    Messages are deleted as they are read; `next()` polls every 0.1 s up to its timeout, because
    the state machine sends asynchronously.
    """

    def __init__(self, queue_url: str, sqs: Any = None) -> None:
        self.queue_url = queue_url
        self.sqs = sqs or _sqs()
        self.buffer: list[dict[str, Any]] = []

    def _poll(self) -> int:
        msgs = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0
        ).get("Messages", [])
        for m in msgs:
            self.sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=m["ReceiptHandle"])
            self.buffer.append(json.loads(m["Body"]))
        return len(msgs)

    def next(
        self, predicate: Callable[[dict[str, Any]], bool], *, timeout: float = 10.0
    ) -> dict[str, Any]:
        """The first message matching `predicate` (AssertionError listing the rest on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            for i, body in enumerate(self.buffer):
                if predicate(body):
                    return self.buffer.pop(i)
            if time.monotonic() >= deadline:
                summary = [{k: v for k, v in b.items() if k != "taskToken"} for b in self.buffer]
                raise AssertionError(f"no matching message within {timeout}s; seen: {summary}")
            if not self._poll():
                time.sleep(0.1)


def wait_for(condition: Callable[[], Any], *, timeout: float = 10.0, interval: float = 0.1) -> Any:
    """Poll `condition` until it returns something truthy; return it (AssertionError on timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"condition not met within {timeout}s")
        time.sleep(interval)
