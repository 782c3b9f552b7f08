"""Frequently asked questions (regulation Đ10.4): the province office keeps questions and answers
per field and, optionally, per procedure. States: draft → published → retired (→ draft to rework).
Only published entries are public. Search ignores Vietnamese accents and case.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.errors import IllegalTransition, InvalidInput

FaqState = Literal["draft", "published", "retired"]

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"published"}),
    "published": frozenset({"retired"}),
    "retired": frozenset({"draft"}),
}
EDITABLE: frozenset[str] = frozenset({"draft", "published"})


class FaqEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    question: str = Field(min_length=5, max_length=1000)
    answer: str = Field(min_length=5, max_length=10000)
    # English wording for the site's English view; the Vietnamese text is the authoritative one.
    question_en: str | None = Field(default=None, max_length=1000)
    answer_en: str | None = Field(default=None, max_length=10000)
    field: str = Field(min_length=1, max_length=200)  # lĩnh vực, as in the catalogue
    procedure_code: str | None = None
    state: FaqState = "draft"
    created_by: str
    created_at: datetime
    updated_by: str | None = None
    updated_at: datetime | None = None
    published_at: datetime | None = None
    retired_at: datetime | None = None
    version: int = 0

    def to_public(self) -> dict[str, object]:
        return {
            "id": self.id,
            "question": self.question,
            "answer": self.answer,
            "question_en": self.question_en,
            "answer_en": self.answer_en,
            "field": self.field,
            "procedure_code": self.procedure_code,
            "published_at": self.published_at.isoformat() if self.published_at else None,
        }


def check_transition(current: str, target: str) -> None:
    if target not in TRANSITIONS.get(current, frozenset()):
        raise IllegalTransition(
            f"Không thể chuyển câu hỏi từ trạng thái {current} sang {target}.",
            f"A question cannot go from {current} to {target}.",
            code="faq_illegal_transition",
        )


def check_editable(entry: FaqEntry) -> None:
    if entry.state not in EDITABLE:
        raise IllegalTransition(
            "Câu hỏi đã ngừng sử dụng; chuyển về bản nháp để sửa.",
            "The question is retired; move it back to draft to edit it.",
            code="faq_not_editable",
        )


def transition(entry: FaqEntry, target: FaqState, actor: str, now: datetime) -> FaqEntry:
    check_transition(entry.state, target)
    update: dict[str, object] = {"state": target, "updated_by": actor, "updated_at": now}
    if target == "published":
        update["published_at"] = now
        update["retired_at"] = None
    elif target == "retired":
        update["retired_at"] = now
    return entry.model_copy(update=update)


# ---- search ----------------------------------------------------------------------------------
_WORD = re.compile(r"[0-9a-z]+")


def fold(text: str) -> str:
    """Lower case without Vietnamese diacritics: "Đăng ký Kinh doanh" -> "dang ky kinh doanh"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn").lower()


def words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def score(entry: FaqEntry, query: str) -> int:
    """0 when some query word is missing; else higher for words found in the question."""
    terms = words(query)
    if not terms:
        return 1
    question = set(words(entry.question))
    body = set(
        words(
            f"{entry.answer} {entry.field} {entry.procedure_code or ''} "
            f"{entry.question_en or ''} {entry.answer_en or ''}"
        )
    )
    total = 0
    for term in terms:
        if term in question:
            total += 3
        elif term in body or (len(term) >= 3 and any(w.startswith(term) for w in question | body)):
            total += 1
        else:
            return 0
    return total


def search(
    entries: list[FaqEntry],
    q: str | None = None,
    field: str | None = None,
    procedure: str | None = None,
) -> list[FaqEntry]:
    """Published entries matching every word of `q`, by field and procedure; best match first."""
    if q is not None and len(q) > 200:
        raise InvalidInput("Từ khóa quá dài.", "The search text is too long.", field="q")
    field_f = fold(field).strip() if field else None
    hits: list[tuple[int, FaqEntry]] = []
    for e in entries:
        if e.state != "published":
            continue
        if field_f and fold(e.field).strip() != field_f:
            continue
        if procedure and e.procedure_code != procedure:
            continue
        s = score(e, q or "")
        if s:
            hits.append((s, e))
    hits.sort(key=lambda se: (-se[0], fold(se[1].question)))
    return [e for _, e in hits]
