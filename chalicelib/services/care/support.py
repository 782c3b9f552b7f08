"""Technical support requests (Đ15.8): staff raise, IT (administrators) triage, answer and close.

A request linked to a dossier is offered as evidence for the "late because of a system error"
exemption (Đ15.7): `requests_for_dossier` lists them, `cited_requests` checks an exemption's
evidence text that cites request ids.
"""

from __future__ import annotations

import secrets
from typing import Any

from chalicelib.domain import support as rules
from chalicelib.domain.actors import Actor
from chalicelib.domain.errors import Forbidden, InvalidInput, NotFound
from chalicelib.domain.permissions import Related, permits, require, require_role
from chalicelib.domain.support import Screenshot, SupportRequest
from chalicelib.services.care.models_care import (
    ScreenshotIn,
    SupportAnswerIn,
    SupportCloseIn,
    SupportIn,
    TriageIn,
)
from chalicelib.services.container import Deps
from chalicelib.services.dossier.access import load_for
from chalicelib.store.audit import support_stream
from chalicelib.store.files import safe_filename
from chalicelib.store.support import SupportStore


def _store(deps: Deps) -> SupportStore:
    return SupportStore(deps.store.client, deps.store.table)


def _not_found() -> NotFound:
    return NotFound("Không tìm thấy yêu cầu hỗ trợ.", "Support request not found.", field="id")


def _audit(deps: Deps, actor: Actor, action: str, r: SupportRequest, **extra: Any) -> None:
    from chalicelib.services.admin import audit

    audit.record(
        deps,
        actor,
        action,
        stream=support_stream(r.id),
        detail={"state": r.state, "dossier_code": r.dossier_code, "agency": r.agency, **extra},
    )


def view(r: SupportRequest) -> dict[str, Any]:
    out = r.model_dump(mode="json", exclude={"raised_by_sub"})
    if r.screenshot is not None:
        out["screenshot"] = {k: v for k, v in r.screenshot.model_dump().items() if k != "key"}
    out["evidence_text"] = r.evidence_text()
    return out


def raise_request(deps: Deps, actor: Actor, req: SupportIn) -> SupportRequest:
    require(actor, "care.support.raise")
    agency = req.agency or actor.unit
    if not agency or deps.store.get_unit(agency) is None:
        raise InvalidInput("Đơn vị không hợp lệ.", "Unknown agency.", field="agency")
    dossier_id = code = None
    if req.dossier_code:
        d = deps.store.find_dossier_by_code(req.dossier_code.strip())
        if d is None:
            raise InvalidInput(
                "Không tìm thấy hồ sơ với mã đã nhập.",
                "No dossier with that code.",
                field="dossier_code",
            )
        dossier_id, code = d.id, d.code
    now = deps.clock()
    r = SupportRequest(
        id=rules.new_id(now, secrets.token_hex(3)),
        dossier_id=dossier_id,
        dossier_code=code,
        agency=agency,
        error_seen=req.error_seen,
        raised_by=actor.username,
        raised_by_sub=actor.sub,
        raised_by_role=actor.role,
        raised_at=now,
    )
    saved = _store(deps).save(r, None)
    _audit(deps, actor, "support_raised", saved)
    return saved


def _related(r: SupportRequest) -> Related:
    return Related.of(owner=r.raised_by_sub, units=[r.agency])


def load_for_actor(
    deps: Deps, actor: Actor, request_id: str, action: str = "care.support.read"
) -> SupportRequest:
    """IT sees every request; staff their own and their unit's; others get 404 (the scope of
    `action` in chalicelib/domain/permissions.py)."""
    r = _store(deps).get(request_id)
    if r is None:
        raise _not_found()
    require(actor, action, _related(r), otherwise=_not_found())
    return r


