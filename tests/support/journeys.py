"""A dossier's common paths through the in-process app, as the tests walk them: a citizen's
draft and submission online (every required paper uploaded for real), the desk's receipt, the
workflow pumped until the agency holds the task, the result handed back.

Each step asserts the answer it needs, so a broken step fails where it broke.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tests.support.client import ApiClient, deliver_workflow, upload_file
from tests.support.samples import FORM_EXAMPLES, sample_file

# A one-step, full-online procedure of the Department of Planning and Investment (H33.03, staff
# `sokhdt`), received at the provincial desk H33.50 (`motcua`): 3 working days.
ONE_STEP_PROC = "2.001610"
ONE_STEP_AGENCY = "H33.03"
APPLICANT = {
    "name": "Nguyễn Văn An",
    "id_number": "093090001234",
    "address": "Phường V, TP Vị Thanh",
    "phone": "0901234567",
    "email": "an@example.com",
}


def attach_required_documents(client: ApiClient, dossier_path: str, proc: dict[str, Any]) -> None:
    """Upload a real file for each required document under `dossier_path` and finalize it."""
    upload_required_papers(client.post, dossier_path, proc["documents"])


def upload_required_papers(
    post: Callable[[str, Any], Any], dossier_path: str, documents: list[dict[str, Any]]
) -> None:
    """The wizard's papers step through any client whose `post(path, body)` answers with
    `status_code`, `text` and `json()`: the in-process app or the live stack over HTTP."""
    for doc in documents:
        if not doc.get("required", True):
            continue
        content, ctype, ext = sample_file(doc["accepted_types"])
        slot = post(
            f"{dossier_path}/uploads",
            {
                "document_id": doc["id"],
                "filename": f"{doc['id']}.{ext}",
                "content_type": ctype,
                "size": len(content),
            },
        )
        assert slot.status_code == 201, slot.text
        upload_file(slot.json(), content, ctype)
        fin = post(f"{dossier_path}/attachments/{slot.json()['attachment_id']}/finalize", {})
        assert fin.status_code == 200, fin.text
        assert fin.json()["state"] == "accepted"


# The desk says explicitly that it collected the fee, with the biên lai number (the API records a
# fee as paid only then; without it a fee-bearing dossier awaits its fee, status 6).
FEE_PAID_AT_DESK = {"fee_collected": True, "fee_method": "cash", "receipt_no": "BL-TEST-1"}


def accept_and_start(
    api: ApiClient, cloud: Any, dossier_id: str, at: Any, desk: str = "motcua"
) -> dict[str, Any]:
    """Accept a dossier at legal time `at` and let the execution start its first step at that same
    legal time (a step's window opens when it really starts), then restore the real clock."""
    from datetime import UTC, datetime

    from chalicelib.services.deps import any_deps, get_deps, set_deps

    set_deps(any_deps(clock=lambda: at))
    try:
        r = api.as_user(desk).post(f"/api/desk/dossiers/{dossier_id}/accept", FEE_PAID_AT_DESK)
        assert r.status_code == 200, r.text
        for _ in range(100):
            deliver_workflow(api, cloud)
            d = get_deps().store.get_dossier(dossier_id)
            if any(s.state.value == "active" for s in d.steps) or d.status is None:
                break
        assert any(s.state.value == "active" for s in d.steps), d.status
    finally:
        set_deps(any_deps(clock=lambda: datetime.now(UTC)))
    body: dict[str, Any] = r.json()
    return body


def return_when_ready(
    api: ApiClient,
    cloud: Any,
    dossier_id: str,
    desk: str = "motcua",
    body: dict[str, Any] | None = None,
) -> Any:
    """Pump the workflow until the signed result exists (made after status 9), then return it
    through `body`'s channel (default: online, to the applicant's account)."""
    import time

    from chalicelib.services.deps import get_deps

    deadline = time.monotonic() + 90  # bounded by time, not rounds: a loaded machine is slower
    while time.monotonic() < deadline:
        if get_deps().store.get_dossier(dossier_id).result is not None:
            break
        deliver_workflow(api, cloud)
    return api.as_user(desk).post(
        f"/api/desk/dossiers/{dossier_id}/return", body or {"channel": "online"}
    )


def draft_online(api: ApiClient, procedure_code: str) -> dict[str, Any]:
    """A complete draft of `congdan` (documents attached), not submitted."""
    citizen = api.as_user("congdan")
    proc = api.get(f"/api/procedures/{procedure_code}").json()
    draft = citizen.post(
        "/api/my/dossiers",
        {
            "procedure_code": procedure_code,
            "applicant": dict(APPLICANT),
            "form_data": FORM_EXAMPLES[procedure_code],
        },
    )
    assert draft.status_code == 201, draft.text
    dossier: dict[str, Any] = draft.json()
    attach_required_documents(citizen, f"/api/my/dossiers/{dossier['id']}", proc)
    return dossier


def submit_online(api: ApiClient, procedure_code: str) -> dict[str, Any]:
    """`congdan` submits a complete draft online: the dossier's view in status 1."""
    dossier = draft_online(api, procedure_code)
    sub = api.as_user("congdan").post(f"/api/my/dossiers/{dossier['id']}/submit")
    assert sub.status_code == 200, sub.text
    assert sub.json()["status"]["code"] == 1
    body: dict[str, Any] = sub.json()
    return body


def received_online(api: ApiClient, procedure_code: str = ONE_STEP_PROC) -> dict[str, Any]:
    """Submitted online and accepted at the provincial desk (fee collected): the desk's answer."""
    d = submit_online(api, procedure_code)
    r = api.as_user("motcua").post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def accept_at(
    api: ApiClient, cloud: Any, at: datetime, procedure_code: str = ONE_STEP_PROC
) -> dict[str, Any]:
    """Submitted online, accepted at legal time `at` with its first step started then."""
    dossier = submit_online(api, procedure_code)
    return accept_and_start(api, cloud, dossier["id"], at)


def wait_for_tasks(
    api: ApiClient, cloud: Any, count: int, agency: str = ONE_STEP_AGENCY
) -> list[Any]:
    """Pump the workflow queue until `agency` holds `count` open tasks (tokens delivered)."""
    from chalicelib.services.deps import get_deps

    tasks: list[Any] = []
    for _ in range(100):
        deliver_workflow(api, cloud)
        tasks = get_deps().store.list_agency_tasks(agency)
        if len(tasks) >= count:
            break
    assert len(tasks) == count, tasks
    return tasks


def wait_for_task(api: ApiClient, cloud: Any, user: str, dossier_id: str) -> dict[str, Any]:
    """Pump the workflow until `user`'s task list shows the dossier's task; that task."""
    for _ in range(80):
        deliver_workflow(api, cloud)
        tasks = api.as_user(user).get("/api/agency/tasks").json()["items"]
        mine = [t for t in tasks if t["dossier_id"] == dossier_id]
        if mine:
            found: dict[str, Any] = mine[0]
            return found
    raise AssertionError("no agency task")


def waiting_dossier(api: ApiClient, cloud: Any) -> dict[str, Any]:
    """A one-step procedure of H33.03 submitted, accepted and handed to the agency: the desk's
    answer."""
    accepted = received_online(api)
    staff = api.as_user("sokhdt")
    for _ in range(50):
        deliver_workflow(api, cloud)
        if staff.get("/api/agency/tasks").json()["items"]:
            break
    return accepted
