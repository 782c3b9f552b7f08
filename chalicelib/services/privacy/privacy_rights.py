"""The data subject's rights (issue 10): consents, export of everything held, erasure request.

- Consents: append-only records (chalicelib.domain.consents); the latest per kind is the state, so
  a withdrawal works at once. Face registration keeps its own records and flow
  (chalicelib.services.privacy.faces): it is shown here, and withdrawing it here calls the face
  withdrawal.
- Export: a zip (`data.json` + files) under `exports/<sub>/<id>.zip` in the results bucket, answered
  as a presigned GET link valid `export_link_expiry_seconds` (default 15 min). Only the caller's own
  data: profile, dossiers by the owner index, their history, consents, access log, my documents.
- Erasure: deletes what no law requires us to keep (profile extras, consent details, face data,
  my-documents copies, drafts never submitted); submitted dossiers are kept, marked restricted, and
  the answer says until when. Every step is audited on the account's stream.
"""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from typing import TYPE_CHECKING, Any

from chalicelib.domain import consents as rules
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput
from chalicelib.domain.permissions import role_permits
from chalicelib.services.admin import audit
from chalicelib.services.dossier.dossiers import erase_draft
from chalicelib.store.privacy import PrivacyStore
from chalicelib.store.s3_erase import Erased, erase_object

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor
    from chalicelib.domain.dossier import Dossier
    from chalicelib.services.container import Deps

PROFILE_EXTRAS = ("address", "phone", "id_number", "email")
MAX_LOG_PAGES = 50


def _citizen(actor: Actor, action: str) -> None:
    if not role_permits(actor, action):
        raise Forbidden("Chỉ công dân có tài khoản.", "Citizens only.")


def _store(deps: Deps) -> PrivacyStore:
    return PrivacyStore(deps.store.client, deps.store.table)


def _texts() -> dict[str, rules.ConsentText]:
    from chalicelib.services.privacy.faces import CONSENT_TEXT_EN, CONSENT_TEXT_VI, CONSENT_VERSION

    face = rules.ConsentText("face_registration", CONSENT_VERSION, CONSENT_TEXT_VI, CONSENT_TEXT_EN)
    return {**rules.TEXTS, "face_registration": face}


# ---- consents ---------------------------------------------------------------------------------
def _records(deps: Deps, sub: str) -> list[dict[str, Any]]:
    store = _store(deps)
    own = store.consents(sub)
    face = [rules.from_face_record(r) for _, r in store.face_consents(sub)]
    return sorted(own + face, key=lambda r: r["at"])


def my_consents(deps: Deps, actor: Actor) -> dict[str, Any]:
    _citizen(actor, "privacy.my.consents")
    records = _records(deps, actor.sub)
    state = rules.current(records)
    items = []
    for kind, text in _texts().items():
        latest = state.get(kind)
        items.append(
            {
                "kind": kind,
                "given": bool(latest and latest["given"]),
                "at": latest["at"] if latest else None,
                "recorded_text_version": latest["text_version"] if latest else None,
                "channel": latest["channel"] if latest else None,
                "text_version": text.version,
                "text_sha256": text.sha256,
                "text_vi": text.text_vi,
                "text_en": text.text_en,
            }
        )
    return {"items": items, "history": records}


def set_consent(
    deps: Deps, actor: Actor, kind: str, given: bool, text_version: str, channel: str = "web"
) -> dict[str, Any]:
    """Record a consent or its withdrawal (effective at once: the new record is the state)."""
    _citizen(actor, "privacy.my.consents")
    text = rules.check_version(rules.text_for(kind, _texts()), text_version)
    if kind == "face_registration":
        if given:
            raise InvalidInput(
                "Đăng ký khuôn mặt cần ảnh: hãy dùng trang “Tra cứu bằng khuôn mặt”.",
                "Face registration needs a photo: use the face lookup page.",
                code="use_face_registration",
                field="kind",
            )
        from chalicelib.services.privacy import faces

        faces.withdraw(deps, actor)  # deletes the face data and records the withdrawal
        return my_consents(deps, actor)
    at = deps.clock().isoformat()
    rec = rules.record(kind, given, text, at, channel, actor.username)
    _store(deps).add_consent(actor.sub, rec)
    audit.record(
        deps,
        actor,
        "consent_given" if given else "consent_withdrawn",
        detail={"kind": kind, "text_version": text.version, "channel": channel},
    )
    return my_consents(deps, actor)


def has_consent(deps: Deps, sub: str, kind: str) -> bool:
    """For senders and sharing: is `kind` given right now (a withdrawal counts at once)."""
    return rules.is_given(_records(deps, sub), kind)


