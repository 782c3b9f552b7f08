"""The signed electronic result (status 9) and its public verification.

What is signed is a small canonical manifest, not the PDF: `{"v":1,"result_id","dossier_code",
"sha256","filename"}` (sorted keys, compact JSON, UTF-8), with KMS `Sign` (`MessageType="RAW"`,
ECDSA_SHA_256) under the stack's asymmetric signing key (settings `result_signing_key`). This
verifies the same way in AWS, in moto and offline with the public key; signing a DIGEST does not
(moto hashes it again, see /work/shared/TOOLCHAIN.md).

Verification trusts only the configured key: a record naming another key, or a signature made
with another key, is "Chữ ký không hợp lệ". The file is re-read from the results bucket and hashed
again, so a replaced object is "Tệp đã bị thay đổi".
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
import uuid
from typing import TYPE_CHECKING, Any

from chalicelib.aws import error_code
from chalicelib.domain.dossier import Dossier, HistoryEvent, ResultDocument
from chalicelib.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound

if TYPE_CHECKING:
    from datetime import datetime

    from chalicelib.domain.actors import Actor
    from chalicelib.domain.procedure import Procedure
    from chalicelib.services.container import Deps
    from chalicelib.store.results import ResultRecord, ResultStore

ALGORITHM = "ECDSA_SHA_256"
MAX_RESULT_BYTES = 20 * 1024 * 1024  # an agency's uploaded result
MAX_COMPARE_BYTES = 20 * 1024 * 1024  # a citizen's copy sent to the verify page
PDF_MAGIC = b"%PDF-"
RESULTS_PREFIX = "results"
STAGING_PREFIX = "uploads/results"

REASONS: dict[str, tuple[str, str]] = {
    "valid": ("Kết quả hợp lệ: tệp nguyên vẹn và chữ ký số đúng.", "Valid: file intact, signed."),
    "not_found": ("Không tìm thấy kết quả", "Result not found"),
    "tampered": ("Tệp đã bị thay đổi", "The file was modified"),
    "bad_signature": ("Chữ ký không hợp lệ", "Invalid signature"),
    "copy_differs": (
        "Tệp bạn chọn khác với kết quả đã ký (có thể đã bị sửa)",
        "Your file differs from the signed result (it may have been modified)",
    ),
    "not_configured": ("Chưa cấu hình khóa ký số", "No signing key is configured"),
    "pades_invalid": (
        "Chữ ký số trong tệp PDF không hợp lệ (xem chi tiết từng chữ ký)",
        "The PDF's signatures are not valid (see each signature)",
    ),
}


# ---- adapters ---------------------------------------------------------------------------------
def _store(deps: Deps) -> ResultStore:
    from chalicelib import aws
    from chalicelib.store.results import ResultStore

    return ResultStore(
        client=deps.store.client,
        table_name=deps.store.table,
        s3=aws.client("s3"),
        bucket=deps.settings.results_bucket,
    )


def _kms() -> Any:
    from chalicelib import aws

    return aws.client("kms")


# ---- manifest and signature ---------------------------------------------------------------------
def manifest(result: ResultDocument | ResultRecord, dossier_code: str | None = None) -> bytes:
    """The canonical bytes that are signed. A ResultDocument does not carry the dossier code:
    pass it; a stored ResultRecord does."""
    if isinstance(result, ResultDocument):
        if dossier_code is None:
            raise ValueError("dossier_code is needed for a ResultDocument")
        result_id, sha, filename = result.id, result.sha256, result.filename
    else:
        result_id, sha, filename = result.result_id, result.sha256, result.filename
        dossier_code = result.dossier_code if dossier_code is None else dossier_code
    doc = {
        "v": 1,
        "result_id": result_id,
        "dossier_code": dossier_code,
        "sha256": sha,
        "filename": filename,
    }
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _signing_key(deps: Deps) -> str:
    key = deps.settings.result_signing_key
    if not key:
        raise DomainError(
            REASONS["not_configured"][0],
            REASONS["not_configured"][1],
            code="signing_key_missing",
            status=500,
        )
    return key


def sign_manifest(key_id: str, message: bytes) -> tuple[str, str]:
    """KMS Sign (RAW): (base64 signature, the signing key's ARN as KMS reports it)."""
    resp = _kms().sign(KeyId=key_id, Message=message, MessageType="RAW", SigningAlgorithm=ALGORITHM)
    return base64.b64encode(resp["Signature"]).decode("ascii"), str(resp["KeyId"])


_key_ids: dict[str, str] = {}
_public_keys: dict[str, Any] = {}
_cache_lock = threading.Lock()


def _key_uuid(key: str) -> str:
    """The bare key id of an ARN, id or alias (aliases are resolved once with DescribeKey)."""
    if key.startswith("arn:") and ":key/" in key:
        return key.rsplit(":key/", 1)[1]
    if not key.startswith("alias/") and ":alias/" not in key:
        return key
    with _cache_lock:
        if key in _key_ids:
            return _key_ids[key]
    resolved = str(_kms().describe_key(KeyId=key)["KeyMetadata"]["KeyId"])
    with _cache_lock:
        _key_ids[key] = resolved
    return resolved


def _public_key(key: str) -> Any:
    """The key's public half (GetPublicKey, DER SubjectPublicKeyInfo), cached per key."""
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    kid = _key_uuid(key)
    with _cache_lock:
        if kid in _public_keys:
            return _public_keys[kid]
    der = _kms().get_public_key(KeyId=key)["PublicKey"]
    pub = load_der_public_key(der)
    with _cache_lock:
        _public_keys[kid] = pub
    return pub


def _verify_kms(key: str, message: bytes, signature: bytes) -> bool:
    try:
        resp = _kms().verify(
            KeyId=key,
            Message=message,
            MessageType="RAW",
            Signature=signature,
            SigningAlgorithm=ALGORITHM,
        )
    except Exception as exc:
        if error_code(exc) in ("KMSInvalidSignatureException", "ValidationException"):
            return False
        raise
    return bool(resp.get("SignatureValid"))


def _verify_offline(key: str, message: bytes, signature: bytes) -> bool:
    """The same check without KMS, as a third party would do with the published public key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    pub = _public_key(key)
    if not isinstance(pub, ec.EllipticCurvePublicKey):
        return False
    try:
        pub.verify(signature, message, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def public_key_pem(deps: Deps) -> str:
    """The signing key's public half as PEM (for anyone verifying offline)."""
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    pem: bytes = _public_key(_signing_key(deps)).public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo
    )
    return pem.decode("ascii")


