"""Use cases of a dossier's spine: draft, upload, submit, receive, refuse, process, return.

Each function is one action a person or a job takes. It checks who may do it, applies the domain
rules, and commits one transaction (dossier + history + counters). Side effects on other systems
(starting the execution, sending a task result) happen after the commit and are safe to retry.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.actors import SYSTEM, Actor
from chalicelib.domain.dossier import (
    Applicant,
    Attachment,
    AttachmentState,
    Channel,
    Dossier,
    DossierStep,
    HistoryEvent,
    ReturnRecord,
    ensure_documents_editable,
)
from chalicelib.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from chalicelib.domain.history import month_key, new_event
from chalicelib.domain.permissions import role_permits as may
from chalicelib.domain.procedure import DocumentRequirement, Procedure
from chalicelib.domain.statuses import DossierStatus, check_transition
from chalicelib.services.container import Deps
from chalicelib.services.dossier import execution, representation
from chalicelib.services.dossier.access import (
    find_by_code as find_by_code,  # routes_people calls it here
)
from chalicelib.services.dossier.access import load_for
from chalicelib.services.models import AcceptIn, CreateDossierIn, ReasonIn, ReturnIn, UploadIn
from chalicelib.store.s3_erase import Erased, erase_object
from chalicelib.store.table import Change, SequenceTaken

VN = ZoneInfo("Asia/Ho_Chi_Minh")
S = DossierStatus


# ---- drafting ------------------------------------------------------------------------------
def _validate_form(proc: Procedure, form_data: dict[str, Any]) -> dict[str, Any]:
    """The e-form as stored (domain/eform.py: typed the Vietnamese way, then the JSON Schema)."""
    from chalicelib.domain.eform import validate_form

    return validate_form(proc.form_schema, form_data)


def validate_form(proc: Procedure, form_data: dict[str, Any]) -> dict[str, Any]:
    """The e-form as stored, or InvalidInput naming the first bad field (other intakes' check)."""
    return _validate_form(proc, form_data)


def _default_desk(deps: Deps, requested: str | None, lead_agency: str) -> str:
    """The desk that serves the lead agency: the nearest desk up its chain of parent units.

    Since NĐ 118/2025 any centre may receive; an explicit choice is honoured if it is a desk.
    """
    units = {u.code: u for u in deps.store.list_units()}
    if requested:
        unit = units.get(requested)
        if unit is None or unit.kind != "desk":
            raise InvalidInput(
                "Nơi tiếp nhận không hợp lệ.",
                "Unknown receiving desk.",
                field="receiving_unit",
            )
        return requested
    desks_by_parent: dict[str | None, list[str]] = {}
    for u in units.values():
        if u.kind == "desk":
            desks_by_parent.setdefault(u.parent, []).append(u.code)
    node: str | None = lead_agency
    seen: set[str] = set()
    while node is not None and node not in seen:
        seen.add(node)
        if node in desks_by_parent:
            return sorted(desks_by_parent[node])[0]
        node = units[node].parent if node in units else None
    all_desks = sorted(c for codes in desks_by_parent.values() for c in codes)
    if not all_desks:
        raise DomainError("Chưa cấu hình bộ phận một cửa.", "No one-stop desk configured.")
    return all_desks[0]


def _require_assurance(actor: Actor, proc: Procedure) -> None:
    """A citizen's electronic-identity level must reach the procedure's (domain.assurance);
    actors without a level (password accounts) count as level 0."""
    from chalicelib.domain.assurance import require_level

    raw = getattr(actor, "assurance_level", 0)
    require_level(raw if isinstance(raw, int) else 0, proc.assurance_level)


def create_draft(deps: Deps, actor: Actor, req: CreateDossierIn, channel: Channel) -> Dossier:
    proc = deps.store.get_procedure(req.procedure_code)
    if proc.state == "repealed":
        raise Conflict(
            f"Thủ tục {proc.code} đã bị bãi bỏ; không thể tạo hồ sơ mới.",
            f"Procedure {proc.code} has been repealed; new dossiers are not accepted.",
            code="procedure_repealed",
            field="procedure_code",
        )
    if channel is Channel.ONLINE and not proc.is_online:
        raise InvalidInput(
            "Thủ tục này không cung cấp dịch vụ công trực tuyến; vui lòng nộp tại bộ phận một cửa.",
            "This procedure is not offered online; submit it at the one-stop desk.",
            code="not_online",
            field="procedure_code",
        )
    walk_in = may(actor, "dossier.desk.create")  # the desk files a walk-in's paper dossier
    if may(actor, "dossier.my.create"):
        _require_assurance(actor, proc)
    rep = representation.representation_for(deps, actor, req.representation, proc)
    form_data = _validate_form(proc, req.form_data)
    if walk_in:
        if not actor.unit:
            raise Forbidden("Tài khoản chưa được gán đơn vị.", "Account has no unit.")
        receiving = actor.unit
        owner = None
    else:
        receiving = _default_desk(deps, req.receiving_unit, proc.lead_agency)
        owner = actor.sub
    d = Dossier(
        id=str(uuid.uuid4()),
        procedure_code=proc.code,
        procedure_version=proc.version,
        owner=owner,
        applicant=representation.applicant_for(
            Applicant.model_validate(req.applicant.model_dump()), rep
        ),
        representation=rep,
        form_data=form_data,
        channel=channel,
        receiving_unit=receiving,
        lead_agency=proc.lead_agency,
        created_at=deps.clock(),
    )
    deps.store.create_dossier(d)
    return d


def _draft_only(d: Dossier, action_vi: str, action_en: str) -> None:
    if d.status is not None:
        raise Conflict(
            f"Hồ sơ đã nộp, không thể {action_vi}.",
            f"The dossier has been submitted; it cannot be {action_en}.",
            code="not_a_draft",
        )


def update_draft(deps: Deps, actor: Actor, dossier_id: str, req: CreateDossierIn) -> Dossier:
    """Step 1 again: the applicant, e-form and desk of a draft not yet submitted (the wizard's
    Back, or a draft resumed later). Same checks as a new draft; the procedure stays."""
    d = load_for(deps, dossier_id, actor)
    _draft_only(d, "sửa thông tin", "edited")
    ensure_documents_editable(d, actor)
    if req.procedure_code != d.procedure_code:
        raise InvalidInput(
            "Không thể đổi thủ tục của hồ sơ nháp; hãy tạo hồ sơ mới.",
            "A draft's procedure cannot change; start a new dossier.",
            field="procedure_code",
        )
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    form_data = _validate_form(proc, req.form_data)  # numbers typed as text stored as numbers
    receiving = (
        d.receiving_unit
        if may(actor, "dossier.desk.edit")  # the desk's paper draft stays at its desk
        else _default_desk(deps, req.receiving_unit, proc.lead_agency)
    )
    new = d.model_copy(
        update={
            "applicant": representation.applicant_for(
                Applicant.model_validate(req.applicant.model_dump()), d.representation
            ),
            "form_data": form_data,
            "receiving_unit": receiving,
        }
    )
    return deps.store.save_dossier(new, d.version)


def erase_draft(deps: Deps, d: Dossier, expected_version: int | None = None) -> Erased:
    """Delete a draft's item (only while it is a draft, and at `expected_version` if given),
    then every version of its attachments' objects: nothing of it stays behind."""
    deps.store.delete_draft(d.id, expected_version)
    erased = Erased()
    for a in d.attachments:
        erased.add(erase_object(deps.files.client, deps.files.bucket, a.key))
    return erased


def delete_draft(deps: Deps, actor: Actor, dossier_id: str) -> dict[str, Any]:
    """The applicant discards a draft they never submitted; a submitted dossier is 409 (it can
    only be withdrawn), another person's 404."""
    d = load_for(deps, dossier_id, actor)
    _draft_only(d, "xóa (chỉ có thể rút hồ sơ)", "deleted (it can only be withdrawn)")
    ensure_documents_editable(d, actor)
    erased = erase_draft(deps, d, d.version)
    return {"id": d.id, "deleted": True, "object_versions": erased.deleted}


def request_upload(
    deps: Deps, actor: Actor, dossier_id: str, req: UploadIn
) -> tuple[Attachment, dict[str, Any]]:
    d = load_for(deps, dossier_id, actor)
    ensure_documents_editable(d, actor)
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    doc = proc.document(req.document_id) or representation.authorisation_document(
        d, req.document_id
    )
    if doc is None:
        raise InvalidInput(
            "Thành phần hồ sơ không thuộc thủ tục này.",
            "This document is not part of the procedure.",
            field="document_id",
        )
    if req.content_type not in doc.accepted_types:
        raise InvalidInput(
            f"Loại tệp không được chấp nhận. Chỉ nhận: {', '.join(doc.accepted_types)}.",
            f"File type not accepted. Allowed: {', '.join(doc.accepted_types)}.",
            code="file_type",
            field="content_type",
        )
    if req.size > doc.max_bytes:
        raise InvalidInput(
            f"Tệp quá lớn. Dung lượng tối đa {doc.max_bytes // (1024 * 1024)} MB.",
            f"File too large. Maximum {doc.max_bytes // (1024 * 1024)} MB.",
            code="file_too_large",
            field="size",
        )
    from chalicelib.domain.upload_policy import clean_filename
    from chalicelib.store.files import safe_filename

    filename = clean_filename(req.filename)  # 400 `file_name` for .exe/.html or a bare path

    att_id = uuid.uuid4().hex[:12]
    key = f"dossiers/{d.id}/{att_id}/{safe_filename(filename)}"
    att = Attachment(
        id=att_id,
        document_id=doc.id,
        filename=filename,
        key=key,
        content_type=req.content_type,
    )
    post = deps.files.presigned_post(
        key, req.content_type, doc.max_bytes, deps.settings.upload_url_expiry_seconds
    )
    d.attachments.append(att)
    deps.store.save_dossier(d, d.version)
    return att, post


def finalize_attachment(
    deps: Deps, actor: Actor, dossier_id: str, attachment_id: str
) -> Attachment:
    """Re-check the object that arrived: real size and type by magic bytes; delete a misfit."""
    for _ in range(3):
        d = load_for(deps, dossier_id, actor)
        att = next((a for a in d.attachments if a.id == attachment_id), None)
        if att is None:
            raise NotFound("Không tìm thấy tệp đính kèm.", "Attachment not found.", field="id")
        if att.state is not AttachmentState.PENDING:
            return att
        proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
        doc = proc.document(att.document_id) or representation.authorisation_document(
            d, att.document_id
        )
        facts = deps.files.inspect(att.key)
        if not facts.exists:
            # The upload-event path may have judged (and deleted) it a moment ago.
            latest = deps.store.get_dossier(d.id)
            done = next((a for a in latest.attachments if a.id == attachment_id), None)
            if done is not None and done.state is not AttachmentState.PENDING:
                return done
            raise Conflict(
                "Chưa nhận được tệp. Vui lòng tải lên trước khi xác nhận.",
                "The file has not arrived yet; upload it before finalizing.",
                code="upload_missing",
                field="attachment_id",
            )
        new_att = _judge_upload(deps, att, doc, facts.size)
        d.attachments = [new_att if a.id == att.id else a for a in d.attachments]
        try:
            deps.store.save_dossier(d, d.version)
        except Conflict:
            continue
        return new_att
    raise Conflict("Hồ sơ đang được cập nhật, vui lòng thử lại.", "Busy; retry.")


def _judge_upload(
    deps: Deps, att: Attachment, doc: DocumentRequirement | None, size: int
) -> Attachment:
    """The upload policy on the whole object (bounded by max_bytes): a refused file is deleted, a
    neutralised one (image metadata stripped) replaces the object; the note says which."""
    from chalicelib.domain import upload_policy

    if doc is None:
        verdict = upload_policy.Verdict(
            False, None, reason="Thành phần hồ sơ không còn thuộc thủ tục.", code="document_gone"
        )
    else:
        body = b"" if size > doc.max_bytes else (deps.files.read(att.key, doc.max_bytes) or b"")
        verdict = upload_policy.inspect_content(
            body,
            size=size,
            max_bytes=doc.max_bytes,
            accepted_types=doc.accepted_types,
            declared_type=att.content_type,
        )
    if not verdict.accepted:
        deps.files.delete(att.key)
        return att.model_copy(
            update={"state": AttachmentState.REJECTED, "reason": verdict.reason, "size": size}
        )
    if verdict.cleaned is not None:
        assert verdict.detected_type is not None
        deps.files.put(att.key, verdict.cleaned, verdict.detected_type)
        size = len(verdict.cleaned)
    return att.model_copy(
        update={
            "state": AttachmentState.ACCEPTED,
            "size": size,
            "content_type": verdict.detected_type,
            "reason": verdict.note,
        }
    )


def judge_upload(
    deps: Deps, att: Attachment, doc: DocumentRequirement | None, size: int
) -> Attachment:
    """The upload policy on an object already in the bucket (the national portal's files)."""
    return _judge_upload(deps, att, doc, size)


def check_documents(proc: Procedure, d: Dossier) -> None:
    """InvalidInput `missing_document` / `attachment_pending` unless every required document is
    accepted."""
    _check_documents(proc, d)


def finalize_by_key(deps: Deps, key: str) -> Attachment | None:
    """The S3 upload event path: the key names the dossier and the attachment."""
    parts = key.split("/")
    if len(parts) < 4 or parts[0] != "dossiers":
        return None
    try:
        return finalize_attachment(deps, SYSTEM, parts[1], parts[2])
    except NotFound:
        pass
    try:
        deps.store.get_dossier(parts[1])
    except NotFound:
        # An upload that landed after its draft was deleted: nothing may keep it.
        erase_object(deps.files.client, deps.files.bucket, key)
    return None


def _check_documents(proc: Procedure, d: Dossier) -> None:
    accepted = {a.document_id for a in d.attachments if a.state is AttachmentState.ACCEPTED}
    for doc in proc.documents:
        if doc.required and doc.id not in accepted:
            raise InvalidInput(
                f"Thiếu thành phần hồ sơ bắt buộc: {doc.name}.",
                f"Missing required document: {doc.name}.",
                code="missing_document",
                field=f"documents.{doc.id}",
            )
    if any(a.state is AttachmentState.PENDING for a in d.attachments):
        raise InvalidInput(
            "Còn tệp đính kèm chưa được xác nhận.",
            "Some attachments are not finalized yet.",
            code="attachment_pending",
            field="attachments",
        )


def submit(deps: Deps, actor: Actor, dossier_id: str) -> Dossier:
    """Draft → 1 new (into the desk's inbox); after a supplement request, hand it back.

    Before receipt the desk's guidance sends it to the inbox again (5 → 1). After receipt the
    clock resumes (5 → 4): every running deadline moves by exactly the paused working time and
    the waiting step is woken.
    """
    from chalicelib.domain import supplements

    d = load_for(deps, dossier_id, actor)
    if not may(actor, "dossier.my.edit"):
        raise Forbidden("Chỉ chủ hồ sơ được nộp hồ sơ.", "Only the applicant may submit.")
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    _require_assurance(actor, proc)
    _validate_form(proc, d.form_data)
    _check_documents(proc, d)
    representation.check_at_submission(deps, d, proc)
    now = deps.clock()
    if supplements.is_processing_supplement(d):
        assert d.status is not None
        to = check_transition(d.status, S.PROCESSING)
        updates = execution.close_pause_updates(deps, d, now)
        saved = deps.store.apply(
            Change(
                dossier=d.model_copy(update={**updates, "status": to}),
                expected_version=d.version,
                events=[new_event(actor, "supplemented", d.status, to, at=deps.clock())],
                counters=[(d.lead_agency, month_key(now), "supplemented")],
                tasks=execution.release_awaiting_tasks(deps, d),
            )
        )
        execution.resume_after_applicant(deps, saved)
        return saved
    frm = d.status
    to = S.NEW if frm is None else check_transition(frm, S.NEW)
    new = d.model_copy(update={"status": to, "submitted_at": now})
    ev = new_event(actor, "submitted" if frm is None else "supplemented", frm, to, at=deps.clock())
    return deps.store.apply(
        Change(
            dossier=new,
            expected_version=d.version,
            events=[ev],
            counters=[(d.lead_agency, month_key(now), "submitted")],
        )
    )


# ---- the desk ------------------------------------------------------------------------------
SEQUENCE_ATTEMPTS = 30


def _desk_scope(d: Dossier, actor: Actor, action: str = "dossier.desk.handle") -> None:
    """The receiving unit's desk (chalicelib/domain/permissions.py `action`)."""
    from chalicelib.domain.permissions import Related, require

    denied = Forbidden("Chỉ bộ phận một cửa được thực hiện.", "Desk staff only.")
    require(actor, action, Related.of(units=[d.receiving_unit]), otherwise=denied)


def accept(deps: Deps, actor: Actor, dossier_id: str, req: AcceptIn | None = None) -> Dossier:
    """Receive a valid dossier: code, appointment, receipt data, counters, then the execution.

    A paper dossier (channel desk) goes draft → 1 → 2 in the same transaction. A fee the desk did
    not collect at receipt leaves the dossier awaiting payment (2 → 6, the clock paused) before
    processing starts. If the execution failed to start after an earlier commit, accepting again
    only retries the start.
    """
    from chalicelib.domain import deadlines, dossier_code, receipt

    req = req or AcceptIn()
    d = load_for(deps, dossier_id, actor)
    _desk_scope(d, actor, "dossier.desk.accept")
    if d.status in (S.RECEIVED, S.AWAITING_FEE) and d.code and not d.handovers:
        execution.start_execution(deps, d)
        return deps.store.get_dossier(d.id)
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    events: list[HistoryEvent] = []
    frm = d.status
    if frm is None:
        if d.channel is not Channel.DESK:
            raise Conflict(
                "Hồ sơ chưa được công dân nộp.",
                "The citizen has not submitted it yet.",
                code="not_submitted",
            )
        _validate_form(proc, d.form_data)
        events.append(new_event(actor, "entered_at_desk", None, S.NEW, at=deps.clock()))
        frm = S.NEW
    check_transition(frm, S.RECEIVED)
    _check_documents(proc, d)
    cal = deps.calendar
    now = deps.clock()
    received_at = cal.next_working_instant(now)
    appointment = deadlines.appointment_at(received_at, proc.processing_time, cal)
    plan = deadlines.step_schedule(
        received_at, list(proc.steps), cal, deps.settings.warn_before_working_days
    )
    stage_of = {s.id: i for i, group in enumerate(proc.stages) for s in group}
    steps = [
        DossierStep(
            step_id=p.step_id,
            agency=p.agency,
            name=next(s.name for s in proc.steps if s.id == p.step_id),
            stage=stage_of[p.step_id],
            may_return=next(s.may_return for s in proc.steps if s.id == p.step_id),
            # Planned only; each step's real window is set when it starts (Đ7 attribution).
            due_at=p.due_at,
            warn_at=p.warn_at,
        )
        for p in plan
    ]
    fee = receipt.fee_at_receipt(
        proc.total_fee_vnd,
        collected=req.fee_collected,
        receipt_no=req.receipt_no,
        method=req.fee_method,
        received_at=received_at,
        by=actor.username,
        calendar=cal,
        deadline_working_days=deps.settings.fee_deadline_working_days,
        # A dossier from the national portal (Cổng DVCQG) may come with its fees paid there.
        paid_before=d.fee is not None and d.fee.paid_at is not None,
    )
    events.append(
        new_event(
            actor, "received", frm, S.RECEIVED, fee.note, agency=d.receiving_unit, at=deps.clock()
        )
    )
    counters = receipt.receipt_counters(
        d.lead_agency,
        received_at,
        d.channel,
        reused=any(a.reused_from for a in d.attachments),
        fee_vnd=proc.total_fee_vnd,
        fee_awaited=fee.awaiting,
    )
    extra: dict[str, Any] = {"status": fee.status}
    if fee.fee is not None:
        extra["fee"] = fee.fee
    if fee.awaiting:
        extra["pauses"] = deadlines.add_pause(
            d.pauses, received_at, receipt.FEE_PAUSE_REASON, kind="fee"
        )
        extra["supplement_due_at"] = fee.due_at
        events.append(
            new_event(actor, "fee_requested", S.RECEIVED, S.AWAITING_FEE, at=deps.clock())
        )
    from chalicelib.store.audit import backoff
    from chalicelib.store.sequences import sequence_key

    # Concurrent receipts at a unit wait in line for its daily number (store/turns.py: found under
    # load, 32 clerks at once, some lost every optimistic round). The check in the transaction stays
    # the guarantee, so a receipt that was skipped or waited too long still retries, bounded.
    key = sequence_key(d.receiving_unit, received_at)
    saved: Dossier | None = None
    with deps.store.receipt_turn(key):
        for attempt in range(SEQUENCE_ATTEMPTS):
            if attempt:
                backoff(min(attempt, 5))
            seq = deps.store.current_sequence(key) + 1
            code = dossier_code.format_code(
                d.receiving_unit, received_at, seq, deps.settings.dossier_code_format
            )
            new = d.model_copy(
                update={
                    "code": code,
                    "submitted_at": d.submitted_at or now,
                    "received_at": received_at,
                    "appointment_at": appointment,
                    "original_appointment_at": appointment,
                    "steps": steps,
                    "lookup_token": secrets.token_urlsafe(18),
                    "received_by": actor.username,
                    "register_line": seq,
                    **extra,
                }
            )
            change = Change(
                dossier=new,
                expected_version=d.version,
                events=events,
                counters=counters,
                sequence=(key, seq),
            )
            try:
                saved = deps.store.apply(change, notify=False)  # notified after the turn
            except SequenceTaken:
                continue
            break
    if saved is None:
        raise Conflict("Hệ thống đang bận cấp số hồ sơ, vui lòng thử lại.", "Busy; retry.")
    deps.store.notify_applied(saved, change)
    execution.start_execution(deps, saved)
    return deps.store.get_dossier(saved.id)


def refuse(deps: Deps, actor: Actor, dossier_id: str, req: ReasonIn) -> Dossier:
    """Form 03: refusal with a reason."""
    d = load_for(deps, dossier_id, actor)
    _desk_scope(d, actor)
    if d.status is None:
        raise Conflict("Hồ sơ chưa được nộp.", "Not submitted.", code="not_submitted")
    to = check_transition(d.status, S.REFUSED)
    now = deps.clock()
    new = d.model_copy(update={"status": to, "refusal_reason": req.reason, "finished_at": now})
    return deps.store.apply(
        Change(
            dossier=new,
            expected_version=d.version,
            events=[new_event(actor, "refused", d.status, to, req.reason, at=deps.clock())],
            counters=[(d.lead_agency, month_key(now), "refused")],
        )
    )


def request_supplement(deps: Deps, actor: Actor, dossier_id: str, req: ReasonIn) -> Dossier:
    """Form 02 at the desk: guide the applicant once, in writing, before receipt."""
    d = load_for(deps, dossier_id, actor)
    _desk_scope(d, actor)
    if d.status is not S.NEW:
        raise Conflict(
            "Chỉ yêu cầu bổ sung khi hồ sơ đang chờ tiếp nhận.",
            "A desk supplement request applies only to a dossier awaiting receipt.",
            code="illegal_transition",
        )
    to = check_transition(d.status, S.SUPPLEMENT_REQUESTED)
    now = deps.clock()
    new = d.model_copy(update={"status": to, "supplement_reason": req.reason})
    return deps.store.apply(
        Change(
            dossier=new,
            expected_version=d.version,
            events=[
                new_event(actor, "supplement_requested", d.status, to, req.reason, at=deps.clock())
            ],
            counters=[(d.lead_agency, month_key(now), "supplement_requested")],
        )
    )


def return_result(
    deps: Deps, actor: Actor, dossier_id: str, req: ReturnIn | None = None
) -> Dossier:
    """9 → 10: the result is handed over at the desk, sent by post, or made available online.

    Online, a copy joins the citizen's "my documents" so a later dossier can reuse it.
    """
    from chalicelib.domain import result_return

    req = req or ReturnIn()
    d = load_for(deps, dossier_id, actor)
    _desk_scope(d, actor)
    if d.status is None:
        raise Conflict("Hồ sơ chưa được nộp.", "Not submitted.", code="not_submitted")
    to = check_transition(d.status, S.RETURNED)
    if d.result is None:
        raise Conflict(
            "Kết quả điện tử chưa sẵn sàng, vui lòng thử lại sau ít phút.",
            "The electronic result is not ready yet; try again shortly.",
            code="result_not_ready",
        )
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    result_return.check_return(
        req.channel,
        req.recipient_name,
        req.recipient_id_number,
        req.tracking_number,
        tuple(proc.result_delivery),
        # A dossier from the national portal has its applicant's account there: the signed
        # result's link reaches them in the portal's packet (DanhSachGiayToKetQua).
        d.owner is not None or d.source == "DVCQG",
    )
    now = deps.clock()
    record = ReturnRecord(
        channel=req.channel,
        at=now,
        by=actor.username,
        recipient_name=req.recipient_name,
        recipient_id_number=req.recipient_id_number,
        tracking_number=req.tracking_number,
    )
    saved = deps.store.apply(
        Change(
            dossier=d.model_copy(update={"status": to, "returned_at": now, "returned": record}),
            expected_version=d.version,
            events=[
                new_event(actor, "result_returned", d.status, to, req.channel, at=deps.clock())
            ],
            counters=[
                (d.lead_agency, month_key(now), "returned"),
                (d.lead_agency, month_key(now), f"returned_{req.channel}"),
            ],
        )
    )
    if req.channel == "online" and d.owner:
        from chalicelib.services.dossier import my_documents

        my_documents.keep_result(deps, saved)
    return saved
