"""The administrator's console: units, staff accounts and roles, the province calendar, and the
procedure list behind the electronic process editor. Every list pages (`limit`, `cursor`) and
filters on the server; every POST takes an `Idempotency-Key` (the http middleware).

- `GET /api/admin/units?kind=&parent=&q=&limit=&cursor=`, `POST /api/admin/units`,
  `POST /api/admin/units/{code}` (rename, re-kind, move; `version`),
  `POST /api/admin/units/{code}/delete` (409 `unit_in_use` while anything refers to it);
- `GET /api/admin/users?role=&unit=&q=&limit=&cursor=`, `POST /api/admin/users` (answers the
  temporary password once), `POST /api/admin/users/{username}` (role, unit, name, e-mail),
  `POST /api/admin/users/{username}/disable` (enable: `/api/admin/accounts/{username}/enable`);
- `GET /api/admin/calendar?year=`, `POST /api/admin/calendar` (add/remove one entry);
- `GET /api/admin/procedures?field=&agency=&q=&limit=&cursor=` and
  `GET /api/admin/procedures/{code}/changes` (admin, province office),
  `POST /api/admin/procedure-changes` (admin files a change for any agency; the province office
  publishes it as before).
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response
from pydantic import BaseModel, ConfigDict

from chalicelib.api.context import body, caller, deps, query
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

svc = LazyModule("chalicelib.services.admin")

bp = Blueprint(__name__)


# ---- answers (OpenAPI response schemas) -----------------------------------------------------
class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class AdminUnitOut(_Out):
    code: str
    name: str
    parent: str | None = None
    kind: str
    version: int


class AdminUnitPage(_Out):
    items: list[AdminUnitOut]
    next: str | None = None


class AdminUnitDeleted(_Out):
    code: str
    deleted: bool


class AdminStaffOut(_Out):
    username: str
    name: str
    email: str
    role: str
    unit: str | None = None
    enabled: bool


class AdminStaffCreated(AdminStaffOut):
    temporary_password: str


class AdminStaffPage(_Out):
    items: list[AdminStaffOut]
    next: str | None = None


class AdminCalendarDay(_Out):
    date: str
    working: bool
    weekend: bool
    kind: str | None = None
    label: str


class AdminCalendarEntry(_Out):
    date: str
    until: str | None = None
    kind: str
    reason: str


class AdminCalendarOut(_Out):
    year: int
    version: int
    entries: list[AdminCalendarEntry]
    days: list[AdminCalendarDay]


class AdminProcedureRow(_Out):
    code: str
    name: str
    field: str
    lead_agency: str
    version: int


class AdminProcedurePage(_Out):
    items: list[AdminProcedureRow]
    next: str | None = None


class AdminProcedureChanges(_Out):
    code: str
    items: list[dict[str, Any]]


# ---- helpers --------------------------------------------------------------------------------
def _admin(*roles: str) -> Any:
    from chalicelib.api.auth import require_role

    return require_role(caller(), *(roles or ("admin",)))


def _paging(q: dict[str, str]) -> dict[str, Any]:
    from chalicelib.services.paging import page_limit

    return {"limit": page_limit(q.get("limit")), "cursor": q.get("cursor") or None}


# ---- units ----------------------------------------------------------------------------------
@bp.route("/api/admin/units", methods=["GET"])
def admin_list_units() -> Response:
    _admin()
    q = query()
    return json_response(
        svc.list_units(
            deps(), kind=q.get("kind"), parent=q.get("parent"), q=q.get("q"), **_paging(q)
        )
    )


@bp.route("/api/admin/units", methods=["POST"])
def admin_create_unit() -> Response:
    who = _admin()
    return json_response(svc.create_unit(deps(), who, body(svc.UnitIn)), status=201)


@bp.route("/api/admin/units/{code}", methods=["POST"])
def admin_update_unit(code: str) -> Response:
    who = _admin()
    return json_response(svc.update_unit(deps(), who, code, body(svc.UnitUpdateIn)))


@bp.route("/api/admin/units/{code}/delete", methods=["POST"])
def admin_delete_unit(code: str) -> Response:
    who = _admin()
    return json_response(svc.delete_unit(deps(), who, code, body(svc.UnitDeleteIn)))


# ---- staff ----------------------------------------------------------------------------------
@bp.route("/api/admin/users", methods=["GET"])
def admin_list_users() -> Response:
    _admin()
    q = query()
    return json_response(
        svc.list_staff(deps(), role=q.get("role"), unit=q.get("unit"), q=q.get("q"), **_paging(q))
    )


@bp.route("/api/admin/users", methods=["POST"])
def admin_create_user() -> Response:
    who = _admin()
    return json_response(svc.create_staff(deps(), who, body(svc.StaffIn)), status=201)


@bp.route("/api/admin/users/{username}", methods=["POST"])
def admin_update_user(username: str) -> Response:
    who = _admin()
    return json_response(svc.update_staff(deps(), who, username, body(svc.StaffUpdateIn)))


@bp.route("/api/admin/users/{username}/disable", methods=["POST"])
def admin_disable_user(username: str) -> Response:
    who = _admin()
    return json_response(svc.disable_staff(deps(), who, username))


# ---- calendar -------------------------------------------------------------------------------
@bp.route("/api/admin/calendar", methods=["GET"])
def admin_get_calendar() -> Response:
    from chalicelib.domain.errors import InvalidInput

    _admin()
    raw = query().get("year") or str(deps().clock().year)
    if not raw.isdigit():
        raise InvalidInput("Năm không hợp lệ.", "Invalid year.", field="year")
    return json_response(svc.calendar_year(deps(), int(raw)))


@bp.route("/api/admin/calendar", methods=["POST"])
def admin_change_calendar() -> Response:
    who = _admin()
    return json_response(svc.change_calendar(deps(), who, body(svc.CalendarChangeIn)))


# ---- procedures -----------------------------------------------------------------------------
@bp.route("/api/admin/procedures", methods=["GET"])
def admin_list_procedures() -> Response:
    _admin("admin", "province")
    q = query()
    return json_response(
        svc.list_procedures(
            deps(), field_name=q.get("field"), agency=q.get("agency"), q=q.get("q"), **_paging(q)
        )
    )


@bp.route("/api/admin/procedures/{code}/changes", methods=["GET"])
def admin_procedure_changes(code: str) -> Response:
    who = _admin("admin", "province")
    return json_response(svc.procedure_changes(deps(), who, code))


@bp.route("/api/admin/procedure-changes", methods=["POST"])
def admin_propose_change() -> Response:
    """The editor's save: a change request filed by the administrator for the lead agency."""
    from chalicelib.api.routes_procedures_admin import ProposeChangeIn, change_answer
    from chalicelib.services import procedures

    who = _admin()
    req = body(ProposeChangeIn)
    answer = change_answer(lambda: procedures.propose(deps(), who, **req.model_dump()))
    return answer if isinstance(answer, Response) else json_response(answer, status=201)
