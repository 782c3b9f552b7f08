"""The idempotency records (Powertools' persistence layer) in the single table.

A record is PK `IDEMP#<sha256>` (Powertools builds `<key_prefix>#<hash>`), SK `IDEMP`, TTL
attribute `expiration`: spread over partitions, not one hot key. The API's wrapper
(chalicelib/api/http.py) decides what is idempotent and seals the stored answers.
"""

from __future__ import annotations

import functools
from typing import Any

IDEMPOTENCY_PREFIX = "IDEMP"  # Powertools' key prefix: PK = "IDEMP#<sha256>"; also the SK


@functools.lru_cache(maxsize=1)
def _single_table_layer_class() -> type:
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    class SingleTablePersistenceLayer(DynamoDBPersistenceLayer):
        """Records as `PK = IDEMP#<hash>`, `SK = IDEMP`, as in the table design.

        Powertools' composite-key mode would put every record under one partition
        (`PK = static_pk_value`, `SK = <key>`): a hot key. `_get_key` is the one place Powertools
        builds keys (get, put, update, delete), so overriding it spreads them out.
        """

        def _get_key(self, idempotency_key: str) -> dict[str, Any]:
            return {
                self.key_attr: {"S": idempotency_key},
                str(self.sort_key_attr): {"S": IDEMPOTENCY_PREFIX},
            }

    return SingleTablePersistenceLayer


def build_idempotency_store(table_name: str | None = None, client: Any = None) -> Any:
    """The Powertools persistence layer on our single table (TTL attribute `expiration`)."""
    if table_name is None or client is None:
        from chalicelib import aws
        from chalicelib.settings import get_settings

        table_name = table_name or get_settings().table_name
        client = client or aws.client("dynamodb")
    layer_cls = _single_table_layer_class()
    return layer_cls(
        table_name=table_name,
        key_attr="PK",
        sort_key_attr="SK",
        expiry_attr="expiration",
        boto3_client=client,
    )
