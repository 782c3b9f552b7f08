"""Public routes: the catalogue, units, and the dossier lookup (by code, or by the receipt's QR)."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response

from chalicelib.api.context import deps, query
from chalicelib.api.http import json_response

bp = Blueprint(__name__)


@bp.route("/api/config", methods=["GET"])
def config() -> Response:
    s = deps().settings
    return json_response(
        {
            "province_name": s.province_name,
            "user_pool_id": s.user_pool_id,
            "user_pool_client_id": s.user_pool_client_id,
            "region": s.region,
            "vneid": bool(s.vneid_issuer and s.vneid_client_id),
        }
    )


@bp.route("/api/procedures", methods=["GET"])
def list_procedures() -> Response:
    from chalicelib.services import catalogue

    q = query()
    return json_response(
        {
            "items": catalogue.search(
                deps(),
                text=q.get("q"),
                field_name=q.get("field"),
                level=q.get("level"),
                agency=q.get("agency"),
            ),
            "fields": catalogue.fields(deps()),
        }
    )


@bp.route("/api/procedures/{code}", methods=["GET"])
def get_procedure(code: str) -> Response:
    from chalicelib.services import catalogue

    return json_response(catalogue.detail(deps(), code))


@bp.route("/api/units", methods=["GET"])
def list_units() -> Response:
    return json_response({"items": [u.model_dump() for u in deps().store.list_units()]})


@bp.route("/api/lookup/{code}", methods=["GET"])
def lookup(code: str) -> Response:
    from chalicelib.services.views import public_lookup

    return json_response(public_lookup(deps(), code, query().get("token")))


def _qr_target(code: str) -> str:
    """The QR encodes the same lookup link the receipt prints (token only if it matches)."""
    from chalicelib.services.views import lookup_url, public_lookup

    d = deps()
    info: dict[str, Any] = public_lookup(d, code, query().get("token"))
    if info["verified"]:
        dossier = d.store.find_dossier_by_code(code)
        assert dossier is not None
        return lookup_url(d, dossier)
    return f"{d.settings.public_base_url.rstrip('/')}/#/lookup?code={code}"


@bp.route("/api/lookup/{code}/qr.png", methods=["GET"])
def lookup_qr_png(code: str) -> Response:
    from chalicelib.documents.qr import qr_png

    return Response(
        body=qr_png(_qr_target(code)), status_code=200, headers={"Content-Type": "image/png"}
    )


@bp.route("/api/lookup/{code}/qr.svg", methods=["GET"])
def lookup_qr_svg(code: str) -> Response:
    from chalicelib.documents.qr import qr_svg

    return Response(
        body=qr_svg(_qr_target(code)), status_code=200, headers={"Content-Type": "image/svg+xml"}
    )


@bp.route("/openapi.json", methods=["GET"])
def openapi_document() -> Response:
    """The contract agencies integrate against (generated from the routes and models)."""
    from app import app as chalice_app
    from chalicelib.api.openapi import document_response

    return document_response(chalice_app)
