"""Routes of procedure publication: agencies propose changes, the province office decides, and
anyone reads a procedure's version history (Đ10.3, Đ14.5).

Input models live here (like the agency-key models) so the shared models module stays the
dossier's. Use cases load on a route's first call.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from chalice import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.context import body, caller, deps, query
from chalicelib.api.http import json_response
from chalicelib.api.procedure_changes import answer_change as _answer
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.api.auth import Caller

svc = LazyModule("chalicelib.services.procedures")

bp = Blueprint(__name__)


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


def _role(*roles: str) -> Caller:
    from chalicelib.api.auth import require_role

    return require_role(caller(), *roles)


# ---- agencies ---------------------------------------------------------------------------------
@bp.route("/api/agency/procedure-changes", methods=["POST"])
def propose_change() -> Response:
    who = _role("agency", "leader")
    req = body(ProposeChangeIn)
    return _answer(lambda: svc.propose(deps(), who, **req.model_dump()), status=201)


@bp.route("/api/agency/procedure-changes", methods=["GET"])
def list_agency_changes() -> Response:
    who = _role("agency", "leader")
    items = svc.list_changes(deps(), who, query().get("state"))
    return json_response({"items": [svc.change_view(c) for c in items]})


# ---- province office ----------------------------------------------------------------------------
@bp.route("/api/province/procedure-changes", methods=["GET"])
def list_province_changes() -> Response:
    who = _role("province", "admin")  # one page: ?state=&q=&limit=&cursor=
    return json_response(svc.changes_page(deps(), who, query()))


@bp.route("/api/province/procedure-changes/{change_id}/publish", methods=["POST"])
def publish_change(change_id: str) -> Response:
    who = _role("province", "admin")
    return _answer(lambda: svc.publish(deps(), who, change_id))


@bp.route("/api/province/procedure-changes/{change_id}/reject", methods=["POST"])
def reject_change(change_id: str) -> Response:
    who = _role("province", "admin")
    req = body(RejectChangeIn)
    return _answer(lambda: svc.reject(deps(), who, change_id, req.reason))


# ---- public -------------------------------------------------------------------------------------
@bp.route("/api/procedures/{code}/versions", methods=["GET"])
def procedure_versions(code: str) -> Response:
    return json_response({"code": code, "items": svc.history(deps(), code)})
