"""Planned downtime (NĐ 224/2026 Đ13): the administrator announces a window, the portal shows it.

- `announce`: validated by `domain.maintenance.check_window` (7 working days' notice unless an
  emergency with its reason), stored, audited on the `MAINTENANCE` stream.
- `cancel`: marks it cancelled (kept, so the audit trail and the list still show it).
- `banner`: what every page shows, public: windows announced and not yet over.
- `list_windows`: the administrator's list (the same, cancelled ones included).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.domain.actors import actor_name
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.maintenance import MaintenanceWindow, check_window
from chalicelib.store.maintenance import MaintenanceStore

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor
    from chalicelib.services.container import Deps

STREAM = "MAINTENANCE"


class MaintenanceAnnounceIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    starts_at: AwareDatetime
    ends_at: AwareDatetime
    reason: str = Field(min_length=1, max_length=500)
    reason_en: str = Field(default="", max_length=500)
    services: str = Field(default="", max_length=300)
    emergency: bool = False
    emergency_reason: str = Field(default="", max_length=500)


class MaintenanceCancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)


class MaintenanceOut(BaseModel):
    """One window as shown: in the banner and the administrator's list."""

    id: str
    starts_at: str
    ends_at: str
    reason: str
    reason_en: str
    services: str
    emergency: bool
    emergency_reason: str
    announced_at: str
    in_progress: bool
    cancelled: bool
    version: int


class MaintenanceBanner(BaseModel):
    items: list[MaintenanceOut]


class MaintenanceAdminOut(MaintenanceOut):
    announced_by: str
    cancelled_by: str


class MaintenanceAdminList(BaseModel):
    items: list[MaintenanceAdminOut]


def _store(deps: Deps) -> MaintenanceStore:
    return MaintenanceStore(deps.store.client, deps.store.table)


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _out(w: MaintenanceWindow, now: datetime) -> MaintenanceOut:
    return MaintenanceOut(
        id=w.id,
        starts_at=_iso(w.starts_at),
        ends_at=_iso(w.ends_at),
        reason=w.reason,
        reason_en=w.reason_en,
        services=w.services,
        emergency=w.emergency,
        emergency_reason=w.emergency_reason,
        announced_at=_iso(w.announced_at),
        in_progress=w.in_progress(now),
        cancelled=w.cancelled_at is not None,
        version=w.version,
    )


def _admin_out(w: MaintenanceWindow, now: datetime) -> MaintenanceAdminOut:
    return MaintenanceAdminOut(
        **_out(w, now).model_dump(), announced_by=w.announced_by, cancelled_by=w.cancelled_by
    )


def _by(actor: Actor) -> str:
    return actor_name(actor) or actor.username


def announce(deps: Deps, actor: Actor, req: MaintenanceAnnounceIn) -> MaintenanceAdminOut:
    from chalicelib.services.admin import audit

    now = deps.clock()
    starts, ends = req.starts_at.astimezone(UTC), req.ends_at.astimezone(UTC)
    check_window(
        deps.calendar,
        announced_at=now,
        starts_at=starts,
        ends_at=ends,
        emergency=req.emergency,
        emergency_reason=req.emergency_reason,
    )
    window = MaintenanceWindow(
        id=uuid.uuid4().hex[:12],
        starts_at=starts,
        ends_at=ends,
        reason=req.reason,
        reason_en=req.reason_en,
        services=req.services,
        emergency=req.emergency,
        emergency_reason=req.emergency_reason if req.emergency else "",
        announced_at=now,
        announced_by=_by(actor),
    )
    saved = _store(deps).save(window, None)
    audit.record(
        deps,
        actor,
        "maintenance_announced",
        stream=STREAM,
        detail={
            "id": saved.id,
            "starts_at": _iso(starts),
            "ends_at": _iso(ends),
            "emergency": saved.emergency,
        },
    )
    return _admin_out(saved, now)


def cancel(
    deps: Deps, actor: Actor, window_id: str, req: MaintenanceCancelIn
) -> MaintenanceAdminOut:
    from chalicelib.services.admin import audit

    store = _store(deps)
    window = store.get(window_id)
    if window is None:
        raise NotFound(
            "Không có thông báo bảo trì này.",
            "No such maintenance notice.",
            code="maintenance_not_found",
        )
    now = deps.clock()
    if window.cancelled_at is not None or window.ends_at <= now:
        raise Conflict(
            "Đợt bảo trì này đã hủy hoặc đã kết thúc.",
            "That window is already cancelled or over.",
            code="maintenance_closed",
        )
    if req.version != window.version:
        raise Conflict(
            "Thông báo bảo trì vừa được người khác cập nhật. Vui lòng tải lại.",
            "The maintenance notice was changed by someone else. Reload and retry.",
            code="version_conflict",
            field="version",
        )
    saved = store.save(
        window.model_copy(update={"cancelled_at": now, "cancelled_by": _by(actor)}),
        window.version,
    )
    audit.record(deps, actor, "maintenance_cancelled", stream=STREAM, detail={"id": saved.id})
    return _admin_out(saved, now)


def banner(deps: Deps) -> MaintenanceBanner:
    now = deps.clock()
    shown = [w for w in _store(deps).ending_after(now) if w.shown_at(now)]
    shown.sort(key=lambda w: w.starts_at)
    return MaintenanceBanner(items=[_out(w, now) for w in shown])


def list_windows(deps: Deps) -> MaintenanceAdminList:
    now = deps.clock()
    items = sorted(_store(deps).ending_after(now), key=lambda w: w.starts_at)
    return MaintenanceAdminList(items=[_admin_out(w, now) for w in items])
