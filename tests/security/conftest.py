"""Security tests share one provisioned moto account per module (setup is the expensive part).

The fixtures mirror `tests/conftest.py::aws` and `tests/integration/conftest.py::api`, but module-
scoped: a matrix of a thousand requests over one stack, not one stack per request.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from infra.resources import Outputs
from tests.conftest import REGION, SFN_EXECUTION, _stop_executions
from tests.helpers_app import ApiClient, Reply

HOST = "localhost"


@pytest.fixture(scope="module")
def sec_aws() -> Iterator[Outputs]:
    """A fresh moto account with every resource provisioned, for the whole module."""
    from moto import mock_aws

    from infra.local.stack import reset_app_caches
    from infra.moto_patches import cognito_password_reset, sfn_stale_tokens
    from infra.provision import provision
    from infra.resources import environment

    with pytest.MonkeyPatch.context() as mp:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SECURITY_TOKEN": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            # VNeID sign-in configured, with the local fake provider (tests/fakes/vneid.py)
            "VNEID_ISSUER": "https://vneid.test",
            "VNEID_CLIENT_ID": "tthc-test",
            "SESSION_SIGNING_KEY": "k" * 40,
        }.items():
            mp.setenv(name, value)
        for name in ("AWS_ENDPOINT_URL", "LOCALSTACK", "AWS_PROFILE", "JWKS_URL"):
            mp.delenv(name, raising=False)
        sfn_stale_tokens.apply()
        cognito_password_reset.apply()  # reset codes checked as Cognito does
        with mock_aws(config=SFN_EXECUTION):  # type: ignore[call-overload]
            outputs = provision()
            for key, value in environment(outputs).items():
                mp.setenv(key, value)
            reset_app_caches()
            try:
                yield outputs
            finally:
                _stop_executions(outputs)
                reset_app_caches()


@pytest.fixture(scope="module")
def sec_api(sec_aws: Outputs) -> Iterator[ApiClient]:
    """The Chalice app in process over the module's account, demo data loaded."""
    from chalice.test import Client

    from app import app
    from chalicelib.api import context, routes_agency_api
    from chalicelib.api.auth import StaticJwks, TokenVerifier
    from chalicelib.services.agency_keys import set_agency_keys
    from chalicelib.services.deps import get_deps, set_deps
    from infra.demo import load_demo
    from tests.integration.conftest import moto_jwks

    accounts = {a["username"]: a for a in load_demo()}
    set_deps(None)
    from tests.fakes.vneid import FakeVneid

    get_deps()._vneid = FakeVneid()
    set_agency_keys(None)
    routes_agency_api.set_verifier(None)
    verifier = TokenVerifier.from_settings(get_deps().settings, jwks=StaticJwks(moto_jwks()))
    context.set_verifier(verifier)
    with Client(app) as client:
        yield ApiClient(client, accounts)
    context.set_verifier(None)
    routes_agency_api.set_verifier(None)
    set_agency_keys(None)
    set_deps(None)


def sigv4_request(
    api: ApiClient,
    key: dict[str, Any],
    method: str,
    path: str,
    body: Any = None,
    *,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[Reply, dict[str, str]]:
    """Sign with botocore's SigV4Auth as an agency's system would, then send through the app."""
    data = raw if raw is not None else b"" if body is None else json.dumps(body).encode()
    h = {"host": HOST, **(headers or {})}
    if method == "POST":
        h.setdefault("content-type", "application/json")
        h.setdefault("idempotency-key", uuid.uuid4().hex)
    req = AWSRequest(method=method, url=f"http://{HOST}{path}", data=data, headers=h)
    SigV4Auth(
        Credentials(key["access_key_id"], key["secret_access_key"]), "execute-api", REGION
    ).add_auth(req)
    sent = dict(req.headers.items())
    r = api.client.http.request(method, path, headers=sent, body=data)
    return Reply(r.status_code, dict(r.headers), r.body), sent
