"""Security tests share one provisioned moto account per module (setup is the expensive part).

The fixtures mirror `tests/conftest.py::aws` and `tests/support/fixtures.py::api`, but module-
scoped: a matrix of a thousand requests over one stack, not one stack per request.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from infra.resources import Outputs
from tests.support.aws import REGION, SFN_EXECUTION, moto_jwks, stop_executions
from tests.support.client import ApiClient


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
            from infra.local.pki_server import local_pki

            for key, value in local_pki().environment().items():  # test root CA, TSA, CRLs
                mp.setenv(key, value)
            reset_app_caches()
            try:
                yield outputs
            finally:
                stop_executions(outputs)
                reset_app_caches()


@pytest.fixture(scope="module")
def sec_api(sec_aws: Outputs) -> Iterator[ApiClient]:
    """The Chalice app in process over the module's account, demo data loaded."""
    from chalice.test import Client

    from app import app
    from chalicelib.api import context
    from chalicelib.api.auth import StaticJwks, TokenVerifier
    from chalicelib.api.routes import agency_api as routes_agency_api
    from chalicelib.services.admin.agency_keys import set_agency_keys
    from chalicelib.services.deps import get_deps, set_deps
    from infra.demo import load_demo

    accounts = {a["username"]: a for a in load_demo()}
    set_deps(None)
    from tests.fakes.vneid import FakeVneid

    get_deps().vneid = FakeVneid()
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
