"""The national portal's sync queue driven by hand, as its event source mapping would: shared by
the portal sync and intake integration tests."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.batch.exceptions import BatchProcessingError

from infra.local.events import lambda_context, sqs_event
from infra.resources import Outputs


def deliver(aws: Outputs) -> dict[str, int]:
    """One Lambda invocation of `on_portal_sync` over what is queued (up to 10 records), as the
    event source mapping does it: delete what succeeded, leave the reported failures (visible
    again at once, so the test needs no wait)."""
    import app
    from chalicelib import aws as cloud

    q = aws.queues["portal-sync"]
    sqs: Any = cloud.client("sqs")
    msgs = sqs.receive_message(
        QueueUrl=q.url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"]
    ).get("Messages", [])
    if not msgs:
        return {"ok": 0, "failed": 0}
    event = sqs_event(msgs, q.arn, aws.region)
    try:
        result = app.on_portal_sync(event, lambda_context("on_portal_sync"))
        failed = {f["itemIdentifier"] for f in result["batchItemFailures"]}
    except BatchProcessingError:  # every record failed: Powertools fails the invocation
        failed = {m["MessageId"] for m in msgs}
    for m in msgs:
        if m["MessageId"] in failed:
            sqs.change_message_visibility(
                QueueUrl=q.url, ReceiptHandle=m["ReceiptHandle"], VisibilityTimeout=0
            )
        else:
            sqs.delete_message(QueueUrl=q.url, ReceiptHandle=m["ReceiptHandle"])
    return {"ok": len(msgs) - len(failed), "failed": len(failed)}
