"""Reports (Đ17), the QĐ 766 dashboard with its drill-down, the public transparency page (Đ4.4)
and the agency's alerts.

- `POST /api/reports` {period | from+to, agency?}: province office / admin for any scope, an agency
  leader for their own agency → builds XLSX + PDF, stores both in the reports bucket, 201;
  `GET /api/reports?agency=&period=&limit=&cursor=`, `GET /api/reports/{report_id}`,
  `GET /api/reports/{report_id}/{name}`
  (`report.xlsx` | `report.pdf`, streamed from S3; `?link=1` answers a presigned GET instead);
- `GET /api/dashboard?month=&agency=`, `GET /api/dashboard/drill?indicator=&agency=&month=&part=
  &cursor=&limit=` (province/admin: everything; agency/leader: their own unit);
- `GET /api/transparency?month=` (public, numbers only);
- `GET /api/agency/alerts?cursor=&limit=` (agency staff and leader of the unit; admin `?agency=`).

`install(app)` registers the blueprint and the XLSX binary type (app.py calls it). Each route
declares its contract (chalicelib/api/routing.py); who may call it, and which agency's data they
see, is in chalicelib/domain/permissions.py (`report.*`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.context import deps
from chalicelib.api.routing import Router
from chalicelib.lazy import LazyModule
from chalicelib.services.paging import page_limit

if TYPE_CHECKING:
    from chalice import Chalice

    from chalicelib.api.auth import Caller
    from chalicelib.api.schemas.reports import (
        AlertsQuery,
        DashboardQuery,
        DrillQuery,
        ReportFileQuery,
        ReportsQuery,
        TransparencyQuery,
    )
    from chalicelib.domain.errors import Forbidden

reports = LazyModule("chalicelib.services.reporting.report")
board = LazyModule("chalicelib.services.reporting.dashboard")
alerts = LazyModule("chalicelib.services.care.alerts")

router = Router(
    __name__, schemas=("chalicelib.api.schemas.reports", "chalicelib.services.models_out")
)
bp = router.bp

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF = "application/pdf"
JSON = "application/json"
PRIVATE = "private, no-store"
REPORTS = "report.periodic.manage"
BOARD = "report.dashboard.read"
_MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"


class ReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period: str | None = Field(
        default=None,
        max_length=40,
        description="2026-H2, 2026-Q3, 2026-07, 2026 or 2026-01..2026-05; or give from/to.",
    )
    from_month: str | None = Field(default=None, alias="from", pattern=_MONTH)
    to_month: str | None = Field(default=None, alias="to", pattern=_MONTH)
    agency: str | None = Field(default=None, max_length=40, description="Only this agency.")
    number: str = Field(default="/BC-UBND", max_length=40, description="Số/ký hiệu.")


def install(app: Chalice) -> None:
    """Register the routes and let XLSX downloads through as binary."""
    if XLSX not in app.api.binary_types:
        app.api.binary_types.append(XLSX)
    app.register_blueprint(bp)


def _invalid(message: str, message_en: str, field: str) -> Exception:
    from chalicelib.domain.errors import InvalidInput

    return InvalidInput(message, message_en, code="invalid_input", field=field)


def _forbidden() -> Forbidden:
    from chalicelib.domain.errors import Forbidden

    return Forbidden(
        "Tài khoản không có quyền xem dữ liệu của cơ quan này.",
        "This account may not see this agency's data.",
        code="forbidden_unit",
    )


def _not_found() -> Exception:
    from chalicelib.domain.errors import NotFound

    return NotFound("Không tìm thấy báo cáo.", "Report not found.", field="report_id")


def _scope(who: Caller, agency: str | None, action: str) -> str | None:
    """The agency a caller may see under `action`: the roles it does not restrict any (None =
    all), the others their own unit only (another agency, or no unit: 403 `forbidden_unit`)."""
    from chalicelib.domain.permissions import Related, permission, require

    require(who, action, Related.of(units=[agency or who.unit]), otherwise=_forbidden())
    return (agency or None) if who.role in permission(action).everywhere else who.unit


def _month(month: str | None) -> str:
    try:
        checked: str = board.check_month(month, deps())
    except ValueError:
        raise _invalid("Tháng phải có dạng YYYY-MM.", "month must be YYYY-MM.", "month") from None
    return checked


# ---- reports ------------------------------------------------------------------------------------
@router.route(
    "/api/reports",
    "POST",
    summary="Lập báo cáo định kỳ (Đ17) theo kỳ; lưu XLSX + PDF",
    action=REPORTS,
    out="ReportView",
    status=201,
)
def create_report(who: Caller, req: ReportIn) -> dict[str, Any]:
    agency = _scope(who, req.agency, REPORTS)
    try:
        period = reports.resolve_period(req.period, req.from_month, req.to_month)
    except ValueError:
        raise _invalid(
            "Kỳ báo cáo không hợp lệ (ví dụ 2026-H2, hoặc từ tháng/đến tháng YYYY-MM).",
            "Invalid period (e.g. 2026-H2, or from/to months YYYY-MM).",
            "period",
        ) from None
    if agency is not None and deps().store.get_unit(agency) is None:
        raise _invalid("Không có cơ quan này.", "Unknown agency.", "agency")
    stored = reports.generate_and_store(
        deps(),
        period,
        agency=agency,
        created_by=who.username,
        created_by_name=who.name,
        number=req.number,
    )
    view: dict[str, Any] = stored.public()
    return view


@router.route(
    "/api/reports",
    "GET",
    summary="Danh sách báo cáo (phân trang, lọc theo kỳ)",
    action=REPORTS,
    out="Reports",
)
def list_reports(who: Caller, params: ReportsQuery) -> dict[str, Any]:
    agency = _scope(who, params.agency, REPORTS)
    # one page (50 rows without a limit, as before)
    limit = page_limit(params.limit, default=50)
    items, nxt = reports.list_reports(
        deps(), agency, period=params.period, limit=limit, cursor=params.cursor or None
    )
    return {"items": [r.public() for r in items], "next": nxt}


def _own_report(who: Caller, report_id: str) -> Any:
    agency = _scope(who, None, REPORTS)
    stored = reports.get_report(deps(), report_id)
    if stored is None or (agency is not None and stored.agency != agency):
        raise _not_found()
    return stored


@router.route(
    "/api/reports/{report_id}",
    "GET",
    summary="Chi tiết một báo cáo",
    action=REPORTS,
    out="ReportView",
)
def get_report(report_id: str, who: Caller) -> dict[str, Any]:
    view: dict[str, Any] = _own_report(who, report_id).public()
    return view


@router.route(
    "/api/reports/{report_id}/{name}",
    "GET",
    summary="Tải báo cáo: `{name}` = report.xlsx | report.pdf (`link=1`: JSON với URL có hạn)",
    action=REPORTS,
    out="Url",
    media=(XLSX, PDF, JSON),
)
def download_report(
    report_id: str, name: str, who: Caller, params: ReportFileQuery
) -> Response | dict[str, Any]:
    if name not in ("report.xlsx", "report.pdf"):
        raise _not_found()
    stored = _own_report(who, report_id)
    if params.link:
        return {"url": reports.presigned_link(deps(), stored, name)}
    data = reports.report_file(deps(), stored, name)
    ctype = XLSX if name.endswith(".xlsx") else PDF
    filename = f"bao-cao-{stored.id}.{name.rsplit('.', 1)[1]}"
    return Response(
        body=data,
        status_code=200,
        headers={
            "Content-Type": ctype,
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": PRIVATE,
        },
    )


# ---- dashboard ----------------------------------------------------------------------------------
@router.route(
    "/api/dashboard",
    "GET",
    summary="Bảng điều khiển chỉ số QĐ 766",
    action=BOARD,
    out="Dashboard",
    cache=PRIVATE,
)
def get_dashboard(who: Caller, params: DashboardQuery) -> dict[str, Any]:
    agency = _scope(who, params.agency, BOARD)
    data: dict[str, Any] = board.dashboard(deps(), _month(params.month), agency)
    return data


@router.route(
    "/api/dashboard/drill",
    "GET",
    summary="Hồ sơ đứng sau một chỉ số (phân trang)",
    action=BOARD,
    out="Page",
    cache=PRIVATE,
)
def get_drill(who: Caller, params: DrillQuery) -> dict[str, Any]:
    agency = _scope(who, params.agency, BOARD)
    if agency is None:
        raise _invalid("Cần chọn cơ quan.", "agency is required.", "agency")
    try:
        data: dict[str, Any] = board.drill(
            deps(),
            params.indicator or "",
            agency,
            _month(params.month),
            part=params.part or "denominator",
            cursor=params.cursor,
            limit=page_limit(params.limit, default=20),
        )
    except KeyError:
        raise _invalid("Không có chỉ tiêu này.", "Unknown indicator.", "indicator") from None
    except ValueError as exc:
        raise _invalid("Tham số không hợp lệ.", str(exc), "part") from None
    return data


# ---- public -------------------------------------------------------------------------------------
@router.route(
    "/api/transparency",
    "GET",
    summary="Công khai kết quả giải quyết (Đ4.4)",
    action="report.transparency.read",
    out="Transparency",
    cache="public, max-age=300",
)
def get_transparency(params: TransparencyQuery) -> dict[str, Any]:
    data: dict[str, Any] = board.transparency(deps(), _month(params.month))
    return data


# ---- alerts -------------------------------------------------------------------------------------
@router.route(
    "/api/agency/alerts",
    "GET",
    summary="Cảnh báo sắp đến hạn/quá hạn của cơ quan",
    action=BOARD,
    out="Page",
    cache=PRIVATE,
)
def get_alerts(who: Caller, params: AlertsQuery) -> dict[str, Any]:
    agency = _scope(who, params.agency, BOARD)
    if agency is None:
        raise _invalid("Cần chọn cơ quan.", "agency is required.", "agency")
    data: dict[str, Any] = alerts.list_alerts(
        deps(), agency, page_limit(params.limit, default=50), params.cursor
    )
    return data
