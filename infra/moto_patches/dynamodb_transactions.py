"""DynamoDB: `TransactWriteItems` rolls back by copying the items it names, not whole tables.

moto's behaviour: `DynamoDBBackend.transact_write_items` deep-copies *every touched table* before it
starts, to roll back on a failed condition. Each dossier change is one transaction, so each cost a
copy of the whole table: the load run spent most of its server time in `DynamoType.__deepcopy__`,
and more as the table grew.

Why we need it: the local cloud's cost per request must not grow with the data, or the load bench
cannot run at full size: docs/design.md, "Decisions", the bullet "The local cloud's cost per request
must not grow with the data"; measured in docs/reliability.md, "Concurrency" (30/10 run 151 s to
80 s). The replacement keeps DynamoDB's contract (all or nothing, conditions checked, one operation
per item, at most 100) and snapshots only the items the transaction names;
tests/unit/test_moto_speed.py compares it with moto's own.

Applies to moto in this process (the local stack's server and the tests' in-process mocks).
Idempotent; moto's own stays reachable as `DynamoDBBackend._tthc_original_transact`.
"""

from __future__ import annotations

import copy
from typing import Any

from infra.moto_patches.guard import Guard

GUARD = Guard(__name__, ("5.2.5",))


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


def apply() -> None:
    GUARD.check_version()
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    backend: Any = DynamoDBBackend
    if getattr(backend, "_tthc_item_rollback", False):
        return
    GUARD.check_shape(backend, "transact_write_items", ("self", "transact_items"))
    GUARD.check_shape(backend, "get_table", ("self", "table_name"))  # what the replacement calls
    written = ("condition_expression", "expression_attribute_names", "expression_attribute_values")
    GUARD.check_shape(backend, "get_item", accepts=("table_name", "keys"))
    GUARD.check_shape(backend, "put_item", accepts=("table_name", "item_attrs", *written))
    GUARD.check_shape(backend, "delete_item", accepts=("table_name", "key", *written))
    GUARD.check_shape(
        backend, "update_item", accepts=("table_name", "key", "update_expression", *written)
    )
    GUARD.check_shape(Table, "put_item", accepts=("item_attrs",))  # the rollback's restore
    backend._tthc_original_transact = backend.transact_write_items
    backend.transact_write_items = transact_write_items
    backend._tthc_item_rollback = True
