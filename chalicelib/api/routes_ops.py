"""Operations on a dossier's workflow (administrators).

- `POST /api/ops/dossiers/{dossier_id}/workflow/restart` (admin; Idempotency-Key; body
  `{"note": "..."}`): start a failed dossier's workflow again with the stages it still has to run
  (chalicelib.services.processing.restart_workflow); answers the dossier view. 409
  `workflow_not_failed` unless the latest workflow event is `workflow_failed` and the dossier is
  open; 409 `workflow_running` while the failing execution has not finished failing.
"""

from __future__ import annotations

from chalice import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.context import body, caller, deps
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

processing = LazyModule("chalicelib.services.processing")
views = LazyModule("chalicelib.services.views")

bp = Blueprint(__name__)


class RestartWorkflowIn(BaseModel):
    """Why the administrator restarts it (kept in the dossier's history)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(min_length=1, max_length=500)


@bp.route("/api/ops/dossiers/{dossier_id}/workflow/restart", methods=["POST"])
def restart_workflow(dossier_id: str) -> Response:
    from chalicelib.api.auth import require_role

    actor = require_role(caller(), "admin")
    req = body(RestartWorkflowIn)
    d = processing.restart_workflow(deps(), actor, dossier_id, req.note)
    return json_response(views.dossier_view(deps(), d))
