"""Consents (NĐ 13/2023 Đ11; Đ16.5 of the procedures decree for sharing): kinds, the text shown for
each version, and the current state from the append-only records.

A record is never edited: giving or withdrawing appends one. The current state of a kind is its
latest record, so a withdrawal takes effect the moment it is written. Each record keeps the time,
the text version and the sha256 of the text the citizen saw, and the channel (web or desk).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.domain.errors import InvalidInput

ConsentKind = Literal["share_with_related_services", "face_registration", "sms_notifications"]
KINDS: tuple[ConsentKind, ...] = (
    "share_with_related_services",
    "face_registration",
    "sms_notifications",
)
CHANNELS = ("web", "desk")


@dataclass(frozen=True)
class ConsentText:
    kind: str
    version: str
    text_vi: str
    text_en: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text_vi.encode("utf-8")).hexdigest()


TEXTS: dict[str, ConsentText] = {
    "share_with_related_services": ConsentText(
        "share_with_related_services",
        "2026-11-v1",
        "Tôi đồng ý để cơ quan giải quyết thủ tục chia sẻ thông tin, giấy tờ trong hồ sơ của tôi "
        "với các cơ quan có liên quan để giải quyết các thủ tục hành chính khác của tôi, "
        "không phải nộp lại giấy tờ đã có (Điều 16 khoản 5). "
        "Tôi có thể rút lại sự đồng ý bất cứ lúc nào.",
        "I agree that the agency handling my dossier shares its information and documents with "
        "related agencies to handle my other procedures, so I need not submit them again "
        "(Article 16(5)). I can withdraw this consent at any time.",
    ),
    "sms_notifications": ConsentText(
        "sms_notifications",
        "2026-11-v1",
        "Tôi đồng ý nhận tin nhắn SMS về tình trạng hồ sơ của tôi vào số điện thoại đã đăng ký. "
        "Tôi có thể rút lại sự đồng ý bất cứ lúc nào.",
        "I agree to receive SMS messages about the status of my dossiers at my registered phone "
        "number. I can withdraw this consent at any time.",
    ),
}


def text_for(kind: str, texts: dict[str, ConsentText]) -> ConsentText:
    """The current text of `kind` among `texts` (the face feature owns its own text, so the service
    passes it in: `TEXTS` plus face_registration)."""
    if kind not in KINDS or kind not in texts:
        raise InvalidInput("Loại đồng ý không hợp lệ.", "Unknown consent kind.", field="kind")
    return texts[kind]


def check_version(text: ConsentText, text_version: str) -> ConsentText:
    """A stale version (the page showed an older text) is refused."""
    if text_version != text.version:
        raise InvalidInput(
            "Nội dung đồng ý đã thay đổi. Vui lòng tải lại trang và đọc lại.",
            "The consent text has changed. Reload the page and read it again.",
            code="stale_consent_text",
            field="text_version",
        )
    return text


def record(
    kind: str, given: bool, text: ConsentText, at: str, channel: str, by: str
) -> dict[str, Any]:
    if channel not in CHANNELS:
        raise InvalidInput("Kênh không hợp lệ.", "Unknown channel.", field="channel")
    return {
        "kind": kind,
        "given": given,
        "at": at,
        "text_version": text.version,
        "text_sha256": text.sha256,
        "channel": channel,
        "by": by,
    }


def current(records: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Kind -> its latest record (by time; a later record supersedes). Kinds never recorded are
    absent. Records of the same instant: a withdrawal wins (the safe reading)."""
    latest: dict[str, dict[str, Any]] = {}
    for r in records:
        kind = r.get("kind")
        if kind not in KINDS:
            continue
        prev = latest.get(kind)
        key = (r["at"], not r.get("given", False))
        if prev is None or key >= (prev["at"], not prev.get("given", False)):
            latest[kind] = r
    return latest


def is_given(records: Iterable[dict[str, Any]], kind: str) -> bool:
    state = current(records).get(kind)
    return bool(state and state.get("given"))


def from_face_record(r: dict[str, Any]) -> dict[str, Any]:
    """A face feature consent item (`FACECONSENT#`) in this module's shape."""
    return {
        "kind": "face_registration",
        "given": r.get("action") == "given",
        "at": r.get("at", ""),
        "text_version": r.get("consent_version", ""),
        "text_sha256": r.get("text_sha256", ""),
        "channel": r.get("channel", "web"),
        "by": r.get("by", ""),
    }
