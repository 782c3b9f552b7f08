"""Administrators' audit routes: a dossier's audit trail, and verification of chains.

Read-only: the audit log is written by the use cases and the store, never through the API. Every
answer is `Cache-Control: no-store`. Each route declares its contract (chalicelib/api/routing.py);
who may call it is `admin.audit.read` in chalicelib/domain/permissions.py.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from chalicelib.api.context import deps
from chalicelib.api.routing import Router
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.api.schemas.audit import AuditPeriodQuery

svc = LazyModule("chalicelib.services.admin.audit")

router = Router(
    __name__, schemas=("chalicelib.api.schemas.audit", "chalicelib.services.models_out")
)
bp = router.bp

PREFIX = "/api/admin/audit"


def _date(raw: str | None, name: str) -> date:
    """A required YYYY-MM-DD query parameter; anything else is a 400 naming the field."""
    from chalicelib.domain.errors import InvalidInput

    raw = raw or ""
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(
            f"Tham số `{name}` phải là ngày dạng YYYY-MM-DD.",
            f"`{name}` must be a date YYYY-MM-DD.",
            code="invalid_date",
            field=name,
        ) from None


@router.route(
    PREFIX + "/dossiers/{dossier_id}",
    "GET",
    summary="Nhật ký kiểm tra của hồ sơ",
    action="admin.audit.read",
    out="Items",
    no_store=True,
)
def admin_dossier_audit(dossier_id: str) -> dict[str, Any]:
    return {"items": svc.list_dossier_audit(deps(), dossier_id)}


@router.route(
    PREFIX + "/dossiers/{dossier_id}/verify",
    "GET",
    summary="Kiểm tra chuỗi băm nhật ký của hồ sơ",
    action="admin.audit.read",
    out="AuditChainCheck",
    no_store=True,
)
def admin_verify_dossier_audit(dossier_id: str) -> dict[str, Any]:
    check: dict[str, Any] = svc.verify_dossier(deps(), dossier_id)
    return check


@router.route(
    PREFIX + "/verify",
    "GET",
    summary="Kiểm tra nhật ký theo khoảng ngày",
    action="admin.audit.read",
    out="AuditPeriodCheck",
    no_store=True,
)
def admin_verify_audit_period(params: AuditPeriodQuery) -> dict[str, Any]:
    first, last = _date(params.date_from, "from"), _date(params.date_to, "to")
    check: dict[str, Any] = svc.verify_period(deps(), first, last)
    return check
