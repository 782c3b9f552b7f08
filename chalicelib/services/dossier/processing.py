"""Processing by agencies: steps, stages, deadlines and the workflow's messages.

The state machine owns the order (stages, parallel groups, waiting); this module owns every legal
decision: when a step is due, whether an alarm is real, what an outcome does to the dossier. Each
workflow question (Timer, agency task, applicant wait) is answered here with SendTaskSuccess, after
the dossier's transaction has committed, so a crash in between only repeats an idempotent answer.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, assert_never

from chalicelib.domain import deadlines, supplements, workflow_restart
from chalicelib.domain.actors import SYSTEM, Actor
from chalicelib.domain.deadlines import warn_at
from chalicelib.domain.dossier import (
    Dossier,
    DossierStep,
    FeeDue,
    Handover,
    HistoryEvent,
    StepState,
)
from chalicelib.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from chalicelib.domain.history import month_key, new_event
from chalicelib.domain.permissions import Related, require
from chalicelib.domain.permissions import role_permits as may
from chalicelib.domain.statuses import DossierStatus, check_transition
from chalicelib.services.container import Deps
from chalicelib.services.dossier.access import load_for
from chalicelib.services.dossier.execution import (
    ENDED,
    PAUSED,
    applicant_waits,
    is_waiting_for_applicant,
    open_handover,
    send_output,
    start_execution,
    task_with,
)
from chalicelib.services.models import CompleteStepIn
from chalicelib.store.table import AgencyTask, Change
from chalicelib.workflow.messages import (
    AgencyTaskMessage,
    ApplicantTimeoutMessage,
    ApplicantWaitMessage,
    ApproveOutcome,
    AwaitOutcome,
    DossierProcessedMessage,
    EndOutcome,
    NextTimer,
    PauseKind,
    ResendOutcomeMessage,
    ResumeOutcome,
    ReturnOutcome,
    StepOutcome,
    TimerEnd,
    TimerMessage,
    WorkflowFailedMessage,
    WorkflowMessage,
    parse_outcome,
)

S = DossierStatus
ALARM_KINDS = frozenset(
    {"step_due_soon", "step_overdue", "dossier_due_soon", "dossier_overdue", "repeat"}
)

ALARM_TEXT = {
    "step_due_soon": "Bước xử lý sắp đến hạn",
    "step_overdue": "Bước xử lý quá hạn",
    "dossier_due_soon": "Hồ sơ sắp đến hạn trả kết quả",
    "dossier_overdue": "Hồ sơ quá hạn trả kết quả",
    "repeat": "Bước xử lý vẫn quá hạn",
}


# ---- small helpers ------------------------------------------------------------------------
def _retry(fn: Callable[[], Any], attempts: int = 6) -> Any:
    """Re-read and retry on an optimistic-lock conflict (a racing consumer or person)."""
    for i in range(attempts):
        try:
            return fn()
        except Conflict as exc:
            if (
                getattr(exc, "code", "") not in ("version_conflict", "conflict")
                or i == attempts - 1
            ):
                raise
    return None


def _seconds_until(deps: Deps, at: datetime) -> int:
    """Wall seconds Step Functions must wait for a legal instant (see Deps: two clocks)."""
    return max(1, math.ceil((at - deps.wall_clock()).total_seconds()))


def _step(d: Dossier, step_id: str) -> DossierStep:
    step = next((s for s in d.steps if s.step_id == step_id), None)
    if step is None:
        raise NotFound("Không tìm thấy bước xử lý.", "Step not found.", field="step_id")
    return step


def _replace_steps(d: Dossier, changed: Iterable[DossierStep]) -> list[DossierStep]:
    by_id = {s.step_id: s for s in changed}
    return [by_id.get(s.step_id, s) for s in d.steps]


def _close_handover(
    d: Dossier, step_id: str, now: datetime, by: str, outcome: str, note: str | None
) -> list[Handover]:
    out = list(d.handovers)
    i = open_handover(d, step_id)
    if i is not None:
        h = out[i]
        late = h.due_at is not None and now > h.due_at
        out[i] = h.model_copy(
            update={
                "finished_at": now,
                "finished_by": by,
                "outcome": outcome,
                "note": note,
                "late": late,
            }
        )
    return out


def _task(deps: Deps, d: Dossier, step: DossierStep) -> AgencyTask:
    task = deps.store.get_task(d.id, step.step_id)
    if task is not None:
        return task
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    return AgencyTask(
        dossier_id=d.id,
        step_id=step.step_id,
        agency=step.agency,
        dossier_code=d.code or "",
        procedure_code=d.procedure_code,
        procedure_name=proc.name,
        step_name=step.name,
        due_at="",
        state="waiting",
    )


# ---- the Timer: activation, alarms, the next deadline ------------------------------------
def _activate(deps: Deps, d: Dossier, step: DossierStep, now: datetime) -> Change:
    """The step really starts now: its allowance runs from here (lateness stays with its agency)."""
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    pstep = proc.step(step.step_id)
    if pstep is None:
        raise NotFound("Bước không thuộc thủ tục.", f"Unknown step {step.step_id}.")
    cal = deps.calendar
    start = cal.next_working_instant(now)
    due = cal.add(start, pstep.allowance)
    warn = warn_at(deps.calendar, deps.settings.warn_before_working_days, due, start)
    new_step = step.model_copy(
        update={
            "state": StepState.ACTIVE,
            "started_at": start,
            "due_at": due,
            "warn_at": warn,
            "finished_at": None,
            "late": False,
            "alarms_fired": [],
            "rounds": step.rounds + 1,
        }
    )
    previous = [s for s in d.steps if s.stage == step.stage - 1]
    from_unit = ", ".join(dict.fromkeys(s.agency for s in previous)) or d.receiving_unit
    sent_by = next(
        (
            h.finished_by
            for h in reversed(d.handovers)
            if h.finished_by and h.stage == step.stage - 1
        ),
        d.received_by or "system",
    )
    handover = Handover(
        step_id=step.step_id,
        step_name=step.name,
        stage=step.stage,
        from_unit=from_unit,
        to_agency=step.agency,
        sent_by=sent_by,
        sent_at=now,
        due_at=due,
    )
    status = d.status
    events = [
        new_event(SYSTEM, "transferred", None, None, step.name, agency=step.agency, at=deps.clock())
    ]
    counters: list[tuple[str, str, str]] = []
    if status is S.RECEIVED:
        status = check_transition(status, S.PROCESSING)
        events.append(
            new_event(SYSTEM, "processing", S.RECEIVED, status, agency=step.agency, at=deps.clock())
        )
        counters.append((d.lead_agency, month_key(now), "processing_started"))
    task = _task(deps, d, step)
    new_task = task_with(
        task,
        state="waiting",
        token=None,
        outcome=None,
        late=False,
        warned=False,
        due_at=due.isoformat(),
        warn_at=warn.isoformat(),
    )
    return Change(
        dossier=d.model_copy(
            update={
                "steps": _replace_steps(d, [new_step]),
                "status": status,
                "handovers": [*d.handovers, handover],
            }
        ),
        expected_version=d.version,
        events=events,
        counters=counters,
        tasks=[new_task],
    )


def _record_alarm(
    deps: Deps, d: Dossier, step: DossierStep, kind: str, now: datetime
) -> Change | None:
    """Record an alarm only if it is really due now (dates may have moved since it was armed)."""
    if d.status in PAUSED or step.state is not StepState.ACTIVE:
        return None
    targets = {
        "step_due_soon": step.warn_at,
        "step_overdue": step.due_at,
        "dossier_due_soon": _dossier_warn(deps, d),
        "dossier_overdue": d.appointment_at,
    }
    if kind == "repeat":
        if step.late:  # still overdue: remind again (history only, no state changes)
            deps.store.add_event(
                d.id,
                new_event(
                    SYSTEM,
                    "alarm_step_overdue_repeat",
                    None,
                    None,
                    ALARM_TEXT["repeat"],
                    agency=step.agency,
                    at=deps.clock(),
                ),
            )
        return None
    at = targets.get(kind)
    if at is None or now < at:
        return None
    if kind.startswith("step") and kind in step.alarms_fired:
        return None
    if kind.startswith("dossier") and kind in d.alarms_fired:
        return None
    task = _task(deps, d, step)
    counters: list[tuple[str, str, str]] = []
    if kind.startswith("step"):
        new_step = step.model_copy(
            update={
                "alarms_fired": [*step.alarms_fired, kind],
                "late": step.late or kind == "step_overdue",
            }
        )
        new_d = d.model_copy(update={"steps": _replace_steps(d, [new_step])})
        new_task = task_with(
            task,
            late=task.late or kind == "step_overdue",
            warned=task.warned or kind == "step_due_soon",
        )
        agency = step.agency
        if kind == "step_overdue":
            counters.append((step.agency, month_key(now), "steps_overdue"))
    else:
        new_d = d.model_copy(update={"alarms_fired": [*d.alarms_fired, kind]})
        new_task = task
        agency = d.lead_agency
    return Change(
        dossier=new_d,
        expected_version=d.version,
        events=[
            new_event(
                SYSTEM,
                f"alarm_{kind}",
                None,
                None,
                ALARM_TEXT[kind],
                agency=agency,
                at=deps.clock(),
            )
        ],
        counters=counters,
        tasks=[new_task] if new_task is not task else [],
    )


def _dossier_warn(deps: Deps, d: Dossier) -> datetime | None:
    if d.appointment_at is None:
        return None
    return warn_at(
        deps.calendar,
        deps.settings.warn_before_working_days,
        d.appointment_at,
        d.received_at or deps.clock(),
    )


def timer_answer(deps: Deps, d: Dossier, step: DossierStep) -> NextTimer | TimerEnd:
    """The next deadline for a waiting step (pure computation over the stored dates)."""
    if d.status is None or d.status in ENDED:
        return TimerEnd()
    t = deadlines.next_timer(
        deps.wall_clock(),  # the wait is wall time; tests move only the legal clock
        fired=frozenset([*step.alarms_fired, *d.alarms_fired]),
        step_warn_at=step.warn_at,
        step_due_at=step.due_at,
        dossier_warn_at=_dossier_warn(deps, d),
        dossier_due_at=d.appointment_at,
        repeat_seconds=deps.settings.repeat_overdue_seconds,
        paused=d.status in PAUSED,
    )
    return NextTimer(kind=t.kind, after_seconds=t.after_seconds)


def on_timer(deps: Deps, msg: TimerMessage) -> None:
    fired = msg.fired

    def attempt() -> NextTimer | TimerEnd:
        d = deps.store.get_dossier(msg.dossier_id)
        if d.status is None or d.status in ENDED:
            return TimerEnd()
        step = _step(d, msg.step_id)
        now = deps.clock()
        change: Change | None = None
        if fired == "start" and step.state is not StepState.ACTIVE:
            change = _activate(deps, d, step, now)
        elif fired in ALARM_KINDS:
            change = _record_alarm(deps, d, step, fired, now)
        if change is not None:
            d = deps.store.apply(change)
            step = _step(d, step.step_id)
            if fired in ALARM_KINDS:  # the console's alert feed (idempotent per alarm)
                from chalicelib.services.care.alerts import record_alert

                agency = step.agency if fired.startswith("step") else d.lead_agency
                record_alert(deps, agency, fired, d.id, d.code or "", step.step_id, now)
        return timer_answer(deps, d, step)

    send_output(deps, msg.task_token, _retry(attempt))


# ---- agency tasks --------------------------------------------------------------------------
def on_agency_task(deps: Deps, msg: AgencyTaskMessage) -> None:
    """A step's token arrived: keep the newest, or answer at once with an earlier outcome."""

    def attempt() -> StepOutcome | None:
        d = deps.store.get_dossier(msg.dossier_id)
        step = _step(d, msg.step_id)
        task = _task(deps, d, step)
        if d.status is None or d.status in ENDED:
            return EndOutcome()
        if task.outcome is not None and task.state in ("done", "waiting"):
            return parse_outcome(task.outcome)
        deps.store.put_task(
            task_with(task, token=msg.task_token, state="open"), task.version or None
        )
        return None

    answer = _retry(attempt)
    if answer is not None:
        send_output(deps, msg.task_token, answer)


