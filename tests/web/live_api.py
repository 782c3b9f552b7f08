"""What browser tests do through the live stack's API before they open a page: sign in, and submit
a dossier online as the citizen's wizard does (draft, each required paper, submit)."""

from __future__ import annotations

import uuid
from typing import Any

import requests

from tests.helpers_app import FORM_EXAMPLES, upload_required_papers


def post(url: str, path: str, token: str | None, body: Any) -> requests.Response:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(f"{url}{path}", json=body, headers=headers, timeout=15)


def id_token(url: str, username: str, password: str) -> str:
    r = post(url, "/api/auth/signin", None, {"username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["id_token"])


def submitted_dossier(
    url: str, citizen: dict[str, Any], procedure: str, desk_unit: str | None
) -> str:
    """The citizen's wizard through the API; returns the submitted dossier's id. Without
    `desk_unit` the procedure's default desk receives it."""
    token = id_token(url, citizen["username"], citizen["password"])
    applicant = {
        k: citizen[k] for k in ("name", "id_number", "address", "phone", "email") if citizen.get(k)
    }
    created = post(
        url,
        "/api/my/dossiers",
        token,
        {
            "procedure_code": procedure,
            "applicant": applicant,
            "form_data": FORM_EXAMPLES[procedure],
            **({"receiving_unit": desk_unit} if desk_unit else {}),
        },
    )
    assert created.status_code == 201, created.text
    d = created.json()
    base = f"/api/my/dossiers/{d['id']}"
    upload_required_papers(lambda path, body: post(url, path, token, body), base, d["documents"])
    sent = post(url, f"{base}/submit", token, {})
    assert sent.status_code == 200, sent.text
    return str(d["id"])
