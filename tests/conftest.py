"""Shared fixtures: a provisioned moto account in process (`aws`).

Step Functions executions really run (moto's ASL interpreter), so workflow tests see the same
messages the local stack and AWS produce. Tests never wait for a legal deadline: they give the state
machine alarms of a second or two.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.resources import Outputs
from tests.support.aws import REGION, SFN_EXECUTION, stop_executions

# Every answer a route builds from a dict must dump to that same dict through its `out` model
# (chalicelib/api/routing.py): the whole suite checks the contracts change no byte.
os.environ.setdefault("TTHC_CONTRACT_CHECK", "1")


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[Outputs]:
    """A fresh moto account with every resource provisioned and the app's env pointing at it."""
    from moto import mock_aws

    from infra.local.stack import reset_app_caches
    from infra.moto_patches import apply_speed, cognito_password_reset, sfn_stale_tokens
    from infra.provision import provision
    from infra.resources import environment

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SECURITY_TOKEN", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    for name in ("AWS_ENDPOINT_URL", "LOCALSTACK", "AWS_PROFILE", "JWKS_URL"):
        monkeypatch.delenv(name, raising=False)
    sfn_stale_tokens.apply()  # moto accepts timed-out tokens silently; AWS rejects them
    apply_speed()  # a transaction copies the items it names, not the table
    cognito_password_reset.apply()  # reset codes checked, expiring and limited, as in Cognito
    with mock_aws(config=SFN_EXECUTION):  # type: ignore[arg-type]
        outputs = provision()
        for key, value in environment(outputs).items():
            monkeypatch.setenv(key, value)
        reset_app_caches()  # cached clients, settings and the services' Deps
        try:
            yield outputs
        finally:
            stop_executions(outputs)
            reset_app_caches()


# --- the live local stack (moto server over HTTP + the API + the event pump) ----------------------
# Session-scoped and only started when a test asks for it: tests under tests/web, tests/stress and
# tests/fuzz (markers `web`/`live`, run in their own process by `make test`).

DEMO = Path(__file__).resolve().parents[1] / "data" / "demo"


@pytest.fixture(scope="session")
def stack() -> Iterator[Any]:
    """The local stack serving web/ at / and the API at /api, with the demo data loaded."""
    from infra.local.stack import running_stack

    # moto in a process of its own: the API and moto each get one of the machine's two cores
    with running_stack(port=0, data_dir=DEMO, moto_process=True) as s:
        yield s


@pytest.fixture(scope="session")
def accounts(stack: Any) -> dict[str, dict[str, Any]]:
    """Demo accounts by username (from the stack; the demo file fills in what it leaves out)."""
    by_name = {a["username"]: dict(a) for a in json.loads((DEMO / "accounts.json").read_text())}
    for a in stack.accounts or []:
        by_name.setdefault(a["username"], {}).update(a)
    return by_name
