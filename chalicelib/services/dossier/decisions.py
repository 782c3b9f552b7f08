"""Decisions outside the step flow: withdrawal, stop, extension, fee payment, lateness exemption.

Each commits one transaction (dossier + history + counters + tasks) and only then talks to the
workflow (end, resume or re-time), so a retry after a crash repeats an idempotent signal.
"""

from __future__ import annotations

import uuid
from typing import Any

from chalicelib.domain import exemptions, extensions, stops, withdrawal
from chalicelib.domain.actors import Actor
from chalicelib.domain.dossier import (
    Dossier,
    Exemption,
    Extension,
    StepState,
    StopRequest,
    fee_method_label,
)
from chalicelib.domain.errors import Forbidden
from chalicelib.domain.history import month_key, new_event
from chalicelib.domain.permissions import role_permits as may
from chalicelib.domain.permissions import unrestricted
from chalicelib.domain.statuses import DossierStatus, check_transition
from chalicelib.services.container import Deps
from chalicelib.services.dossier import execution
from chalicelib.services.dossier.access import load_for
from chalicelib.services.models import DecisionIn, ExemptionIn, ExtensionIn, PaymentIn, WithdrawIn
from chalicelib.store.table import Change

S = DossierStatus


def _end(
    deps: Deps,
    actor: Actor,
    d: Dossier,
    to: DossierStatus,
    action: str,
    note: str | None,
    counter: str,
    updates: dict[str, Any],
) -> Dossier:
    """Move to a final status, close the clock pause and every task, then end the execution."""
    assert d.status is not None
    status = check_transition(d.status, to)
    now = deps.clock()
    from chalicelib.domain import deadlines

    if deadlines.open_pause(d.pauses) is not None:
        updates = {**updates, "pauses": deadlines.close_pause(d.pauses, now)}
    steps = [
        s.model_copy(update={"state": StepState.DONE}) if s.state is StepState.ACTIVE else s
        for s in d.steps
    ]
    handovers = [
        h.model_copy(update={"finished_at": now, "finished_by": actor.username, "outcome": "ended"})
        if h.finished_at is None
        else h
        for h in d.handovers
    ]
    ended = execution.end_tasks(deps, d)
    saved = deps.store.apply(
        Change(
            dossier=d.model_copy(
                update={
                    **updates,
                    "status": status,
                    "finished_at": now,
                    "steps": steps,
                    "handovers": handovers,
                }
            ),
            expected_version=d.version,
            events=[new_event(actor, action, d.status, status, note, at=deps.clock())],
            counters=[(d.lead_agency, month_key(now), counter)],
            tasks=ended,
        )
    )
    execution.signal_end(deps, ended, d.id)
    return saved


# ---- withdrawal ----------------------------------------------------------------------------
def withdraw(deps: Deps, actor: Actor, dossier_id: str, req: WithdrawIn) -> Dossier:
    """Status 7: the applicant (or the desk on their behalf) takes the dossier back."""
    d = load_for(deps, dossier_id, actor)
    if not (may(actor, "dossier.my.withdraw") or may(actor, "dossier.desk.handle")):
        raise Forbidden("Chỉ chủ hồ sơ hoặc bộ phận một cửa.", "Applicant or desk only.")
    withdrawal.check_can_withdraw(d)
    return _end(
        deps,
        actor,
        d,
        S.WITHDRAWN,
        "withdrawn",
        req.reason,
        "withdrawn",
        {"withdrawal_reason": req.reason},
    )


# ---- stop (form 05) ------------------------------------------------------------------------
def propose_stop(deps: Deps, actor: Actor, d: Dossier, agency: str, reason: str) -> Dossier:
    from chalicelib.domain.errors import InvalidInput

    if len(reason) < 5:
        raise InvalidInput(
            "Cần ghi rõ lý do dừng xử lý.", "A stop proposal needs its reason.", field="note"
        )
    stops.check_can_propose(d, agency)
    now = deps.clock()
    stop = StopRequest(reason=reason, agency=agency, proposed_by=actor.username, proposed_at=now)
    return deps.store.apply(
        Change(
            dossier=d.model_copy(update={"stop": stop}),
            expected_version=d.version,
            events=[
                new_event(
                    actor, "stop_proposed", None, None, reason, agency=agency, at=deps.clock()
                )
            ],
        )
    )


def _deciding_unit(d: Dossier, actor: Actor) -> str | None:
    """The unit a leader's decision is for: an administrator (not scoped by the table) decides for
    the lead agency, a leader for their own."""
    return d.lead_agency if unrestricted(actor, "dossier.leader.decide") else actor.unit


