"""Ops view of the national portal (Cổng DVCQG) sync, and the redrive action.

- `GET /api/ops/portal-sync?cursor=&limit=` (admin; province read-only): counts by state (pending,
  failed, synced today) and the failed dossiers, most recent first (code, version, attempts, last
  error), paged.
- `POST /api/ops/portal-sync/redrive` (admin; Idempotency-Key): move the dead-letter queue's
  packets back to the queue and re-queue the latest packet of every failed dossier; answers how
  many.
"""

from __future__ import annotations

from chalice import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.context import caller, deps, request
from chalicelib.api.http import json_response, parse_query
from chalicelib.lazy import LazyModule

svc = LazyModule("chalicelib.services.portal_sync")

bp = Blueprint(__name__)

READ_ROLES = ("admin", "province")
WRITE_ROLES = ("admin",)


class PortalSyncQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cursor: str | None = Field(default=None, max_length=2000)
    limit: int = Field(default=20, ge=1, le=100)


@bp.route("/api/ops/portal-sync", methods=["GET"])
def portal_sync_status() -> Response:
    from chalicelib.api.auth import require_role

    require_role(caller(), *READ_ROLES)
    q = parse_query(request(), PortalSyncQuery)
    data = svc.ops_view(deps(), q.limit, q.cursor)
    return json_response(data, headers={"Cache-Control": "private, no-store"})


@bp.route("/api/ops/portal-sync/redrive", methods=["POST"])
def portal_sync_redrive() -> Response:
    from chalicelib.api.auth import require_role

    require_role(caller(), *WRITE_ROLES)
    return json_response(svc.redrive(deps()))