def screenshot_slot(deps: Deps, actor: Actor, request_id: str, req: ScreenshotIn) -> dict[str, Any]:
    """A presigned POST under `support/<id>/` for the screenshot (PNG or JPEG)."""
    r = load_for_actor(deps, actor, request_id)
    only_raiser = Forbidden("Chỉ người gửi yêu cầu.", "Only who raised the request.")
    require(actor, "care.support.screenshot", _related(r), otherwise=only_raiser)
    if r.state == "closed":
        raise rules.IllegalTransition("Yêu cầu đã đóng.", "The request is closed.", code="closed")
    rules.check_screenshot_declared(req.content_type, req.size)
    key = f"support/{r.id}/{secrets.token_hex(4)}-{safe_filename(req.filename)}"
    slot = deps.files.presigned_post(
        key, req.content_type, rules.SCREENSHOT_MAX_BYTES, deps.settings.upload_url_expiry_seconds
    )
    shot = Screenshot(key=key, filename=req.filename, content_type=req.content_type, size=req.size)
    _store(deps).save(r.model_copy(update={"screenshot": shot}), r.version)
    return {"request_id": r.id, "url": slot["url"], "fields": slot["fields"], "key": key}


def finalize_screenshot(deps: Deps, actor: Actor, request_id: str) -> SupportRequest:
    """Re-check the arrived object: its real size and type from the magic bytes."""
    r = load_for_actor(deps, actor, request_id, "care.support.finalize")
    if r.screenshot is None:
        raise InvalidInput("Chưa tải ảnh lên.", "No screenshot was requested.", code="no_upload")
    facts = deps.files.inspect(r.screenshot.key)
    if not facts.exists:
        raise InvalidInput("Chưa nhận được tệp.", "The file has not arrived.", code="not_uploaded")
    problem = rules.screenshot_problem(facts.detected_type, facts.size)
    cleaned: bytes | None = None
    if not problem:
        # The same content policy as dossier attachments: no polyglot, EXIF/GPS stripped.
        from chalicelib.domain.upload_policy import inspect_content

        verdict = inspect_content(
            deps.files.read(r.screenshot.key, rules.SCREENSHOT_MAX_BYTES) or b"",
            size=facts.size,
            max_bytes=rules.SCREENSHOT_MAX_BYTES,
            accepted_types=tuple(rules.SCREENSHOT_TYPES),
            declared_type=None,
        )
        problem = None if verdict.accepted else verdict.code
        cleaned = verdict.cleaned
    if problem:
        deps.files.delete(r.screenshot.key)
        shot = r.screenshot.model_copy(update={"state": "rejected", "reason": problem})
        _store(deps).save(r.model_copy(update={"screenshot": shot}), r.version)
        raise InvalidInput(
            "Ảnh không hợp lệ: chỉ nhận PNG hoặc JPEG, tối đa 5 MB.",
            "Invalid screenshot: PNG or JPEG only, at most 5 MB.",
            code=problem,
            field="screenshot",
        )
    size = facts.size
    if cleaned is not None and facts.detected_type:
        deps.files.put(r.screenshot.key, cleaned, facts.detected_type)
        size = len(cleaned)
    shot = r.screenshot.model_copy(
        update={"state": "accepted", "size": size, "content_type": facts.detected_type}
    )
    return _store(deps).save(r.model_copy(update={"screenshot": shot}), r.version)


def screenshot_url(deps: Deps, actor: Actor, request_id: str) -> dict[str, Any]:
    r = load_for_actor(deps, actor, request_id)
    if r.screenshot is None or r.screenshot.state != "accepted":
        raise NotFound("Không có ảnh chụp màn hình.", "No screenshot.", field="screenshot")
    url = deps.files.client.generate_presigned_url(
        "get_object", Params={"Bucket": deps.files.bucket, "Key": r.screenshot.key}, ExpiresIn=300
    )
    return {"url": url, "content_type": r.screenshot.content_type}


def _it(actor: Actor) -> None:
    require(actor, "care.support.handle")  # IT (the administrators)


def triage(deps: Deps, actor: Actor, request_id: str, req: TriageIn) -> SupportRequest:
    _it(actor)
    r = load_for_actor(deps, actor, request_id)
    saved = _store(deps).save(
        rules.triage(r, req.priority, actor.username, deps.clock(), req.note), r.version
    )
    _audit(deps, actor, "support_triaged", saved, priority=req.priority)
    return saved


def answer(deps: Deps, actor: Actor, request_id: str, req: SupportAnswerIn) -> SupportRequest:
    _it(actor)
    r = load_for_actor(deps, actor, request_id)
    saved = _store(deps).save(rules.answer(r, req.answer, actor.username, deps.clock()), r.version)
    _audit(deps, actor, "support_answered", saved)
    return saved


