"""Signing certificates an administrator manages: per agency (organisation certificate) and per
official. A CA (NEAC-licensed in production, the test PKI locally) issues a certificate for the
public key of a key the Signer holds (a KMS key: `GetPublicKey`); the administrator uploads it
here. It is refused, with the reason in Vietnamese, when it does not match the key, is expired or
not yet valid, or does not chain to the configured trust root. Revoking here stops its use for
signing at once (the CA's own revocation is what validators see).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain import signatures as sig
from chalicelib.domain.actors import SYSTEM
from chalicelib.domain.errors import DomainError, Forbidden, InvalidInput, NotFound
from chalicelib.domain.permissions import role_permits

if TYPE_CHECKING:
    from chalicelib.documents.pades import Identity
    from chalicelib.domain.actors import Actor
    from chalicelib.services.container import Deps
    from chalicelib.store.certificates import CertificateRecord, CertificateStore


# Signing cannot happen now (no certificate in force, no trust root, TSA or key): a 503, the
# caller releases nothing and retries (services/dossier/signing.py).
UNAVAILABLE = "signing_unavailable"


def unavailable(vi: str, en: str) -> DomainError:
    return DomainError(vi, en, code=UNAVAILABLE, status=503)


def trust_roots(deps: Deps) -> tuple[bytes, ...]:
    """The configured roots (PEM file, one or more certificates) as DER."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    path = deps.settings.signing_trust_roots
    if not path or not Path(path).is_file():
        raise unavailable(
            "Chưa cấu hình chứng thư số gốc tin cậy (SIGNING_TRUST_ROOTS).",
            "No trust root is configured (SIGNING_TRUST_ROOTS).",
        )
    certs = x509.load_pem_x509_certificates(Path(path).read_bytes())
    return tuple(c.public_bytes(Encoding.DER) for c in certs)


class CertificateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: Literal["agency", "official"]
    holder: str = Field(min_length=1, max_length=120)  # unit code or username
    key_id: str = Field(min_length=1, max_length=300)
    cert_pem: str = Field(min_length=1, max_length=20000)
    chain_pem: str = Field(default="", max_length=60000)


class CertificateRevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=500)


def _store(deps: Deps) -> CertificateStore:
    from chalicelib.store.certificates import CertificateStore

    return CertificateStore(client=deps.store.client, table_name=deps.store.table)


def _admin(actor: Actor) -> None:
    # the system actor (not a person: the workflow, the local stack's seeding) besides the table
    if actor.role != SYSTEM.role and not role_permits(actor, "admin.certificate.manage"):
        raise Forbidden("Chỉ quản trị viên quản lý chứng thư số.", "Administrators only.")


def _bad(
    vi: str, en: str, field: str = "cert_pem", code: str = "certificate_invalid"
) -> InvalidInput:
    return InvalidInput(vi, en, field=field, code=code)


def _view(rec: CertificateRecord, now: datetime) -> dict[str, Any]:
    from chalicelib.domain.certificate_status import (
        STATUS_VI,
        certificate_status,
        days_left,
    )

    not_before = datetime.fromisoformat(rec.not_before)
    not_after = datetime.fromisoformat(rec.not_after)
    revoked = datetime.fromisoformat(rec.revoked_at) if rec.revoked_at else None
    status = certificate_status(not_before, not_after, revoked, now)
    return {
        "kind": rec.kind,
        "holder": rec.holder,
        "key_id": rec.key_id,
        "subject": rec.subject,
        "organisation": rec.organisation,
        "title": rec.title,
        "serial": rec.serial,
        "not_before": rec.not_before,
        "not_after": rec.not_after,
        "uploaded_at": rec.uploaded_at,
        "uploaded_by": rec.uploaded_by,
        "revoked_at": rec.revoked_at or None,
        "in_force": not rec.revoked_at,
        "status": status,
        "status_vi": STATUS_VI[status],
        "days_left": days_left(not_after, now),
    }


def _name_attr(cert: Any, oid: Any) -> str:
    values = cert.subject.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


