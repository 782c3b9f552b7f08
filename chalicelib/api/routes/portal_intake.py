"""National portal (Cổng DVCQG) intake (push) and the ops reconciliation report.

- `POST /api/portal/dvcqg/hoso`: the portal pushes a dossier submitted there. No bearer token:
  the request is authenticated by the portal's HMAC-SHA256 signature over `<timestamp>\\n<body>`
  (`X-DVCQG-Timestamp`, `X-DVCQG-Signature: sha256=<hex>`; domain.portal_intake), with the push
  secret from Secrets Manager/SSM. 200 `{KetQua: "DaNhan", MaHoSoTinh}`; a rejection answers 4xx
  `{code, message, field}` (401 bad signature, 404 unknown procedure, 409 duplicate, 422 the
  rest) and is alerted. The intake is idempotent by the portal's id, so the answer is never
  replayed from the idempotency table (no-store) and a re-push answers the same dossier.
- `GET /api/ops/portal-sync/reconciliation` (admin; province read-only): the latest daily
  reconciliation report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.api.context import caller, deps, request
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalice import Chalice

svc = LazyModule("chalicelib.services.portal.portal_intake")
sync = LazyModule("chalicelib.services.portal.portal_sync")
rec = LazyModule("chalicelib.services.portal.portal_reconcile")

INTAKE_PATH = "/api/portal/dvcqg/hoso"
NO_STORE_ROUTES = frozenset({INTAKE_PATH})
STATUS_OF = {
    "bad_signature": 401,
    "stale_signature": 401,
    "unknown_procedure": 404,
    "duplicate": 409,
}

bp = Blueprint(__name__)


def install(app: Chalice) -> None:
    """Register the blueprint and mark the intake as no-store for the idempotency layer."""
    from chalicelib.api import http

    current = getattr(getattr(http, "_config", None), "no_store_routes", None)
    base = frozenset(current) if current is not None else http.DEFAULT_NO_STORE_ROUTES
    if not base.issuperset(NO_STORE_ROUTES):
        http.configure(no_store_routes=base | NO_STORE_ROUTES)
    if INTAKE_PATH not in app.routes:
        app.register_blueprint(bp)


def _rejected(exc: Exception) -> Response:
    from chalicelib.domain.portal_intake import IntakeRejected

    assert isinstance(exc, IntakeRejected)
    return json_response(
        {
            "code": exc.code,
            "message": exc.message_vi,
            "message_en": exc.message_en,
            "field": exc.field or None,
        },
        status=STATUS_OF.get(exc.code, 422),
    )


@bp.route(INTAKE_PATH, methods=["POST"], content_types=["application/json"])
def portal_intake() -> Response:
    from chalicelib.api.context import body
    from chalicelib.domain import portal_intake as rules
    from chalicelib.services.portal.models_portal import PortalDossierIn

    req = request()
    raw_body = req.raw_body or b""
    raw = raw_body.encode() if isinstance(raw_body, str) else raw_body
    d = deps()
    headers = {k.lower(): v for k, v in (req.headers or {}).items()}
    try:
        rules.verify_signature(
            sync.portal_secrets(d).get("push_secret", ""),
            headers.get(rules.SIGNATURE_HEADER.lower()),
            headers.get(rules.TIMESTAMP_HEADER.lower()),
            raw,
            d.clock(),
        )
    except rules.IntakeRejected as exc:
        svc.alert_rejection(d, exc, None)
        return _rejected(exc)
    parsed = body(PortalDossierIn)
    try:
        answer = svc.intake(d, parsed.model_dump(exclude_unset=True))
    except rules.IntakeRejected as exc:
        return _rejected(exc)
    return json_response(answer)


@bp.route("/api/ops/portal-sync/reconciliation", methods=["GET"])
def portal_reconciliation() -> Response:
    from chalicelib.api.auth import require_role

    require_role(caller(), "admin", "province")
    return json_response(rec.latest_report(deps()), headers={"Cache-Control": "private, no-store"})
