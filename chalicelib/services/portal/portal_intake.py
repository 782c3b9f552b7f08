"""Dossiers submitted on the national portal (Cổng DVCQG) into the receiving desk's inbox.

- `intake(deps, raw)`: one dossier as the portal sends it (pushed to the signed route, or pulled).
  Checks in order: readable (domain.portal_intake), not a duplicate, a procedure of ours, a desk
  of this province, the e-form against the procedure's schema, every document downloaded from the
  portal into our bucket and re-checked by the upload policy like any upload, every required
  document there. Then ONE transaction creates the dossier already submitted (status 1, channel
  online, source "DVCQG", fees paid there recorded as paid) with its history and counters; the
  commit hook queues its first sync packet (the portal sees we have it). Any rejection deletes the
  files already fetched, records an alert and answers `IntakeRejected` (nothing half-created).
  The dossier id is derived from the portal's id (uuid5), so a re-push of the same JSON answers
  the same dossier and a different JSON under the same portal id is a duplicate.
- `pull(deps)`: the pull mode (a schedule): fetch the portal's new dossiers, take each in and
  acknowledge each with its answer (accepted or the rejection).

The desk then accepts, refuses or asks for a supplement as for any online dossier; each answer
reaches the portal as the dossier's next sync packet (services.portal_sync).
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from chalicelib.domain import portal_intake as rules
from chalicelib.domain.dossier import (
    Applicant,
    Attachment,
    AttachmentState,
    Channel,
    Dossier,
    FeeDue,
    HistoryEvent,
)
from chalicelib.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from chalicelib.domain.statuses import DossierStatus

if TYPE_CHECKING:
    from chalicelib.domain.procedure import Procedure
    from chalicelib.integrations.national_portal import NationalPortal
    from chalicelib.services.deps import Deps

log = logging.getLogger(__name__)

NAMESPACE = uuid.UUID("6f1d3c2e-7a51-4b8e-9d8f-2c1a0b9e5d77")
ACTOR = "dvcqg"  # who the history names for what happened on the portal
FILE_PREFIX = "intake"  # not `dossiers/`: the upload-event path must not judge them again


def dossier_id_for(portal_ref: str) -> str:
    return str(uuid.uuid5(NAMESPACE, f"dvcqg:{portal_ref}"))


def alert_rejection(
    deps: Deps, exc: rules.IntakeRejected, raw: Any, unit: str | None = None
) -> None:
    """Alert and log a rejection (no personal data: the portal's id and the reason's code)."""
    from chalicelib.services.care.alerts import record_alert

    ref = rules.portal_ref_of(raw) or "?"
    log.error("DVCQG intake %s refused: %s (%s)", ref, exc.code, exc.field)
    try:
        record_alert(
            deps, unit or "DVCQG", "portal_intake_rejected", ref, ref, exc.code, deps.clock()
        )
    except Exception:
        log.exception("DVCQG intake %s: alert not recorded", ref)


def _desks(deps: Deps) -> tuple[dict[str, str], str]:
    units = deps.store.list_units()
    desks = {u.code: u.name for u in units if u.kind == "desk"}
    province = next((u.code for u in units if u.kind == "province"), "")
    return desks, province


def _procedure(deps: Deps, code: str) -> Procedure:
    try:
        proc = deps.store.get_procedure(code)
    except NotFound:
        raise rules.unknown_procedure(code) from None
    if proc.state == "repealed":
        raise rules.unknown_procedure(code)
    return proc


def _fetch_files(
    deps: Deps, client: NationalPortal, proc: Procedure, inc: rules.IncomingDossier, did: str
) -> list[Attachment]:
    """Every file into the bucket, judged like an upload; appends each key to `keys` first."""
    from chalicelib.domain.upload_policy import clean_filename
    from chalicelib.services.dossier.dossiers import judge_upload
    from chalicelib.store.files import safe_filename

    out: list[Attachment] = []
    for f in inc.files:
        doc = proc.document(f.document_id)
        if doc is None:
            raise rules.IntakeRejected(
                "unknown_document",
                f"Thành phần hồ sơ {f.document_id} không thuộc thủ tục {proc.code}.",
                f"Document {f.document_id} is not part of procedure {proc.code}.",
                f"{rules.INTAKE_FIELDS['files']}.{f.document_id}",
            )
        try:
            filename = clean_filename(f.filename)
        except InvalidInput as exc:
            raise rules.IntakeRejected(
                "document_rejected", exc.message_vi, str(exc), exc.field or ""
            ) from None
        body = client.fetch_file(f.url, doc.max_bytes)
        if body is None:
            raise rules.missing_document(doc.name, doc.id)
        att_id = uuid.uuid4().hex[:12]
        key = f"{FILE_PREFIX}/{did}/{att_id}/{safe_filename(filename)}"
        att = Attachment(
            id=att_id,
            document_id=doc.id,
            filename=filename,
            key=key,
            content_type=f.content_type,
        )
        out.append(att)
        deps.files.put(key, body, f.content_type)
        judged = judge_upload(deps, att, doc, len(body))
        if judged.state is not AttachmentState.ACCEPTED:
            raise rules.IntakeRejected(
                "document_rejected",
                f"Tệp “{doc.name}” không đạt kiểm tra: {judged.reason or 'không hợp lệ'}.",
                f"File for {doc.id} failed the upload checks.",
                f"{rules.INTAKE_FIELDS['files']}.{doc.id}",
            )
        out[-1] = judged
    return out


def _existing(deps: Deps, did: str, inc: rules.IncomingDossier) -> dict[str, Any] | None:
    try:
        d = deps.store.get_dossier(did)
    except NotFound:
        return None
    if d.portal_digest != inc.digest:
        raise rules.duplicate(inc.portal_ref)
    return rules.accepted_answer(inc.portal_ref, d.id, duplicate=True)


def intake(deps: Deps, raw: Any, client: NationalPortal | None = None) -> dict[str, Any]:
    """Take one portal dossier in: the answer for the portal, or IntakeRejected (alerted). A
    portal outage while fetching files raises its SyncError (try again later; nothing kept)."""
    from chalicelib.services.portal.portal_sync import portal

    unit: str | None = None
    fetched: list[Attachment] = []
    try:
        inc = rules.parse_dossier(raw)
        unit = inc.receiving_unit
        did = dossier_id_for(inc.portal_ref)
        again = _existing(deps, did, inc)
        if again is not None:
            return again
        proc = _procedure(deps, inc.procedure_code)
        desks, province = _desks(deps)
        rules.check_unit(inc.receiving_unit, desks, province)
        from chalicelib.services.dossier.dossiers import check_documents, validate_form

        try:
            form = validate_form(proc, inc.form_data)
        except InvalidInput as exc:
            raise rules.IntakeRejected(
                "invalid_form", exc.message_vi, str(exc), exc.field or ""
            ) from None
        fetched = _fetch_files(deps, client or portal(deps), proc, inc, did)
        d = _new_dossier(deps, proc, inc, did, form, fetched)
        try:
            check_documents(proc, d)
        except InvalidInput as exc:
            doc_id = (exc.field or "").removeprefix("documents.")
            name = next((x.name for x in proc.documents if x.id == doc_id), doc_id)
            raise rules.missing_document(name, doc_id) from None
        saved = _create(deps, d, inc)
    except rules.IntakeRejected as exc:
        _discard(deps, fetched)
        alert_rejection(deps, exc, raw, unit)
        raise
    except Exception:
        _discard(deps, fetched)
        raise
    if saved is None:  # a concurrent push of the same dossier won the create
        _discard(deps, fetched)
        answer = _existing(deps, did, inc)
        assert answer is not None
        return answer
    log.info("DVCQG intake %s -> dossier %s at %s", inc.portal_ref, saved.id, unit)
    return rules.accepted_answer(inc.portal_ref, saved.id)


def _discard(deps: Deps, fetched: list[Attachment]) -> None:
    for a in fetched:
        try:
            deps.files.delete(a.key)
        except Exception:
            log.exception("DVCQG intake: file %s not deleted", a.id)


def _new_dossier(
    deps: Deps,
    proc: Procedure,
    inc: rules.IncomingDossier,
    did: str,
    form: dict[str, Any],
    files: list[Attachment],
) -> Dossier:
    now = deps.clock()
    submitted = inc.submitted_at or now
    fee = None
    if inc.fee_paid_vnd > 0:
        fee = FeeDue(
            amount_vnd=inc.fee_paid_vnd,
            reason="Phí, lệ phí đã nộp trên Cổng Dịch vụ công quốc gia",
            requested_at=submitted,
            requested_by=ACTOR,
            paid_at=submitted,
            method="dvcqg",
            receipt_no=", ".join(f.transaction for f in inc.fees if f.paid and f.transaction)
            or None,
            recorded_by=ACTOR,
        )
    try:
        applicant = Applicant.model_validate(
            {k: v for k, v in inc.applicant.items() if v or k == "name"}
        )
    except ValueError:
        raise rules.IntakeRejected(
            "invalid_packet",
            "Thông tin chủ hồ sơ không hợp lệ.",
            "The applicant's details are not valid.",
            rules.INTAKE_FIELDS["applicant"],
        ) from None
    return Dossier(
        id=did,
        procedure_code=proc.code,
        procedure_version=proc.version,
        owner=None,
        applicant=applicant,
        form_data=form,
        channel=Channel.ONLINE,
        source=rules.SOURCE,
        portal_ref=inc.portal_ref,
        portal_digest=inc.digest,
        status=DossierStatus.NEW,
        receiving_unit=inc.receiving_unit,
        lead_agency=proc.lead_agency,
        attachments=files,
        created_at=now,
        submitted_at=submitted,
        fee=fee,
    )


def _create(deps: Deps, d: Dossier, inc: rules.IncomingDossier) -> Dossier | None:
    """The dossier, its history and its counter in one transaction; None if it exists already."""
    from chalicelib.services.dossier.dossiers import VN
    from chalicelib.store.table import Change

    at = d.submitted_at or deps.clock()
    event = HistoryEvent(
        at=at,
        actor=ACTOR,
        actor_role="citizen",  # the applicant submitted it, on the national portal
        action="submitted",
        to_status=DossierStatus.NEW,
        note=f"Nộp hồ sơ trên Cổng Dịch vụ công quốc gia (mã {inc.portal_ref})",
    )
    month = at.astimezone(VN).strftime("%Y-%m")
    try:
        return deps.store.apply(
            Change(
                dossier=d,
                expected_version=0,
                events=[event],
                counters=[(d.lead_agency, month, "submitted")],
                create=True,
            )
        )
    except Conflict:
        return None


def pull(deps: Deps, client: NationalPortal | None = None) -> dict[str, int]:
    """The pull mode: every new dossier on the portal taken in and acknowledged with its answer.
    A portal outage leaves the rest for the next run (the portal keeps them until acknowledged)."""
    from chalicelib.services.portal.portal_sync import portal

    sender = client or portal(deps)
    counts = {"accepted": 0, "rejected": 0, "failed": 0}
    for raw in sender.new_dossiers():
        try:
            answer = intake(deps, raw, sender)
            counts["accepted"] += 1
        except rules.IntakeRejected as exc:
            answer = exc.answer(rules.portal_ref_of(raw))
            counts["rejected"] += 1
        except DomainError:
            log.exception("DVCQG pull: %s not taken in", rules.portal_ref_of(raw))
            counts["failed"] += 1
            continue
        sender.acknowledge(answer)
    return counts