# ---- producing a result -------------------------------------------------------------------------
def _new_id() -> str:
    return uuid.uuid4().hex  # unguessable: the verify page is public


def _final_key(dossier: Dossier, result_id: str, filename: str) -> str:
    return f"{RESULTS_PREFIX}/{dossier.id}/{result_id}/{filename}"


def sign_and_store(
    deps: Deps,
    dossier: Dossier,
    pdf: bytes,
    filename: str,
    generated: bool,
    *,
    result_id: str | None = None,
    official: str | None = None,
) -> ResultDocument:
    """Sign the PDF (PAdES: `official`, default the approving one, then the lead agency), store
    it in the results bucket, sign the manifest of its sha256, save the record.

    The caller stores the returned document on the dossier (`Dossier.result`).
    """
    from chalicelib.store.files import safe_filename
    from chalicelib.store.results import ResultRecord

    if not dossier.code:
        raise Conflict(
            "Hồ sơ chưa được tiếp nhận nên chưa có kết quả.",
            "The dossier has not been received.",
            code="not_received",
        )
    key_id = _signing_key(deps)
    rid = result_id or _new_id()
    name = safe_filename(filename)
    key = _final_key(dossier, rid, name)
    from chalicelib.services.dossier import signing

    # The legal signatures first (official, then agency): nothing is stored or released unsigned.
    pdf = signing.sign_result(deps, dossier, pdf, official=official)
    sha = hashlib.sha256(pdf).hexdigest()
    store = _store(deps)
    store.put_file(key, pdf)
    doc = ResultDocument(id=rid, key=key, filename=name, sha256=sha, generated=generated)
    signature, signed_by = sign_manifest(key_id, manifest(doc, dossier.code))
    doc = doc.model_copy(
        update={
            "signature": signature,
            "key_id": signed_by,
            "algorithm": ALGORITHM,
            "signed_at": deps.clock(),
        }
    )
    assert doc.signed_at is not None
    store.put(
        ResultRecord(
            result_id=rid,
            dossier_id=dossier.id,
            dossier_code=dossier.code,
            key=key,
            filename=name,
            sha256=sha,
            signature=signature,
            key_id=signed_by,
            algorithm=ALGORITHM,
            signed_at=doc.signed_at.isoformat(),
            generated=generated,
        )
    )
    return doc


