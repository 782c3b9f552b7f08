"""What browser tests do through the live stack's API before they open a page: sign in, submit a
dossier online as the citizen's wizard does (draft, each required paper, submit), find its task."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import requests

from tests.support.journeys import upload_required_papers
from tests.support.samples import FORM_EXAMPLES


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


def agency_task(get: Callable[[str], Any], dossier_id: str, code: str) -> dict[str, Any] | None:
    """The dossier's open task in the agency's list, searched by its code through every page, or
    None while the workflow has not opened it. The list is one page by due time, and the live
    tests before (the concurrency run among them) leave more than a page of tasks at one agency,
    due no later than a dossier received now. `get(path)` answers the JSON body."""
    cursor = ""
    for _ in range(100):  # bounded like the other page walks: an endless cursor fails, not hangs
        page = get(f"/api/agency/tasks?{urlencode({'q': code, 'cursor': cursor})}")
        task = next((t for t in page["items"] if t["dossier_id"] == dossier_id), None)
        if task is not None or not page.get("next"):
            return task
        cursor = str(page["next"])
    raise AssertionError("the agency's task list never ended")