def list_tasks(deps: Deps, actor: Actor) -> list[AgencyTask]:
    if not may(actor, "dossier.agency.tasks") or not actor.unit:
        raise Forbidden("Chỉ cán bộ cơ quan giải quyết.", "Agency staff only.")
    return deps.store.list_agency_tasks(actor.unit)


def _check_agency(actor: Actor) -> None:
    if not may(actor, "dossier.agency.complete"):
        raise Forbidden("Chỉ cán bộ cơ quan giải quyết.", "Agency staff only.")


def complete_step(
    deps: Deps, actor: Actor, dossier_id: str, step_id: str, req: CompleteStepIn
) -> Dossier:
    """An agency's outcome for its step: approve, return, supplement, fee (or propose to stop).

    The outcome is committed on the task item first, then sent to the workflow; if the token has
    just timed out into an alarm, the next token delivery sends the recorded outcome.
    """
    _check_agency(actor)
    d = load_for(deps, dossier_id, actor)
    task = deps.store.get_task(d.id, step_id)
    step_missing = NotFound("Không tìm thấy bước xử lý.", "Step not found.", field="step_id")
    if task is None:
        raise step_missing
    # the step's own agency (the administrator everywhere); another agency's step is not found
    require(
        actor, "dossier.agency.complete", Related.of(units=[task.agency]), otherwise=step_missing
    )
    if req.outcome == "stop":
        from chalicelib.services.dossier import decisions

        return decisions.propose_stop(deps, actor, d, task.agency, req.note or "")
    step = _step(d, step_id)
    if task.state != "open" or not task.token or step.state is not StepState.ACTIVE:
        raise Conflict(
            "Bước xử lý này đã được xử lý hoặc chưa sẵn sàng.",
            "This step is already handled or not ready.",
            code="step_not_open",
        )
    handlers = {
        "approve": _approve,
        "return": _return,
        "supplement": _supplement,
        "fee": _fee,
    }
    change, outcome = handlers[req.outcome](deps, actor, d, step, task, req)
    saved = deps.store.apply(change)
    _send_or_defer(deps, task, outcome)
    return saved


