"""Integration fixtures: the real app over a provisioned in-process moto account with demo data."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.resources import Outputs
from tests.helpers_app import ApiClient


def moto_jwks() -> dict[str, Any]:
    """The public keys moto signs Cognito tokens with (served at the pool's jwks URL)."""
    import moto.cognitoidp

    path = Path(moto.cognitoidp.__file__).parent / "resources" / "jwks-public.json.gz"
    doc: dict[str, Any] = json.loads(gzip.decompress(path.read_bytes()))
    return doc


@pytest.fixture
def demo_accounts(aws: Outputs) -> dict[str, dict[str, Any]]:
    from infra.demo import load_demo

    return {a["username"]: a for a in load_demo()}


@pytest.fixture
def api(aws: Outputs, demo_accounts: dict[str, dict[str, Any]]) -> Iterator[ApiClient]:
    """The Chalice app in process, verifying tokens against moto's keys."""
    from chalice.test import Client

    from app import app
    from chalicelib.api import context
    from chalicelib.api.auth import StaticJwks, TokenVerifier
    from chalicelib.services.deps import get_deps, set_deps

    set_deps(None)
    verifier = TokenVerifier.from_settings(get_deps().settings, jwks=StaticJwks(moto_jwks()))
    context.set_verifier(verifier)
    with Client(app) as client:
        yield ApiClient(client, demo_accounts)
    context.set_verifier(None)
    set_deps(None)


class AwsView:
    """Read-only handles on the provisioned account for assertions."""

    def __init__(self, outputs: Outputs) -> None:
        import boto3

        self.outputs = outputs
        self.sfn = boto3.client("stepfunctions", region_name=outputs.region)
        self.sqs = boto3.client("sqs", region_name=outputs.region)

    def execution_arn(self, code: str) -> str:
        from chalicelib.workflow.executions import execution_arn, execution_name

        return execution_arn(self.outputs.state_machine_arn, execution_name(code))


@pytest.fixture
def cloud(aws: Outputs) -> AwsView:
    return AwsView(aws)
