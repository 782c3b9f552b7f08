"""The dossier state machine, really executed by moto's ASL interpreter, through `Workflow`.

GIVEN a two-step dossier whose alarms are one or two seconds apart, WHEN nobody answers, the
current alarm fires and the step's task is handed out again with a new token; the old token is
stale. WHEN each step is approved THEN the next one starts, and after the last the dossier is
processed and the execution has ended. Nothing here sleeps for a legal deadline.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from chalicelib.workflow.executions import (
    StaleTaskToken,
    Workflow,
    execution_arn,
    execution_name,
)
from infra.resources import Outputs
from tests.helpers import QueueReader, drain, wait_for

pytestmark = pytest.mark.integration

CODE = "H15.50-261130-0001"


def _input(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "dossierId": "D-1",
        "dossierCode": CODE,
        "steps": [
            {
                "stepId": "review",
                "agency": "H15.50",
                "alarms": [
                    {"kind": "step_due_soon", "afterSeconds": 1},
                    # Long enough that the test answers first; the test never waits for it.
                    {"kind": "step_overdue", "afterSeconds": 30},
                ],
            },
            {"stepId": "sign", "agency": "H15.01", "alarms": []},
        ],
        "repeatOverdueSeconds": 60,
    }
    data.update(overrides)
    return data


def _task(step_id: str, alarm_index: int | None = None) -> Any:
    def match(m: dict[str, Any]) -> bool:
        return (
            m["type"] == "agency_task"
            and m["stepId"] == step_id
            and (alarm_index is None or m["alarmIndex"] == alarm_index)
        )

    return match


def _finished(wf: Workflow, arn: str) -> dict[str, Any] | None:
    d = wf.describe(arn)
    return d if d["status"] != "RUNNING" else None


def test_alarms_tokens_and_completion(aws: Outputs) -> None:
    wf = Workflow()
    queue = QueueReader(aws.workflow_queue_url)

    # GIVEN a started execution: the first step's task arrives with a token
    arn = wf.start(CODE, _input())
    first = queue.next(_task("review", 0))
    assert first == {
        "type": "agency_task",
        "dossierId": "D-1",
        "dossierCode": CODE,
        "stepId": "review",
        "stepIndex": 0,
        "agency": "H15.50",
        "alarmIndex": 0,
        "taskToken": first["taskToken"],
    }
    assert first["taskToken"]

    # WHEN its first alarm's second passes: the alarm is sent and the task re-enters, new token
    alarm = queue.next(lambda m: m["type"] == "alarm", timeout=10)
    assert alarm == {
        "type": "alarm",
        "kind": "step_due_soon",
        "dossierId": "D-1",
        "dossierCode": CODE,
        "stepId": "review",
        "stepIndex": 0,
        "agency": "H15.50",
        "alarmIndex": 0,
    }
    second = queue.next(_task("review", 1))
    assert second["taskToken"] != first["taskToken"]

    # THEN the old token is stale, and a retried start does not make a second execution
    with pytest.raises(StaleTaskToken):
        wf.send_success(first["taskToken"], {"outcome": "approve"})
    assert wf.start(CODE, _input()) == arn

    # WHEN the step is approved with the next step's alarm chain (computed when it starts)
    wf.send_success(
        second["taskToken"],
        {"outcome": "approve", "alarms": [{"kind": "step_due_soon", "afterSeconds": 1}]},
    )
    sign = queue.next(_task("sign", 0))
    # THEN the handed-over chain times the next step (its own input chain is empty)
    sign_alarm = queue.next(lambda m: m["type"] == "alarm" and m["stepId"] == "sign")
    assert sign_alarm["kind"] == "step_due_soon"
    sign_again = queue.next(_task("sign", 1))
    with pytest.raises(StaleTaskToken):
        wf.send_success(sign["taskToken"], {"outcome": "approve"})

    # WHEN the last step is approved THEN the dossier is processed and the execution ends
    wf.send_success(sign_again["taskToken"], {"outcome": "approve"})
    processed = queue.next(lambda m: m["type"] == "dossier_processed")
    assert processed == {"type": "dossier_processed", "dossierId": "D-1", "dossierCode": CODE}
    final = wait_for(lambda: _finished(wf, arn))
    assert final["status"] == "SUCCEEDED"
    assert wf.history_transition_count(arn) > 10

    # AND a start retried after the end is rejected, not duplicated
    assert wf.start(CODE, _input()) == arn
    sfn = wf.client
    listed = sfn.list_executions(stateMachineArn=aws.state_machine_arn)["executions"]
    assert [e["executionArn"] for e in listed] == [arn]
    # a finished execution's token is stale too
    with pytest.raises(StaleTaskToken):
        wf.send_success(sign_again["taskToken"], {"outcome": "approve"})


def test_after_the_last_alarm_the_step_is_reminded_repeatedly(aws: Outputs) -> None:
    wf = Workflow()
    queue = QueueReader(aws.workflow_queue_url)
    data = _input(
        steps=[
            {
                "stepId": "review",
                "agency": "H15.50",
                "alarms": [{"kind": "step_overdue", "afterSeconds": 1}],
            }
        ],
        repeatOverdueSeconds=1,
    )
    arn = wf.start(CODE, data)
    kinds = [queue.next(lambda m: m["type"] == "alarm", timeout=10)["kind"] for _ in range(3)]
    assert kinds == ["step_overdue", "step_overdue_repeat", "step_overdue_repeat"]
    assert wf.describe(arn)["status"] == "RUNNING"  # lateness never fails the dossier


def test_return_hands_the_same_step_back(aws: Outputs) -> None:
    wf = Workflow()
    queue = QueueReader(aws.workflow_queue_url)
    arn = wf.start(CODE, _input(steps=[_input()["steps"][0]]))
    # answer before the 1 s alarm would fire is not guaranteed; take whichever token is newest
    task = queue.next(_task("review"))
    try:
        wf.send_success(task["taskToken"], {"outcome": "return", "note": "thiếu chữ ký"})
    except StaleTaskToken:
        task = queue.next(_task("review"))
        wf.send_success(task["taskToken"], {"outcome": "return", "note": "thiếu chữ ký"})
    again = queue.next(lambda m: m["type"] == "agency_task" and m["taskToken"] != task["taskToken"])
    assert again["stepId"] == "review"
    # the deadline is not reset by a return: the alarm index does not go back to 0 after an alarm
    assert again["alarmIndex"] >= task["alarmIndex"]
    wf.send_success(again["taskToken"], {"outcome": "approve"})
    queue.next(lambda m: m["type"] == "dossier_processed")
    assert wait_for(lambda: _finished(wf, arn))["status"] == "SUCCEEDED"


def test_send_failure_fails_the_execution(aws: Outputs) -> None:
    wf = Workflow()
    queue = QueueReader(aws.workflow_queue_url)
    arn = wf.start(CODE, _input())
    task = queue.next(_task("review", 0))
    try:
        wf.send_failure(task["taskToken"], "Dossier.Withdrawn", "the citizen withdrew it")
    except StaleTaskToken:  # the 1 s alarm won the race: fail the newer token
        task = queue.next(_task("review", 1))
        wf.send_failure(task["taskToken"], "Dossier.Withdrawn", "the citizen withdrew it")
    final = wait_for(lambda: _finished(wf, arn))
    assert final["status"] == "FAILED"


def test_execution_names_are_sanitised_dossier_codes() -> None:
    assert execution_name("H15.50-261130-0001") == "H15.50-261130-0001"
    assert execution_name(" A B/C:D#1 ") == "A-B-C-D-1"
    assert len(execution_name("X" * 200)) == 80
    with pytest.raises(ValueError):
        execution_name("   ")
    assert (
        execution_arn("arn:aws:states:ap-southeast-1:123456789012:stateMachine:tthc-dossier", "C1")
        == "arn:aws:states:ap-southeast-1:123456789012:execution:tthc-dossier:C1"
    )


def test_example_input_runs(aws: Outputs) -> None:
    from infra.resources import STATE_MACHINES_DIR

    data = json.loads((STATE_MACHINES_DIR / "dossier.example-input.json").read_text("utf-8"))
    wf = Workflow()
    wf.start(data["dossierCode"], data)
    task = QueueReader(aws.workflow_queue_url).next(_task(data["steps"][0]["stepId"], 0))
    assert task["dossierCode"] == data["dossierCode"]


def test_drain_delivers_to_a_chalice_handler_and_keeps_failures(aws: Outputs) -> None:
    from chalice import Chalice

    app = Chalice(app_name="drain-test")
    seen: list[dict[str, Any]] = []

    @app.on_sqs_message(queue="tthc-workflow")
    def on_workflow_message(event: Any) -> None:
        for record in event:
            body = json.loads(record.body)
            if body.get("type") == "boom":
                raise RuntimeError("boom")
            seen.append(body)

    Workflow().start(CODE, _input())
    wait_for(lambda: drain(aws.workflow_queue_url, on_workflow_message))
    assert seen[0]["type"] == "agency_task" and seen[0]["stepId"] == "review"

    from chalicelib import aws as clients

    sqs = clients.client("sqs")
    sqs.send_message(QueueUrl=aws.workflow_queue_url, MessageBody='{"type": "boom"}')
    with pytest.raises(RuntimeError):
        drain(aws.workflow_queue_url, on_workflow_message)
    left = sqs.receive_message(QueueUrl=aws.workflow_queue_url, WaitTimeSeconds=0)["Messages"]
    assert json.loads(left[0]["Body"]) == {"type": "boom"}  # not deleted: Lambda would retry it