def _send_or_defer(deps: Deps, task: AgencyTask, outcome: StepOutcome) -> None:
    """After the commit, answer the workflow; if Step Functions stays unavailable after the
    client's retries, queue the answer instead of failing a request whose work is done (a retry
    of it would only meet `step_not_open`). Only when the queue fails too does the error reach
    the caller (503)."""
    from chalicelib.aws import unavailable_code

    try:
        send_output(deps, task.token, outcome)
    except Exception as exc:
        if unavailable_code(exc) is None or not deps.settings.task_queue_url:
            raise
        import json

        from chalicelib import aws

        resend = ResendOutcomeMessage(
            dossier_id=task.dossier_id, dossier_code=task.dossier_code, step_id=task.step_id
        )
        aws.client("sqs").send_message(
            QueueUrl=deps.settings.task_queue_url, MessageBody=json.dumps(resend.wire())
        )


def on_resend_outcome(deps: Deps, msg: ResendOutcomeMessage) -> None:
    """Send a step's recorded outcome to the token it was recorded for (queued by
    `_send_or_defer`); a failure raises, so SQS retries it with back-off, then dead-letters."""
    task = deps.store.get_task(msg.dossier_id, msg.step_id)
    if task is None or task.state != "done" or not task.outcome:
        return
    send_output(deps, task.token, parse_outcome(task.outcome))


