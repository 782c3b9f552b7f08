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

`install(app)` registers the blueprint and the XLSX binary type (app.py calls it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.context import body, caller, deps, query
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule
from chalicelib.services.paging import page_limit

if TYPE_CHECKING:
    from chalice import Chalice

    from chalicelib.api.auth import Caller

reports = LazyModule("chalicelib.services.report")
board = LazyModule("chalicelib.services.dashboard")
alerts = LazyModule("chalicelib.services.alerts")

bp = Blueprint(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PROVINCE_ROLES = ("province", "admin")
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


def _forbidden() -> Exception:
    from chalicelib.domain.errors import Forbidden

    return Forbidden(
        "Tài khoản không có quyền xem dữ liệu của cơ quan này.",
        "This account may not see this agency's data.",
        code="forbidden_unit",
    )


def _not_found() -> Exception:
    from chalicelib.domain.errors import NotFound

    return NotFound("Không tìm thấy báo cáo.", "Report not found.", field="report_id")


def _scope(who: Caller, agency: str | None, roles: tuple[str, ...]) -> str | None:
    """The agency a caller may see: province/admin any (None = all), `roles` only their unit."""
    if who.role in PROVINCE_ROLES:
        return agency or None
    if who.role in roles and who.unit:
        if agency and agency != who.unit:
            raise _forbidden()
        return who.unit
    from chalicelib.api.auth import require_role

    require_role(who, *PROVINCE_ROLES, *roles)  # raises 403 forbidden_role
    raise _forbidden()


def _month(params: dict[str, str]) -> str:
    try:
        month: str = board.check_month(params.get("month"), deps())
    except ValueError:
        raise _invalid("Tháng phải có dạng YYYY-MM.", "month must be YYYY-MM.", "month") from None
    return month


def _limit(params: dict[str, str], default: int) -> int:
    try:
        return max(1, min(int(params.get("limit") or default), 100))
    except ValueError:
        raise _invalid("limit phải là số.", "limit must be a number.", "limit") from None


# ---- reports ------------------------------------------------------------------------------------
@bp.route("/api/reports", methods=["POST"])
def create_report() -> Response:
    who = caller()
    req = body(ReportIn)
    agency = _scope(who, req.agency, ("leader",))
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
    return json_response(stored.public(), status=201)


@bp.route("/api/reports", methods=["GET"])
def list_reports() -> Response:
    who = caller()
    q = query()  # one page: ?agency=&period=&limit=&cursor= (50 rows without a limit, as before)
    agency = _scope(who, q.get("agency"), ("leader",))
    limit = 50 if q.get("limit") in (None, "") else page_limit(q.get("limit"))
    items, nxt = reports.list_reports(
        deps(), agency, period=q.get("period"), limit=limit, cursor=q.get("cursor") or None
    )
    return json_response({"items": [r.public() for r in items], "next": nxt})


def _own_report(report_id: str) -> Any:
    who = caller()
    agency = _scope(who, None, ("leader",))
    stored = reports.get_report(deps(), report_id)
    if stored is None or (agency is not None and stored.agency != agency):
        raise _not_found()
    return stored


@bp.route("/api/reports/{report_id}", methods=["GET"])
def get_report(report_id: str) -> Response:
    return json_response(_own_report(report_id).public())


@bp.route("/api/reports/{report_id}/{name}", methods=["GET"])
def download_report(report_id: str, name: str) -> Response:
    if name not in ("report.xlsx", "report.pdf"):
        raise _not_found()
    stored = _own_report(report_id)
    if query().get("link"):
        return json_response({"url": reports.presigned_link(deps(), stored, name)})
    data = reports.report_file(deps(), stored, name)
    ctype = XLSX if name.endswith(".xlsx") else "application/pdf"
    filename = f"bao-cao-{stored.id}.{name.rsplit('.', 1)[1]}"
    return Response(
        body=data,
        status_code=200,
        headers={
            "Content-Type": ctype,
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


# ---- dashboard ----------------------------------------------------------------------------------
@bp.route("/api/dashboard", methods=["GET"])
def get_dashboard() -> Response:
    params = query()
    agency = _scope(caller(), params.get("agency"), ("agency", "leader"))
    data = board.dashboard(deps(), _month(params), agency)
    return json_response(data, headers={"Cache-Control": "private, no-store"})


@bp.route("/api/dashboard/drill", methods=["GET"])
def get_drill() -> Response:
    params = query()
    agency = _scope(caller(), params.get("agency"), ("agency", "leader"))
    if agency is None:
        raise _invalid("Cần chọn cơ quan.", "agency is required.", "agency")
    try:
        data = board.drill(
            deps(),
            params.get("indicator", ""),
            agency,
            _month(params),
            part=params.get("part") or "denominator",
            cursor=params.get("cursor"),
            limit=_limit(params, 20),
        )
    except KeyError:
        raise _invalid("Không có chỉ tiêu này.", "Unknown indicator.", "indicator") from None
    except ValueError as exc:
        field = "cursor" if "cursor" in str(exc) else "part"
        raise _invalid("Tham số không hợp lệ.", str(exc), field) from None
    return json_response(data, headers={"Cache-Control": "private, no-store"})


# ---- public -------------------------------------------------------------------------------------
@bp.route("/api/transparency", methods=["GET"])
def get_transparency() -> Response:
    data = board.transparency(deps(), _month(query()))
    return json_response(data, headers={"Cache-Control": "public, max-age=300"})


# ---- alerts -------------------------------------------------------------------------------------
@bp.route("/api/agency/alerts", methods=["GET"])
def get_alerts() -> Response:
    params = query()
    who = caller()
    agency = _scope(who, params.get("agency"), ("agency", "leader"))
    if agency is None:
        raise _invalid("Cần chọn cơ quan.", "agency is required.", "agency")
    try:
        data = alerts.list_alerts(deps(), agency, _limit(params, 50), params.get("cursor"))
    except ValueError:
        raise _invalid("Con trỏ trang không hợp lệ.", "Bad cursor.", "cursor") from None
    return json_response(data, headers={"Cache-Control": "private, no-store"})