# ---- export ---------------------------------------------------------------------------------
def _json_default(o: Any) -> Any:
    return o.isoformat() if hasattr(o, "isoformat") else str(o)


def _access_log(deps: Deps, actor: Actor) -> list[dict[str, Any]]:
    from chalicelib.services.privacy.privacy import access_log

    items: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(MAX_LOG_PAGES):
        page = access_log(deps, actor, cursor, 100)
        items += page["items"]
        cursor = page["next"]
        if not cursor:
            break
    return items


def _read(s3: Any, bucket: str, key: str) -> bytes | None:
    try:
        return bytes(s3.get_object(Bucket=bucket, Key=key)["Body"].read())
    except s3.exceptions.ClientError:
        return None


def build_export(deps: Deps, actor: Actor) -> tuple[bytes, dict[str, Any]]:
    """The zip's bytes and its `data.json` content; the caller's own data only."""
    from chalicelib.store.files import safe_filename

    s3 = deps.files.client
    results_bucket = deps.settings.results_bucket
    profile = deps.store.get_profile(actor.sub) or {}
    dossiers = deps.store.list_owner_dossiers(actor.sub)
    dossiers = [d for d in dossiers if d.owner == actor.sub]  # the index is eventually consistent
    files: list[tuple[str, bytes]] = []
    out_dossiers = []
    for d in dossiers:
        entry = d.model_dump(mode="json", exclude={"lookup_token"})
        entry["history"] = [e.model_dump(mode="json") for e in deps.store.history(d.id)]
        folder = f"dossiers/{safe_filename(d.code or d.id)}"
        for a in d.attachments:
            body = _read(s3, deps.files.bucket, a.key)
            if body is not None:
                files.append((f"{folder}/attachments/{a.id}-{safe_filename(a.filename)}", body))
        if d.result is not None:
            body = _read(s3, results_bucket, d.result.key)
            if body is not None:
                files.append((f"{folder}/result/{safe_filename(d.result.filename)}", body))
        out_dossiers.append(entry)
    docs = []
    for _, doc in _store(deps).my_documents(actor.sub):
        docs.append({k: v for k, v in doc.items() if k != "key"})
        body = _read(s3, results_bucket, doc.get("key", "")) if doc.get("key") else None
        if body is not None:
            name = f"{doc.get('id')}-{safe_filename(doc.get('filename') or 'document.pdf')}"
            files.append((f"my-documents/{name}", body))
    data = {
        "exported_at": deps.clock().isoformat(),
        "subject": {"sub": actor.sub, "username": actor.username},
        "profile": profile,
        "dossiers": out_dossiers,
        "consents": _records(deps, actor.sub),
        "access_log": _access_log(deps, actor),
        "my_documents": docs,
        "files": [name for name, _ in files],
    }
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "data.json", json.dumps(data, ensure_ascii=False, indent=2, default=_json_default)
        )
        for name, body in files:
            z.writestr(name, body)
    return buf.getvalue(), data


def export(deps: Deps, actor: Actor) -> dict[str, Any]:
    """Build the zip, store it under `exports/<sub>/<id>.zip`, answer a time-limited link."""
    _citizen(actor, "privacy.my.export")
    body, data = build_export(deps, actor)
    export_id = uuid.uuid4().hex
    key = f"exports/{actor.sub}/{export_id}.zip"
    s3 = deps.files.client
    bucket = deps.settings.results_bucket
    s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/zip")
    expiry = deps.settings.export_link_expiry_seconds
    name = f"du-lieu-ca-nhan-{export_id[:8]}.zip"
    url = s3.generate_presigned_url(
        "get_object",
        Params={
            "Bucket": bucket,
            "Key": key,
            "ResponseContentDisposition": f'attachment; filename="{name}"',
        },
        ExpiresIn=expiry,
    )
    audit.record(
        deps,
        actor,
        "data_exported",
        detail={
            "export_id": export_id,
            "dossiers": len(data["dossiers"]),
            "files": len(data["files"]),
        },
    )
    return {
        "export_id": export_id,
        "url": url,
        "expires_in": expiry,
        "size": len(body),
        "dossiers": len(data["dossiers"]),
        "files": len(data["files"]),
    }


# ---- erasure --------------------------------------------------------------------------------
def _erase_consents(deps: Deps, actor: Actor) -> int:
    """Every kind given becomes withdrawn; the older records (details) are deleted; one bare
    withdrawal marker per kind stays, so the state reads 'withdrawn' from now on."""
    store = _store(deps)
    state = rules.current(_records(deps, actor.sub))
    for key in store.consent_keys(actor.sub):
        store.delete_user_item(actor.sub, key)
    texts = _texts()
    at = deps.clock().isoformat()
    for kind in state:
        if kind == "face_registration":
            continue
        marker = rules.record(kind, False, texts[kind], at, "web", actor.username)
        store.add_consent(actor.sub, marker)
    return len(state)