def render_template_result(
    deps: Deps,
    dossier: Dossier,
    procedure: Procedure,
    unit_names: dict[str, str],
    result_id: str,
) -> bytes:
    """The template PDF of a dossier's result (the QR points at this result's verify page)."""
    from chalicelib.documents.result import ResultData, render_result_pdf, verify_url

    agency = unit_names.get(dossier.lead_agency, dossier.lead_agency)
    data = ResultData(
        result_id=result_id,
        authority_name=f"UBND TỈNH {deps.settings.province_name}",
        agency_name=agency,
        place_name=deps.settings.province_name,
        number=f"{dossier.code}/KQ",
        procedure_name=procedure.name,
        applicant_name=dossier.applicant.name,
        applicant_id_number=dossier.applicant.id_number,
        dossier_code=dossier.code or dossier.id,
        issued_at=dossier.finished_at or deps.clock(),
        verify_url=verify_url(deps.settings.public_base_url, result_id),
    )
    return render_result_pdf(data)


def produce_result(
    deps: Deps, dossier: Dossier, procedure: Procedure, unit_names: dict[str, str]
) -> ResultDocument:
    """The dossier's result: the one it has (idempotent), else a signed template result."""
    if dossier.result is not None:
        return dossier.result
    rid = _new_id()
    pdf = render_template_result(deps, dossier, procedure, unit_names, rid)
    return sign_and_store(
        deps, dossier, pdf, f"thong-bao-ket-qua-{dossier.code}.pdf", generated=True, result_id=rid
    )


# ---- the agency's own document ------------------------------------------------------------------
def _issuer_scope(actor: Actor, dossier: Dossier) -> None:
    """Only the lead agency (or an administrator) issues the result (`result.agency.attach`)."""
    from chalicelib.domain.permissions import Related, permits

    if not permits(actor, "result.agency.attach", Related.of(lead=dossier.lead_agency)):
        raise Forbidden(
            "Chỉ cơ quan chủ trì giải quyết được ban hành kết quả.",
            "Only the lead agency issues the result.",
        )


def _no_result_yet(dossier: Dossier) -> None:
    if dossier.result is not None:
        raise Conflict(
            "Hồ sơ đã có kết quả được ký số.",
            "The dossier already has a signed result.",
            code="result_exists",
        )
    if not dossier.code:
        raise Conflict(
            "Hồ sơ chưa được tiếp nhận nên chưa có kết quả.",
            "The dossier has not been received.",
            code="not_received",
        )


def request_result_upload(
    deps: Deps, actor: Actor, dossier: Dossier, filename: str = "ket-qua.pdf"
) -> dict[str, Any]:
    """A presigned POST for the agency's own PDF, to a staging key; `attach_uploaded_result`
    then checks it and signs a copy under the final key (the slot cannot overwrite that)."""
    from chalicelib.store.files import safe_filename

    _issuer_scope(actor, dossier)
    _no_result_yet(dossier)
    rid = _new_id()
    name = safe_filename(filename)
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    key = f"{STAGING_PREFIX}/{dossier.id}/{rid}/{name}"
    post = _store(deps).presigned_post(
        key, "application/pdf", MAX_RESULT_BYTES, deps.settings.upload_url_expiry_seconds
    )
    return {
        "result_id": rid,
        "key": key,
        "url": post["url"],
        "fields": post["fields"],
        "max_bytes": MAX_RESULT_BYTES,
    }