def decide_stop(deps: Deps, actor: Actor, dossier_id: str, req: DecisionIn) -> Dossier:
    if not may(actor, "dossier.leader.decide"):
        raise Forbidden("Chỉ lãnh đạo cơ quan chủ trì.", "The lead agency's leader only.")
    d = load_for(deps, dossier_id, actor)
    stops.check_can_decide(d, _deciding_unit(d, actor))
    assert d.stop is not None
    now = deps.clock()
    decided = d.stop.model_copy(
        update={
            "state": "approved" if req.approve else "refused",
            "decided_by": actor.username,
            "decided_at": now,
        }
    )
    if not req.approve:
        return deps.store.apply(
            Change(
                dossier=d.model_copy(update={"stop": decided}),
                expected_version=d.version,
                events=[new_event(actor, "stop_refused", None, None, req.note, at=deps.clock())],
            )
        )
    return _end(deps, actor, d, S.STOPPED, "stopped", d.stop.reason, "stopped", {"stop": decided})


def stop_now(deps: Deps, actor: Actor, d: Dossier, reason: str) -> Dossier:
    """The system's own stop (the applicant missed their deadline): no proposal round."""
    now = deps.clock()
    stop = StopRequest(
        reason=reason,
        proposed_by=actor.username,
        proposed_at=now,
        state="approved",
        decided_by=actor.username,
        decided_at=now,
    )
    return _end(deps, actor, d, S.STOPPED, "stopped", reason, "stopped", {"stop": stop})


# ---- extension (form 04) -------------------------------------------------------------------
def propose_extension(deps: Deps, actor: Actor, dossier_id: str, req: ExtensionIn) -> Dossier:
    if not may(actor, "dossier.agency.extension"):
        raise Forbidden("Chỉ cơ quan đang xử lý.", "The processing agency only.")
    d = load_for(deps, dossier_id, actor)
    now = deps.clock()
    assert actor.unit is not None
    extensions.check_can_propose(d, actor.unit, now, req.new_appointment_at)
    assert d.appointment_at is not None
    active = next(s for s in d.steps if s.agency == actor.unit and s.state is StepState.ACTIVE)
    ext = Extension(
        agency=actor.unit,
        step_id=active.step_id,
        reason=req.reason,
        new_appointment_at=req.new_appointment_at,
        previous_appointment_at=d.appointment_at,
        proposed_by=actor.username,
        proposed_at=now,
    )
    return deps.store.apply(
        Change(
            dossier=d.model_copy(update={"extension": ext}),
            expected_version=d.version,
            events=[
                new_event(
                    actor,
                    "extension_proposed",
                    None,
                    None,
                    req.reason,
                    agency=actor.unit,
                    at=deps.clock(),
                )
            ],
            counters=[(actor.unit, month_key(now), "extensions_proposed")],
        )
    )


def decide_extension(deps: Deps, actor: Actor, dossier_id: str, req: DecisionIn) -> Dossier:
    """Approved: the appointment moves, the citizen sees it in the timeline, deadlines re-time."""
    if not may(actor, "dossier.leader.decide"):
        raise Forbidden("Chỉ lãnh đạo cơ quan chủ trì.", "The lead agency's leader only.")
    d = load_for(deps, dossier_id, actor)
    extensions.check_can_decide(d, _deciding_unit(d, actor))
    assert d.extension is not None
    now = deps.clock()
    ext = d.extension.model_copy(
        update={
            "state": "approved" if req.approve else "refused",
            "decided_by": actor.username,
            "decided_at": now,
            "decision_note": req.note,
        }
    )
    updates: dict[str, Any] = {"extension": ext}
    events = [
        new_event(
            actor,
            "extension_" + ("approved" if req.approve else "refused"),
            None,
            None,
            req.note,
            at=deps.clock(),
        )
    ]
    if req.approve:
        updates["appointment_at"] = ext.new_appointment_at
        updates["original_appointment_at"] = d.original_appointment_at or d.appointment_at
        updates["alarms_fired"] = [k for k in d.alarms_fired if not k.startswith("dossier")]
        events.append(
            new_event(
                actor,
                "citizen_notified",
                None,
                None,
                "Đã gửi phiếu xin lỗi và hẹn lại ngày trả kết quả (mẫu 04) cho công dân.",
                at=deps.clock(),
            )
        )
    saved = deps.store.apply(
        Change(
            dossier=d.model_copy(update=updates),
            expected_version=d.version,
            events=events,
            counters=[(d.lead_agency, month_key(now), "extended")] if req.approve else [],
        )
    )
    if req.approve:
        execution.rearm_open_tasks(deps, saved)
    return saved


