"""Standard SigV4 clients against the live local stack (moto server + the API over HTTP).

GIVEN the running local stack and a key issued by the administrator WHEN an agency's system calls
with requests-aws4auth, with botocore's SigV4Auth over plain `requests`, and with
`curl --aws-sigv4` as a subprocess THEN each is verified, a POST with a signed JSON body reaches
the use case (a 404 for a dossier that does not exist, not a 401), and a wrong secret is refused.

Service name in the credential scope: `execute-api`; region: the stack's (ap-southeast-1).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from typing import Any

import pytest
import requests

pytestmark = pytest.mark.web

SERVICE = "execute-api"


def _install_blueprint() -> None:
    """Until app.py registers it: done at collection, before the session's stack starts (chalice
    local builds its route table when the server starts)."""
    from app import app
    from chalicelib.api.routes import agency_api as routes_agency_api

    routes_agency_api.install(app)


_install_blueprint()


@pytest.fixture(scope="module")
def key(stack: Any, accounts: dict[str, dict[str, Any]]) -> dict[str, Any]:
    signin = requests.post(
        f"{stack.url}/api/auth/signin",
        json={"username": "quantri", "password": accounts["quantri"]["password"]},
        headers={"Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert signin.status_code == 200, signin.text
    token = signin.json()["id_token"]
    created = requests.post(
        f"{stack.url}/api/admin/agency-keys",
        json={"agency": "H33.03", "description": "live-stack client tests"},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    issued: dict[str, Any] = created.json()
    return issued


def _complete_path() -> str:
    return f"/api/agency-api/dossiers/{uuid.uuid4().hex}/steps/review/complete"


def test_requests_aws4auth(stack: Any, key: dict[str, Any]) -> None:
    from requests_aws4auth import AWS4Auth

    auth = AWS4Auth(key["access_key_id"], key["secret_access_key"], stack.outputs.region, SERVICE)
    who = requests.get(f"{stack.url}/api/agency-api/whoami", auth=auth, timeout=30)
    assert who.status_code == 200, who.text
    assert who.json()["agency"] == "H33.03"
    tasks = requests.get(f"{stack.url}/api/agency-api/tasks?limit=5&a=b c", auth=auth, timeout=30)
    assert tasks.status_code == 200, tasks.text
    assert isinstance(tasks.json()["items"], list)
    post = requests.post(
        stack.url + _complete_path(),
        data=json.dumps({"outcome": "approve", "note": "Đạt"}).encode(),
        headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
        auth=auth,
        timeout=30,
    )
    assert post.status_code == 404, post.text  # verified; the dossier does not exist
    assert post.json()["code"] == "not_found"

    bad = AWS4Auth(key["access_key_id"], "x" * 40, stack.outputs.region, SERVICE)
    refused = requests.get(f"{stack.url}/api/agency-api/whoami", auth=bad, timeout=30)
    assert refused.status_code == 401
    assert refused.json()["code"] == "signature_mismatch"


def test_botocore_sigv4auth_over_http(stack: Any, key: dict[str, Any]) -> None:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    body = json.dumps({"outcome": "return", "note": "Bổ sung"}, ensure_ascii=False).encode()
    url = stack.url + _complete_path()
    req = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={"Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex},
    )
    creds = Credentials(key["access_key_id"], key["secret_access_key"])
    SigV4Auth(creds, SERVICE, stack.outputs.region).add_auth(req)
    resp = requests.post(url, data=body, headers=dict(req.headers.items()), timeout=30)
    assert resp.status_code == 404, resp.text
    # the same signed request again is a replay
    again = requests.post(url, data=body, headers=dict(req.headers.items()), timeout=30)
    assert again.status_code == 403
    assert again.json()["code"] == "signature_replayed"


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_curl_aws_sigv4(stack: Any, key: dict[str, Any]) -> None:
    sigv4 = f"aws:amz:{stack.outputs.region}:{SERVICE}"
    user = f"{key['access_key_id']}:{key['secret_access_key']}"

    def curl(*args: str) -> tuple[int, dict[str, Any]]:
        out = subprocess.run(
            ["curl", "-sS", "--aws-sigv4", sigv4, "--user", user, "-w", "\n%{http_code}", *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        text, _, status = out.stdout.rpartition("\n")
        return int(status), json.loads(text)

    status, who = curl(f"{stack.url}/api/agency-api/whoami")
    assert status == 200, who
    assert who == {"agency": "H33.03", "access_key_id": key["access_key_id"], "role": "agency"}
    status, tasks = curl(f"{stack.url}/api/agency-api/tasks")
    assert status == 200 and isinstance(tasks["items"], list)
    status, err = curl(
        "-H",
        "Content-Type: application/json",
        "-H",
        f"Idempotency-Key: {uuid.uuid4().hex}",
        "--data-binary",
        json.dumps({"outcome": "approve"}),
        stack.url + _complete_path(),
    )
    assert status == 404, err
    assert err["code"] == "not_found"