def attach_uploaded_result(deps: Deps, actor: Actor, dossier: Dossier, key: str) -> ResultDocument:
    """Check what arrived (size, PDF magic bytes; moto does not enforce POST limits) and sign it."""
    _issuer_scope(actor, dossier)
    _no_result_yet(dossier)
    prefix = f"{STAGING_PREFIX}/{dossier.id}/"
    parts = key[len(prefix) :].split("/") if key.startswith(prefix) else []
    if len(parts) != 2 or not all(parts) or ".." in key:
        raise InvalidInput(
            "Khóa tệp không thuộc hồ sơ này.",
            "The key does not belong to this dossier.",
            field="key",
        )
    rid, name = parts
    store = _store(deps)
    size = store.size(key)
    if size is None:
        raise NotFound("Chưa nhận được tệp tải lên.", "The upload has not arrived.", field="key")
    if size > MAX_RESULT_BYTES or size == 0:
        store.delete_file(key)
        raise InvalidInput(
            f"Tệp quá lớn hoặc rỗng. Dung lượng tối đa {MAX_RESULT_BYTES // (1024 * 1024)} MB.",
            f"File empty or too large. Maximum {MAX_RESULT_BYTES // (1024 * 1024)} MB.",
            code="file_too_large",
            field="key",
        )
    data = store.get_file(key) or b""
    if not data.startswith(PDF_MAGIC):
        store.delete_file(key)
        raise InvalidInput(
            "Kết quả phải là tệp PDF.", "The result must be a PDF file.", code="file_type"
        )
    # A person of the agency who attaches the document signs it as the official; an agency's
    # system (API key) has no person's certificate, so the step's approving official signs.
    person = actor.role in ("agency", "leader") and not actor.sub.startswith("agency-key:")
    official = actor.username if person else None
    doc = sign_and_store(
        deps, dossier, data, name, generated=False, result_id=rid, official=official
    )
    store.delete_file(key)
    return doc


def store_on_dossier(deps: Deps, actor: Actor, dossier: Dossier, result: ResultDocument) -> Dossier:
    """Record the signed result on the dossier with a history event (optimistic lock)."""
    from chalicelib.store.table import Change

    new = dossier.model_copy(update={"result": result, "result_key": result.key})
    kind = (
        "Thông báo kết quả theo mẫu" if result.generated else "Văn bản kết quả do cơ quan tải lên"
    )
    from chalicelib.domain.actors import actor_name, actor_title, actor_unit

    event = HistoryEvent(
        at=deps.clock(),
        actor=actor.username,
        actor_role=actor.role,
        actor_name=actor_name(actor),
        actor_title=actor_title(actor),
        actor_unit=actor_unit(actor),
        action="result_signed",
        from_status=dossier.status,
        to_status=dossier.status,
        note=f"{kind}: {result.filename}",
        agency=dossier.lead_agency,
    )
    from chalicelib.domain.history import month_key

    # QĐ 766 digitisation: every processed dossier gets a signed electronic result.
    counters = [(dossier.lead_agency, month_key(deps.clock()), "electronic_result")]
    return deps.store.apply(
        Change(dossier=new, expected_version=dossier.version, events=[event], counters=counters)
    )


def open_upload(deps: Deps, actor: Actor, dossier_id: str, filename: str) -> dict[str, Any]:
    """The staff console and the agencies' signed API open a result upload the same way."""
    from chalicelib.services.dossier.access import load_for

    return request_result_upload(deps, actor, load_for(deps, dossier_id, actor), filename=filename)


def attach_result(
    deps: Deps, actor: Actor, dossier_id: str, key: str, valid_until: datetime | None = None
) -> tuple[ResultDocument, Dossier]:
    """Check, sign and record an uploaded result: what both result-finalize routes do.
    `valid_until`: the licence's validity end (a later instant), for the expiry reminder."""
    from chalicelib.services.dossier.access import load_for

    if valid_until is not None and valid_until <= deps.clock():
        raise InvalidInput(
            "Thời hạn hiệu lực phải sau thời điểm hiện tại.",
            "The validity end must be in the future.",
            field="valid_until",
        )
    d = load_for(deps, dossier_id, actor)
    doc = attach_uploaded_result(deps, actor, d, key)
    if valid_until is not None:
        doc = doc.model_copy(update={"valid_until": valid_until})
    return doc, store_on_dossier(deps, actor, d, doc)