# ---- fees ----------------------------------------------------------------------------------
def record_payment(deps: Deps, actor: Actor, dossier_id: str, req: PaymentIn) -> Dossier:
    """The desk records a fee paid (cash or transfer); processing resumes with the clock shifted."""
    from chalicelib.domain.errors import Conflict, InvalidInput

    if not may(actor, "dossier.desk.handle"):
        raise Forbidden("Chỉ bộ phận một cửa.", "Desk staff only.")
    d = load_for(deps, dossier_id, actor)
    if d.status is not S.AWAITING_FEE or d.fee is None or d.fee.paid_at is not None:
        raise Conflict(
            "Hồ sơ không chờ thực hiện nghĩa vụ tài chính.",
            "The dossier is not awaiting a payment.",
            code="no_fee_due",
        )
    if req.amount_vnd != d.fee.amount_vnd:
        raise InvalidInput(
            f"Số tiền phải đúng {d.fee.amount_vnd} đồng.",
            f"The amount must be exactly {d.fee.amount_vnd} VND.",
            field="amount_vnd",
        )
    now = deps.clock()
    started = any(s.state is not StepState.WAITING or s.rounds for s in d.steps)
    status = check_transition(d.status, S.PROCESSING if started else S.RECEIVED)
    fee = d.fee.model_copy(
        update={
            "paid_at": now,
            "method": req.method,
            "receipt_no": req.receipt_no,
            "recorded_by": actor.username,
        }
    )
    updates = execution.close_pause_updates(deps, d, now)
    saved = deps.store.apply(
        Change(
            dossier=d.model_copy(update={**updates, "fee": fee, "status": status}),
            expected_version=d.version,
            events=[
                new_event(
                    actor,
                    "fee_paid",
                    d.status,
                    status,
                    f"{req.amount_vnd} đồng, {fee_method_label(req.method, in_sentence=True)}, "
                    f"biên lai {req.receipt_no}",
                    at=deps.clock(),
                )
            ],
            counters=[(d.lead_agency, month_key(now), "fee_paid_desk")],
            tasks=execution.release_awaiting_tasks(deps, d),
        )
    )
    execution.resume_after_applicant(deps, saved)
    return saved


# ---- late because of a system error (Đ15.7) -------------------------------------------------
def request_exemption(deps: Deps, actor: Actor, dossier_id: str, req: ExemptionIn) -> Dossier:
    if not may(actor, "dossier.staff.exemption"):
        raise Forbidden("Chỉ cán bộ xử lý hồ sơ.", "Processing staff only.")
    d = load_for(deps, dossier_id, actor)
    now = deps.clock()
    exemptions.check_can_request(d, req.step_id, now)
    from chalicelib.services.care import support

    support.cited_requests(deps, d.id, req.evidence or "")  # cited ids must be this dossier's
    ex = Exemption(
        id=uuid.uuid4().hex[:12],
        step_id=req.step_id,
        reason=req.reason,
        evidence=req.evidence,
        requested_by=actor.username,
        requested_at=now,
    )
    return deps.store.apply(
        Change(
            dossier=d.model_copy(update={"exemptions": [*d.exemptions, ex]}),
            expected_version=d.version,
            events=[
                new_event(
                    actor,
                    "exemption_requested",
                    None,
                    None,
                    req.reason,
                    agency=actor.unit,
                    at=deps.clock(),
                )
            ],
        )
    )


def decide_exemption(
    deps: Deps, actor: Actor, dossier_id: str, exemption_id: str, req: DecisionIn
) -> Dossier:
    """Only an administrator clears lateness; the counters move from late to on time."""
    if not may(actor, "dossier.admin.exemption"):
        raise Forbidden("Chỉ quản trị hệ thống.", "Administrators only.")
    d = load_for(deps, dossier_id, actor)
    ex = exemptions.pending(d, exemption_id)
    now = deps.clock()
    decided = ex.model_copy(
        update={
            "state": "approved" if req.approve else "refused",
            "decided_by": actor.username,
            "decided_at": now,
            "decision_note": req.note,
        }
    )
    updates: dict[str, Any] = {
        "exemptions": [decided if e.id == ex.id else e for e in d.exemptions]
    }
    counters: list[tuple[str, str, str]] = []
    if req.approve:
        if ex.step_id is None:
            updates["late_exempt"] = True
            if d.finished_at is not None:
                counters.append((d.lead_agency, month_key(d.finished_at), "late_exempted"))
        else:
            updates["steps"] = [
                s.model_copy(update={"late_exempt": True}) if s.step_id == ex.step_id else s
                for s in d.steps
            ]
            step = next(s for s in d.steps if s.step_id == ex.step_id)
            counters.append(
                (step.agency, month_key(step.finished_at or now), "steps_late_exempted")
            )
    return deps.store.apply(
        Change(
            dossier=d.model_copy(update=updates),
            expected_version=d.version,
            events=[
                new_event(
                    actor,
                    "exemption_" + ("granted" if req.approve else "refused"),
                    None,
                    None,
                    req.note,
                    at=deps.clock(),
                )
            ],
            counters=counters,
        )
    )
