"""Routes of procedure publication: agencies propose changes, the province office decides, and
anyone reads a procedure's version history (Đ10.3, Đ14.5).

Input models live here (like the agency-key models) so the shared models module stays the
dossier's. Use cases load on a route's first call. Each route declares its contract
(chalicelib/api/routing.py); its permission is in chalicelib/domain/permissions.py.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from chalice import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.context import deps
from chalicelib.api.routing import Router
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.api.auth import Caller
    from chalicelib.api.schemas.admin import ChangeStateQuery, ProvinceChangesQuery

svc = LazyModule("chalicelib.services.catalogue.procedures")

router = Router(
    __name__,
    schemas=(
        "chalicelib.api.schemas.admin",
        "chalicelib.services.models_out",
        "chalicelib.domain.procedure_publication",
    ),
)
bp = router.bp


class ProposeChangeIn(BaseModel):
    """A change request. `draft` is the full procedure JSON (new, amended); none for a repeal.

    `free: true` declares that the procedure collects no fee, which is what allows `draft.fees`
    to be an explicit empty list.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: Literal["new", "amended", "repealed"]
    procedure_code: str = Field(min_length=1, max_length=40)
    draft: dict[str, Any] | None = None
    free: bool = False
    legal_basis: str = Field(
        min_length=5,
        max_length=500,
        description="The deciding act, e.g. “Quyết định số 123/QĐ-UBND ngày 01/12/2026”.",
    )
    effective_date: date


class RejectChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reason: str = Field(min_length=5, max_length=2000)


def change_answer(run: Callable[[], Any]) -> Response | dict[str, Any]:
    """Run a use case; an incomplete procedure answers 422 with every problem listed."""
    from chalicelib.api.http import json_response
    from chalicelib.domain.procedure_publication import ProcedureIncomplete

    try:
        result = run()
    except ProcedureIncomplete as exc:
        return json_response(exc.to_body(), status=exc.status)
    view: dict[str, Any] = svc.change_view(result)
    return view


# ---- agencies ---------------------------------------------------------------------------------
@router.route(
    "/api/agency/procedure-changes",
    "POST",
    summary="Đề nghị thêm mới, sửa đổi, bãi bỏ thủ tục",
    action="procedure.change.propose",
    out="ProcedureChange",
    status=201,
)
def propose_change(who: Caller, req: ProposeChangeIn) -> Response | dict[str, Any]:
    return change_answer(lambda: svc.propose(deps(), who, **req.model_dump()))


@router.route(
    "/api/agency/procedure-changes",
    "GET",
    summary="Đề nghị của cơ quan",
    action="procedure.change.propose",
    out="ProcedureChanges",
)
def list_agency_changes(who: Caller, params: ChangeStateQuery) -> dict[str, Any]:
    items = svc.list_changes(deps(), who, params.state)
    return {"items": [svc.change_view(c) for c in items]}


# ---- province office ----------------------------------------------------------------------------
@router.route(
    "/api/province/procedure-changes",
    "GET",
    summary="Đề nghị chờ công bố (phân trang, lọc theo trạng thái, từ khóa)",
    action="procedure.change.review",
    out="ProcedureChanges",
)
def list_province_changes(who: Caller, params: ProvinceChangesQuery) -> dict[str, Any]:
    from chalicelib.api.schemas.admin import as_params

    page: dict[str, Any] = svc.changes_page(deps(), who, as_params(params))
    return page


@router.route(
    "/api/province/procedure-changes/{change_id}/publish",
    "POST",
    summary="Phê duyệt và công bố phiên bản mới",
    action="procedure.change.review",
    out="ProcedureChange",
)
def publish_change(change_id: str, who: Caller) -> Response | dict[str, Any]:
    return change_answer(lambda: svc.publish(deps(), who, change_id))


@router.route(
    "/api/province/procedure-changes/{change_id}/reject",
    "POST",
    summary="Từ chối đề nghị",
    action="procedure.change.review",
    out="ProcedureChange",
)
def reject_change(change_id: str, who: Caller, req: RejectChangeIn) -> Response | dict[str, Any]:
    return change_answer(lambda: svc.reject(deps(), who, change_id, req.reason))


# ---- public -------------------------------------------------------------------------------------
@router.route(
    "/api/procedures/{code}/versions",
    "GET",
    summary="Các phiên bản đã công bố",
    action="procedure.version.read",
    out="ProcedureVersions",
)
def procedure_versions(code: str) -> dict[str, Any]:
    return {"code": code, "items": svc.history(deps(), code)}