# ---- reading and verifying ----------------------------------------------------------------------
def download(deps: Deps, dossier: Dossier) -> tuple[bytes, str]:
    """The signed result's bytes and file name; a file that no longer matches is not served."""
    res = dossier.result
    if res is None:
        raise NotFound(
            "Hồ sơ chưa có kết quả điện tử.", "No electronic result yet.", code="no_result"
        )
    data = _store(deps).get_file(res.key)
    if data is None:
        raise NotFound("Không tìm thấy tệp kết quả.", "Result file not found.", code="no_result")
    if hashlib.sha256(data).hexdigest() != res.sha256:
        raise Conflict(REASONS["tampered"][0], REASONS["tampered"][1], code="result_tampered")
    return data, res.filename


def _answer(
    reason: str, checks: dict[str, bool | None], rec: ResultRecord | None
) -> dict[str, Any]:
    vi, en = REASONS[reason]
    return {
        "valid": reason == "valid",
        "result_id": rec.result_id if rec else None,
        "checks": checks,
        "reason": reason,
        "reason_vi": vi,
        "reason_en": en,
        "dossier_code": rec.dossier_code if rec else None,
        "filename": rec.filename if rec else None,
        "sha256": rec.sha256 if rec else None,
        "signed_at": rec.signed_at if rec else None,
        "key_id": rec.key_id if rec else None,
        "algorithm": rec.algorithm if rec else None,
        "generated": rec.generated if rec else None,
    }


def verify(deps: Deps, result_id: str, uploaded: bytes | None = None) -> dict[str, Any]:
    """Is the result with this id authentic and intact (and is `uploaded` the same file)?

    checks: found, key_trusted (the record names the configured key), signature (KMS Verify with
    the configured key), signature_offline (the same with the public key, no KMS), file_intact
    (the stored object's sha256 is the signed one), copy_matches (only with `uploaded`).
    """
    checks: dict[str, bool | None] = {
        "found": False,
        "key_trusted": None,
        "signature": None,
        "signature_offline": None,
        "file_intact": None,
    }
    if uploaded is not None:
        checks["copy_matches"] = None
    rec = _store(deps).get(result_id) if result_id and len(result_id) <= 64 else None
    if rec is None:
        return _answer("not_found", checks, None)
    checks["found"] = True
    trusted = deps.settings.result_signing_key
    if not trusted:
        return _answer("not_configured", checks, rec)

    checks["key_trusted"] = _key_uuid(rec.key_id) == _key_uuid(trusted) if rec.key_id else False
    try:
        signature = base64.b64decode(rec.signature, validate=True)
    except (binascii.Error, ValueError):
        signature = b""
    message = manifest(rec)
    checks["signature"] = bool(signature) and _verify_kms(trusted, message, signature)
    checks["signature_offline"] = bool(signature) and _verify_offline(trusted, message, signature)

    data = _store(deps).get_file(rec.key)
    checks["file_intact"] = data is not None and hashlib.sha256(data).hexdigest() == rec.sha256
    if uploaded is not None:
        checks["copy_matches"] = hashlib.sha256(uploaded).hexdigest() == rec.sha256

    # The legal proof (issue 19): the PAdES signatures inside the file, checked with pyHanko
    # against the trust root; the manifest signature above stays as an extra check.
    pades_report = _pades_report(deps, uploaded if uploaded is not None else data)
    checks["pades"] = bool(pades_report and pades_report["valid"])

    if not (checks["key_trusted"] and checks["signature"] and checks["signature_offline"]):
        reason = "bad_signature"
    elif not checks["file_intact"]:
        reason = "tampered"
    elif uploaded is not None and not checks["copy_matches"]:
        reason = "copy_differs"
    elif not checks["pades"]:
        reason = "pades_invalid"
    else:
        reason = "valid"
    answer = _answer(reason, checks, rec)
    answer["pades"] = pades_report
    return answer


def _pades_report(deps: Deps, pdf: bytes | None) -> dict[str, Any] | None:
    """pyHanko's report on the file's signatures (None: no file, or no trust root configured)."""
    if pdf is None:
        return None
    from chalicelib.services.dossier import signing

    try:
        return signing.verify_pdf(deps, pdf)
    except DomainError:
        return None