def _erase_face(deps: Deps, actor: Actor) -> bool:
    from chalicelib.services.privacy import faces
    from chalicelib.store.faces import FaceStore

    face_store = FaceStore(deps.store.client, deps.store.table)
    had = face_store.get_mapping(actor.sub) is not None or bool(face_store.consents(actor.sub))
    if had:
        faces.withdraw(deps, actor)
        store = _store(deps)
        records = store.face_consents(actor.sub)
        for sk, _ in records[:-1]:  # keep only the newest (the withdrawal) as the state
            store.delete_user_item(actor.sub, sk)
    return had


def _retained_result_keys(dossiers: list[Dossier]) -> set[str]:
    return {d.result.key for d in dossiers if d.result is not None}


def _erase_documents(
    deps: Deps, actor: Actor, dossiers: list[Dossier]
) -> tuple[int, Erased, list[dict[str, Any]]]:
    """My-documents entries are deleted with their copies (every S3 version). An entry that only
    points at a dossier's signed result (the file the dossier keeps) loses the entry; the file
    stays with the dossier under its retention."""
    store = _store(deps)
    retained = _retained_result_keys(dossiers)
    erased = Erased()
    kept: list[dict[str, Any]] = []
    n = 0
    for sk, doc in store.my_documents(actor.sub):
        key = doc.get("key")
        if key and key in retained:
            kept.append({"document": doc.get("id"), "kept_with_dossier": doc.get("dossier_code")})
        elif key:
            erased.add(erase_object(deps.files.client, deps.settings.results_bucket, key))
        store.delete_user_item(actor.sub, sk)
        n += 1
    return n, erased, kept


def _restrict(deps: Deps, d: Dossier) -> Dossier:
    for _ in range(3):
        if d.restricted:
            return d
        try:
            return deps.store.save_dossier(d.model_copy(update={"restricted": True}), d.version)
        except Conflict:
            d = deps.store.get_dossier(d.id)
    raise Conflict(
        "Hồ sơ đang được cập nhật. Vui lòng thử lại.",
        "The dossier is being updated. Please retry.",
        code="version_conflict",
    )


def erase(deps: Deps, actor: Actor) -> dict[str, Any]:
    """The erasure request: delete what is not under a legal retention duty, restrict the rest."""
    _citizen(actor, "privacy.my.erasure")
    profile = deps.store.get_profile(actor.sub) or {}
    cleared = [k for k in PROFILE_EXTRAS if profile.get(k)]
    deps.store.put_profile(actor.sub, {**profile, **{k: None for k in PROFILE_EXTRAS}})
    n_consents = _erase_consents(deps, actor)
    face = _erase_face(deps, actor)
    dossiers = [d for d in deps.store.list_owner_dossiers(actor.sub) if d.owner == actor.sub]
    erased = Erased()
    drafts = 0
    kept_dossiers = []
    submitted = []
    for d in dossiers:
        if d.status is None:
            erased.add(erase_draft(deps, d))
            drafts += 1
            continue
        submitted.append(d)
    n_docs, doc_erased, docs_kept = _erase_documents(deps, actor, submitted)
    erased.add(doc_erased)
    for d in submitted:
        d = _restrict(deps, d)
        audit.record(deps, actor, "dossier_restricted", dossier_id=d.id, detail={"code": d.code})
        kept_dossiers.append(
            {
                "id": d.id,
                "code": d.code,
                "procedure_code": d.procedure_code,
                "status": int(d.status) if d.status is not None else None,
                "restricted": True,
                "retention_until": d.retention_until.isoformat() if d.retention_until else None,
                "reason_vi": (
                    "Hồ sơ thủ tục hành chính phải lưu trữ theo quy định đến hết thời hạn."
                    if d.retention_until
                    else "Hồ sơ đang giải quyết: lưu đến khi kết thúc và hết thời hạn lưu trữ."
                ),
            }
        )
    answer = {
        "deleted": {
            "profile_fields": cleared,
            "consents": n_consents,
            "face_data": face,
            "my_documents": n_docs,
            "drafts": drafts,
            "object_versions": erased.deleted,
        },
        "kept": {
            "account": True,
            "dossiers": kept_dossiers,
            "my_document_files_kept_with_dossiers": docs_kept,
            "locked_objects": erased.locked,
        },
    }
    audit.record(
        deps,
        actor,
        "erasure_request",
        detail={
            **answer["deleted"],
            "dossiers_restricted": len(kept_dossiers),
            "locked_objects": len(erased.locked),
        },
    )
    return answer
