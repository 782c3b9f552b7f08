"""Use cases of procedure publication (Đ10.3, Đ14.5): propose, list, decide, version history.

Procedure changes are data: an agency proposes, the province office publishes a new version (or
rejects with a reason). Publishing never rewrites a version: dossiers keep the version they pinned
(`Dossier.procedure_version`), new drafts take LATEST.

Publication order: one transaction decides the request, claims `V#<n>` (conditional), counts it for
QĐ 766 and sets or clears the repeal marker; then `DynamoStore.put_procedure` moves LATEST and the
catalogue row. If that second write fails, publishing the same request again completes it.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from chalicelib.domain.permissions import role_permits as may
from chalicelib.domain.procedure import Procedure
from chalicelib.domain.procedure_publication import (
    ChangeKind,
    ProcedureChange,
    build_version,
    check_complete,
    check_transition,
    month_of,
)
from chalicelib.services.container import Deps
from chalicelib.store.audit import procedure_stream
from chalicelib.store.procedure_changes import ProcedureChangeStore

# Who may propose, review and publish: chalicelib/domain/permissions.py (`procedure.change.*`).
STATES = ("proposed", "published", "rejected")

# Monthly counter metrics read by the QĐ 766 "procedures published complete and on time" indicator.
METRIC_PUBLISHED = "procedures_published"
METRIC_ON_TIME_COMPLETE = "procedures_published_on_time_complete"


def changes_store(deps: Deps) -> ProcedureChangeStore:
    """The change-request adapter on the same client and table as the app's store."""
    return ProcedureChangeStore(deps.store.client, deps.store.table)


def _hours_per_day(deps: Deps) -> float:
    return deps.calendar.day_seconds / 3600


def _units(deps: Deps) -> set[str]:
    return {u.code for u in deps.store.list_units()}


def _current(deps: Deps, code: str) -> Procedure | None:
    try:
        return deps.store.get_procedure(code)
    except NotFound:
        return None


def _not_found() -> NotFound:
    return NotFound(
        "Không tìm thấy đề nghị thay đổi thủ tục.", "Change request not found.", field="id"
    )


def _forbidden_unit() -> Forbidden:
    return Forbidden(
        "Thủ tục này không do đơn vị của bạn chủ trì.",
        "This procedure is led by another unit.",
        code="forbidden_unit",
        field="procedure_code",
    )


def _repealed(code: str) -> Conflict:
    return Conflict(
        f"Thủ tục {code} đã bị bãi bỏ.",
        f"Procedure {code} has been repealed.",
        code="procedure_repealed",
        field="procedure_code",
    )


def _exists(code: str) -> Conflict:
    return Conflict(
        f"Thủ tục {code} đã có trong danh mục; hãy đề nghị sửa đổi thay vì thêm mới.",
        f"Procedure {code} already exists; propose an amendment instead.",
        code="procedure_exists",
        field="procedure_code",
    )


def _check_target(kind: str, code: str, current: Procedure | None) -> None:
    """A new code must be free (or repealed); an amendment or repeal needs a live procedure."""
    if kind == "new":
        if current is not None and current.state != "repealed":
            raise _exists(code)
        return
    if current is None:
        raise NotFound(
            f"Không tìm thấy thủ tục {code}.", f"Procedure {code} not found.", field="code"
        )
    if current.state == "repealed":
        raise _repealed(code)