Outcome = tuple[Change, StepOutcome]


def _approve(
    deps: Deps, actor: Actor, d: Dossier, step: DossierStep, task: AgencyTask, req: CompleteStepIn
) -> Outcome:
    from chalicelib.domain import extensions

    now = deps.clock()
    late = step.due_at is not None and now > step.due_at
    done = step.model_copy(
        update={
            "state": StepState.DONE,
            "finished_at": now,
            "late": step.late or late,
            "handled_by": actor.username,
            "note": req.note,
        }
    )
    steps = _replace_steps(d, [done])
    outcome = ApproveOutcome()
    events = [
        new_event(
            actor, "step_completed", None, None, req.note, agency=task.agency, at=deps.clock()
        )
    ]
    month = month_key(now)
    counters = [(task.agency, month, "steps_done")]
    if done.late and not done.late_exempt:
        counters.append((task.agency, month, "steps_late"))
    updates: dict[str, Any] = {
        "steps": steps,
        "handovers": _close_handover(d, step.step_id, now, actor.username, "approve", req.note),
    }
    if all(s.state is StepState.DONE for s in steps):
        assert d.status is not None
        status = check_transition(d.status, S.PROCESSED)
        updates.update({"status": status, "finished_at": now})
        events.append(new_event(actor, "processed", d.status, status, at=deps.clock()))
        counters.append((d.lead_agency, month, "processed"))
        if extensions.counts_as_late(d, now):
            counters.append((d.lead_agency, month, "processed_late"))
        else:
            counters.append((d.lead_agency, month, "processed_on_time"))
            if d.appointment_at is not None and now < deps.calendar.subtract_working_seconds(
                d.appointment_at, deps.calendar.day_seconds
            ):
                counters.append((d.lead_agency, month, "processed_early"))
    change = Change(
        dossier=d.model_copy(update=updates),
        expected_version=d.version,
        events=events,
        counters=counters,
        tasks=[task_with(task, state="done", outcome=outcome.wire(), late=task.late or late)],
    )
    return change, outcome