def register(deps: Deps, actor: Actor, req: CertificateIn) -> dict[str, Any]:
    """Check and store a holder's certificate (replacing the one they had)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
    from cryptography.x509.oid import NameOID

    from chalicelib.integrations.signer import SigningUnavailable
    from chalicelib.store.certificates import CertificateRecord

    _admin(actor)
    try:
        cert = x509.load_pem_x509_certificate(req.cert_pem.encode())
        chain = x509.load_pem_x509_certificates(req.chain_pem.encode()) if req.chain_pem else []
    except ValueError as exc:
        raise _bad(
            "Tệp chứng thư số không đọc được (cần định dạng PEM).", "Unreadable PEM."
        ) from exc
    try:
        key_pub = deps.signer.public_key_der(req.key_id)
    except SigningUnavailable as exc:
        raise _bad(
            "Không tìm thấy khóa ký số này.",
            "No such signing key.",
            field="key_id",
            code="key_not_found",
        ) from exc
    if cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo) != key_pub:
        raise _bad(
            "Chứng thư số không khớp với khóa ký (khóa công khai khác nhau).",
            "The certificate does not match the key.",
            code="certificate_key_mismatch",
        )
    now = deps.clock().astimezone(UTC)
    if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
        raise _bad(
            "Chứng thư số đã hết hạn hoặc chưa có hiệu lực (hiệu lực "
            f"{cert.not_valid_before_utc:%d/%m/%Y} - {cert.not_valid_after_utc:%d/%m/%Y}).",
            "The certificate is expired or not yet valid.",
            code="certificate_expired",
        )
    _check_chain(deps, cert, chain, trust_roots(deps))
    _check_holder(deps, req.kind, req.holder)
    store = _store(deps)
    previous = store.get(req.kind, req.holder)
    rec = CertificateRecord(
        kind=req.kind,
        holder=req.holder,
        key_id=req.key_id,
        cert_pem=cert.public_bytes(Encoding.PEM).decode(),
        chain_pem="".join(c.public_bytes(Encoding.PEM).decode() for c in chain),
        subject=_name_attr(cert, NameOID.COMMON_NAME),
        organisation=_name_attr(cert, NameOID.ORGANIZATION_NAME),
        title=_name_attr(cert, NameOID.TITLE),
        serial=format(cert.serial_number, "x"),
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=cert.not_valid_after_utc.isoformat(),
        uploaded_at=now.isoformat(),
        uploaded_by=actor.username,
    )
    store.put(rec)
    replaced = previous.serial if previous is not None else None
    _audit(
        deps,
        actor,
        "signing_certificate_rotated" if previous is not None else "signing_certificate_registered",
        rec,
        {"replaced_serial": replaced} if replaced else {},
    )
    return {**_view(rec, now), "replaced_serial": replaced}


def _check_holder(deps: Deps, kind: str, holder: str) -> None:
    """An agency is a unit of the catalogue; an official, a staff account."""
    if kind == "agency":
        known = deps.store.get_unit(holder) is not None
    else:
        profile = deps.store.find_profile_by_username(holder) or {}
        known = str(profile.get("role", "")) in ("agency", "leader", "desk", "province", "admin")
    if not known:
        what = "đơn vị" if kind == "agency" else "tài khoản cán bộ"
        raise _bad(
            f"Không có {what} {holder}.",
            f"No such {'unit' if kind == 'agency' else 'staff account'}: {holder}.",
            field="holder",
            code="holder_unknown",
        )


def _audit(
    deps: Deps, actor: Actor, action: str, rec: CertificateRecord, extra: dict[str, Any]
) -> None:
    """Certificate decisions join the holder's audit chain (never a key or a secret)."""
    from chalicelib.services.admin import audit
    from chalicelib.store.audit import signer_stream, unit_stream

    stream = unit_stream(rec.holder) if rec.kind == "agency" else signer_stream(rec.holder)
    detail = {"kind": rec.kind, "holder": rec.holder, "serial": rec.serial, **extra}
    audit.record(deps, actor, action, stream=stream, detail=detail)


