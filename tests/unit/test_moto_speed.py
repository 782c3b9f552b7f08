"""The local cloud's DynamoDB patches (infra/moto_patches/dynamodb_*.py, server_module_list.py)
answer exactly as moto does: the item-level transaction rollback as moto's whole-table copy."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend

from infra.moto_patches import (
    dynamodb_partition_query,
    dynamodb_request_token,
    dynamodb_transactions,
    server_module_list,
)

REGION = "ap-southeast-1"
# moto's own, even when an earlier test in this process has patched the class
ORIGINAL: Callable[..., Any] = getattr(
    DynamoDBBackend, "_tthc_original_transact", DynamoDBBackend.transact_write_items
)


@pytest.fixture(params=["moto", "item_rollback"])
def ddb(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    impl = ORIGINAL if request.param == "moto" else dynamodb_transactions.transact_write_items
    monkeypatch.setattr(DynamoDBBackend, "transact_write_items", impl)
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(k, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(
            TableName="t",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        client.put_item(TableName="t", Item=_item("A", 1))
        client.put_item(TableName="t", Item=_item("C", 7))
        yield client


def _item(pk: str, v: int) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": "x"}, "v": {"N": str(v)}}


def _key(pk: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"S": "x"}}


def _table(client: Any) -> dict[str, int]:
    items = client.scan(TableName="t")["Items"]
    return {i["pk"]["S"]: int(i["v"]["N"]) for i in items}


def _update(pk: str, expect: int, to: int) -> dict[str, Any]:
    return {
        "Update": {
            "TableName": "t",
            "Key": _key(pk),
            "UpdateExpression": "SET v = :to",
            "ConditionExpression": "v = :expect",
            "ExpressionAttributeValues": {":to": {"N": str(to)}, ":expect": {"N": str(expect)}},
        }
    }


def test_a_failed_condition_rolls_back_every_write_of_the_transaction(ddb: Any) -> None:
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(
            TransactItems=[
                _update("A", 1, 2),
                {"Put": {"TableName": "t", "Item": _item("B", 5)}},
                {"Delete": {"TableName": "t", "Key": _key("C")}},
                _update("D", 0, 1),  # D does not exist: its condition fails
            ]
        )
    assert e.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r["Code"] for r in e.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    assert _table(ddb) == {"A": 1, "C": 7}


def test_a_transaction_whose_conditions_hold_applies_every_write(ddb: Any) -> None:
    ddb.transact_write_items(
        TransactItems=[
            _update("A", 1, 2),
            {"Put": {"TableName": "t", "Item": _item("B", 5)}},
            {"Delete": {"TableName": "t", "Key": _key("C")}},
        ]
    )
    assert _table(ddb) == {"A": 2, "B": 5}


def test_two_operations_on_one_item_are_refused_and_nothing_is_written(ddb: Any) -> None:
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": "t", "Item": _item("B", 5)}},
                _update("B", 5, 6),
            ]
        )
    assert e.value.response["Error"]["Code"] == "ValidationException"
    assert _table(ddb) == {"A": 1, "C": 7}


def test_the_module_list_is_read_once_and_equals_moto_s() -> None:
    from moto import backends

    before = set(backends.list_of_moto_modules())
    server_module_list.apply()
    assert set(backends.list_of_moto_modules()) == before
    assert "dynamodb" in before and "stepfunctions" in before


def test_a_base_table_query_reads_its_partition_and_answers_as_moto(ddb: Any) -> None:
    from moto.dynamodb.models.table import Table

    dynamodb_partition_query.apply()
    for pk in ("P", "Q"):
        for i in range(5):
            ddb.put_item(TableName="t", Item={"pk": {"S": pk}, "sk": {"S": f"s{i}"}})
    walked: list[int] = []
    original = Table.all_items

    def counting(self: Any) -> Any:
        items = original(self)
        walked.append(len(items))
        return items

    query = {
        "TableName": "t",
        "KeyConditionExpression": "pk = :p AND sk BETWEEN :a AND :b",
        "ExpressionAttributeValues": {":p": {"S": "P"}, ":a": {"S": "s1"}, ":b": {"S": "s3"}},
        "ScanIndexForward": False,
        "Limit": 2,
    }
    with pytest.MonkeyPatch.context() as m:
        m.setattr(Table, "all_items", counting)
        first = ddb.query(**query)
    assert [i["sk"]["S"] for i in first["Items"]] == ["s3", "s2"]
    assert walked and max(walked) == 5  # the partition, not the 12 items of the table
    rest = ddb.query(**query, ExclusiveStartKey=first["LastEvaluatedKey"])
    assert [i["sk"]["S"] for i in rest["Items"]] == ["s1"]


def test_a_retry_with_the_same_client_token_succeeds_without_writing_again(ddb: Any) -> None:
    dynamodb_request_token.apply()
    token = "retry-after-a-lost-reply"
    ddb.transact_write_items(TransactItems=[_update("A", 1, 2)], ClientRequestToken=token)
    # botocore resends the same request (same token) when the reply is lost: success, no write
    ddb.transact_write_items(TransactItems=[_update("A", 1, 2)], ClientRequestToken=token)
    assert _table(ddb) == {"A": 2, "C": 7}
    # a new token is a new request: the optimistic lock now fails, as it should
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[_update("A", 1, 2)], ClientRequestToken="new")
    assert e.value.response["Error"]["Code"] == "TransactionCanceledException"
    # the same token with another request is refused
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[_update("A", 2, 3)], ClientRequestToken=token)
    assert e.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert _table(ddb) == {"A": 2, "C": 7}
