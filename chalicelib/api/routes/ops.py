"""Operations on a dossier's workflow (administrators).

- `POST /api/ops/dossiers/{dossier_id}/workflow/restart` (admin; Idempotency-Key; body
  `{"note": "..."}`): start a failed dossier's workflow again with the stages it still has to run
  (chalicelib.services.dossier.processing.restart_workflow); answers the dossier view. 409
  `workflow_not_failed` unless the latest workflow event is `workflow_failed` and the dossier is
  open; 409 `workflow_running` while the failing execution has not finished failing.

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

processing = LazyModule("chalicelib.services.dossier.processing")
views = LazyModule("chalicelib.services.dossier.views")

router = Router(__name__, schemas=("chalicelib.services.models_out",))
bp = router.bp


class RestartWorkflowIn(BaseModel):
    """Why the administrator restarts it (kept in the dossier's history)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(min_length=1, max_length=500)


@router.route(
    "/api/ops/dossiers/{dossier_id}/workflow/restart",
    "POST",
    summary="Khởi động lại quy trình xử lý bị lỗi của hồ sơ (chỉ các bước còn lại)",
    action="ops.workflow.restart",
    out="DossierView",
)
def restart_workflow(dossier_id: str, who: Caller, req: RestartWorkflowIn) -> dict[str, Any]:
    d = processing.restart_workflow(deps(), who, dossier_id, req.note)
    view: dict[str, Any] = views.dossier_view(deps(), d)
    return view
