"""Public routes: the catalogue, units, and the dossier lookup (by code, or by the receipt's QR).

Every route here declares its contract where it is defined (chalicelib/api/routing.py); the
permission each names is in chalicelib/domain/permissions.py (all public: no credentials read).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.api.context import deps
from chalicelib.api.routing import Router

if TYPE_CHECKING:
    from chalicelib.api.schemas.public import LookupQuery, ProcedureSearchQuery
    from chalicelib.services.admin.maintenance import MaintenanceBanner

PNG = "image/png"
SVG = "image/svg+xml"

router = Router(
    __name__,
    schemas=(
        "chalicelib.api.schemas.public",
        "chalicelib.services.models_out",
        "chalicelib.services.admin.maintenance",
    ),
)
bp = router.bp


@router.route(
    "/api/config",
    "GET",
    summary="Cấu hình cho trang web (user pool, client id, region)",
    action="public.config.read",
    out="ClientConfig",
)
def config() -> dict[str, Any]:
    s = deps().settings
    return {
        "province_name": s.province_name,
        "user_pool_id": s.user_pool_id,
        "user_pool_client_id": s.user_pool_client_id,
        "region": s.region,
        "vneid": bool(s.vneid_issuer and s.vneid_client_id),
    }


@router.route(
    "/api/maintenance",
    "GET",
    summary="Các đợt bảo trì đã thông báo (biểu ngữ trên mọi trang, NĐ 224/2026 Điều 13)",
    action="public.maintenance.read",
    out="MaintenanceBanner",
)
def maintenance_banner() -> MaintenanceBanner:
    from chalicelib.services.admin import maintenance

    return maintenance.banner(deps())


@router.route(
    "/api/procedures",
    "GET",
    summary="Tìm thủ tục hành chính",
    action="public.procedure.search",
    out="Catalogue",
)
def list_procedures(params: ProcedureSearchQuery) -> dict[str, Any]:
    from chalicelib.services.catalogue import catalogue

    return {
        "items": catalogue.search(
            deps(),
            text=params.q,
            field_name=params.field,
            level=params.level,
            agency=params.agency,
        ),
        "fields": catalogue.fields(deps()),
    }


@router.route(
    "/api/procedures/{code}",
    "GET",
    summary="Chi tiết một thủ tục",
    action="public.procedure.read",
    out="ProcedureDetail",
)
def get_procedure(code: str) -> dict[str, Any]:
    from chalicelib.services.catalogue import catalogue

    detail: dict[str, Any] = catalogue.detail(deps(), code)
    return detail


@router.route(
    "/api/units", "GET", summary="Danh sách đơn vị", action="public.unit.list", out="Units"
)
def list_units() -> dict[str, Any]:
    return {"items": [u.model_dump() for u in deps().store.list_units()]}


@router.route(
    "/api/lookup/{code}",
    "GET",
    summary="Tra cứu trạng thái hồ sơ theo mã",
    action="public.lookup.read",
    out="PublicLookup",
)
def lookup(code: str, params: LookupQuery) -> dict[str, Any]:
    from chalicelib.services.dossier.views import public_lookup

    info: dict[str, Any] = public_lookup(deps(), code, params.token)
    return info


def _qr_target(code: str, token: str | None) -> str:
    """The QR encodes the same lookup link the receipt prints (token only if it matches)."""
    from chalicelib.services.dossier.views import lookup_url, public_lookup

    d = deps()
    info: dict[str, Any] = public_lookup(d, code, token)
    if info["verified"]:
        dossier = d.store.find_dossier_by_code(code)
        assert dossier is not None
        return lookup_url(d, dossier)
    return f"{d.settings.public_base_url.rstrip('/')}/#/lookup?code={code}"


@router.route(
    "/api/lookup/{code}/qr.png",
    "GET",
    summary="Mã QR (PNG) của đường dẫn tra cứu",
    action="public.lookup.qr",
    media=(PNG,),
)
def lookup_qr_png(code: str, params: LookupQuery) -> Response:
    from chalicelib.documents.qr import qr_png

    return Response(
        body=qr_png(_qr_target(code, params.token)),
        status_code=200,
        headers={"Content-Type": PNG},
    )


@router.route(
    "/api/lookup/{code}/qr.svg",
    "GET",
    summary="Mã QR (SVG) của đường dẫn tra cứu",
    action="public.lookup.qr",
    media=(SVG,),
)
def lookup_qr_svg(code: str, params: LookupQuery) -> Response:
    from chalicelib.documents.qr import qr_svg

    return Response(
        body=qr_svg(_qr_target(code, params.token)),
        status_code=200,
        headers={"Content-Type": SVG},
    )


@router.route(
    "/openapi.json",
    "GET",
    summary="Tài liệu OpenAPI 3.1 của API này",
    action="public.openapi.read",
    out="OpenApiDocument",
)
def openapi_document() -> Response:
    """The contract agencies integrate against (generated from the routes and models)."""
    from chalicelib.api.context import app
    from chalicelib.api.openapi import document_response

    return document_response(app())
