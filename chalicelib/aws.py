"""Lazily created, cached boto3 clients.

Every Lambda imports app.py, so boto3 is imported here on first use, not at import time.
`AWS_ENDPOINT_URL` (moto server or LocalStack) is honoured by boto3 itself.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_clients: dict[str, Any] = {}


def error_code(exc: Exception) -> str:
    """The AWS error code of a botocore ClientError (or "" for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


# botocore's standard retry mode retries these; still failing after every attempt means "later".
RETRYABLE_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "EC2ThrottledException",
        "PriorRequestNotComplete",
        "InternalError",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "ServiceUnavailableException",
    }
)


def unavailable_code(exc: BaseException) -> str | None:
    """The AWS error code when `exc` (or what it wraps, e.g. Powertools' persistence error) is a
    throttling / 5xx / connection failure that outlived botocore's retries; else None."""
    try:
        from botocore.exceptions import (
            ClientError,
            ConnectionClosedError,
            ConnectTimeoutError,
            EndpointConnectionError,
            ReadTimeoutError,
        )
    except ImportError:  # pragma: no cover - botocore is always there with boto3
        return None
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ClientError):
            err = current.response.get("Error") or {}
            code = str(err.get("Code") or "")
            status = int(
                (current.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0
            )
            if code in RETRYABLE_CODES or status >= 500:
                return code or str(status)
            return None
        if isinstance(
            current,
            EndpointConnectionError
            | ConnectTimeoutError
            | ReadTimeoutError
            | ConnectionClosedError,
        ):
            return type(current).__name__
        current = current.__cause__ or current.__context__
    return None


def client(service: str) -> Any:
    """A shared client per service (boto3 clients are thread-safe, sessions are not)."""
    c = _clients.get(service)
    if c is not None:
        return c
    with _lock:
        c = _clients.get(service)
        if c is None:
            import boto3
            from botocore.config import Config

            from chalicelib.settings import get_settings

            s = get_settings()
            c = boto3.session.Session().client(
                service,
                region_name=s.region,
                endpoint_url=s.endpoint_url,
                # A Lambda instance makes one call at a time; the local stack serves every request
                # from one process, so its shared clients keep up to 50 connections instead of
                # opening a new one per call once 10 are busy (urllib3 "pool is full").
                config=Config(
                    retries={"mode": "standard", "max_attempts": 5}, max_pool_connections=50
                ),
            )
            _clients[service] = c
    return c


def reset() -> None:
    """Forget cached clients (tests switch between moto backends and endpoints)."""
    with _lock:
        _clients.clear()
    from chalicelib.settings import get_settings

    get_settings.cache_clear()


def process_sqs_batch(event: Any, record_handler: Any) -> dict[str, Any]:
    """Run `record_handler(record)` on each SQS record of a Chalice `SQSEvent` (or raw event) with
    Powertools' BatchProcessor; `{"batchItemFailures": [...]}` names only the records that raised,
    so Lambda (ReportBatchItemFailures) and the local pump return only those to the queue.

    If every record fails Powertools raises, which fails the whole invocation: the same outcome.
    """
    from aws_lambda_powertools.utilities.batch import (
        BatchProcessor,
        EventType,
        process_partial_response,
    )

    raw = event.to_dict() if hasattr(event, "to_dict") else event
    context = getattr(event, "context", None)
    processor = BatchProcessor(event_type=EventType.SQS)
    result = process_partial_response(
        event=raw, record_handler=record_handler, processor=processor, context=context
    )
    return dict(result)