def _return(
    deps: Deps, actor: Actor, d: Dossier, step: DossierStep, task: AgencyTask, req: CompleteStepIn
) -> Outcome:
    if step.stage == 0 or step.stage - 1 < d.return_floor or not step.may_return:
        raise Conflict(
            "Bước này không được trả hồ sơ về bước trước.",
            "This step may not return the dossier to a previous step.",
            code="cannot_return",
        )
    if not req.note:
        raise InvalidInput(
            "Cần ghi rõ lý do trả hồ sơ về bước trước.",
            "A return needs a note saying why.",
            field="note",
        )
    now = deps.clock()
    again = [
        s.model_copy(update={"state": StepState.WAITING})
        for s in d.steps
        if s.stage == step.stage - 1 or s.step_id == step.step_id
    ]
    outcome = ReturnOutcome()
    change = Change(
        dossier=d.model_copy(
            update={
                "steps": _replace_steps(d, again),
                "handovers": _close_handover(
                    d, step.step_id, now, actor.username, "return", req.note
                ),
            }
        ),
        expected_version=d.version,
        events=[
            new_event(
                actor, "step_returned", None, None, req.note, agency=task.agency, at=deps.clock()
            )
        ],
        counters=[(task.agency, month_key(now), "steps_returned")],
        tasks=[task_with(task, state="done", outcome=outcome.wire())],
    )
    return change, outcome


