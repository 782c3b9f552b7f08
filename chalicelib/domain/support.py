"""Technical support requests (regulation Đ15.8): staff tell the IT department about a system error
(the dossier code, the agency, what they saw, a screenshot); IT triages, answers and closes.

A request linked to a dossier is the natural evidence for “late because of a system error”
(Đ15.7, `chalicelib.domain.exemptions`): the exemption's `evidence` text cites the request id.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.errors import IllegalTransition, InvalidInput

SupportState = Literal["open", "triaged", "answered", "closed"]
Priority = Literal["low", "normal", "high", "urgent"]

TRANSITIONS: dict[str, frozenset[str]] = {
    "open": frozenset({"triaged", "answered", "closed"}),
    "triaged": frozenset({"triaged", "answered", "closed"}),  # re-triage changes the priority
    "answered": frozenset({"answered", "closed"}),  # a further answer is allowed
    "closed": frozenset(),
}

SCREENSHOT_TYPES: frozenset[str] = frozenset({"image/png", "image/jpeg"})
SCREENSHOT_MAX_BYTES = 5 * 1024 * 1024

# Ids look like HT-261130-1a2b3c ("hỗ trợ"); the exemption's evidence text may cite them.
ID_PATTERN = re.compile(r"\bHT-\d{6}-[0-9a-f]{6}\b")


class Screenshot(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str
    filename: str
    content_type: str
    size: int = 0
    state: Literal["pending", "accepted", "rejected"] = "pending"
    reason: str | None = None


class SupportNote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    at: datetime
    by: str
    kind: Literal["triage", "answer", "close"]
    text: str = ""


class SupportRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    dossier_id: str | None = None
    dossier_code: str | None = None
    agency: str
    error_seen: str = Field(min_length=5, max_length=5000)
    state: SupportState = "open"
    priority: Priority | None = None
    raised_by: str
    raised_by_sub: str
    raised_by_role: str
    raised_at: datetime
    screenshot: Screenshot | None = None
    answer: str | None = None
    answered_by: str | None = None
    answered_at: datetime | None = None
    closed_at: datetime | None = None
    notes: list[SupportNote] = Field(default_factory=list)
    version: int = 0

    def evidence_text(self) -> str:
        """What a staff member can paste into an exemption's `evidence`."""
        ref = f" (hồ sơ {self.dossier_code})" if self.dossier_code else ""
        return f"Yêu cầu hỗ trợ kỹ thuật {self.id}{ref}: {self.error_seen[:300]}"


def new_id(now: datetime, random_hex: str) -> str:
    return f"HT-{now:%y%m%d}-{random_hex[:6]}"


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(
            f"Yêu cầu hỗ trợ đang ở trạng thái {current}, không thể chuyển sang {target}.",
            f"A support request in state {current} cannot move to {target}.",
            code="support_illegal_transition",
        )


def triage(
    r: SupportRequest, priority: Priority, by: str, now: datetime, note: str = ""
) -> SupportRequest:
    check_transition(r.state, "triaged")
    state: SupportState = "triaged" if r.state == "open" else r.state
    return r.model_copy(
        update={
            "state": state,
            "priority": priority,
            "notes": [*r.notes, SupportNote(at=now, by=by, kind="triage", text=note)],
        }
    )


def answer(r: SupportRequest, text: str, by: str, now: datetime) -> SupportRequest:
    check_transition(r.state, "answered")
    if len(text.strip()) < 2:
        raise InvalidInput("Cần nhập nội dung trả lời.", "The answer is empty.", field="answer")
    return r.model_copy(
        update={
            "state": "answered",
            "answer": text,
            "answered_by": by,
            "answered_at": now,
            "notes": [*r.notes, SupportNote(at=now, by=by, kind="answer", text=text)],
        }
    )


def close(r: SupportRequest, by: str, now: datetime, note: str = "") -> SupportRequest:
    check_transition(r.state, "closed")
    return r.model_copy(
        update={
            "state": "closed",
            "closed_at": now,
            "notes": [*r.notes, SupportNote(at=now, by=by, kind="close", text=note)],
        }
    )


def check_screenshot_declared(content_type: str, size: int) -> None:
    if content_type not in SCREENSHOT_TYPES:
        raise InvalidInput(
            "Ảnh chụp màn hình phải là PNG hoặc JPEG.",
            "The screenshot must be PNG or JPEG.",
            code="unsupported_type",
            field="content_type",
        )
    if size < 1 or size > SCREENSHOT_MAX_BYTES:
        raise InvalidInput(
            f"Ảnh tối đa {SCREENSHOT_MAX_BYTES // (1024 * 1024)} MB.",
            f"At most {SCREENSHOT_MAX_BYTES // (1024 * 1024)} MB.",
            code="file_too_large",
            field="size",
        )


def screenshot_problem(detected_type: str | None, size: int) -> str | None:
    """After arrival: why the stored object is refused (None = fine). Magic bytes, not names."""
    if detected_type not in SCREENSHOT_TYPES:
        return "unsupported_type"
    if size < 1 or size > SCREENSHOT_MAX_BYTES:
        return "file_too_large"
    return None


def cited_ids(evidence: str) -> list[str]:
    """Support request ids an exemption's evidence text refers to, in order, without repeats."""
    return list(dict.fromkeys(ID_PATTERN.findall(evidence or "")))
