"""National portal (Cổng DVCQG) intake (push) and the ops reconciliation report.

- `POST /api/portal/dvcqg/hoso`: the portal pushes a dossier submitted there. No bearer token:
  the request is authenticated by the portal's HMAC-SHA256 signature over `<timestamp>\\n<body>`
  (`X-DVCQG-Timestamp`, `X-DVCQG-Signature: sha256=<hex>`; domain.portal_intake), with the push
  secret from Secrets Manager/SSM (`Auth.PORTAL`, verified by `portal_actor`, which this module
  registers with the router, before the body is read). 200 `{KetQua: "DaNhan", MaHoSoTinh}`; a
  rejection answers 4xx `{code, message, field}` (401 bad signature, 404 unknown procedure, 409
  duplicate, 422 the rest) and is alerted. The intake is idempotent by the portal's id, so the
  answer is never replayed from the idempotency table (`replay=False`) and a re-push answers the
  same dossier.
- `GET /api/ops/portal-sync/reconciliation` (admin; province read-only): the latest daily
  reconciliation report (404 until the first one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.api.context import deps, request
from chalicelib.api.http import json_response
from chalicelib.api.routing import Refused, Router, authenticate_portal
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalice import Chalice, Response

    from chalicelib.services.portal.models_portal import PortalDossierIn

svc = LazyModule("chalicelib.services.portal.portal_intake")
sync = LazyModule("chalicelib.services.portal.portal_sync")
rec = LazyModule("chalicelib.services.portal.portal_reconcile")

INTAKE_PATH = "/api/portal/dvcqg/hoso"
STATUS_OF = {
    "bad_signature": 401,
    "stale_signature": 401,
    "unknown_procedure": 404,
    "duplicate": 409,
}

router = Router(
    __name__,
    schemas=("chalicelib.services.portal.models_portal", "chalicelib.services.models_out"),
)
bp = router.bp


def install(app: Chalice) -> None:
    """Register the blueprint (once)."""
    if INTAKE_PATH not in app.routes:
        app.register_blueprint(bp)


@dataclass(frozen=True)
class PortalActor:
    """The national portal, its push signature verified."""

    sub: str = "dvcqg"
    username: str = "portal:dvcqg"
    role: str = "portal"
    unit: str | None = None


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


@authenticate_portal
def portal_actor() -> PortalActor:
    """Verify the push's HMAC signature with the portal's secret; a refusal is alerted and
    answered in the portal's shape (`Refused`)."""
    from chalicelib.domain import portal_intake as rules

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
        raise Refused(_rejected(exc)) from None
    return PortalActor()


@router.route(
    INTAKE_PATH,
    "POST",
    summary="Cổng DVCQG chuyển hồ sơ đã nộp trên Cổng (ký HMAC: X-DVCQG-Timestamp, "
    "X-DVCQG-Signature)",
    action="portal.intake.push",
    out="PortalIntakeAnswer",
    replay=False,
    errors=(401,),
)
def portal_intake(who: PortalActor, req: PortalDossierIn) -> dict[str, Any] | Response:
    from chalicelib.domain import portal_intake as rules

    del who  # the portal, verified by `portal_actor`
    try:
        answer: dict[str, Any] = svc.intake(deps(), req.model_dump(exclude_unset=True))
    except rules.IntakeRejected as exc:
        return _rejected(exc)
    return answer


@router.route(
    "/api/ops/portal-sync/reconciliation",
    "GET",
    summary="Báo cáo đối soát gần nhất với Cổng DVCQG (TraCuuHoSo)",
    action="ops.portal_sync.read",
    out="ReconcileReport",
    cache="private, no-store",
    errors=(404,),
)
def portal_reconciliation() -> dict[str, Any]:
    report: dict[str, Any] = rec.latest_report(deps())
    return report