def _pause(
    deps: Deps,
    actor: Actor,
    d: Dossier,
    step: DossierStep,
    task: AgencyTask,
    *,
    kind: PauseKind,
    to: DossierStatus,
    reason: str,
    deadline_days: int,
    updates: dict[str, Any],
    counter: str,
) -> Outcome:
    """Stop the legal clock and hand the dossier to the applicant, with a deadline of their own."""
    assert d.status is not None
    status = check_transition(d.status, to)
    now = deps.clock()
    cal = deps.calendar
    due = cal.add_working_days(cal.next_working_instant(now), deadline_days)
    outcome = AwaitOutcome(kind=kind, wait_seconds=_seconds_until(deps, due))
    change = Change(
        dossier=d.model_copy(
            update={
                **updates,
                "status": status,
                "pauses": deadlines.add_pause(d.pauses, now, reason, kind=kind),
                "supplement_due_at": due,
                "handovers": _close_handover(d, step.step_id, now, actor.username, kind, reason),
            }
        ),
        expected_version=d.version,
        events=[
            new_event(
                actor,
                f"{kind}_requested",
                d.status,
                status,
                reason,
                agency=task.agency,
                at=deps.clock(),
            )
        ],
        counters=[(d.lead_agency, month_key(now), counter)],
        tasks=[task_with(task, state="waiting", outcome=outcome.wire())],
    )
    return change, outcome


def _supplement(
    deps: Deps, actor: Actor, d: Dossier, step: DossierStep, task: AgencyTask, req: CompleteStepIn
) -> Outcome:
    supplements.check_can_request(d)
    if not req.note or len(req.note) < 5:
        raise InvalidInput(
            "Cần ghi rõ nội dung yêu cầu bổ sung.",
            "A supplement request needs its reasons.",
            field="note",
        )
    return _pause(
        deps,
        actor,
        d,
        step,
        task,
        kind="supplement",
        to=S.SUPPLEMENT_REQUESTED,
        reason=req.note,
        deadline_days=deps.settings.supplement_deadline_working_days,
        updates={
            "processing_supplements": d.processing_supplements + 1,
            "supplement_reason": req.note,
        },
        counter="supplement_requested",
    )


def _fee(
    deps: Deps, actor: Actor, d: Dossier, step: DossierStep, task: AgencyTask, req: CompleteStepIn
) -> Outcome:
    if not req.amount_vnd:
        raise InvalidInput(
            "Cần ghi số tiền nghĩa vụ tài chính.",
            "A financial obligation needs its amount.",
            field="amount_vnd",
        )
    now = deps.clock()
    reason = req.note or "Thực hiện nghĩa vụ tài chính"
    fee = FeeDue(
        amount_vnd=req.amount_vnd, reason=reason, requested_at=now, requested_by=actor.username
    )
    return _pause(
        deps,
        actor,
        d,
        step,
        task,
        kind="fee",
        to=S.AWAITING_FEE,
        reason=reason,
        deadline_days=deps.settings.fee_deadline_working_days,
        updates={"fee": fee},
        counter="fee_requested",
    )


# ---- the applicant's turn ------------------------------------------------------------------
def on_applicant_wait(deps: Deps, msg: ApplicantWaitMessage) -> None:
    """Keep the token while the applicant owes something; answer at once if they already paid or
    supplemented (or the dossier ended) before the message arrived."""
    token = msg.task_token
    waits = applicant_waits(deps)
    d = deps.store.get_dossier(msg.dossier_id)
    if d.status is None or d.status in ENDED:
        send_output(deps, token, EndOutcome())
        return
    if not is_waiting_for_applicant(d):
        send_output(deps, token, ResumeOutcome())
        return
    waits.put(d.id, msg.kind, token)
    # The applicant may have finished between our read and the put: look once more.
    d = deps.store.get_dossier(d.id)
    answer = EndOutcome() if d.status in ENDED else ResumeOutcome()
    if not is_waiting_for_applicant(d) and send_output(deps, token, answer):
        waits.delete(d.id, token)


def on_applicant_timeout(deps: Deps, msg: ApplicantTimeoutMessage) -> None:
    """The applicant missed their deadline: the system stops the dossier (status 8, form 05)."""
    from chalicelib.services.dossier import decisions

    d = deps.store.get_dossier(msg.dossier_id)
    if not is_waiting_for_applicant(d):
        return
    reason = (
        "Quá hạn bổ sung hồ sơ theo yêu cầu."
        if msg.kind == "supplement"
        else "Quá hạn thực hiện nghĩa vụ tài chính."
    )
    decisions.stop_now(deps, SYSTEM, d, reason)


