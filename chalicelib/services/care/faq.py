"""FAQ use cases (Đ10.4): the province office (role `province`, or `admin`) drafts, edits,
publishes and retires questions; anyone searches the published ones."""

from __future__ import annotations

import uuid
from typing import Any

from chalicelib.domain import faq as rules
from chalicelib.domain.actors import Actor
from chalicelib.domain.errors import InvalidInput, NotFound
from chalicelib.domain.faq import FaqEntry, FaqState
from chalicelib.domain.permissions import require
from chalicelib.services.care.models_care import FaqIn, FaqUpdateIn
from chalicelib.services.container import Deps
from chalicelib.store.audit import faq_stream
from chalicelib.store.faq import FaqStore


def _store(deps: Deps) -> FaqStore:
    return FaqStore(deps.store.client, deps.store.table)


def _office(actor: Actor) -> None:
    require(actor, "care.faq.manage")  # the province office (chalicelib/domain/permissions.py)


def _not_found() -> NotFound:
    return NotFound("Không tìm thấy câu hỏi.", "Question not found.", field="faq_id")


def _check_procedure(deps: Deps, code: str | None) -> None:
    if not code:
        return
    try:
        deps.store.get_procedure(code)
    except NotFound:
        raise InvalidInput(
            f"Không có thủ tục {code}.", f"No procedure {code}.", field="procedure_code"
        ) from None


def _audit(deps: Deps, actor: Actor, action: str, e: FaqEntry) -> None:
    from chalicelib.services.admin import audit

    audit.record(
        deps,
        actor,
        action,
        stream=faq_stream(e.id),
        detail={"state": e.state, "field": e.field, "procedure_code": e.procedure_code},
    )


def view(e: FaqEntry) -> dict[str, Any]:
    return e.model_dump(mode="json")


def create(deps: Deps, actor: Actor, req: FaqIn) -> FaqEntry:
    _office(actor)
    _check_procedure(deps, req.procedure_code)
    entry = FaqEntry(
        id=uuid.uuid4().hex[:12],
        question=req.question,
        answer=req.answer,
        question_en=req.question_en or None,
        answer_en=req.answer_en or None,
        field=req.field,
        procedure_code=req.procedure_code or None,
        created_by=actor.username,
        created_at=deps.clock(),
    )
    saved = _store(deps).save(entry, None)
    _audit(deps, actor, "faq_created", saved)
    return saved


def load(deps: Deps, faq_id: str) -> FaqEntry:
    e = _store(deps).get(faq_id)
    if e is None:
        raise _not_found()
    return e


def update(deps: Deps, actor: Actor, faq_id: str, req: FaqUpdateIn) -> FaqEntry:
    _office(actor)
    e = load(deps, faq_id)
    rules.check_editable(e)
    changes: dict[str, Any] = {
        k: v
        for k, v in req.model_dump(exclude={"clear_procedure"}, exclude_none=True).items()
        if v != ""
    }
    if req.clear_procedure:
        changes["procedure_code"] = None
    _check_procedure(deps, changes.get("procedure_code"))
    new = FaqEntry.model_validate(
        {**e.model_dump(), **changes, "updated_by": actor.username, "updated_at": deps.clock()}
    )
    saved = _store(deps).save(new, e.version)
    _audit(deps, actor, "faq_edited", saved)
    return saved


def set_state(deps: Deps, actor: Actor, faq_id: str, target: FaqState) -> FaqEntry:
    _office(actor)
    e = load(deps, faq_id)
    new = rules.transition(e, target, actor.username, deps.clock())
    saved = _store(deps).save(new, e.version)
    _audit(deps, actor, f"faq_{target}", saved)
    return saved


def list_office(deps: Deps, actor: Actor, state: str | None = None) -> list[FaqEntry]:
    _office(actor)
    states = [state] if state else list(rules.TRANSITIONS)
    if any(s not in rules.TRANSITIONS for s in states):
        raise InvalidInput("Trạng thái không hợp lệ.", "Unknown state.", field="state")
    store = _store(deps)
    out = [e for s in states for e in store.list_state(s)]
    out.sort(key=lambda e: e.updated_at or e.created_at, reverse=True)
    return out


def public_search(
    deps: Deps, q: str | None = None, field: str | None = None, procedure: str | None = None
) -> dict[str, Any]:
    """Published questions (one Query) matching every word of `q`, accent-insensitive."""
    published = _store(deps).list_state("published")
    hits = rules.search(published, q, field, procedure)
    return {
        "items": [e.to_public() for e in hits],
        "count": len(hits),
        "fields": sorted({e.field for e in published}),
    }


def public_get(deps: Deps, faq_id: str) -> dict[str, Any]:
    e = _store(deps).get(faq_id)
    if e is None or e.state != "published":
        raise _not_found()
    return e.to_public()