def close(deps: Deps, actor: Actor, request_id: str, req: SupportCloseIn) -> SupportRequest:
    _it(actor)
    r = load_for_actor(deps, actor, request_id)
    saved = _store(deps).save(rules.close(r, actor.username, deps.clock(), req.note), r.version)
    _audit(deps, actor, "support_closed", saved)
    return saved


def list_for(deps: Deps, actor: Actor, state: str | None = None) -> list[SupportRequest]:
    """IT: a state's queue (default: everything not closed). Staff: their unit's requests."""
    if state is not None and state not in rules.TRANSITIONS:
        raise InvalidInput("Trạng thái không hợp lệ.", "Unknown state.", field="state")
    store = _store(deps)
    if permits(actor, "care.support.handle"):  # IT: the queue
        states = [state] if state else ["open", "triaged", "answered"]
        out = [r for s in states for r in store.list_state(s)]
        out.sort(key=lambda r: r.raised_at, reverse=True)
        return out
    require(actor, "care.support.raise")  # staff who raise requests: their unit's
    if not actor.unit:
        raise Forbidden("Chỉ cán bộ.", "Staff only.")
    return [r for r in store.list_agency(actor.unit) if state is None or r.state == state]


def queue_page(deps: Deps, actor: Actor, params: dict[str, str]) -> dict[str, Any]:
    """IT's queue, one page (`?state=&q=&limit=&cursor=`): a state's requests newest first, or
    (no state) the open, then triaged, then answered ones. `q` matches the id, the dossier code,
    the agency, who raised it and the error text."""
    from chalicelib.services.catalogue.catalogue import fold
    from chalicelib.services.paging import chained_page, page_limit
    from chalicelib.store import lists

    require(actor, "care.support.handle")
    state = params.get("state") or None
    if state is not None and state not in rules.TRANSITIONS:
        raise InvalidInput("Trạng thái không hợp lệ.", "Unknown state.", field="state")
    limit = page_limit(params.get("limit"))
    words = fold(params.get("q") or "").split()

    def keep(item: dict[str, Any]) -> bool:
        if not words:
            return True
        r = SupportRequest.model_validate_json(item["data"]["S"])
        hay = fold(f"{r.id} {r.dossier_code or ''} {r.agency} {r.raised_by} {r.error_seen}")
        return all(w in hay for w in words)

    states = [state] if state else ["open", "triaged", "answered"]
    raw, nxt = chained_page(
        deps,
        [lists.support_requests(s) for s in states],
        keep=keep,
        limit=limit,
        cursor=params.get("cursor") or None,
        forward=False,
    )
    items = [view(SupportRequest.model_validate_json(i["data"]["S"])) for i in raw]
    return {"items": items, "next": nxt}


# ---- evidence for the lateness exemption (Đ15.7) -----------------------------------------------
def requests_for_dossier(deps: Deps, dossier_id: str) -> list[SupportRequest]:
    """Support requests linked to this dossier, newest first (one Query on GSI2)."""
    return _store(deps).list_dossier(dossier_id)


def dossier_requests_for(deps: Deps, actor: Actor, dossier_id: str) -> list[dict[str, Any]]:
    """What the exemption form offers: only for staff who may see the dossier (else 404)."""
    require_role(actor, "care.support.dossier")
    load_for(deps, dossier_id, actor)
    require(actor, "care.support.dossier", Related.seen())
    return [view(r) for r in requests_for_dossier(deps, dossier_id)]


def cited_requests(deps: Deps, dossier_id: str, evidence: str) -> list[SupportRequest]:
    """The support requests an exemption's evidence cites; each must be linked to this dossier."""
    linked = {r.id: r for r in requests_for_dossier(deps, dossier_id)}
    out = []
    for rid in rules.cited_ids(evidence):
        r = linked.get(rid) or _store(deps).get(rid)  # the index may lag a fresh request
        if r is None or r.dossier_id != dossier_id:
            raise InvalidInput(
                f"Yêu cầu hỗ trợ {rid} không gắn với hồ sơ này.",
                f"Support request {rid} is not linked to this dossier.",
                code="support_not_linked",
                field="evidence",
            )
        out.append(r)
    return out