# ---- ending, and the processed dossier -----------------------------------------------------
def on_processed(deps: Deps, msg: DossierProcessedMessage) -> None:
    """The last stage was approved: make and sign the result unless the agency attached one."""
    from chalicelib.services.dossier import results

    def attempt() -> None:
        d = deps.store.get_dossier(msg.dossier_id)
        if d.result is not None or d.status is not S.PROCESSED:
            return
        proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
        names = {u.code: u.name for u in deps.store.list_units()}
        try:
            doc = results.produce_result(deps, d, proc, names)
        except DomainError as exc:
            if exc.code != "signing_unavailable":
                raise
            # Nothing is released unsigned: the lead agency is alerted and the message fails,
            # so the queue delivers it again until signing works (then the DLQ alarm).
            from chalicelib.services.care.alerts import record_alert

            record_alert(
                deps, d.lead_agency, "signing_failed", d.id, d.code or "", None, deps.clock()
            )
            raise
        results.store_on_dossier(deps, SYSTEM, d, doc)

    _retry(attempt)


def on_workflow_failed(deps: Deps, msg: WorkflowFailedMessage) -> None:
    """The state machine's catch path: a task failed for good and the execution is failing (its
    ExecutionsFailed alarm pages operations). The dossier must not sit silently: the agencies on it
    get a console alert and its history says why nothing moves, so staff and the administrator
    see it and act (withdraw, stop, or restart it). Idempotent for a redelivered message."""
    from chalicelib.services.care.alerts import record_alert

    failure = msg.failure
    note = f"{failure.error or 'States.TaskFailed'}: {(failure.cause or '')[:300]}"

    def attempt() -> Dossier:
        d = deps.store.get_dossier(msg.dossier_id)
        history = deps.store.history(d.id)
        latest = workflow_restart.latest_workflow_event(history)
        if latest == workflow_restart.FAILED:
            return d  # a redelivered message: recorded once
        if latest == workflow_restart.RESTARTED and not _current_execution_failed(deps, d, history):
            return d  # the old execution's failure, redelivered after the restart
        event = new_event(
            SYSTEM, "workflow_failed", None, None, note, agency=d.lead_agency, at=deps.clock()
        )
        return deps.store.apply(Change(dossier=d, expected_version=d.version, events=[event]))

    d = _retry(attempt)
    now = deps.clock()
    active = [s for s in d.steps if s.state is StepState.ACTIVE]
    for agency in {d.lead_agency, *(s.agency for s in active)}:
        step_id = next((s.step_id for s in active if s.agency == agency), None)
        record_alert(deps, agency, "workflow_failed", d.id, d.code or "", step_id, now)


def _current_execution_arn(deps: Deps, d: Dossier, history: list[HistoryEvent]) -> str:
    suffix = workflow_restart.restart_suffix(workflow_restart.restart_count(history))
    return str(deps.workflow.arn(d.code or "", suffix))


def _current_execution_status(deps: Deps, d: Dossier, history: list[HistoryEvent]) -> str | None:
    """The status of the dossier's newest execution (None: Step Functions does not know it)."""
    try:
        desc = deps.workflow.describe(_current_execution_arn(deps, d, history))
    except Exception as exc:
        from chalicelib.aws import error_code

        if error_code(exc) != "ExecutionDoesNotExist":
            raise
        return None
    return str(desc.get("status") or "")


def _current_execution_failed(deps: Deps, d: Dossier, history: list[HistoryEvent]) -> bool:
    return _current_execution_status(deps, d, history) not in ("RUNNING", "SUCCEEDED")


