"""Deadlines watched by the execution: due-soon and overdue alarms, lateness on the step's agency.

The clock is injected: the dossier is received in the past, so every alarm is already due and the
state machine fires each after one second. Nothing sleeps for a legal deadline.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.client import ApiClient, deliver_workflow
from tests.support.journeys import FEE_PAID_AT_DESK, submit_online

pytestmark = pytest.mark.integration


def test_overdue_step_is_flagged_late_and_still_completes(api: ApiClient, cloud: Any) -> None:
    from chalicelib.services.deps import any_deps, set_deps

    # GIVEN a dossier received three weeks ago (a 3-working-day procedure: long overdue)
    dossier = submit_online(api, "2.001610")
    past = datetime.now(UTC) - timedelta(days=21)
    set_deps(any_deps(clock=lambda: past))
    accepted = (
        api.as_user("motcua")
        .post(f"/api/desk/dossiers/{dossier['id']}/accept", FEE_PAID_AT_DESK)
        .json()
    )
    # The execution hands the step to its agency at once (still three weeks ago).
    for _ in range(100):
        deliver_workflow(api, cloud)
        now_status = api.as_user("sokhdt").get(f"/api/agency/dossiers/{dossier['id']}").json()
        if now_status.get("status", {}).get("code") == 4:
            break
    assert now_status["steps"][0]["state"] == "active", now_status
    set_deps(any_deps(clock=lambda: datetime.now(UTC)))
    code = accepted["code"]
    assert accepted["appointment_at"] < datetime.now(UTC).isoformat()

    # WHEN the execution runs its alarm chain (each alarm is already due: one second apart)
    agency = api.as_user("sokhdt")
    task: dict[str, Any] = {}
    actions: list[str] = []
    for _ in range(150):
        deliver_workflow(api, cloud)
        items = agency.get("/api/agency/tasks").json()["items"]
        task = items[0] if items else {}
        got = agency.get(f"/api/agency/dossiers/{dossier['id']}").json()
        actions = [h["action"] for h in got.get("history", [])]
        if task.get("late") and "alarm_dossier_overdue" in actions:
            break

    # THEN the step is late against its agency, due-soon came before overdue, the dossier is open
    assert task.get("late") is True, (task, actions)
    assert "alarm_step_due_soon" in actions
    assert actions.index("alarm_step_due_soon") < actions.index("alarm_step_overdue")
    assert "alarm_dossier_overdue" in actions
    status = cloud.sfn.describe_execution(executionArn=cloud.execution_arn(code))["status"]
    assert status == "RUNNING"  # lateness never fails the dossier

    # AND the agency's staff and leader got each alarm by e-mail (through the outbox)
    from chalicelib.integrations.notify import MemoryNotifier
    from chalicelib.services.care.notifications import send_pending
    from chalicelib.services.deps import get_deps

    sink = MemoryNotifier()
    send_pending(get_deps(), datetime.now(UTC) + timedelta(seconds=1), sink, limit=500)
    staff = [m for m in sink.sent if m.subject.startswith("[H33.03]") and code in m.subject]
    subjects = sorted(m.subject.split("]", 1)[1].split(":")[0].strip() for m in staff)
    assert "Bước xử lý sắp đến hạn" in subjects and "Bước xử lý quá hạn" in subjects, subjects
    assert all(
        m.to == "lanhdaosokhdt@haugiang.example.com, sokhdt@haugiang.example.com" for m in staff
    )
    assert f"#/agency/{dossier['id']}?step={task['step_id']}" in staff[0].text

    # WHEN the agency finally approves (its token was re-issued after each alarm)
    done = agency.post(
        f"/api/agency/dossiers/{dossier['id']}/steps/{task['step_id']}/complete",
        {"outcome": "approve", "note": "Xử lý muộn."},
    )
    assert done.status_code == 200, done.text
    body = done.json()
    assert body["status"]["code"] == 9
    assert body["steps"][0]["late"] is True
    assert body["steps"][0]["agency"] == "H33.03"

    # THEN the execution ends, and the month's counters record a late result
    for _ in range(100):
        deliver_workflow(api, cloud)
        status = cloud.sfn.describe_execution(executionArn=cloud.execution_arn(code))["status"]
        if status != "RUNNING":
            break
    assert status == "SUCCEEDED"
    from chalicelib.services.deps import get_deps

    # counted in the Vietnam month of the completion (after 17:00 UTC on a month's last day, the
    # next month already)
    month = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m")
    counters = get_deps().store.counters("H33.03", month)["2.001610"]
    assert counters.get("processed_late") == 1
    assert counters.get("processed_on_time") is None
