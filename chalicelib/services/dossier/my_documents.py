"""The citizen's e-data store ("my documents"): results returned online and kept for reuse.

A later dossier may attach one of them instead of uploading again; the copy is marked as reused.
Items live under the account (`USER#<sub>`/`DOC#<id>`), so listing them is one Query.
"""

from __future__ import annotations

import uuid
from typing import Any

from chalicelib.domain.actors import Actor
from chalicelib.domain.dossier import (
    Attachment,
    AttachmentState,
    Dossier,
    ensure_documents_editable,
)
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.services.container import Deps
from chalicelib.services.dossier.access import load_for
from chalicelib.store import my_documents as wallet


def keep_result(deps: Deps, d: Dossier) -> None:
    """Idempotent: the result id names the entry, so a retried return does not duplicate it."""
    assert d.owner and d.result is not None
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    entry = {
        "id": d.result.id,
        "kind": "result",
        "title": f"Kết quả: {proc.name}",
        "dossier_code": d.code,
        "procedure_code": d.procedure_code,
        "filename": d.result.filename,
        "key": d.result.key,
        "sha256": d.result.sha256,
        "kept_at": (d.returned_at or deps.clock()).isoformat(),
    }
    wallet.put_entry(deps.store.client, deps.store.table, d.owner, d.result.id, entry)


def list_documents(deps: Deps, actor: Actor) -> list[dict[str, Any]]:
    out = wallet.list_entries(deps.store.client, deps.store.table, actor.sub)
    return [{k: v for k, v in e.items() if k != "key"} for e in out]


def _entry(deps: Deps, actor: Actor, doc_id: str) -> dict[str, Any]:
    entry = wallet.get_entry(deps.store.client, deps.store.table, actor.sub, doc_id)
    if entry is None:
        raise NotFound("Không tìm thấy giấy tờ.", "Document not found.", field="my_document_id")
    return entry


def reuse(
    deps: Deps, actor: Actor, dossier_id: str, my_document_id: str, document_id: str
) -> Attachment:
    """Copy a kept result into the dossier as an accepted attachment, marked as reused."""
    d = load_for(deps, dossier_id, actor)
    ensure_documents_editable(d, actor)
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    req = proc.document(document_id)
    if req is None:
        raise InvalidInput(
            "Thành phần hồ sơ không thuộc thủ tục này.",
            "This document is not part of the procedure.",
            field="document_id",
        )
    entry = _entry(deps, actor, my_document_id)
    if "application/pdf" not in req.accepted_types:
        raise InvalidInput(
            "Thành phần này không nhận tệp PDF.",
            "This document does not accept PDF files.",
            field="document_id",
        )
    from chalicelib.store.files import safe_filename

    att_id = uuid.uuid4().hex[:12]
    key = f"dossiers/{d.id}/{att_id}/{safe_filename(entry['filename'])}"
    body = deps.files.client.get_object(Bucket=deps.settings.results_bucket, Key=entry["key"])[
        "Body"
    ].read()
    deps.files.put(key, body, "application/pdf")
    att = Attachment(
        id=att_id,
        document_id=document_id,
        filename=entry["filename"],
        key=key,
        state=AttachmentState.ACCEPTED,
        size=len(body),
        content_type="application/pdf",
        reused_from=my_document_id,
    )
    d.attachments.append(att)
    deps.store.save_dossier(d, d.version)
    return att