def restart_workflow(deps: Deps, actor: Actor, dossier_id: str, note: str) -> Dossier:
    """An administrator starts a failed dossier's workflow again (docs/design.md, "Workflow
    contract"): a new execution `<code>-r<n>` that runs only the remaining stages (the stages with
    a step not done, renumbered from 0; in the current stage only its steps not done).

    Order: the `workflow_restarted` event is committed first (optimistic lock on the dossier, so
    of two racing restarts one gets 409), then the execution is started. The start is idempotent
    by name: if it fails after the commit, the request answers an error and its retry with the
    same Idempotency-Key (or a plain retry: the latest workflow event is then `restarted` and the
    execution it names does not exist yet) starts the same `-r<n>` execution once.
    """
    if not may(actor, "ops.workflow.restart"):
        raise Forbidden(
            "Chỉ quản trị viên được khởi động lại quy trình xử lý hồ sơ.",
            "Only an administrator may restart a dossier's workflow.",
        )
    d = load_for(deps, dossier_id, actor)
    history = deps.store.history(d.id)
    latest = workflow_restart.latest_workflow_event(history)
    is_open = d.status is not None and d.status not in ENDED and bool(d.code)
    if (
        is_open
        and latest == workflow_restart.RESTARTED
        and _current_execution_status(deps, d, history) is None
    ):
        # A restart was committed but its start did not happen (Step Functions failed): retry it.
        return _start_remaining(deps, d, history)
    if not is_open or latest != workflow_restart.FAILED:
        raise Conflict(
            "Quy trình xử lý của hồ sơ không ở trạng thái lỗi nên không thể khởi động lại.",
            "The dossier's workflow has not failed, so it cannot be restarted.",
            code="workflow_not_failed",
        )
    if _current_execution_status(deps, d, history) == "RUNNING":
        raise Conflict(
            "Quy trình xử lý của hồ sơ vẫn đang chạy.",
            "The dossier's workflow execution is still running.",
            code="workflow_running",
        )
    remaining = workflow_restart.remaining_stages(d.steps)
    event = new_event(
        actor, workflow_restart.RESTARTED, None, None, note, agency=d.lead_agency, at=deps.clock()
    )
    saved = deps.store.apply(
        Change(
            dossier=d.model_copy(update={"return_floor": remaining.return_floor}),
            expected_version=d.version,
            events=[event],
        )
    )
    return _start_remaining(deps, saved, [*history, event])


def _start_remaining(deps: Deps, d: Dossier, history: list[HistoryEvent]) -> Dossier:

    remaining = workflow_restart.remaining_stages(d.steps)
    suffix = workflow_restart.restart_suffix(workflow_restart.restart_count(history))
    start_execution(deps, d, remaining.stages, suffix=suffix)
    return deps.store.get_dossier(d.id)


def on_workflow_message(deps: Deps, msg: WorkflowMessage) -> None:
    """One message of the workflow queue, already parsed (`messages.parse_message`), to its
    handler by its model."""
    try:
        match msg:
            case TimerMessage():
                on_timer(deps, msg)
            case AgencyTaskMessage():
                on_agency_task(deps, msg)
            case ApplicantWaitMessage():
                on_applicant_wait(deps, msg)
            case ApplicantTimeoutMessage():
                on_applicant_timeout(deps, msg)
            case DossierProcessedMessage():
                on_processed(deps, msg)
            case WorkflowFailedMessage():
                on_workflow_failed(deps, msg)
            case ResendOutcomeMessage():
                on_resend_outcome(deps, msg)
            case _:
                assert_never(msg)
    except NotFound:
        if _dossier_exists(deps, msg.dossier_id):
            raise
        # A dossier id never becomes known later (it exists before its execution starts), so a
        # retry cannot help: drop it loudly instead of cycling it to the dead-letter queue.
        import logging

        logging.getLogger("tthc.workflow").warning(
            "workflow message for an unknown dossier dropped", extra={"type": msg.type}
        )


def _dossier_exists(deps: Deps, dossier_id: str) -> bool:
    """Checked only after a handler's NotFound, so the common path reads the dossier once."""
    try:
        deps.store.get_dossier(dossier_id)
    except NotFound:
        return False
    return True
