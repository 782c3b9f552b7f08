"""The dossier services (`dossiers`, `processing`, `decisions`) over the in-memory twins, no moto:
the spine from an online submission to the processed dossier, the optimistic lock and the
all-or-nothing transaction, retries that must not apply twice, a supplement that pauses the clock,
and the decisions outside the step flow (extension, withdrawal).

The state machine is played by the test (tests/support/service_journeys.py); the moto suite keeps
testing the real store, the ASL and the adapters (tests/integration/test_memory_twin.py compares
this twin with the DynamoDB store).
"""

from __future__ import annotations

from typing import Any

import pytest

from chalicelib.domain.dossier import HistoryEvent, StepState
from chalicelib.domain.errors import Conflict
from chalicelib.domain.statuses import DossierStatus as S
from chalicelib.services.dossier import decisions, dossiers, processing
from chalicelib.services.models import CompleteStepIn, DecisionIn, ExtensionIn, WithdrawIn
from chalicelib.store.sequences import sequence_key
from chalicelib.store.table import AgencyTask, Change
from tests.support.memory import memory_deps
from tests.support.service_journeys import (
    AGENCY,
    CITIZEN,
    DESK,
    FEE_PAID,
    LEAD,
    LEADER,
    PROC,
    Clock,
    approve,
    deliver,
    open_first_task,
    spine,
    step_message,
    submit_online,
    vn,
)

pytestmark = pytest.mark.unit

MONTH = "2026-11"


@pytest.fixture
def clock() -> Clock:
    return Clock(vn(10, 9))  # Tue 10/11/2026 09:00 in Vietnam, a working day


@pytest.fixture
def deps(clock: Clock) -> Any:
    return memory_deps(clock)


def received(deps: Any) -> Any:
    """Submitted online and accepted at the desk with the fee paid there (status 2)."""
    return dossiers.accept(deps, DESK, submit_online(deps).id, FEE_PAID)


def counts(deps: Any) -> dict[str, int]:
    return deps.store.counters(LEAD, MONTH).get(PROC, {})


# ---- the spine -----------------------------------------------------------------------------------
def test_online_submission_to_processed_dossier(deps: Any, clock: Clock) -> None:
    out = spine(deps, clock)

    assert out["statuses"] == [1, 2, 4, 9]
    assert out["code"] == "H33.50-261110-0001"  # unit, VN date, first of the day
    # 3 working days from Tue 09:00: Fri 13/11 09:00 (VN); the step's window from its start
    assert out["appointment_at"] == vn(13, 9)
    assert out["step_due_at"] == vn(13, 9, 5)
    assert [a for a, _, _ in out["history"]] == [
        "submitted",
        "received",
        "transferred",
        "processing",
        "step_completed",
        "processed",
    ]
    assert out["people"] == {"motcua": "Lê Thị Mai", "sokhdt": "Trần Văn Bình"}
    c = out["counters"][PROC]
    assert c["submitted"] == c["received"] == c["processing_started"] == 1
    assert c["received_channel_2"] == 1  # online
    assert (c["steps_done"], c["processed"], c["processed_on_time"]) == (1, 1, 1)
    assert "steps_late" not in c
    assert out["task"] == ("done", {"outcome": "approve"}, 3)
    # the Timer got the earliest alarm: the dossier's warning, 1 working day before its Fri 09:00
    # appointment (5 minutes before the step's own), in wall seconds; the task got the approval
    assert out["answers"] == [
        {"kind": "dossier_due_soon", "afterSeconds": 2 * 86400 - 300},
        {"outcome": "approve"},
    ]
    assert out["register"] == ["H33.50-261110-0001"]


def test_the_execution_is_started_with_the_dossiers_stages(deps: Any) -> None:
    d = received(deps)
    assert d.status is S.RECEIVED
    assert d.fee is not None and d.fee.receipt_no == "BL-TEST-1"
    started = deps.workflow.execution_input(d.code)
    assert started["dossierId"] == d.id
    assert started["stages"] == [[{"stepId": d.steps[0].step_id, "agency": LEAD}]]
    assert started["awaitFee"] is False


