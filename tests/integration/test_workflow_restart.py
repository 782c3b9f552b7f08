"""An administrator restarts a dossier's failed workflow (docs/design.md, "Workflow contract").

GIVEN a dossier whose agency task failed for good (the state machine's catch path ran: the
execution FAILED and the history says `workflow_failed`) WHEN the administrator restarts it THEN a
new execution `<code>-r1` runs the remaining stage, the agency's open task gets the new token, the
agency approves and the dossier is processed with its result; nobody else may restart, a second
restart is refused with `workflow_not_failed`, and a retried request with the same Idempotency-Key
replays without a second execution.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.support.client import ApiClient, deliver_workflow
from tests.support.journeys import accept_and_start, submit_online

pytestmark = pytest.mark.integration

BUSINESS = "2.001610"  # one step at H33.03 (sokhdt), desk motcua
STEP = "tham-dinh-cap-gcn"
NOTE = {"note": "Hệ thống chuyên ngành đã khắc phục, chạy lại quy trình."}


def _store() -> Any:
    from chalicelib.services.deps import get_deps

    return get_deps().store


def _arn(cloud: Any, code: str, suffix: str = "") -> str:
    from chalicelib.workflow.executions import execution_arn, execution_name

    return execution_arn(cloud.outputs.state_machine_arn, execution_name(code, suffix))


def _status(cloud: Any, arn: str) -> str:
    return str(cloud.sfn.describe_execution(executionArn=arn)["status"])


def _actions(dossier_id: str) -> list[str]:
    return [e.action for e in _store().history(dossier_id)]


def _path(dossier_id: str) -> str:
    return f"/api/ops/dossiers/{dossier_id}/workflow/restart"


def _open_task_token(api: ApiClient, cloud: Any, dossier_id: str, other_than: str | None) -> str:
    for _ in range(150):
        task = _store().get_task(dossier_id, STEP)
        if task is not None and task.state == "open" and task.token and task.token != other_than:
            return str(task.token)
        deliver_workflow(api, cloud)
    raise AssertionError(f"the task {STEP} of {dossier_id} never reopened with a new token")


def _fail_task(api: ApiClient, cloud: Any, dossier_id: str, arn: str, token: str, n: int) -> None:
    """The agency task fails for good, as in tests/stress/test_faults.py's catch-path test; wait
    until the execution FAILED and the n-th `workflow_failed` is in the history."""
    from chalicelib.workflow.executions import Workflow

    Workflow().send_failure(token, "Agency.SystemError", "Hệ thống chuyên ngành từ chối.")
    for _ in range(150):
        deliver_workflow(api, cloud)
        if _status(cloud, arn) != "RUNNING" and _actions(dossier_id).count("workflow_failed") == n:
            break
    assert _status(cloud, arn) == "FAILED"
    assert _actions(dossier_id).count("workflow_failed") == n


def _failed_dossier(api: ApiClient, cloud: Any) -> tuple[str, str, str]:
    """A dossier at H33.03 whose only step's task failed: (id, code, the dead token)."""
    d = submit_online(api, BUSINESS)
    accept_and_start(api, cloud, d["id"], at=_store().get_dossier(d["id"]).submitted_at)
    token = _open_task_token(api, cloud, d["id"], None)
    code = str(_store().get_dossier(d["id"]).code)
    _fail_task(api, cloud, d["id"], _arn(cloud, code), token, 1)
    return d["id"], code, token


def _executions(cloud: Any, code: str) -> list[str]:
    from chalicelib.workflow.executions import execution_name

    listed = cloud.sfn.list_executions(stateMachineArn=cloud.outputs.state_machine_arn)
    return sorted(
        e["name"] for e in listed["executions"] if e["name"].startswith(execution_name(code))
    )


