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
- `GET /api/admin/maintenance`, `POST /api/admin/maintenance` (announce planned downtime, 7
  working days ahead unless an emergency), `POST /api/admin/maintenance/{window_id}/cancel`;
- `GET /api/admin/certificates?kind=` (signing certificates: subject, serial, validity, status),
  `POST /api/admin/certificates` (register a CA-issued certificate for a key, or rotate: it
  replaces the holder's), `POST /api/admin/certificates/{kind}/{holder}/revoke`;
- `GET /api/admin/procedures?field=&agency=&q=&limit=&cursor=` and
  `GET /api/admin/procedures/{code}/changes` (admin, province office),
  `POST /api/admin/procedure-changes` (admin files a change for any agency; the province office
  publishes it as before).

Each route declares its contract (chalicelib/api/routing.py); its permission is in
chalicelib/domain/permissions.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Response
from pydantic import BaseModel, ConfigDict

from chalicelib.api.context import deps
from chalicelib.api.routing import Router
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.api.auth import Caller
    from chalicelib.api.routes.procedures_admin import ProposeChangeIn
    from chalicelib.api.schemas.admin import (
        AdminProceduresQuery,
        CalendarQuery,
        CertificatesQuery,
        StaffQuery,
        UnitsQuery,
    )
    from chalicelib.services.admin.admin import (
        CalendarChangeIn,
        StaffIn,
        StaffUpdateIn,
        UnitDeleteIn,
        UnitIn,
        UnitUpdateIn,
    )
    from chalicelib.services.admin.certificates import CertificateIn, CertificateRevokeIn
    from chalicelib.services.admin.maintenance import (
        MaintenanceAdminList,
        MaintenanceAdminOut,
        MaintenanceAnnounceIn,
        MaintenanceCancelIn,
    )

svc = LazyModule("chalicelib.services.admin.admin")

router = Router(
    __name__,
    schemas=(
        "chalicelib.api.schemas.admin",
        "chalicelib.services.admin.admin",
        "chalicelib.services.admin.maintenance",
        "chalicelib.services.admin.certificates",
        "chalicelib.api.routes.procedures_admin",
        "chalicelib.domain.procedure_publication",
    ),
)
bp = router.bp


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
    title: str = ""  # chức danh (the national portal's ChucDanh)
    email: str
    role: str
    unit: str | None = None
    enabled: bool
    # why sign-in is locked: disabled_by_admin, reported_compromised; None when it is not
    locked_reason: str | None = None


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


class SigningCertificateOut(_Out):
    kind: str
    holder: str
    key_id: str
    subject: str
    organisation: str
    title: str
    serial: str
    not_before: str
    not_after: str
    uploaded_at: str
    uploaded_by: str
    revoked_at: str | None = None
    in_force: bool
    status: str
    status_vi: str
    days_left: int


class SigningCertificateRegistered(SigningCertificateOut):
    replaced_serial: str | None = None


class SigningCertificateList(_Out):
    items: list[SigningCertificateOut]


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
def _paging(cursor: str | None, limit: str | None) -> dict[str, Any]:
    from chalicelib.services.paging import page_limit

    return {"limit": page_limit(limit), "cursor": cursor or None}


# ---- units ----------------------------------------------------------------------------------
@router.route(
    "/api/admin/units",
    "GET",
    summary="Danh sách đơn vị (phân trang, lọc theo loại, cấp trên, từ khóa)",
    action="admin.unit.manage",
    out="AdminUnitPage",
)
def admin_list_units(who: Caller, params: UnitsQuery) -> dict[str, Any]:
    page: dict[str, Any] = svc.list_units(
        deps(),
        kind=params.kind,
        parent=params.parent,
        q=params.q,
        **_paging(params.cursor, params.limit),
    )
    return page


@router.route(
    "/api/admin/units",
    "POST",
    summary="Thêm đơn vị",
    action="admin.unit.manage",
    out="AdminUnitOut",
    status=201,
)
def admin_create_unit(who: Caller, req: UnitIn) -> dict[str, Any]:
    out: dict[str, Any] = svc.create_unit(deps(), who, req)
    return out


@router.route(
    "/api/admin/units/{code}",
    "POST",
    summary="Đổi tên, loại hoặc chuyển cấp trên của đơn vị (khóa lạc quan `version`)",
    action="admin.unit.manage",
    out="AdminUnitOut",
)
def admin_update_unit(code: str, who: Caller, req: UnitUpdateIn) -> dict[str, Any]:
    out: dict[str, Any] = svc.update_unit(deps(), who, code, req)
    return out


@router.route(
    "/api/admin/units/{code}/delete",
    "POST",
    summary="Xóa đơn vị không còn thủ tục, cán bộ, hồ sơ, đơn vị cấp dưới",
    action="admin.unit.manage",
    out="AdminUnitDeleted",
)
def admin_delete_unit(code: str, who: Caller, req: UnitDeleteIn) -> dict[str, Any]:
    out: dict[str, Any] = svc.delete_unit(deps(), who, code, req)
    return out


# ---- staff ----------------------------------------------------------------------------------
@router.route(
    "/api/admin/users",
    "GET",
    summary="Danh sách tài khoản cán bộ (phân trang, lọc theo vai trò, đơn vị, từ khóa)",
    action="admin.staff.manage",
    out="AdminStaffPage",
)
def admin_list_users(who: Caller, params: StaffQuery) -> dict[str, Any]:
    page: dict[str, Any] = svc.list_staff(
        deps(),
        role=params.role,
        unit=params.unit,
        q=params.q,
        **_paging(params.cursor, params.limit),
    )
    return page


@router.route(
    "/api/admin/users",
    "POST",
    summary="Tạo tài khoản cán bộ (trả mật khẩu tạm thời một lần)",
    action="admin.staff.manage",
    out="AdminStaffCreated",
    status=201,
    replay=False,  # the temporary password is never stored for replay
)
def admin_create_user(who: Caller, req: StaffIn) -> dict[str, Any]:
    out: dict[str, Any] = svc.create_staff(deps(), who, req)
    return out


@router.route(
    "/api/admin/users/{username}",
    "POST",
    summary="Đổi vai trò, đơn vị, họ tên, chức danh, e-mail của cán bộ",
    action="admin.staff.manage",
    out="AdminStaffOut",
)
def admin_update_user(username: str, who: Caller, req: StaffUpdateIn) -> dict[str, Any]:
    out: dict[str, Any] = svc.update_staff(deps(), who, username, req)
    return out


@router.route(
    "/api/admin/users/{username}/disable",
    "POST",
    summary="Khóa tài khoản cán bộ",
    action="admin.staff.manage",
    out="AdminStaffOut",
)
def admin_disable_user(username: str, who: Caller) -> dict[str, Any]:
    out: dict[str, Any] = svc.disable_staff(deps(), who, username)
    return out


# ---- calendar -------------------------------------------------------------------------------
@router.route(
    "/api/admin/calendar",
    "GET",
    summary="Lịch làm việc của một năm (ngày nghỉ, đóng cửa, ngày làm bù)",
    action="admin.calendar.manage",
    out="AdminCalendarOut",
)
def admin_get_calendar(who: Caller, params: CalendarQuery) -> dict[str, Any]:
    from chalicelib.domain.errors import InvalidInput

    raw = params.year or str(deps().clock().year)
    if not raw.isdigit():
        raise InvalidInput("Năm không hợp lệ.", "Invalid year.", field="year")
    out: dict[str, Any] = svc.calendar_year(deps(), int(raw))
    return out


@router.route(
    "/api/admin/calendar",
    "POST",
    summary="Thêm hoặc xóa ngày nghỉ, ngày đóng cửa, ngày làm việc bù, ngày nghỉ bù",
    action="admin.calendar.manage",
    out="AdminCalendarOut",
)
def admin_change_calendar(who: Caller, req: CalendarChangeIn) -> dict[str, Any]:
    out: dict[str, Any] = svc.change_calendar(deps(), who, req)
    return out


# ---- planned downtime (NĐ 224/2026 Đ13) -----------------------------------------------------
@router.route(
    "/api/admin/maintenance",
    "GET",
    summary="Các đợt bảo trì đã thông báo, chưa kết thúc (kể cả đợt đã hủy)",
    action="admin.maintenance.manage",
    out="MaintenanceAdminList",
)
def admin_list_maintenance(who: Caller) -> MaintenanceAdminList:
    from chalicelib.services.admin import maintenance

    return maintenance.list_windows(deps())


@router.route(
    "/api/admin/maintenance",
    "POST",
    summary="Thông báo một đợt bảo trì (trước ít nhất 7 ngày làm việc, trừ khi khẩn cấp)",
    action="admin.maintenance.manage",
    out="MaintenanceAdminOut",
    status=201,
)
def admin_announce_maintenance(who: Caller, req: MaintenanceAnnounceIn) -> MaintenanceAdminOut:
    from chalicelib.services.admin import maintenance

    return maintenance.announce(deps(), who, req)


@router.route(
    "/api/admin/maintenance/{window_id}/cancel",
    "POST",
    summary="Hủy một đợt bảo trì đã thông báo",
    action="admin.maintenance.manage",
    out="MaintenanceAdminOut",
)
def admin_cancel_maintenance(
    window_id: str, who: Caller, req: MaintenanceCancelIn
) -> MaintenanceAdminOut:
    from chalicelib.services.admin import maintenance

    return maintenance.cancel(deps(), who, window_id, req)


# ---- signing certificates (PAdES, issue 19) -------------------------------------------------
@router.route(
    "/api/admin/certificates",
    "GET",
    summary="Chứng thư số ký văn bản của các cơ quan và người có thẩm quyền",
    action="admin.certificate.manage",
    out="SigningCertificateList",
)
def admin_list_certificates(who: Caller, params: CertificatesQuery) -> dict[str, Any]:
    from chalicelib.services.admin import certificates

    return certificates.list_certificates(deps(), who, params.kind)


@router.route(
    "/api/admin/certificates",
    "POST",
    summary="Đăng ký (hoặc thay) chứng thư số do CA cấp cho một khóa ký",
    action="admin.certificate.manage",
    out="SigningCertificateRegistered",
    status=201,
)
def admin_register_certificate(who: Caller, req: CertificateIn) -> dict[str, Any]:
    """Checked against the key's public key, its validity and the trust root; replaces the
    holder's certificate in force (rotation)."""
    from chalicelib.services.admin import certificates

    return certificates.register(deps(), who, req)


@router.route(
    "/api/admin/certificates/{kind}/{holder}/revoke",
    "POST",
    summary="Thu hồi chứng thư số (không dùng để ký nữa)",
    action="admin.certificate.manage",
    out="SigningCertificateOut",
)
def admin_revoke_certificate(
    kind: str, holder: str, who: Caller, req: CertificateRevokeIn | None
) -> dict[str, Any]:
    from chalicelib.services.admin import certificates

    reason = req.reason if req is not None else ""
    return certificates.revoke(deps(), who, kind, holder, reason)


# ---- procedures -----------------------------------------------------------------------------
@router.route(
    "/api/admin/procedures",
    "GET",
    summary="Danh sách thủ tục cho quản trị (phân trang, lọc)",
    action="admin.procedure.read",
    out="AdminProcedurePage",
)
def admin_list_procedures(who: Caller, params: AdminProceduresQuery) -> dict[str, Any]:
    page: dict[str, Any] = svc.list_procedures(
        deps(),
        field_name=params.field,
        agency=params.agency,
        q=params.q,
        **_paging(params.cursor, params.limit),
    )
    return page


@router.route(
    "/api/admin/procedures/{code}/changes",
    "GET",
    summary="Các đề nghị thay đổi của một thủ tục",
    action="admin.procedure.read",
    out="AdminProcedureChanges",
)
def admin_procedure_changes(code: str, who: Caller) -> dict[str, Any]:
    out: dict[str, Any] = svc.procedure_changes(deps(), who, code)
    return out


@router.route(
    "/api/admin/procedure-changes",
    "POST",
    summary="Quản trị lập đề nghị thay đổi thủ tục thay cơ quan chủ trì",
    action="admin.procedure.propose",
    out="ProcedureChange",
    status=201,
)
def admin_propose_change(who: Caller, req: ProposeChangeIn) -> Response | dict[str, Any]:
    """The editor's save: a change request filed by the administrator for the lead agency."""
    from chalicelib.api.routes.procedures_admin import change_answer
    from chalicelib.services.catalogue import procedures

    return change_answer(lambda: procedures.propose(deps(), who, **req.model_dump()))
