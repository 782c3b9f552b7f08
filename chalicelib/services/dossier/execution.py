"""A dossier's execution as the services see it: starting it, the task tokens it holds, and the
pauses the applicant's side opens and closes.

The small steps that several use cases share (the desk's receipt, processing, decisions, online
payment) live here, below all of them, so none of those use cases imports another to reach them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.domain import deadlines
from chalicelib.domain.dossier import Dossier, DossierStep, Handover, StepState
from chalicelib.domain.statuses import DossierStatus
from chalicelib.store.table import AgencyTask
from chalicelib.workflow.messages import (
    AwaitOutcome,
    EndOutcome,
    ExecutionInput,
    RearmOutcome,
    ResumeOutcome,
    StageStep,
    TaskOutput,
    parse_outcome,
)

if TYPE_CHECKING:
    from datetime import datetime

    from chalicelib.services.container import Deps

S = DossierStatus
ENDED = frozenset({S.REFUSED, S.WITHDRAWN, S.STOPPED, S.PROCESSED, S.RETURNED})
PAUSED = frozenset({S.SUPPLEMENT_REQUESTED, S.AWAITING_FEE})


def applicant_waits(deps: Deps) -> Any:
    """The applicant-wait tokens, from the store (an in-memory twin in the fast tests)."""
    return deps.store.wait_tokens()


def send_output(deps: Deps, token: str | None, output: TaskOutput) -> bool:
    """SendTaskSuccess; a token that already timed out is not an error (see design: tokens)."""
    from chalicelib.workflow.executions import StaleTaskToken

    if not token:
        return False
    try:
        deps.workflow.send_success(token, output.wire())
    except StaleTaskToken:
        return False
    return True


def open_handover(d: Dossier, step_id: str) -> int | None:
    for i in range(len(d.handovers) - 1, -1, -1):
        h = d.handovers[i]
        if h.step_id == step_id and h.finished_at is None:
            return i
    return None


def task_with(task: AgencyTask, **changes: Any) -> AgencyTask:
    return AgencyTask(**{**task.__dict__, **changes})


def is_waiting_for_applicant(d: Dossier) -> bool:
    return d.status in PAUSED and deadlines.open_pause(d.pauses) is not None


def resume_after_applicant(deps: Deps, d: Dossier) -> None:
    """After the commit that closed the pause: wake the waiting step and re-time the others."""
    waits = applicant_waits(deps)
    held = waits.get(d.id)
    if held is not None and send_output(deps, held[1], ResumeOutcome()):
        waits.delete(d.id, held[1])
    rearm_open_tasks(deps, d)


def rearm_open_tasks(deps: Deps, d: Dossier) -> None:
    """Dates moved (pause closed, extension approved): every waiting agency re-times its wait."""
    for s in d.steps:
        if s.state is not StepState.ACTIVE:
            continue
        task = deps.store.get_task(d.id, s.step_id)
        if task is not None and task.state == "open" and task.token:
            send_output(deps, task.token, RearmOutcome())


def close_pause_updates(deps: Deps, d: Dossier, now: datetime) -> dict[str, Any]:
    """Close the clock pause; every running deadline moves by exactly the paused working time.

    A dossier received after office hours is received, legally, at the next working instant, and
    a fee owed at receipt pauses the clock from then: paid before that instant (the same evening),
    the pause is empty rather than ending before it began."""
    current = deadlines.open_pause(d.pauses)
    if current is not None and now < current.start:
        now = current.start
    pauses = deadlines.close_pause(d.pauses, now)
    closed = pauses[-1]
    shift = deps.calendar
    steps = [
        s.model_copy(
            update={
                "due_at": deadlines.shift_by_pause(s.due_at, closed, shift),
                "warn_at": deadlines.shift_by_pause(s.warn_at, closed, shift),
            }
        )
        if s.state is StepState.ACTIVE
        else s
        for s in d.steps
    ]
    handovers = list(d.handovers)
    reopened = {
        h.step_id
        for h in d.handovers
        if h.outcome in ("supplement", "fee") and h.finished_at is not None
    }
    for s in steps:
        if (
            s.state is StepState.ACTIVE
            and s.step_id in reopened
            and open_handover(d, s.step_id) is None
        ):
            handovers.append(
                Handover(
                    step_id=s.step_id,
                    step_name=s.name,
                    stage=s.stage,
                    from_unit="applicant",
                    to_agency=s.agency,
                    sent_by="applicant",
                    sent_at=now,
                    due_at=s.due_at,
                )
            )
    return {
        "pauses": pauses,
        "steps": steps,
        "handovers": handovers,
        "appointment_at": deadlines.shift_by_pause(d.appointment_at, closed, shift),
        "supplement_due_at": None,
    }


def release_awaiting_tasks(deps: Deps, d: Dossier) -> list[AgencyTask]:
    """Tasks that handed the dossier to the applicant forget that outcome when the pause closes, so
    the token delivered after the resume opens the task again (written in the same transaction)."""
    out: list[AgencyTask] = []
    for s in d.steps:
        task = deps.store.get_task(d.id, s.step_id)
        if (
            task is not None
            and task.outcome
            and isinstance(parse_outcome(task.outcome), AwaitOutcome)
        ):
            out.append(task_with(task, state="waiting", outcome=None, token=None))
    return out


def end_tasks(deps: Deps, d: Dossier) -> list[AgencyTask]:
    """Open or waiting tasks of a dossier that has ended, marked done with outcome end (the next
    token delivery answers end); written in the ending transaction."""
    out: list[AgencyTask] = []
    for s in d.steps:
        task = deps.store.get_task(d.id, s.step_id)
        if task is not None and task.state != "done":
            out.append(task_with(task, state="done", outcome=EndOutcome().wire()))
    return out


def signal_end(deps: Deps, ended: list[AgencyTask], dossier_id: str) -> None:
    """After the ending commit: every held token gets outcome end, so the execution finishes."""
    for t in ended:
        send_output(deps, t.token, EndOutcome())
    waits = applicant_waits(deps)
    held = waits.get(dossier_id)
    if held is not None and send_output(deps, held[1], EndOutcome()):
        waits.delete(dossier_id, held[1])


def start_execution(
    deps: Deps,
    d: Dossier,
    groups: list[list[DossierStep]] | None = None,
    suffix: str = "",
) -> None:
    """Execution name = dossier code, so a retried start cannot create a second execution.

    Input: the stages (each a list of steps; more than one = a parallel group) and whether a fee
    must be paid first. Every deadline is asked of the service when a step starts (Timer).
    `groups` replaces the dossier's stages (an administrator's restart runs only the remaining
    ones) and `suffix` names that execution apart (`-r<n>`).
    """
    import math

    assert d.code
    if groups is None:
        groups = []
        for s in sorted(d.steps, key=lambda s: s.stage):
            while len(groups) <= s.stage:
                groups.append([])
            groups[s.stage].append(s)
    await_fee = d.status is S.AWAITING_FEE and d.fee is not None and d.fee.paid_at is None
    wait = 1
    if await_fee and d.supplement_due_at is not None:
        wait = max(1, math.ceil((d.supplement_due_at - deps.wall_clock()).total_seconds()))
    execution = ExecutionInput(
        dossier_id=d.id,
        dossier_code=d.code,
        stages=[[StageStep(step_id=s.step_id, agency=s.agency) for s in g] for g in groups],
        await_fee=await_fee,
        fee_wait_seconds=wait,
    )
    deps.workflow.start(d.code, execution.wire(), suffix=suffix)
