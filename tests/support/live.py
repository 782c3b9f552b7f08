"""What browser tests do through the live stack's API before they open a page: sign in, submit a
dossier online as the citizen's wizard does (draft, each required paper, submit), find its task,
walk it to a result handed back online."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import requests

from tests.support.journeys import FEE_PAID_AT_DESK, upload_required_papers
from tests.support.samples import FORM_EXAMPLES


def post(url: str, path: str, token: str | None, body: Any) -> requests.Response:
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return requests.post(f"{url}{path}", json=body, headers=headers, timeout=15)


def get(url: str, path: str, token: str | None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(f"{url}{path}", headers=headers, timeout=15)


def until(what: str, fn: Callable[[], Any], seconds: float = 60.0) -> Any:
    """Poll `fn` every half second until it answers something truthy; return it."""
    deadline = time.monotonic() + seconds
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)


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


def returned_online(
    url: str, accounts: dict[str, Any], procedure: str, seconds: float = 60.0
) -> tuple[str, str]:
    """Submit online as `congdan`, accept at the desk (fee paid there), approve the one step at
    `sokhdt`, hand the signed result back online (status 10). Returns (dossier id, citizen's
    token); `seconds` bounds each wait for the workflow."""
    pw = {name: a["password"] for name, a in accounts.items()}
    citizen = id_token(url, "congdan", pw["congdan"])
    dossier_id = submitted_dossier(url, accounts["congdan"], procedure, None)
    desk = id_token(url, "motcua", pw["motcua"])
    accepted = post(url, f"/api/desk/dossiers/{dossier_id}/accept", desk, FEE_PAID_AT_DESK)
    assert accepted.status_code == 200, accepted.text
    agency = id_token(url, "sokhdt", pw["sokhdt"])
    code = accepted.json()["code"]
    task = until(
        "the agency task",
        lambda: agency_task(lambda p: get(url, p, agency).json(), dossier_id, code),
        seconds,
    )
    done = post(
        url,
        f"/api/agency/dossiers/{dossier_id}/steps/{task['step_id']}/complete",
        agency,
        {"outcome": "approve", "note": "Đủ điều kiện."},
    )
    assert done.status_code == 200, done.text

    def hand_over() -> Any:
        r = post(url, f"/api/desk/dossiers/{dossier_id}/return", desk, {"channel": "online"})
        return r.json() if r.status_code == 200 else None

    assert until("the signed result", hand_over, seconds)["status"]["code"] == 10
    return dossier_id, citizen
