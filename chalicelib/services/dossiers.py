"""Use cases of a dossier's spine: draft, upload, submit, receive, refuse, process, return.

Each function is one action a person or a job takes. It checks who may do it, applies the domain
rules, and commits one transaction (dossier + history + counters). Side effects on other systems
(starting the execution, sending a task result) happen after the commit and are safe to retry.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from chalicelib.domain.dossier import (
    Applicant,
    Attachment,
    AttachmentState,
    Channel,
    Dossier,
    DossierStep,
    FeeDue,
    HistoryEvent,
    ReturnRecord,
    fee_method_label,
)
from chalicelib.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from chalicelib.domain.procedure import DocumentRequirement, Procedure
from chalicelib.domain.statuses import DossierStatus, check_transition
from chalicelib.services.deps import Deps
from chalicelib.services.models import AcceptIn, CreateDossierIn, ReasonIn, ReturnIn, UploadIn
from chalicelib.store.s3_erase import Erased, erase_object
from chalicelib.store.table import Change, SequenceTaken
from chalicelib.workflow.messages import ExecutionInput, StageStep

VN = ZoneInfo("Asia/Ho_Chi_Minh")
S = DossierStatus


class Actor(Protocol):
    """Who is acting; the API's Caller satisfies this."""

    @property
    def sub(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def role(self) -> str: ...
    @property
    def unit(self) -> str | None: ...


class SystemActor:
    """The workflow and queue consumers act as the system."""

    sub = "system"
    username = "system"
    role = "system"
    unit: str | None = None


SYSTEM = SystemActor()

# Roles whose members act as officials: their full name goes on papers and pages.
OFFICIAL_ROLES = frozenset({"desk", "agency", "leader", "province", "admin"})


def actor_name(actor: Actor) -> str | None:
    """An official's full name now, from their profile (the API's Caller carries it); None for a
    citizen (the applicant is on the dossier), the system or an agency's key, and for an official
    whose profile has no name (papers then fall back to the profile, then the username)."""
    if actor.role not in OFFICIAL_ROLES or actor.username.startswith("api:"):
        return None
    name = getattr(actor, "name", "")  # not part of Actor: test and system actors have none
    if not isinstance(name, str) or not name.strip():
        return None
    return name.strip()


def _not_found() -> NotFound:
    return NotFound("Không tìm thấy hồ sơ.", "Dossier not found.", field="id")


def _month(at: datetime) -> str:
    return at.astimezone(VN).strftime("%Y-%m")


def _event(
    deps: Deps,
    actor: Actor,
    action: str,
    frm: S | None,
    to: S | None,
    note: str | None = None,
    agency: str | None = None,
    at: datetime | None = None,
) -> HistoryEvent:
    return HistoryEvent(
        at=at or deps.clock(),
        actor=actor.username,
        actor_role=actor.role,
        actor_name=actor_name(actor),
        action=action,
        from_status=frm,
        to_status=to,
        note=note,
        agency=agency,
    )


# ---- who may see what ---------------------------------------------------------------------
def visible_to(d: Dossier, actor: Actor) -> bool:
    """Citizens see their own; desk staff their unit's; agencies dossiers with a step of theirs."""
    if actor.role in ("admin", "province"):
        return True
    if actor.role == "citizen":
        return d.owner is not None and d.owner == actor.sub
    if d.status is None and d.channel is not Channel.DESK:
        # An unsubmitted online draft is the citizen's own workspace (name, ID number, address):
        # no desk or agency sees it before it is filed (authorization matrix, issue 9).
        return actor.role == "system"
    if actor.role == "desk":
        return actor.unit is not None and actor.unit == d.receiving_unit
    if actor.role in ("agency", "leader"):
        return actor.unit is not None and (
            actor.unit == d.lead_agency or any(s.agency == actor.unit for s in d.steps)
        )
    return actor.role == "system"


def load_for(deps: Deps, dossier_id: str, actor: Actor) -> Dossier:
    """Another person's dossier answers 404, not 403: its existence is not disclosed.

    A staff member (or an agency key) without a relation to the dossier is refused the same way,
    and the attempt is audited (`read_refused`) so the dossier's owner sees it in their tracker."""
    try:
        d = deps.store.get_dossier(dossier_id)
    except NotFound:
        raise _not_found() from None
    if not visible_to(d, actor):
        from chalicelib.services.privacy import record_refused_read

        record_refused_read(deps, actor, d)
        raise _not_found()
    return d


def find_by_code(deps: Deps, actor: Actor, code: str) -> Dossier:
    """Staff open a dossier by the code on its receipt (trimmed, any case). Out of the caller's
    scope it answers exactly like a code never issued, and the attempt is audited."""
    d = deps.store.find_dossier_by_code(code)
    if d is None:
        raise _code_not_found()
    if not visible_to(d, actor):
        from chalicelib.services.privacy import record_refused_read

        record_refused_read(deps, actor, d)
        raise _code_not_found()
    return d


def _code_not_found() -> NotFound:
    return NotFound(
        "Không tìm thấy hồ sơ với mã đã nhập.", "No dossier with that code.", field="code"
    )


# ---- drafting ------------------------------------------------------------------------------
def _validate_form(proc: Procedure, form_data: dict[str, Any]) -> dict[str, Any]:
    """The e-form as stored: numbers typed as text ("500.000.000") read as numbers, then checked
    against the procedure's JSON Schema; the first error names its field."""
    from jsonschema import Draft202012Validator, FormatChecker

    from chalicelib.domain.form_input import normalise_form
    from chalicelib.domain.masking import scrub_text

    form_data = normalise_form(proc.form_schema, form_data)
    validator = Draft202012Validator(proc.form_schema, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(form_data), key=lambda e: list(e.absolute_path))
    if not errors:
        return form_data
    err = errors[0]
    path = ".".join(str(p) for p in err.absolute_path)
    if err.validator == "required" and isinstance(err.validator_value, list):
        missing = [r for r in err.validator_value if r not in (err.instance or {})]
        path = ".".join(filter(None, [path, missing[0] if missing else ""]))
    title = ""
    try:
        title = proc.form_schema.get("properties", {}).get(path.split(".")[0], {}).get("title", "")
    except AttributeError:
        title = ""
    label = f"“{title}”" if title else f"“{path}”"
    messages = {
        "required": f"Trường {label} là bắt buộc.",
        "pattern": f"Trường {label} không đúng định dạng.",
        "format": f"Trường {label} không đúng định dạng.",
        "enum": f"Trường {label} có giá trị không hợp lệ.",
        "type": f"Trường {label} sai kiểu dữ liệu.",
        "minLength": f"Trường {label} quá ngắn.",
        "maxLength": f"Trường {label} quá dài.",
        "minimum": f"Trường {label} nhỏ hơn mức cho phép.",
        "maximum": f"Trường {label} lớn hơn mức cho phép.",
        "additionalProperties": "Biểu mẫu có trường không được phép.",
    }
    raise InvalidInput(
        messages.get(str(err.validator), f"Trường {label} không hợp lệ."),
        f"Form field {path or '(root)'}: {scrub_text(err.message)}",  # it may echo the input
        code="invalid_form",
        field=f"form_data.{path}" if path else "form_data",
    )


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
    if actor.role == "citizen":
        _require_assurance(actor, proc)
    form_data = _validate_form(proc, req.form_data)
    if actor.role == "desk":
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
        applicant=Applicant.model_validate(req.applicant.model_dump()),
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
    _editable(d, actor)
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
        if actor.role == "desk"
        else _default_desk(deps, req.receiving_unit, proc.lead_agency)
    )
    new = d.model_copy(
        update={
            "applicant": Applicant.model_validate(req.applicant.model_dump()),
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
    _editable(d, actor)
    erased = erase_draft(deps, d, d.version)
    return {"id": d.id, "deleted": True, "object_versions": erased.deleted}


def _editable(d: Dossier, actor: Actor) -> None:
    """Attachments change only while the applicant (or desk, for paper) still holds the dossier."""
    if d.status not in (None, S.SUPPLEMENT_REQUESTED):
        raise Conflict(
            "Hồ sơ đã nộp, không thể thay đổi giấy tờ.",
            "The dossier is already submitted; documents cannot change.",
            code="not_editable",
        )
    if actor.role == "desk" and d.channel is not Channel.DESK:
        raise Forbidden(
            "Bộ phận một cửa không sửa hồ sơ trực tuyến của công dân.",
            "The desk cannot edit a citizen's online dossier.",
        )


def request_upload(
    deps: Deps, actor: Actor, dossier_id: str, req: UploadIn
) -> tuple[Attachment, dict[str, Any]]:
    d = load_for(deps, dossier_id, actor)
    _editable(d, actor)
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    doc = proc.document(req.document_id)
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
        doc = proc.document(att.document_id)
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
    if actor.role != "citizen":
        raise Forbidden("Chỉ chủ hồ sơ được nộp hồ sơ.", "Only the applicant may submit.")
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    _require_assurance(actor, proc)
    _validate_form(proc, d.form_data)
    _check_documents(proc, d)
    now = deps.clock()
    if supplements.is_processing_supplement(d):
        from chalicelib.services import processing

        assert d.status is not None
        to = check_transition(d.status, S.PROCESSING)
        updates = processing.close_pause_updates(deps, d, now)
        saved = deps.store.apply(
            Change(
                dossier=d.model_copy(update={**updates, "status": to}),
                expected_version=d.version,
                events=[_event(deps, actor, "supplemented", d.status, to)],
                counters=[(d.lead_agency, _month(now), "supplemented")],
                tasks=processing.release_awaiting_tasks(deps, d),
            )
        )
        processing.resume_after_applicant(deps, saved)
        return saved
    frm = d.status
    to = S.NEW if frm is None else check_transition(frm, S.NEW)
    new = d.model_copy(update={"status": to, "submitted_at": now})
    ev = _event(deps, actor, "submitted" if frm is None else "supplemented", frm, to)
    return deps.store.apply(
        Change(
            dossier=new,
            expected_version=d.version,
            events=[ev],
            counters=[(d.lead_agency, _month(now), "submitted")],
        )
    )


# ---- the desk ------------------------------------------------------------------------------
SEQUENCE_ATTEMPTS = 30


def _desk_scope(d: Dossier, actor: Actor) -> None:
    if actor.role not in ("desk", "admin"):
        raise Forbidden("Chỉ bộ phận một cửa được thực hiện.", "Desk staff only.")


def accept(deps: Deps, actor: Actor, dossier_id: str, req: AcceptIn | None = None) -> Dossier:
    """Receive a valid dossier: code, appointment, receipt data, counters, then the execution.

    A paper dossier (channel desk) goes draft → 1 → 2 in the same transaction. A fee the desk did
    not collect at receipt leaves the dossier awaiting payment (2 → 6, the clock paused) before
    processing starts. If the execution failed to start after an earlier commit, accepting again
    only retries the start.
    """
    from chalicelib.domain import deadlines, dossier_code

    req = req or AcceptIn()
    d = load_for(deps, dossier_id, actor)
    _desk_scope(d, actor)
    if d.status in (S.RECEIVED, S.AWAITING_FEE) and d.code and not d.handovers:
        start_execution(deps, d)
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
        events.append(_event(deps, actor, "entered_at_desk", None, S.NEW))
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
    fee_paid_here = proc.total_fee_vnd > 0 and req.fee_collected
    receipt_no = (req.receipt_no or "").strip()
    if fee_paid_here and not receipt_no:
        raise InvalidInput(
            "Cần ghi số biên lai thu phí, lệ phí khi đã thu tại quầy.",
            "A fee collected at the desk needs its receipt number.",
            field="receipt_no",
        )
    paid_note = (
        f"Đã thu {proc.total_fee_vnd} đồng, {fee_method_label(req.fee_method, in_sentence=True)}, "
        f"biên lai {receipt_no}"
        if fee_paid_here
        else None
    )
    events.append(
        _event(deps, actor, "received", frm, S.RECEIVED, paid_note, agency=d.receiving_unit)
    )
    counters = [
        (d.lead_agency, _month(received_at), "received"),
        (d.lead_agency, _month(received_at), f"received_channel_{int(d.channel)}"),
    ]
    if any(a.reused_from for a in d.attachments):  # QĐ 766: data reused from the e-data store
        counters.append((d.lead_agency, _month(received_at), "reused"))
    if proc.total_fee_vnd > 0:
        counters.append((d.lead_agency, _month(received_at), "fee_dossiers"))
    extra: dict[str, Any] = {"status": S.RECEIVED}
    if proc.total_fee_vnd > 0 and not fee_paid_here:
        due = cal.add_working_days(received_at, deps.settings.fee_deadline_working_days)
        extra = {
            "status": S.AWAITING_FEE,
            "fee": FeeDue(
                amount_vnd=proc.total_fee_vnd,
                reason="Phí, lệ phí giải quyết thủ tục hành chính",
                requested_at=received_at,
                requested_by=actor.username,
                due_at=due,
            ),
            "pauses": deadlines.add_pause(d.pauses, received_at, "Chờ nộp phí, lệ phí", kind="fee"),
            "supplement_due_at": due,
        }
        events.append(_event(deps, actor, "fee_requested", S.RECEIVED, S.AWAITING_FEE))
        counters.append((d.lead_agency, _month(received_at), "fee_requested"))
    elif proc.total_fee_vnd > 0:
        extra["fee"] = FeeDue(
            amount_vnd=proc.total_fee_vnd,
            reason="Phí, lệ phí giải quyết thủ tục hành chính",
            requested_at=received_at,
            requested_by=actor.username,
            paid_at=received_at,
            method=req.fee_method,
            receipt_no=receipt_no,
            recorded_by=actor.username,
        )
    from chalicelib.store.audit import backoff

    # Concurrent receipts at a unit wait in line for its daily number (store/turns.py: found under
    # load, 32 clerks at once, some lost every optimistic round). The check in the transaction stays
    # the guarantee, so a receipt that was skipped or waited too long still retries, bounded.
    key = dossier_code.sequence_key(d.receiving_unit, received_at)
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
    start_execution(deps, saved)
    return deps.store.get_dossier(saved.id)


def _warn_at(deps: Deps, due: datetime, start: datetime) -> datetime:
    cal = deps.calendar
    seconds = round(deps.settings.warn_before_working_days * cal.day_seconds)
    return max(start, cal.subtract_working_seconds(due, seconds))


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
            events=[_event(deps, actor, "refused", d.status, to, req.reason)],
            counters=[(d.lead_agency, _month(now), "refused")],
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
            events=[_event(deps, actor, "supplement_requested", d.status, to, req.reason)],
            counters=[(d.lead_agency, _month(now), "supplement_requested")],
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
        d.owner is not None,
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
            events=[_event(deps, actor, "result_returned", d.status, to, req.channel)],
            counters=[
                (d.lead_agency, _month(now), "returned"),
                (d.lead_agency, _month(now), f"returned_{req.channel}"),
            ],
        )
    )
    if req.channel == "online" and d.owner:
        from chalicelib.services import my_documents

        my_documents.keep_result(deps, saved)
    return saved
