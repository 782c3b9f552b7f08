"""DynamoDB: `TransactWriteItems` is idempotent by its `ClientRequestToken`, as DynamoDB makes it.

moto's behaviour: the token is ignored, so botocore's retry after a lost reply (it fills in the
token and keeps it across retries) runs the transaction again; its optimistic lock then fails and
the caller gets a 409 for work that was done.

Why we need it: the app relies on DynamoDB's contract and sets no token of its own:
docs/design.md, "Decisions", the bullet "A status change whose reply is lost after DynamoDB
committed it is not a conflict"; shown by `pytest tests/stress/test_faults.py -k lost_reply`
(docs/reliability.md, "Injected faults"). The patch keeps the contract: the same token and request
within 10 minutes answers success without a write; the same token with another request is
`IdempotentParameterMismatchException`.

Applies to moto in this process. Idempotent. The tokens are kept on the backend, so a reset
account forgets them.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from typing import Any

from infra.moto_patches.guard import Guard

GUARD = Guard(__name__, ("5.2.5",))
TOKEN_WINDOW_SECONDS = 600  # DynamoDB keeps a ClientRequestToken for 10 minutes
_TOKENS_LOCK = threading.Lock()


def apply() -> None:
    GUARD.check_version()
    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
    from moto.dynamodb.responses import DynamoHandler

    handler: Any = DynamoHandler
    if getattr(handler, "_tthc_request_token", False):
        return
    GUARD.check_shape(handler, "transact_write_items", ("self",))
    original = handler.transact_write_items

    def transact_write_items(self: Any) -> Any:
        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        request = json.dumps(self.body.get("TransactItems"), sort_keys=True, default=str)
        digest = hashlib.sha256(request.encode()).hexdigest()
        now = time.monotonic()
        with _TOKENS_LOCK:  # kept on the backend: a reset account forgets its tokens
            tokens: dict[str, tuple[float, str, Any]] = self.dynamodb_backend.__dict__.setdefault(
                "_tthc_request_tokens", {}
            )
            for old in [k for k, v in tokens.items() if now - v[0] > TOKEN_WINDOW_SECONDS]:
                del tokens[old]
            seen = tokens.get(str(token))
        if seen is not None:
            if seen[1] != digest:
                raise DynamodbException(
                    ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException",
                    "The request uses the same client token as a previous, but non-identical "
                    "request.",
                )
            return seen[2]
        result = original(self)
        with _TOKENS_LOCK:
            tokens[str(token)] = (now, digest, result)
        return result

    handler.transact_write_items = transact_write_items
    handler._tthc_request_token = True
