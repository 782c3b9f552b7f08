"""Lookup by face (Đ8.1c): registration with explicit consent, public lookup, withdrawal.

- Registration: the signed-in citizen accepts the consent text of the current version (recorded with
  time, version and the text's sha256), uploads a selfie (bytes in the body, size-limited, JPEG or
  PNG by magic bytes); `IndexFaces` adds it with the citizen's sub as external id. The selfie is not
  kept unless `face_keep_registration_image` says so (then under `faces/<sub>/` in attachments).
- Lookup: rate-limited per client (a DynamoDB counter per client IP and minute, TTL) and audited;
  a match at or above `face_match_threshold` shows the masked public status of that citizen's open
  dossiers (the output of `views.public_lookup`, without the timeline).
- Withdrawal: `DeleteFaces`, the kept image and the mapping are deleted; the withdrawal is recorded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain.actors import Actor
from chalicelib.domain.errors import DomainError, InvalidInput
from chalicelib.domain.permissions import require
from chalicelib.integrations.faces import FaceIndex, face_index
from chalicelib.services.container import Deps
from chalicelib.store.audit import face_lookup_stream
from chalicelib.store.faces import FaceStore

_VN = ZoneInfo("Asia/Ho_Chi_Minh")

MAX_IMAGE_BYTES = 5 * 1024 * 1024  # Rekognition accepts up to 5 MB of image bytes
MIN_IMAGE_BYTES = 100
CONSENT_VERSION = "2026-11-v1"
CONSENT_TEXT_VI = (
    "Tôi đồng ý để Cổng dịch vụ công của tỉnh dùng ảnh khuôn mặt của tôi để tra cứu tình trạng "
    "hồ sơ của tôi. Ảnh được chuyển thành đặc trưng khuôn mặt lưu trong bộ sưu tập Amazon "
    "Rekognition của tỉnh, gắn với tài khoản của tôi; ảnh gốc không được lưu lại, trừ khi quy định "
    "của tỉnh yêu cầu. Kết quả tra cứu chỉ hiển thị thông tin công khai đã che bớt. Tôi có thể rút "
    "lại sự đồng ý bất cứ lúc nào; khi đó dữ liệu khuôn mặt của tôi bị xóa."
)
CONSENT_TEXT_EN = (
    "I agree that the province's public service portal uses an image of my face to look up the "
    "status of my dossiers. The image is turned into face features stored in the province's "
    "Amazon Rekognition collection, linked to my account; the photo itself is not kept unless the "
    "province's policy requires it. Lookups show only masked public information. I can withdraw "
    "this consent at any time, which deletes my face data."
)
CONSENT_SHA256 = hashlib.sha256(CONSENT_TEXT_VI.encode("utf-8")).hexdigest()


class TooManyLookups(DomainError):
    status = 429
    code = "too_many_lookups"

    def __init__(self) -> None:
        super().__init__(
            "Bạn đã tra cứu quá nhiều lần. Vui lòng thử lại sau một phút.",
            "Too many lookups. Please try again in a minute.",
        )


@dataclass(frozen=True)
class PublicActor:
    """An anonymous caller of a public route, known only by a hash of their address."""

    sub: str
    username: str = "public"
    role: str = "public"
    unit: str | None = None


def _store(deps: Deps) -> FaceStore:
    return FaceStore(deps.store.client, deps.store.table)


def _index(deps: Deps) -> FaceIndex:
    return face_index(deps.settings)


def image_type(data: bytes) -> str:
    """JPEG or PNG by magic bytes; anything else, empty or oversized is refused."""
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput(
            "Ảnh quá lớn (tối đa 5 MB).",
            "The image is too large (at most 5 MB).",
            code="file_too_large",
            field="image",
        )
    if len(data) < MIN_IMAGE_BYTES:
        raise InvalidInput(
            "Hãy gửi ảnh khuôn mặt.", "Send a face photo.", code="empty_body", field="image"
        )
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    raise InvalidInput(
        "Ảnh phải là JPEG hoặc PNG.",
        "The image must be JPEG or PNG.",
        code="unsupported_type",
        field="image",
    )


def consent_info() -> dict[str, str]:
    return {
        "consent_version": CONSENT_VERSION,
        "consent_text_vi": CONSENT_TEXT_VI,
        "consent_text_en": CONSENT_TEXT_EN,
    }


def availability(deps: Deps) -> dict[str, Any]:
    return {"available": _index(deps).available, **consent_info()}


def my_status(deps: Deps, actor: Actor) -> dict[str, Any]:
    _citizen(actor)
    mapping = _store(deps).get_mapping(actor.sub)
    return {
        **availability(deps),
        "registered": mapping is not None,
        "registered_at": mapping.get("registered_at") if mapping else None,
        "registered_consent_version": mapping.get("consent_version") if mapping else None,
    }


def _citizen(actor: Actor) -> None:
    require(actor, "care.face.own")


def register(
    deps: Deps,
    actor: Actor,
    image: bytes,
    *,
    consent_version: str | None,
    consent_accepted: bool,
) -> dict[str, Any]:
    _citizen(actor)
    if not consent_accepted or consent_version != CONSENT_VERSION:
        raise InvalidInput(
            "Bạn cần đọc và đồng ý với nội dung chấp thuận (phiên bản hiện hành).",
            "You must read and accept the current consent text.",
            code="consent_required",
            field="consent",
        )
    ctype = image_type(image)
    index = _index(deps)
    if not index.available:
        index.index_face(image, actor.sub)  # raises the clear "unavailable" error
    store = _store(deps)
    now = deps.clock()
    store.record_consent(
        actor.sub,
        {
            "action": "given",
            "at": now.isoformat(),
            "consent_version": CONSENT_VERSION,
            "text_sha256": CONSENT_SHA256,
            "by": actor.username,
        },
    )
    face_ids = index.index_face(image, actor.sub)
    old = store.get_mapping(actor.sub)
    if old and old.get("face_ids"):
        index.delete_faces([f for f in old["face_ids"] if f not in face_ids])
    image_key = None
    if deps.settings.face_keep_registration_image:
        ext = "jpg" if ctype == "image/jpeg" else "png"
        image_key = f"faces/{actor.sub}/{now:%Y%m%dT%H%M%S}.{ext}"
        deps.files.put(image_key, image, ctype)
    if old and old.get("image_key") and old["image_key"] != image_key:
        deps.files.delete(old["image_key"])
    mapping = {
        "sub": actor.sub,
        "collection": deps.settings.face_collection_id,
        "face_ids": face_ids,
        "consent_version": CONSENT_VERSION,
        "registered_at": now.isoformat(),
        "image_key": image_key,
    }
    store.put_mapping(actor.sub, mapping)
    from chalicelib.services.admin import audit

    audit.record(
        deps,
        actor,
        "face_registered",
        detail={
            "faces": len(face_ids),
            "consent_version": CONSENT_VERSION,
            "kept": bool(image_key),
        },
    )
    return {"registered": True, "registered_at": mapping["registered_at"], **consent_info()}


def withdraw(deps: Deps, actor: Actor) -> dict[str, Any]:
    """Delete the faces, the kept image and the mapping; record the withdrawal. Idempotent."""
    _citizen(actor)
    store = _store(deps)
    mapping = store.get_mapping(actor.sub)
    deleted: list[str] = []
    if mapping is not None:
        if mapping.get("face_ids"):
            deleted = _index(deps).delete_faces(list(mapping["face_ids"]))
        if mapping.get("image_key"):
            deps.files.delete(mapping["image_key"])
        store.delete_mapping(actor.sub)
    now = deps.clock()
    store.record_consent(
        actor.sub,
        {
            "action": "withdrawn",
            "at": now.isoformat(),
            "consent_version": CONSENT_VERSION,
            "by": actor.username,
        },
    )
    from chalicelib.services.admin import audit

    audit.record(deps, actor, "face_withdrawn", detail={"faces_deleted": len(deleted)})
    return {"registered": False, "faces_deleted": len(deleted)}


def client_hash(client_ip: str) -> str:
    return hashlib.sha256(f"face-lookup:{client_ip}".encode()).hexdigest()[:24]


def lookup(deps: Deps, image: bytes, client_ip: str) -> dict[str, Any]:
    """Public: the masked status of the matched citizen's open dossiers (or no match)."""
    image_type(image)
    index = _index(deps)
    if not index.available:
        index.search(image, deps.settings.face_match_threshold)  # the clear "unavailable" error
    who = client_hash(client_ip or "unknown")
    wall = deps.wall_clock()
    expires = int((wall + timedelta(minutes=2)).timestamp())
    store = _store(deps)
    if not store.take_rate(
        who, f"{wall:%Y%m%d%H%M}", deps.settings.face_lookups_per_minute, expires
    ):
        raise TooManyLookups()
    threshold = deps.settings.face_match_threshold
    match = index.search(image, threshold)
    dossiers: list[dict[str, Any]] = []
    matched_sub = None
    if match is not None:
        mapping = store.get_mapping(match.external_id)
        # A face left behind by a withdrawal that did not finish is never used.
        if mapping is not None and match.face_id in mapping.get("face_ids", []):
            matched_sub = match.external_id
            dossiers = _open_dossiers(deps, matched_sub)
    from chalicelib.services.admin import audit

    now = deps.clock()
    audit.record(
        deps,
        PublicActor(sub=f"client:{who}"),
        "face_lookup",
        stream=face_lookup_stream(f"{now.astimezone(_VN):%Y-%m-%d}"),
        detail={
            "client": who,
            "matched": matched_sub is not None,
            "matched_sub": matched_sub,
            "similarity": round(match.similarity, 2) if match and matched_sub else None,
            "threshold": threshold,
            "dossiers": len(dossiers),
        },
    )
    return {"matched": matched_sub is not None, "dossiers": dossiers}


def _open_dossiers(deps: Deps, sub: str) -> list[dict[str, Any]]:
    from chalicelib.services.dossier.views import public_lookup

    out = []
    for d in deps.store.list_owner_dossiers(sub):
        if d.code and d.status is not None and d.status.is_open:
            out.append(public_lookup(deps, d.code, None))
    return out