def test_an_administrator_restarts_a_failed_workflow_and_the_dossier_is_processed(
    api: ApiClient, cloud: Any
) -> None:
    dossier_id, code, dead = _failed_dossier(api, cloud)

    # (a) nobody but the administrator may restart it (a role refused before any read: 403)
    for who in ("congdan", "motcua", "sokhdt", "lanhdaosokhdt", "vanphong"):
        r = api.as_user(who).post(_path(dossier_id), NOTE)
        assert r.status_code == 403, (who, r.text)
    assert api.anonymous().post(_path(dossier_id), NOTE).status_code == 401
    admin = api.as_user("quantri")
    missing = admin.post(_path(str(uuid.uuid4())), NOTE)
    assert missing.status_code == 404, missing.text
    for bad in ({}, {"note": ""}, {"note": "x" * 501}, {"note": "ok", "extra": 1}):
        r = admin.post(_path(dossier_id), bad)
        assert r.status_code == 400, (bad, r.text)
        assert r.json()["code"] == "invalid_input"
    assert "workflow_restarted" not in _actions(dossier_id)

    # (b) the administrator restarts it: one event, a new execution <code>-r1 running
    key = f"restart-{uuid.uuid4().hex}"
    r = admin.post(_path(dossier_id), NOTE, idempotency_key=key)
    assert r.status_code == 200, r.text
    assert r.json()["id"] == dossier_id and r.json()["status"]["code"] == 4
    assert _actions(dossier_id).count("workflow_restarted") == 1
    event = next(e for e in _store().history(dossier_id) if e.action == "workflow_restarted")
    assert (event.actor, event.actor_role, event.note) == ("quantri", "admin", NOTE["note"])
    restarted = _arn(cloud, code, "-r1")
    assert _status(cloud, restarted) == "RUNNING"
    assert _status(cloud, _arn(cloud, code)) == "FAILED"

    # (d) the same Idempotency-Key replays the answer: no second execution, no second event
    again = admin.post(_path(dossier_id), NOTE, idempotency_key=key)
    assert again.status_code == 200, again.text
    assert again.headers.get("Idempotency-Replayed") == "true"
    assert _executions(cloud, code) == [code, f"{code}-r1"]
    assert _actions(dossier_id).count("workflow_restarted") == 1

    # (c) a second restart while the new execution runs is refused
    twice = admin.post(_path(dossier_id), NOTE)
    assert twice.status_code == 409, twice.text
    assert twice.json()["code"] == "workflow_not_failed"

    # the agency's open task gets the new execution's token, and the agency approves
    new_token = _open_task_token(api, cloud, dossier_id, dead)
    assert new_token != dead
    done = api.as_user("sokhdt").post(
        f"/api/agency/dossiers/{dossier_id}/steps/{STEP}/complete",
        {"outcome": "approve", "note": "Đủ điều kiện."},
    )
    assert done.status_code == 200, done.text
    for _ in range(150):
        deliver_workflow(api, cloud)
        d = _store().get_dossier(dossier_id)
        if _status(cloud, restarted) != "RUNNING" and d.result is not None:
            break
    assert _status(cloud, restarted) == "SUCCEEDED"
    view = admin.get(f"/api/agency/dossiers/{dossier_id}")
    assert view.status_code == 200, view.text
    assert view.json()["status"]["code"] == 9
    assert view.json()["result"] is not None
    assert _actions(dossier_id).count("workflow_failed") == 1

    # (c) and after success too
    after = admin.post(_path(dossier_id), NOTE)
    assert after.status_code == 409, after.text
    assert after.json()["code"] == "workflow_not_failed"
    assert _executions(cloud, code) == [code, f"{code}-r1"]


def test_a_restarted_workflow_that_fails_again_can_be_restarted_again(
    api: ApiClient, cloud: Any
) -> None:
    dossier_id, code, dead = _failed_dossier(api, cloud)
    admin = api.as_user("quantri")
    assert admin.post(_path(dossier_id), NOTE).status_code == 200

    # the restarted execution fails too: a second workflow_failed is recorded (not skipped as a
    # redelivery of the first) and the agency is alerted again
    token = _open_task_token(api, cloud, dossier_id, dead)
    _fail_task(api, cloud, dossier_id, _arn(cloud, code, "-r1"), token, 2)

    r = admin.post(_path(dossier_id), NOTE)
    assert r.status_code == 200, r.text
    assert _status(cloud, _arn(cloud, code, "-r2")) == "RUNNING"
    assert _actions(dossier_id).count("workflow_restarted") == 2
    assert _open_task_token(api, cloud, dossier_id, token) != token