def _check_chain(deps: Deps, cert: Any, chain: list[Any], roots: tuple[bytes, ...]) -> None:
    """A path from the certificate to a configured root, for signing (non-repudiation)."""
    import asyncio

    from asn1crypto import x509 as ax509
    from cryptography.hazmat.primitives.serialization import Encoding
    from pyhanko_certvalidator import CertificateValidator, ValidationContext

    def der(c: Any) -> Any:
        return ax509.Certificate.load(c.public_bytes(Encoding.DER))

    ctx = ValidationContext(
        trust_roots=[ax509.Certificate.load(r) for r in roots],
        other_certs=[der(c) for c in chain],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    validator = CertificateValidator(der(cert), validation_context=ctx)
    try:
        asyncio.run(validator.async_validate_usage({"non_repudiation"}))
    except Exception as exc:
        raise _bad(
            "Chứng thư số không dẫn tới chứng thư gốc tin cậy, hoặc không dùng được để ký số "
            f"({type(exc).__name__}).",
            f"The certificate does not chain to the trust root or cannot sign ({exc}).",
            code="certificate_untrusted",
        ) from exc


def list_certificates(deps: Deps, actor: Actor, kind: str | None = None) -> dict[str, Any]:
    """Every certificate on record (agencies', then officials'), or those of one `kind`."""
    _admin(actor)
    now = deps.clock().astimezone(UTC)
    rows = [r for r in _store(deps).list() if kind is None or r.kind == kind]
    return {"items": [_view(r, now) for r in rows]}


def revoke(deps: Deps, actor: Actor, kind: str, holder: str, reason: str = "") -> dict[str, Any]:
    """Stop a certificate's use for signing at once (the record stays, marked revoked)."""
    import dataclasses

    _admin(actor)
    store = _store(deps)
    rec = store.get(kind, holder)
    if rec is None:
        raise NotFound("Không có chứng thư số này.", "No such certificate.", field="holder")
    now = deps.clock().astimezone(UTC)
    if not rec.revoked_at:
        rec = dataclasses.replace(rec, revoked_at=now.isoformat())
        store.put(rec)
        _audit(deps, actor, "signing_certificate_revoked", rec, {"reason": reason})
    return _view(rec, now)


def identity(deps: Deps, role: sig.SignerRole, holder: str, field_name: str) -> Identity:
    """Who signs as `role`: the holder's certificate in force, as pyHanko's signer needs it."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    from chalicelib.documents.pades import Identity

    rec = _store(deps).get(role.value, holder)
    who = "người có thẩm quyền" if role is sig.SignerRole.OFFICIAL else "cơ quan"
    if rec is None or rec.revoked_at:
        named = holder
        if role is sig.SignerRole.AGENCY and (unit := deps.store.get_unit(holder)) is not None:
            named = f"{unit.name} ({holder})"
        raise unavailable(
            f"Chưa có chứng thư số còn hiệu lực của {who} {named}, nên văn bản chưa được ký số "
            "và chưa phát hành được. Quản trị viên cần đăng ký chứng thư số (mục Chứng thư số); "
            "xin thử lại sau.",
            f"No certificate in force for {role.value} {holder}: the document cannot be signed "
            "and is not issued until an administrator registers one.",
        )
    cert = x509.load_pem_x509_certificate(rec.cert_pem.encode())
    now = deps.clock().astimezone(UTC)
    if not (cert.not_valid_before_utc <= now <= cert.not_valid_after_utc):
        raise unavailable(
            f"Chứng thư số của {who} {holder} đã hết hạn.",
            f"The certificate of {role.value} {holder} has expired.",
        )
    chain = x509.load_pem_x509_certificates(rec.chain_pem.encode()) if rec.chain_pem else []
    return Identity(
        key_id=rec.key_id,
        cert_der=cert.public_bytes(Encoding.DER),
        chain_der=tuple(c.public_bytes(Encoding.DER) for c in chain),
        field_name=field_name,
        name=rec.subject,
        title=rec.title,
        agency=rec.organisation,
        reason="Phê duyệt kết quả giải quyết TTHC"
        if role is sig.SignerRole.OFFICIAL
        else "Ban hành kết quả giải quyết TTHC",
    )
