"""Make the local cloud answer as DynamoDB does, at a cost independent of how much it holds.

moto is written to be correct on small data; three of its paths cost time that grows with what
is stored or with every request, which made the full-size load bench (issue 9: 1,000 submissions,
500 races) take hours:

- `TransactWriteItems` deep-copies *every touched table* before it starts, to roll back on a failed
  condition. Each dossier change is one transaction, so each costs a copy of the whole table: the
  load run spent most of its server time in `DynamoType.__deepcopy__`, and more as the table grew.
  The replacement keeps DynamoDB's contract (all or nothing, conditions checked, one operation per
  item, at most 100) and snapshots only the items the transaction names.
- A Query on the table's own key walks *every item of the table* to find one partition's: the load
  run made ~8 per dossier, each walking the whole table (10.7 s of a 70 s run at 40 dossiers, and
  linear in the table). The patch hands moto's Query the partition's items only, as DynamoDB reads
  them; what it returns is unchanged (same matching, sorting, paging). GSI Queries still walk.
- The moto server's dispatcher lists moto's package directory (≈150 `isdir` calls) on every request
  to recognise a service host. The list never changes while the process runs, so it is read once.

One patch is about behaviour, not speed: DynamoDB makes `TransactWriteItems` idempotent by its
`ClientRequestToken` (10 minutes), which botocore fills in and keeps across its retries, so a retry
after a lost reply is answered as a success and changes nothing. moto ignores the token; its retry
then fails the optimistic lock and the caller got a 409 for work that was done. The patch keeps
DynamoDB's contract: the same token and request within 10 minutes answers success without a write;
the same token with another request is `IdempotentParameterMismatchException`.

The patches are idempotent and apply to moto in this process (the local stack's ThreadedMotoServer,
and the in-process mocks of the tests, which get the same answers faster).
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
import time
from collections.abc import Iterable
from typing import Any

TOKEN_WINDOW_SECONDS = 600  # DynamoDB keeps a ClientRequestToken for 10 minutes
_TOKENS_LOCK = threading.Lock()
_PARTITION = threading.local()  # (table, partition) while that table's Query runs in this thread


def _key_of(backend: Any, op_type: str, op: dict[str, Any]) -> dict[str, Any]:
    if op_type != "Put":
        return dict(op["Key"])
    table = backend.get_table(op["TableName"])
    attrs = op["Item"]
    key = {table.hash_key_attr: attrs[table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = attrs[table.range_key_attr]
    return key


def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
    """moto's TransactWriteItems with a rollback that copies the named items, not the tables."""
    from moto.dynamodb.comparisons import get_filter_expression
    from moto.dynamodb.exceptions import (
        ConditionalCheckFailed,
        MockValidationException,
        MultipleTransactionsException,
        TooManyTransactionsException,
        TransactionCanceledException,
        TransactWriteSingleOpException,
    )
    from moto.dynamodb.models.dynamo_type import Item

    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    # Validate the shape and snapshot every named item before anything is written.
    seen: set[tuple[str, str]] = set()
    snapshots: list[tuple[str, dict[str, Any], Item | None]] = []
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        op_type, op = next(iter(entry.items()))
        if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
            continue  # reported per item below, as moto does
        key = _key_of(self, op_type, op)
        ident = (str(op["TableName"]), str(dict(sorted(key.items()))))
        if ident in seen:
            raise MultipleTransactionsException()
        seen.add(ident)
        snapshots.append((op["TableName"], key, copy.deepcopy(self.get_item(op["TableName"], key))))

    def rollback() -> None:
        for table_name, key, before in reversed(snapshots):
            if before is None:
                if self.get_item(table_name, key) is not None:
                    self.delete_item(table_name, key)
            else:
                self.get_table(table_name).put_item(before.to_json()["Attributes"])

    errors: list[tuple[str | None, str | None, dict[str, Any] | None]] = []
    for entry in transact_items:
        original: dict[str, Any] | None = None
        try:
            op_type, op = next(iter(entry.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            condition = op.get("ConditionExpression")
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            key = _key_of(self, op_type, op)
            current = self.get_item(table_name, key)
            if condition is not None and not get_filter_expression(condition, names, values).expr(
                current
            ):
                if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                    original = current.to_json()["Attributes"]
                raise ConditionalCheckFailed(item=original)
            if op_type == "Put":
                self.put_item(
                    table_name,
                    op["Item"],
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    table_name,
                    key,
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Update":
                self.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    condition_expression=condition,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            rollback()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original))
        except Exception as e:  # reported per item, as DynamoDB does
            errors.append((type(e).__name__, str(e), original))
    if any(code is not None for code, _, _ in errors):
        rollback()
        raise TransactionCanceledException(errors)


def patch_moto_transactions() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    backend: Any = DynamoDBBackend
    if getattr(backend, "_tthc_item_rollback", False):
        return
    backend._tthc_original_transact = backend.transact_write_items
    backend.transact_write_items = transact_write_items
    backend._tthc_item_rollback = True


def patch_moto_client_request_token() -> None:
    from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
    from moto.dynamodb.responses import DynamoHandler

    handler: Any = DynamoHandler
    if getattr(handler, "_tthc_request_token", False):
        return
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


def patch_moto_partition_queries() -> None:
    from moto.dynamodb.models.table import Table

    table: Any = Table
    if getattr(table, "_tthc_partitioned", False):
        return
    all_items, query = table.all_items, table.query

    def partition_items(self: Any) -> Any:
        current = getattr(_PARTITION, "scope", None)
        if current is not None and current[0] is self:
            return list(current[1].values())
        return all_items(self)

    def partition_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name is not None or not self.range_key_attr or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        outer = getattr(_PARTITION, "scope", None)
        _PARTITION.scope = (self, self.items.get(hash_key, {}))
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _PARTITION.scope = outer

    table.all_items = partition_items
    table.query = partition_query
    table._tthc_partitioned = True


def patch_moto_module_list() -> None:
    from moto import backends

    if getattr(backends, "_tthc_module_list", None) is not None:
        return
    modules = frozenset(backends.list_of_moto_modules())

    def list_of_moto_modules() -> Iterable[str]:
        return modules

    backends._tthc_module_list = modules  # type: ignore[attr-defined]
    backends.list_of_moto_modules = list_of_moto_modules


def patch_moto_speed() -> None:
    """All of them; call before the moto server (or mock) serves its first request."""
    patch_moto_transactions()
    patch_moto_client_request_token()
    patch_moto_partition_queries()
    patch_moto_module_list()