# ---- propose -------------------------------------------------------------------------------
def propose(
    deps: Deps,
    actor: Any,
    *,
    kind: ChangeKind,
    procedure_code: str,
    legal_basis: str,
    effective_date: date,
    draft: dict[str, Any] | None = None,
    free: bool = False,
) -> ProcedureChange:
    """An agency (staff or leader) proposes a change to a procedure its unit leads; an
    administrator may propose for any agency (the province office still decides).

    Completeness is checked now too, so the agency learns what is missing before the province
    looks; it is checked again at publication (units may have changed since).
    """
    # The administrator files on any agency's behalf (the process editor); still only proposed.
    on_behalf = may(actor, "admin.procedure.propose")
    if not on_behalf and (not may(actor, "procedure.change.propose") or not actor.unit):
        raise Forbidden(
            "Chỉ cơ quan chủ trì thủ tục được đề nghị thay đổi.",
            "Only the procedure's lead agency may propose a change.",
            code="forbidden_role",
        )
    unit: str | None = actor.unit
    if kind == "repealed" and draft is not None:
        raise InvalidInput(
            "Đề nghị bãi bỏ không kèm dự thảo thủ tục.",
            "A repeal carries no draft.",
            field="draft",
        )
    if kind != "repealed" and draft is None:
        raise InvalidInput(
            "Cần dự thảo đầy đủ của thủ tục (JSON).",
            "The full draft procedure is required.",
            field="draft",
        )
    if draft is not None and draft.get("code") not in (None, procedure_code):
        raise InvalidInput(
            "Mã thủ tục trong dự thảo khác mã được đề nghị.",
            "The draft's code differs from procedure_code.",
            field="draft.code",
        )
    current = _current(deps, procedure_code)
    _check_target(kind, procedure_code, current)
    if kind == "new":
        assert draft is not None
        lead = draft.get("lead_agency")
        if not on_behalf and lead != unit:
            raise Forbidden(
                "Cơ quan chủ trì trong dự thảo phải là đơn vị của bạn.",
                "The draft's lead agency must be your unit.",
                code="forbidden_unit",
                field="lead_agency",
            )
    else:
        assert current is not None
        if not on_behalf and current.lead_agency != unit:
            raise _forbidden_unit()
        lead = current.lead_agency
    now = deps.clock()
    change = ProcedureChange(
        id=str(uuid.uuid4()),
        kind=kind,
        procedure_code=procedure_code,
        draft=draft,
        free=free,
        legal_basis=legal_basis,
        effective_date=effective_date,
        lead_agency=str(lead),
        proposed_by=actor.username,
        proposed_at=now,
    )
    if draft is not None:
        check_complete(draft, units=_units(deps), free=free, hours_per_day=_hours_per_day(deps))
        build_version(change, version=1, published_at=now, current=current)  # parse errors: 400
    changes_store(deps).create(change)
    return change


# ---- read ----------------------------------------------------------------------------------
def _visible(change: ProcedureChange, actor: Any) -> bool:
    if may(actor, "procedure.change.review"):
        return True
    return (
        may(actor, "procedure.change.propose")
        and actor.unit is not None
        and actor.unit == change.lead_agency
    )


def _check_state(state: str | None) -> None:
    if state is not None and state not in STATES:
        raise InvalidInput(
            "Trạng thái không hợp lệ (proposed, published, rejected).",
            "Unknown state.",
            field="state",
        )


def list_changes(deps: Deps, actor: Any, state: str | None = None) -> list[ProcedureChange]:
    """Province office and admin see every unit's, agencies their own unit's; newest first."""
    _check_state(state)
    store = changes_store(deps)
    if may(actor, "procedure.change.review"):
        states = (state,) if state else STATES
        items = [c for s in states for c in store.list_by_state(s)]
    elif may(actor, "procedure.change.propose") and actor.unit:
        items = [c for c in store.list_by_unit(actor.unit) if state is None or c.state == state]
    else:
        raise Forbidden(
            "Tài khoản không có quyền thực hiện chức năng này.",
            "This account may not use this function.",
            code="forbidden_role",
        )
    return sorted(items, key=lambda c: (c.proposed_at, c.id), reverse=True)


def changes_page(deps: Deps, actor: Any, params: dict[str, str]) -> dict[str, Any]:
    """The province's list, one page (`?state=&q=&limit=&cursor=`): a state's requests newest
    first, or (no state) the proposed, then published, then rejected ones. `q` matches the id,
    procedure code and name, lead agency, proposer and legal basis."""
    from chalicelib.services.catalogue.catalogue import fold
    from chalicelib.services.paging import chained_page, page_limit
    from chalicelib.store import lists

    if not may(actor, "procedure.change.review"):
        raise Forbidden(
            "Tài khoản không có quyền thực hiện chức năng này.",
            "This account may not use this function.",
            code="forbidden_role",
        )
    state = params.get("state") or None
    _check_state(state)
    words = fold(params.get("q") or "").split()

    def keep(item: dict[str, Any]) -> bool:
        if not words:
            return True
        c = ProcedureChange.model_validate_json(item["data"]["S"])
        name = (c.draft or {}).get("name") or ""
        hay = fold(
            f"{c.id} {c.procedure_code} {name} {c.lead_agency} {c.proposed_by} {c.legal_basis}"
        )
        return all(w in hay for w in words)

    raw, nxt = chained_page(
        deps,
        [lists.procedure_changes(s) for s in ((state,) if state else STATES)],
        keep=keep,
        limit=page_limit(params.get("limit")),
        cursor=params.get("cursor") or None,
        forward=False,
    )
    items = [change_view(ProcedureChange.model_validate_json(i["data"]["S"])) for i in raw]
    return {"items": items, "next": nxt}


