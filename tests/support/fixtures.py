"""The in-process app fixtures (`demo_accounts`, `api`, `cloud`) over the `aws` fixture of
tests/conftest.py: conftest modules that want them import them from here."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from infra.resources import Outputs
from tests.support.aws import AwsView, moto_jwks
from tests.support.client import ApiClient


@pytest.fixture
def demo_accounts(aws: Outputs) -> dict[str, dict[str, Any]]:
    """The demo accounts by username, loaded into the fresh account."""
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


@pytest.fixture
def cloud(aws: Outputs) -> AwsView:
    """Read-only handles on the provisioned account."""
    return AwsView(aws)
