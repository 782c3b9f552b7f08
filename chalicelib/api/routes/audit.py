"""Administrators' audit routes: a dossier's audit trail, and verification of chains.

Read-only: the audit log is written by the use cases and the store, never through the API.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalice import Blueprint, Response

from chalicelib.api.context import caller, deps, query
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

svc = LazyModule("chalicelib.services.admin.audit")

bp = Blueprint(__name__)

PREFIX = "/api/admin/audit"


def _admin() -> Any:
    from chalicelib.api.auth import require_role

    return require_role(caller(), "admin")


def _date(params: dict[str, str], name: str) -> date:
    """A required YYYY-MM-DD query parameter; anything else is a 400 naming the field."""
    from chalicelib.domain.errors import InvalidInput

    raw = params.get(name, "")
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


def _no_store(payload: Any) -> Response:
    return json_response(payload, headers={"Cache-Control": "no-store"})


@bp.route(PREFIX + "/dossiers/{dossier_id}", methods=["GET"])
def admin_dossier_audit(dossier_id: str) -> Response:
    _admin()
    return _no_store({"items": svc.list_dossier_audit(deps(), dossier_id)})


@bp.route(PREFIX + "/dossiers/{dossier_id}/verify", methods=["GET"])
def admin_verify_dossier_audit(dossier_id: str) -> Response:
    _admin()
    return _no_store(svc.verify_dossier(deps(), dossier_id))


@bp.route(PREFIX + "/verify", methods=["GET"])
def admin_verify_audit_period() -> Response:
    _admin()
    params = query()
    return _no_store(svc.verify_period(deps(), _date(params, "from"), _date(params, "to")))
