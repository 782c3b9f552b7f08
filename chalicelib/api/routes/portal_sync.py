"""Ops view of the national portal (Cổng DVCQG) sync, and the redrive action.

- `GET /api/ops/portal-sync?cursor=&limit=` (admin; province read-only): counts by state (pending,
  failed, synced today) and the failed dossiers, most recent first (code, version, attempts, last
  error), paged.
- `POST /api/ops/portal-sync/redrive` (admin; Idempotency-Key): move the dead-letter queue's
  packets back to the queue and re-queue the latest packet of every failed dossier; answers how
  many.

Each route declares its contract (chalicelib/api/routing.py); its permission is in
chalicelib/domain/permissions.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.context import deps
from chalicelib.api.routing import Router
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.api.auth import Caller

svc = LazyModule("chalicelib.services.portal.portal_sync")

router = Router(__name__, schemas=("chalicelib.services.models_out",))
bp = router.bp


class PortalSyncQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(
        default=None, max_length=2000, description="Opaque cursor from the previous page's `next`."
    )
    limit: int = Field(default=20, ge=1, le=100, description="Page size 1-100 (default 20).")


@router.route(
    "/api/ops/portal-sync",
    "GET",
    summary="Đồng bộ Cổng DVCQG: số gói theo trạng thái, danh sách hồ sơ lỗi (phân trang)",
    action="ops.portal_sync.read",
    out="PortalSync",
    cache="private, no-store",
)
def portal_sync_status(who: Caller, params: PortalSyncQuery) -> dict[str, Any]:
    data: dict[str, Any] = svc.ops_view(deps(), params.limit, params.cursor)
    return data


@router.route(
    "/api/ops/portal-sync/redrive",
    "POST",
    summary="Gửi lại các gói đồng bộ lỗi (hàng đợi thư chết và hồ sơ lỗi)",
    action="ops.portal_sync.redrive",
    out="Redriven",
)
def portal_sync_redrive(who: Caller) -> dict[str, Any]:
    out: dict[str, Any] = svc.redrive(deps())
    return out
