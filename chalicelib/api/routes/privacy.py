"""Personal data routes: the citizen's data tracker and the staff search by ID number.

- `GET /api/my/access-log?cursor=&limit=` (citizen): who accessed my dossiers and profile.
- `POST /api/staff/search/id-number` {id_number} (desk, admin): dossiers of an applicant, found by
  the keyed hash. A POST so the ID number never sits in a URL (access logs, browser history); the
  answer shows the number masked only, since idempotent answers are stored.
- `GET /api/my/consents`, `POST /api/my/consents` {kind, given, text_version} (citizen).
- `POST /api/my/export` (citizen): a zip of everything held about me, as a time-limited link.
- `POST /api/my/erasure` {confirm: true} (citizen): delete what is not under a retention duty.
- Admin breaches: `POST|GET /api/admin/breaches`, `GET /api/admin/breaches/{breach_id}`,
  `POST /api/admin/breaches/{breach_id}/reported` {reference}.

Every answer is `Cache-Control: no-store`. Each route declares its contract
(chalicelib/api/routing.py); who may call it is its action's row in
chalicelib/domain/permissions.py (section `_PRIVACY`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.api.context import deps
from chalicelib.api.routing import Router
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.api.auth import Caller
    from chalicelib.api.schemas.privacy import (
        AccessLogQuery,
        BreachesQuery,
        BreachIn,
        BreachReportedIn,
        ConsentIn,
        ErasureIn,
        IdNumberSearchIn,
    )

svc = LazyModule("chalicelib.services.privacy.privacy")
rights = LazyModule("chalicelib.services.privacy.privacy_rights")
breach = LazyModule("chalicelib.services.privacy.privacy_breach")

router = Router(
    __name__, schemas=("chalicelib.api.schemas.privacy", "chalicelib.services.models_out")
)
bp = router.bp


@router.route(
    "/api/my/access-log",
    "GET",
    summary="Ai đã xem dữ liệu của tôi (nhật ký truy cập)",
    action="privacy.my.access_log",
    out="Page",
    no_store=True,
)
def my_access_log(who: Caller, params: AccessLogQuery) -> dict[str, Any]:
    page: dict[str, Any] = svc.access_log(deps(), who, params.cursor, params.limit)
    return page


@router.route(
    "/api/staff/search/id-number",
    "POST",
    summary="Tìm hồ sơ theo số giấy tờ (băm có khóa, không giải mã)",
    action="privacy.staff.search_id",
    out="Items",
    no_store=True,
)
def staff_search_id_number(who: Caller, req: IdNumberSearchIn) -> dict[str, Any]:
    found: dict[str, Any] = svc.search_by_id_number(deps(), who, req.id_number)
    return found


# ---- consents and rights (citizen) ----------------------------------------------------------
@router.route(
    "/api/my/consents",
    "GET",
    summary="Sự đồng ý của tôi (trạng thái hiện tại và lịch sử)",
    action="privacy.my.consents",
    out="Consents",
    no_store=True,
)
def my_consents(who: Caller) -> dict[str, Any]:
    consents: dict[str, Any] = rights.my_consents(deps(), who)
    return consents


@router.route(
    "/api/my/consents",
    "POST",
    summary="Đồng ý hoặc rút lại sự đồng ý (có hiệu lực ngay)",
    action="privacy.my.consents",
    out="Consents",
    no_store=True,
)
def my_consent_set(who: Caller, req: ConsentIn) -> dict[str, Any]:
    consents: dict[str, Any] = rights.set_consent(
        deps(), who, req.kind, req.given, req.text_version
    )
    return consents


@router.route(
    "/api/my/export",
    "POST",
    summary="Xuất toàn bộ dữ liệu của tôi (ZIP, liên kết có thời hạn)",
    action="privacy.my.export",
    out="Export",
    no_store=True,
)
def my_export(who: Caller) -> dict[str, Any]:
    export: dict[str, Any] = rights.export(deps(), who)
    return export


@router.route(
    "/api/my/erasure",
    "POST",
    summary="Yêu cầu xóa dữ liệu cá nhân (giữ hồ sơ phải lưu trữ)",
    action="privacy.my.erasure",
    out="Erasure",
    no_store=True,
)
def my_erasure(who: Caller, req: ErasureIn) -> dict[str, Any]:
    del req  # the page's explicit confirmation: validated, nothing more to read
    erased: dict[str, Any] = rights.erase(deps(), who)
    return erased


# ---- breaches (admin) ---------------------------------------------------------------------
@router.route(
    "/api/admin/breaches",
    "POST",
    summary="Ghi nhận sự cố lộ dữ liệu cá nhân",
    action="privacy.breach.manage",
    out="Breach",
    status=201,
    no_store=True,
)
def admin_breach_record(who: Caller, req: BreachIn) -> dict[str, Any]:
    recorded: dict[str, Any] = breach.record_breach(deps(), who, req.model_dump(mode="json"))
    return recorded


@router.route(
    "/api/admin/breaches",
    "GET",
    summary="Danh sách sự cố dữ liệu cá nhân (phân trang, lọc theo trạng thái, từ khóa)",
    action="privacy.breach.manage",
    out="Breaches",
    no_store=True,
)
def admin_breaches(who: Caller, params: BreachesQuery) -> dict[str, Any]:
    page: dict[str, Any] = breach.list_breaches(deps(), who, params.params())
    return page


@router.route(
    "/api/admin/breaches/{breach_id}",
    "GET",
    summary="Chi tiết sự cố, danh sách thông báo và báo cáo",
    action="privacy.breach.manage",
    out="Breach",
    no_store=True,
)
def admin_breach(breach_id: str, who: Caller) -> dict[str, Any]:
    found: dict[str, Any] = breach.get_breach(deps(), who, breach_id)
    return found


@router.route(
    "/api/admin/breaches/{breach_id}/reported",
    "POST",
    summary="Đánh dấu đã báo cáo cơ quan chức năng",
    action="privacy.breach.manage",
    out="Breach",
    no_store=True,
)
def admin_breach_reported(breach_id: str, who: Caller, req: BreachReportedIn) -> dict[str, Any]:
    marked: dict[str, Any] = breach.mark_reported(deps(), who, breach_id, req.reference)
    return marked
