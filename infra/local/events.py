"""The events Lambda's triggers pass (SQS, EventBridge schedules), built from what moto returns."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any


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