def test_receipts_of_a_day_are_numbered_without_gaps_even_when_a_number_is_taken(
    deps: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = received(deps)
    second_draft = submit_online(deps)
    # Another desk took number 2 between our read and our transaction: read a stale counter once.
    real = deps.store.current_sequence
    stale = iter([1])
    taken = [False]

    def racing(key: str) -> int:
        value = next(stale, None)
        if value is None:
            return int(real(key))
        deps.store.sequences[key] = 2  # the other receipt committed number 2
        taken[0] = True
        return value

    monkeypatch.setattr(deps.store, "current_sequence", racing)
    second = dossiers.accept(deps, DESK, second_draft.id, FEE_PAID)
    assert taken[0]
    assert first.code is not None and first.code.endswith("-0001")
    assert second.code is not None and second.code.endswith("-0003")  # retried past the taken 2
    assert counts(deps)["received"] == 2


# ---- optimistic locking, all or nothing ---------------------------------------------------------
def test_a_stale_version_is_refused_and_nothing_is_written(deps: Any) -> None:
    d = received(deps)
    history = len(deps.store.history(d.id))
    before = dict(counts(deps))
    stale = Change(
        dossier=d.model_copy(update={"status": S.REFUSED}),
        expected_version=d.version - 1,
        events=[],
        counters=[(LEAD, MONTH, "refused")],
    )
    with pytest.raises(Conflict) as refused:
        deps.store.apply(stale)
    assert refused.value.code == "version_conflict"
    assert refused.value.status == 409
    with pytest.raises(Conflict):
        deps.store.save_dossier(d.model_copy(update={"form_data": {}}), d.version - 1)
    kept = deps.store.get_dossier(d.id)
    assert (kept.status, kept.version) == (S.RECEIVED, d.version)
    assert len(deps.store.history(d.id)) == history
    assert counts(deps) == before


def test_a_transaction_with_one_stale_part_writes_none_of_it(deps: Any) -> None:
    d = received(deps)
    open_first_task(deps, d)
    d = deps.store.get_dossier(d.id)
    task = deps.store.get_task(d.id, d.steps[0].step_id)
    applied = deps.store.applied
    # The dossier's version is right, the task's is not (someone wrote it since): nothing lands.
    change = Change(
        dossier=d.model_copy(update={"status": S.PROCESSED}),
        expected_version=d.version,
        events=[HistoryEvent(at=d.created_at, actor="x", actor_role="agency", action="x")],
        counters=[(LEAD, MONTH, "processed")],
        tasks=[AgencyTask(**{**task.__dict__, "version": task.version - 1})],
    )
    with pytest.raises(Conflict):
        deps.store.apply(change)
    assert deps.store.applied == applied
    assert deps.store.get_dossier(d.id).version == d.version
    assert "x" not in [e.action for e in deps.store.history(d.id)]
    assert "processed" not in counts(deps)
    assert deps.store.get_task(d.id, task.step_id).version == task.version


def test_what_a_caller_changes_in_what_it_read_is_not_stored_until_saved(deps: Any) -> None:
    d = submit_online(deps)
    d.attachments.clear()  # as request_upload appends to what it read
    assert deps.store.get_dossier(d.id).attachments


# ---- retries -------------------------------------------------------------------------------------
def test_accepting_again_only_retries_the_start(deps: Any) -> None:
    d = received(deps)
    again = dossiers.accept(deps, DESK, d.id, FEE_PAID)
    assert (again.code, again.version) == (d.code, d.version)
    assert counts(deps)["received"] == 1
    assert d.received_at is not None
    assert deps.store.current_sequence(sequence_key("H33.50", d.received_at)) == 1
    assert len(deps.workflow.executions) == 1
    assert [e.action for e in deps.store.history(d.id)].count("received") == 1


def test_redelivered_workflow_messages_do_not_apply_twice(deps: Any) -> None:
    d = received(deps)
    _, first_token = open_first_task(deps, d)
    opened = deps.store.get_dossier(d.id)
    events = len(deps.store.history(d.id))

    # the Timer's start again (SQS delivers at least once): answered, the step not restarted
    again = deliver(deps, step_message(d, "timer", fired="start"))
    assert deps.workflow.answers[again]["kind"] == "step_due_soon"
    now = deps.store.get_dossier(d.id)
    assert now.steps[0].rounds == 1 and len(now.handovers) == 1
    assert now.version == opened.version
    assert len(deps.store.history(d.id)) == events
    assert counts(deps)["processing_started"] == 1

    # the agency task again with a newer token: the newest is kept, nothing else changes
    newer = deliver(deps, step_message(d, "agency_task", alarm="step_due_soon"))
    assert deps.store.get_task(d.id, d.steps[0].step_id).token == newer
    done = approve(deps, deps.store.get_dossier(d.id))
    assert done.status is S.PROCESSED
    assert deps.workflow.answers[newer] == {"outcome": "approve"}
    assert first_token not in deps.workflow.answers

    # the agency's request repeated: refused, counted once
    with pytest.raises(Conflict) as repeated:
        approve(deps, done)
    assert repeated.value.code == "step_not_open"
    assert counts(deps)["steps_done"] == 1
    assert counts(deps)["processed"] == 1


# ---- the applicant's turn ------------------------------------------------------------------------
def test_a_supplement_request_pauses_the_clock(deps: Any, clock: Clock) -> None:
    d = received(deps)
    _, task_token = open_first_task(deps, d)
    step_id = d.steps[0].step_id

    clock.at = vn(10, 10)  # Tue 10:00: the agency asks for a paper
    asked = processing.complete_step(
        deps,
        AGENCY,
        d.id,
        step_id,
        CompleteStepIn(outcome="supplement", note="Bổ sung bản sao giấy phép."),
    )
    assert asked.status is S.SUPPLEMENT_REQUESTED
    assert deps.workflow.answers[task_token]["outcome"] == "await"
    assert deps.workflow.answers[task_token]["kind"] == "supplement"
    wait = deliver(
        deps,
        {
            **step_message(asked, "applicant_wait"),
            "kind": "supplement",
        },
    )
    assert deps.store.waits.get(d.id) == ("supplement", wait)

    clock.at = vn(12, 10)  # Thu 10:00: two working days later the applicant hands it back
    back = dossiers.submit(deps, CITIZEN, d.id)
    assert back.status is S.PROCESSING
    # the step's due time and the appointment move by exactly the paused two working days,
    # over the weekend: Fri 13/11 09:00 -> Tue 17/11 09:00
    assert back.steps[0].due_at == vn(17, 9)
    assert back.appointment_at == vn(17, 9)
    assert back.pauses[-1].start == vn(10, 10) and back.pauses[-1].end == vn(12, 10)
    assert deps.workflow.answers[wait] == {"outcome": "resume"}
    assert deps.store.waits.get(d.id) is None
    task = deps.store.get_task(d.id, step_id)
    assert (task.state, task.outcome) == ("waiting", None)
    reopened = deliver(deps, step_message(back, "agency_task", alarm="step_due_soon"))
    assert deps.store.get_task(d.id, step_id).state == "open"
    assert reopened not in deps.workflow.answers  # held for the agency, not answered
    assert counts(deps)["supplement_requested"] == 1
    assert counts(deps)["supplemented"] == 1


# ---- decisions -----------------------------------------------------------------------------------
def test_an_approved_extension_moves_the_appointment_and_rearms_the_task(
    deps: Any, clock: Clock
) -> None:
    d = received(deps)
    _, task_token = open_first_task(deps, d)
    clock.at = vn(12, 9)
    proposed = decisions.propose_extension(
        deps,
        AGENCY,
        d.id,
        ExtensionIn(reason="Cần xác minh thêm tại thực địa.", new_appointment_at=vn(20, 9)),
    )
    assert proposed.appointment_at == vn(13, 9)  # only proposed
    decided = decisions.decide_extension(
        deps, LEADER, d.id, DecisionIn(approve=True, note="Đồng ý")
    )
    assert decided.appointment_at == vn(20, 9)
    assert decided.original_appointment_at == vn(13, 9)
    assert deps.workflow.answers[task_token] == {"outcome": "rearm"}
    assert counts(deps)["extended"] == 1
    actions = [e.action for e in deps.store.history(d.id)]
    assert actions[-3:] == ["extension_proposed", "extension_approved", "citizen_notified"]
    with pytest.raises(Conflict) as twice:
        decisions.decide_extension(deps, LEADER, d.id, DecisionIn(approve=True))
    assert counts(deps)["extended"] == 1, twice.value.code


def test_withdrawal_during_processing_ends_the_task_and_the_execution(deps: Any) -> None:
    d = received(deps)
    _, task_token = open_first_task(deps, d)
    out = decisions.withdraw(deps, CITIZEN, d.id, WithdrawIn(reason="Không còn nhu cầu."))
    assert out.status is S.WITHDRAWN
    assert out.steps[0].state is StepState.DONE
    assert out.retention_until is not None  # final: its retention end is set once, on commit
    task = deps.store.get_task(d.id, d.steps[0].step_id)
    assert (task.state, task.outcome) == ("done", {"outcome": "end"})
    assert deps.workflow.answers[task_token] == {"outcome": "end"}
    assert counts(deps)["withdrawn"] == 1
    # a late token for the ended dossier is answered "end" at once
    late = deliver(deps, step_message(out, "agency_task", alarm="step_due_soon"))
    assert deps.workflow.answers[late] == {"outcome": "end"}
