"""The dossier state machine, really executed by moto's ASL interpreter, through `Workflow`.

These tests play the service's part by hand (answering Timer, agency-task and applicant-wait
messages), so they pin the workflow contract itself: stages in order, a parallel group handed out
at once, a timed-out wait re-asking the Timer, return going back a stage, the applicant's turn
with its own deadline, and every ending. Timers are one second; nothing sleeps for a deadline.
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
from chalicelib.workflow.messages import parse_message
from infra.resources import Outputs
from tests.support.queues import QueueReader, drain, wait_for

pytestmark = pytest.mark.integration

CODE = "H15.50-261130-0001"


def _input(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "dossierId": "D-1",
        "dossierCode": CODE,
        "stages": [
            [{"stepId": "review", "agency": "H15.50"}],
            [
                {"stepId": "opinion-a", "agency": "H15.05"},
                {"stepId": "opinion-b", "agency": "H15.06"},
            ],
            [{"stepId": "sign", "agency": "H15.01"}],
        ],
        "awaitFee": False,
        "feeWaitSeconds": 1,
    }
    data.update(overrides)
    return data


def _is(kind: str, step_id: str | None = None, fired: str | None = None) -> Any:
    def match(m: dict[str, Any]) -> bool:
        parse_message(m)  # every message the interpreter really sends is one of the contract's
        return (
            m["type"] == kind
            and (step_id is None or m.get("stepId") == step_id)
            and (fired is None or m.get("fired") == fired)
        )

    return match


def _finished(wf: Workflow, arn: str) -> dict[str, Any] | None:
    d = wf.describe(arn)
    return d if d["status"] != "RUNNING" else None


LONG = {"kind": "repeat", "afterSeconds": 600}


def _start_step(
    wf: Workflow, queue: QueueReader, step_id: str, timer: dict[str, Any] = LONG
) -> str:
    """Answer the step's start Timer; return the agency task's token."""
    start = queue.next(_is("timer", step_id, "start"))
    wf.send_success(start["taskToken"], timer)
    return str(queue.next(_is("agency_task", step_id))["taskToken"])


def test_stages_run_in_order_and_a_parallel_group_is_handed_out_at_once(aws: Outputs) -> None:
    wf = Workflow()
    queue = QueueReader(aws.workflow_queue_url)
    arn = wf.start(CODE, _input())

    # GIVEN the first stage: the Timer is asked first, with the step's context
    start = queue.next(_is("timer", "review", "start"))
    assert {k: v for k, v in start.items() if k != "taskToken"} == {
        "type": "timer",
        "fired": "start",
        "dossierId": "D-1",
        "dossierCode": CODE,
        "stepId": "review",
        "stageIndex": 0,
        "agency": "H15.50",
    }
    wf.send_success(start["taskToken"], LONG)
    review = queue.next(_is("agency_task", "review"))
    assert review["alarm"] == "repeat"
    wf.send_success(review["taskToken"], {"outcome": "approve"})

    # WHEN the parallel stage starts THEN both agencies get their task before either answers
    a = _start_step(wf, queue, "opinion-a")
    b = _start_step(wf, queue, "opinion-b")
    assert a != b
    wf.send_success(b, {"outcome": "approve"})
    wf.send_success(a, {"outcome": "approve"})

    # AND after the last stage the dossier is processed and the execution ends
    wf.send_success(_start_step(wf, queue, "sign"), {"outcome": "approve"})
    assert queue.next(_is("dossier_processed")) == {
        "type": "dossier_processed",
        "dossierId": "D-1",
        "dossierCode": CODE,
    }
    assert wait_for(lambda: _finished(wf, arn))["status"] == "SUCCEEDED"

    # a retried start is not a second execution, and a finished execution's token is stale
    assert wf.start(CODE, _input()) == arn
    listed = wf.client.list_executions(stateMachineArn=aws.state_machine_arn)["executions"]
    assert [e["executionArn"] for e in listed] == [arn]
    with pytest.raises(StaleTaskToken):
        wf.send_success(a, {"outcome": "approve"})


def test_a_deadline_re_asks_the_timer_and_reissues_the_task(aws: Outputs) -> None:
    wf = Workflow()
    queue = QueueReader(aws.workflow_queue_url)
    arn = wf.start(CODE, _input(stages=[[{"stepId": "review", "agency": "H15.50"}]]))
    first = _start_step(wf, queue, "review", {"kind": "step_overdue", "afterSeconds": 1})

    # WHEN the second passes: the Timer hears which alarm expired; the step keeps waiting
    alarm = queue.next(_is("timer", "review", "step_overdue"))
    wf.send_success(alarm["taskToken"], LONG)
    second = queue.next(_is("agency_task", "review"))
    assert second["taskToken"] != first
    with pytest.raises(StaleTaskToken):
        wf.send_success(first, {"outcome": "approve"})
    assert wf.describe(arn)["status"] == "RUNNING"  # lateness never fails the dossier

    # a rearm (dates moved) asks the Timer again without recording an alarm
    wf.send_success(second["taskToken"], {"outcome": "rearm"})
    rearm = queue.next(_is("timer", "review", "rearm"))
    wf.send_success(rearm["taskToken"], LONG)
    third = queue.next(_is("agency_task", "review"))
    wf.send_success(third["taskToken"], {"outcome": "approve"})
    assert wait_for(lambda: _finished(wf, arn))["status"] == "SUCCEEDED"


def test_return_goes_back_one_stage(aws: Outputs) -> None:
    wf = Workflow()
    queue = QueueReader(aws.workflow_queue_url)
    arn = wf.start(CODE, _input())
    wf.send_success(_start_step(wf, queue, "review"), {"outcome": "approve"})
    a = _start_step(wf, queue, "opinion-a")
    b = _start_step(wf, queue, "opinion-b")

    # WHEN one step of the group returns and the other approves
    wf.send_success(a, {"outcome": "return"})
    wf.send_success(b, {"outcome": "approve"})

    # THEN the previous stage runs again, then the whole group, then the rest
    wf.send_success(_start_step(wf, queue, "review"), {"outcome": "approve"})
    wf.send_success(_start_step(wf, queue, "opinion-a"), {"outcome": "approve"})
    wf.send_success(_start_step(wf, queue, "opinion-b"), {"outcome": "approve"})
    wf.send_success(_start_step(wf, queue, "sign"), {"outcome": "approve"})
    queue.next(_is("dossier_processed"))
    assert wait_for(lambda: _finished(wf, arn))["status"] == "SUCCEEDED"


def test_the_applicant_turn_resumes_or_times_out(aws: Outputs) -> None:
    wf = Workflow()
    queue = QueueReader(aws.workflow_queue_url)
    arn = wf.start(CODE, _input(stages=[[{"stepId": "review", "agency": "H15.50"}]]))
    task = _start_step(wf, queue, "review")

    # WHEN the agency asks for a supplement: the execution waits for the applicant
    wf.send_success(task, {"outcome": "await", "kind": "supplement", "waitSeconds": 600})
    wait = queue.next(_is("applicant_wait", "review"))
    assert wait["kind"] == "supplement"
    wf.send_success(wait["taskToken"], {"outcome": "resume"})

    # THEN the step is re-timed and handed out again
    resumed = queue.next(_is("timer", "review", "resume"))
    wf.send_success(resumed["taskToken"], LONG)
    task = str(queue.next(_is("agency_task", "review"))["taskToken"])

    # WHEN the next wait expires (the applicant's own deadline) THEN the service is told and the
    # execution ends cleanly
    wf.send_success(task, {"outcome": "await", "kind": "fee", "waitSeconds": 1})
    timeout = queue.next(_is("applicant_timeout", "review"), timeout=15)
    assert timeout["kind"] == "fee"
    assert wait_for(lambda: _finished(wf, arn), timeout=15)["status"] == "SUCCEEDED"


def test_a_fee_owed_at_receipt_is_awaited_before_the_stages(aws: Outputs) -> None:
    wf = Workflow()
    queue = QueueReader(aws.workflow_queue_url)
    arn = wf.start(CODE, _input(awaitFee=True, feeWaitSeconds=600))
    wait = queue.next(_is("applicant_wait"))
    assert wait["kind"] == "fee" and wait["stepId"] is None
    with pytest.raises(AssertionError):  # no step starts while the fee is owed
        queue.next(_is("timer"), timeout=1)
    wf.send_success(wait["taskToken"], {"outcome": "resume"})
    queue.next(_is("timer", "review", "start"))
    assert wf.describe(arn)["status"] == "RUNNING"


def test_end_finishes_every_branch_of_a_parallel_group(aws: Outputs) -> None:
    wf = Workflow()
    queue = QueueReader(aws.workflow_queue_url)
    arn = wf.start(CODE, _input())
    wf.send_success(_start_step(wf, queue, "review"), {"outcome": "approve"})
    a = _start_step(wf, queue, "opinion-a")
    b = _start_step(wf, queue, "opinion-b")
    wf.send_success(a, {"outcome": "approve"})
    wf.send_success(b, {"outcome": "end"})  # withdrawn or stopped meanwhile
    assert wait_for(lambda: _finished(wf, arn))["status"] == "SUCCEEDED"
    with pytest.raises(AssertionError):
        queue.next(_is("timer", "sign"), timeout=1)  # nothing after an ending


def test_an_unknown_outcome_fails_loudly(aws: Outputs) -> None:
    wf = Workflow()
    queue = QueueReader(aws.workflow_queue_url)
    arn = wf.start(CODE, _input(stages=[[{"stepId": "review", "agency": "H15.50"}]]))
    wf.send_success(_start_step(wf, queue, "review"), {"outcome": "maybe"})
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
    first = data["stages"][0][0]["stepId"]
    timer = QueueReader(aws.workflow_queue_url).next(_is("timer", first, "start"))
    assert timer["dossierCode"] == data["dossierCode"]


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
    assert seen[0]["type"] == "timer" and seen[0]["stepId"] == "review"

    from chalicelib import aws as clients

    sqs = clients.client("sqs")
    sqs.send_message(QueueUrl=aws.workflow_queue_url, MessageBody='{"type": "boom"}')
    with pytest.raises(RuntimeError):
        drain(aws.workflow_queue_url, on_workflow_message)
    left = sqs.receive_message(QueueUrl=aws.workflow_queue_url, WaitTimeSeconds=0)["Messages"]
    assert json.loads(left[0]["Body"]) == {"type": "boom"}  # not deleted: Lambda would retry it