def get_change(deps: Deps, actor: Any, change_id: str) -> ProcedureChange:
    """Another unit's request answers 404: its existence is not disclosed."""
    change = changes_store(deps).get(change_id)
    if change is None or not _visible(change, actor):
        raise _not_found()
    return change


# ---- decide --------------------------------------------------------------------------------
def _require_province(actor: Any) -> None:
    if not may(actor, "procedure.change.review"):
        raise Forbidden(
            "Chỉ Văn phòng UBND tỉnh được công bố hoặc từ chối thay đổi thủ tục.",
            "Only the province office may publish or reject procedure changes.",
            code="forbidden_role",
        )


def publish(deps: Deps, actor: Any, change_id: str) -> ProcedureChange:
    """Approve and publish: the procedure's next version, effective on the request's date."""
    _require_province(actor)
    store = changes_store(deps)
    change = get_change(deps, actor, change_id)
    if change.state == "published" and change.published_version:
        return _complete_pointer(deps, store, change)
    check_transition(change.state, "published")
    current = _current(deps, change.procedure_code)
    _check_target(change.kind, change.procedure_code, current)
    if change.draft is not None:
        check_complete(
            change.draft,
            units=_units(deps),
            free=change.free,
            hours_per_day=_hours_per_day(deps),
        )
    now = deps.clock()
    version = store.latest_version(change.procedure_code) + 1
    proc = build_version(change, version=version, published_at=now, current=current)
    decided = change.published(by=actor.username, at=now, version=version)
    metrics = {METRIC_PUBLISHED: 1}
    if decided.on_time:
        # Complete is guaranteed here: an incomplete procedure cannot be published at all.
        metrics[METRIC_ON_TIME_COMPLETE] = 1
    store.commit_publication(decided, proc, counter=(proc.lead_agency, month_of(now), metrics))
    deps.store.put_procedure(proc)
    _audit(deps, actor, "procedure_published", decided, version=version)
    return decided


def _audit(deps: Deps, actor: Any, action: str, change: ProcedureChange, **detail: Any) -> None:
    """Publication decisions join the procedure's own audit chain."""
    from chalicelib.services.admin import audit

    audit.record(
        deps,
        actor,
        action,
        stream=procedure_stream(change.procedure_code),
        detail={"change_id": change.id, "kind": change.kind, **detail},
    )


def _complete_pointer(
    deps: Deps, store: ProcedureChangeStore, change: ProcedureChange
) -> ProcedureChange:
    """A published request whose LATEST move was lost is finished now; otherwise 409."""
    assert change.published_version is not None
    current = _current(deps, change.procedure_code)
    if current is None or current.version < change.published_version:
        versions = {p.version: p for p in store.list_versions(change.procedure_code)}
        proc = versions.get(change.published_version)
        if proc is not None:
            deps.store.put_procedure(proc)
            return change
    check_transition(change.state, "published")  # raises: decided once
    return change


def reject(deps: Deps, actor: Any, change_id: str, reason: str) -> ProcedureChange:
    """Reject with a reason the agency sees; nothing in the catalogue changes."""
    _require_province(actor)
    change = get_change(deps, actor, change_id)
    decided = change.rejected(by=actor.username, at=deps.clock(), reason=reason)
    changes_store(deps).reject(decided)
    _audit(deps, actor, "procedure_change_rejected", decided, reason=reason)
    return decided


# ---- history -------------------------------------------------------------------------------
def history(deps: Deps, code: str) -> list[dict[str, Any]]:
    """Every published version of a procedure, oldest first (public)."""
    versions = changes_store(deps).list_versions(code)
    if not versions:
        raise NotFound(
            f"Không tìm thấy thủ tục {code}.", f"Procedure {code} not found.", field="code"
        )
    return [
        {
            "code": p.code,
            "version": p.version,
            "state": p.state,
            "name": p.name,
            "lead_agency": p.lead_agency,
            "level": p.level.value,
            "processing_time": p.processing_time.model_dump(mode="json"),
            "fee_vnd": p.total_fee_vnd,
            "effective_date": p.effective_date.isoformat() if p.effective_date else None,
            "published_at": p.published_at.isoformat() if p.published_at else None,
        }
        for p in versions
    ]


def change_view(change: ProcedureChange) -> dict[str, Any]:
    out: dict[str, Any] = change.model_dump(mode="json")
    return out
