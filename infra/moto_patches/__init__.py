"""Where moto answers unlike AWS (or too slowly to run the load bench), patched: one module each.

Each module's docstring says which moto behaviour it changes and why (with the decision in
docs/design.md); each has an `apply()` (idempotent, for moto in this process) and a `GUARD` naming
the moto version(s) it was written against: on any other moto, `apply()` raises `MotoPatchError`
naming the patch, and it checks that what it replaces still has the parameters it expects, so an
upgrade of moto (pinned in requirements-dev.txt) makes someone read each patch again.

`apply_all()` is what the local stack's moto server gets (`infra.moto_server`); the tests'
in-process mocks take `sfn_stale_tokens`, `apply_speed()`, `cognito_password_reset` and `kms_digest`
(tests/conftest.py).
"""

from __future__ import annotations

from types import ModuleType

from infra.moto_patches import (
    cognito_password_reset,
    dynamodb_partition_query,
    dynamodb_request_token,
    dynamodb_serial,
    dynamodb_transactions,
    kms_digest,
    server_module_list,
    sfn_stale_tokens,
    sqs_serial,
)
from infra.moto_patches.guard import MotoPatchError

__all__ = ["PATCHES", "SPEED", "MotoPatchError", "apply_all", "apply_speed"]

# The four that were infra/moto_speed.py: what a DynamoDB request costs, and its request token.
SPEED: tuple[ModuleType, ...] = (
    dynamodb_transactions,
    dynamodb_request_token,
    dynamodb_partition_query,
    server_module_list,
)
# Every patch, in the order they apply (the serial lock wraps the item-level transaction).
PATCHES: tuple[ModuleType, ...] = (
    sfn_stale_tokens,
    *SPEED,
    dynamodb_serial,
    sqs_serial,
    cognito_password_reset,
    kms_digest,
)


def apply_speed() -> None:
    """The speed patches (and DynamoDB's request token): before moto serves its first request."""
    for patch in SPEED:
        patch.apply()


def apply_all() -> None:
    """Every patch; call before the moto server serves its first request."""
    for patch in PATCHES:
        patch.apply()
