"""The remaining stages of a restarted workflow (chalicelib.domain.workflow_restart)."""

from __future__ import annotations

from datetime import UTC, datetime

from chalicelib.domain.dossier import DossierStep, HistoryEvent, StepState
from chalicelib.domain.workflow_restart import (
    latest_workflow_event,
    remaining_stages,
    restart_count,
    restart_suffix,
)
from chalicelib.workflow.executions import execution_name

D, A, W = StepState.DONE, StepState.ACTIVE, StepState.WAITING


def _steps(*spec: tuple[str, int, StepState]) -> list[DossierStep]:
    return [DossierStep(step_id=i, agency="H33.03", name=i, stage=g, state=s) for i, g, s in spec]


def _ids(stages: list[list[DossierStep]]) -> list[list[str]]:
    return [[s.step_id for s in g] for g in stages]


def test_done_stages_are_left_out_and_the_rest_renumbered_from_zero() -> None:
    r = remaining_stages(_steps(("a", 0, D), ("b", 1, A), ("c", 2, W)))
    assert _ids(r.stages) == [["b"], ["c"]]
    assert r.return_floor == 1  # stage 1 is whole in the new execution: c may return to it


def test_a_partial_parallel_group_keeps_only_its_unfinished_steps() -> None:
    r = remaining_stages(_steps(("a", 0, D), ("b1", 1, D), ("b2", 1, A), ("b3", 1, W), ("c", 2, W)))
    assert _ids(r.stages) == [["b2", "b3"], ["c"]]
    assert r.return_floor == 2  # b1 would not run again: no return into stage 1


def test_a_returned_dossier_reruns_the_earlier_stage() -> None:
    r = remaining_stages(_steps(("a", 0, W), ("b", 1, W), ("c", 2, W)))
    assert _ids(r.stages) == [["a"], ["b"], ["c"]]
    assert r.return_floor == 0


def test_nothing_left_gives_no_stages() -> None:
    r = remaining_stages(_steps(("a", 0, D), ("b", 1, D)))
    assert r.stages == []
    assert remaining_stages([]).stages == []


def _ev(action: str) -> HistoryEvent:
    return HistoryEvent(at=datetime.now(UTC), actor="x", actor_role="admin", action=action)


def test_latest_workflow_event_and_restart_names() -> None:
    assert latest_workflow_event([_ev("received")]) is None
    h = [_ev("workflow_failed"), _ev("transferred")]
    assert latest_workflow_event(h) == "workflow_failed"
    h.append(_ev("workflow_restarted"))
    assert latest_workflow_event(h) == "workflow_restarted"
    assert restart_count(h) == 1
    assert restart_suffix(0) == "" and restart_suffix(2) == "-r2"
    assert execution_name("H33.50-261130-0001", "-r1") == "H33.50-261130-0001-r1"
    long = execution_name("X" * 200, "-r12")
    assert len(long) == 80 and long.endswith("-r12")
