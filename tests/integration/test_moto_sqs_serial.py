"""The local cloud's SQS answers concurrent pollers as SQS does (infra/moto_patches/sqs_serial.py).

Found under the full-size load bench: moto's receive walked a queue's pending set while another
poller's delete changed it, and answered 500.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from infra.resources import Outputs

pytestmark = pytest.mark.integration


@pytest.fixture
def queue(aws: Outputs) -> tuple[Any, str]:
    import boto3

    from infra.moto_patches import sqs_serial

    sqs_serial.apply()
    sqs = boto3.client("sqs", region_name=aws.region)
    url = sqs.create_queue(QueueName="serial-test", Attributes={"VisibilityTimeout": "300"})
    return sqs, url["QueueUrl"]


def test_a_long_poll_still_receives_what_is_sent_while_it_waits(queue: tuple[Any, str]) -> None:
    sqs, url = queue
    got: list[Any] = []

    def poll() -> None:
        started = time.monotonic()
        resp = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=5)
        got.append((resp.get("Messages", []), time.monotonic() - started))

    t = threading.Thread(target=poll)
    t.start()
    time.sleep(0.3)
    sqs.send_message(QueueUrl=url, MessageBody="during the wait")  # not blocked by the poll
    t.join(10)
    messages, waited = got[0]
    assert [m["Body"] for m in messages] == ["during the wait"]
    assert waited < 4  # answered when it arrived, not at the end of the wait
    started = time.monotonic()
    assert sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", []) == []
    assert time.monotonic() - started >= 0.9  # an empty long poll still waits


def test_concurrent_pollers_receive_each_message_once_without_errors(
    queue: tuple[Any, str],
) -> None:
    sqs, url = queue
    bodies = [f"m{i}" for i in range(200)]
    for i in range(0, len(bodies), 10):
        sqs.send_message_batch(
            QueueUrl=url,
            Entries=[{"Id": str(j), "MessageBody": b} for j, b in enumerate(bodies[i : i + 10])],
        )
    seen: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def poller() -> None:
        try:
            while True:
                resp = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=3)
                messages = resp.get("Messages", [])
                if not messages:
                    return
                for m in messages:
                    with lock:
                        seen.append(m["Body"])
                    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=poller) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(seen) == sorted(bodies)  # every message, each once
