"""The agencies' signed API (`/api/agency-api/...`) and the administrators' key management
(`/api/admin/agency-keys...`).

Agency systems sign every request with AWS Signature Version 4 (service `execute-api`, the
deployment's region; see docs/agency-api.md). A verified key acts as an `agency` actor whose unit
is the key's agency and calls the same use cases as agency staff, so scope rules are the same:
another agency's dossier or step is a 404.

POSTs here are listed as "no store" for the idempotency layer (`install`): the Idempotency-Key
header is still required, but answers are never replayed from the table, because
- an admin answer holding a new secret must not be written to the table in plain text, and
- the idempotency layer runs before the view, so a replayed answer would skip signature checks.
A retried step completion answers 409 `step_not_open` instead of the first answer.

Each route declares its contract (chalicelib/api/routing.py); its permission is in
chalicelib/domain/permissions.py (`agency_api.*`: `Auth.SIGV4`, verified by `signed_actor`,
which this module registers with the router).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.context import deps, request
from chalicelib.api.routing import Router, authenticate_signed
from chalicelib.lazy import LazyModule
from chalicelib.store.audit import agency_stream

if TYPE_CHECKING:
    from chalice import Chalice

    from chalicelib.api.auth import Caller
    from chalicelib.api.routes.results import ResultFinalizeIn, ResultUploadIn
    from chalicelib.api.schemas.admin import AgencyKeysQuery
    from chalicelib.api.sigv4 import SigV4Verifier
    from chalicelib.services.models import CompleteStepIn
    from chalicelib.store.keys import AgencyKeyRecord

svc = LazyModule("chalicelib.services.dossier.dossiers")
processing = LazyModule("chalicelib.services.dossier.processing")
views = LazyModule("chalicelib.services.dossier.views")
results = LazyModule("chalicelib.services.dossier.results")

PREFIX = "/api/agency-api"
ADMIN_PREFIX = "/api/admin/agency-keys"
NO_STORE_ROUTES = frozenset(
    {
        f"{PREFIX}/dossiers/{{dossier_id}}/steps/{{step_id}}/complete",
        f"{PREFIX}/dossiers/{{dossier_id}}/result/upload",
        f"{PREFIX}/dossiers/{{dossier_id}}/result/finalize",
        ADMIN_PREFIX,
        f"{ADMIN_PREFIX}/{{key_id}}/rotate",
        f"{ADMIN_PREFIX}/{{key_id}}/revoke",
    }
)

router = Router(
    __name__,
    schemas=(
        "chalicelib.services.models",
        "chalicelib.api.routes.results",
        "chalicelib.api.schemas.admin",
        "chalicelib.services.models_out",
    ),
)
bp = router.bp


# ---- wiring -------------------------------------------------------------------------------------
def configure_idempotency() -> None:
    """Add this blueprint's POSTs to the idempotency layer's no-store routes (idempotent)."""
    from chalicelib.api import http

    current = getattr(getattr(http, "_config", None), "no_store_routes", None)
    base = frozenset(current) if current is not None else http.DEFAULT_NO_STORE_ROUTES
    if not base.issuperset(NO_STORE_ROUTES):
        http.configure(no_store_routes=base | NO_STORE_ROUTES)


def install(app: Chalice) -> None:
    """Register the blueprint on `app` (once) and its idempotency settings."""
    from chalicelib.api.http import escalate_errors

    configure_idempotency()
    if not any(path.startswith(PREFIX) for path in app.routes):
        app.register_blueprint(bp)
    # http.install wraps views on the app's first request; a blueprint registered later (tests)
    # is wrapped here, so its errors still reach the middleware. Wrapping twice is a no-op.
    for path, methods in app.routes.items():
        if path.startswith((PREFIX, ADMIN_PREFIX)):
            for entry in methods.values():
                entry.view_function = escalate_errors(entry.view_function)


configure_idempotency()  # importing the module is enough in the common case


# ---- the verifier -------------------------------------------------------------------------------
_verifier: SigV4Verifier | None = None
_injected = False
_verifier_lock = threading.Lock()


def set_verifier(verifier: SigV4Verifier | None) -> None:
    """Inject a verifier (tests: another clock); None goes back to the default."""
    global _verifier, _injected
    with _verifier_lock:
        _verifier = verifier
        _injected = verifier is not None


def verifier() -> SigV4Verifier:
    """The injected verifier, else one over the current key service and region."""
    global _verifier
    from chalicelib.api.sigv4 import SigV4Verifier
    from chalicelib.services.admin.agency_keys import get_agency_keys

    with _verifier_lock:
        if _injected and _verifier is not None:
            return _verifier
    keys = get_agency_keys()
    with _verifier_lock:
        if _verifier is None or _verifier.keys is not keys:
            _verifier = SigV4Verifier(keys, keys.store, region=deps().settings.region)
        return _verifier


@dataclass(frozen=True)
class KeyActor:
    """An agency system acting through a verified key (satisfies services.dossiers.Actor)."""

    sub: str
    username: str
    unit: str
    role: str = "agency"


@authenticate_signed
def signed_actor() -> KeyActor:
    """Verify the current request's SigV4 signature; the key's agency becomes the actor."""
    from chalicelib.api.sigv4 import received_from_chalice

    record: AgencyKeyRecord = verifier().verify(received_from_chalice(request()))
    return KeyActor(
        sub=f"agency-key:{record.access_key_id}",
        username=f"api:{record.agency}:{record.access_key_id}",
        unit=record.agency,
    )


# ---- the agencies' signed API -------------------------------------------------------------------
@router.route(
    f"{PREFIX}/whoami",
    "GET",
    summary="Khóa đang dùng thuộc cơ quan nào",
    action="agency_api.key.whoami",
    out="WhoAmI",
)
def agency_api_whoami(who: KeyActor) -> dict[str, Any]:
    return {"agency": who.unit, "access_key_id": who.sub.split(":", 1)[1], "role": who.role}


@router.route(
    f"{PREFIX}/tasks",
    "GET",
    summary="Nhiệm vụ đang mở của cơ quan",
    action="agency_api.task.list",
    out="Tasks",
)
def agency_api_tasks(who: KeyActor) -> dict[str, Any]:
    tasks = processing.list_tasks(deps(), who)
    return {"items": [t.to_public() for t in tasks]}


@router.route(
    f"{PREFIX}/dossiers/{{dossier_id}}",
    "GET",
    summary="Chi tiết hồ sơ (cơ quan)",
    action="agency_api.dossier.read",
    out="DossierView",
)
def agency_api_dossier(dossier_id: str, who: KeyActor) -> dict[str, Any]:
    d = svc.load_for(deps(), dossier_id, who)
    from chalicelib.services.admin import audit

    audit.record_staff_read(deps(), who, d)
    view: dict[str, Any] = views.dossier_view(deps(), d, with_history=True)
    return view


@router.route(
    f"{PREFIX}/dossiers/{{dossier_id}}/steps/{{step_id}}/complete",
    "POST",
    summary="Hoàn thành một bước xử lý (duyệt hoặc trả lại)",
    action="agency_api.step.complete",
    out="DossierView",
    replay=False,
)
def agency_api_complete(
    dossier_id: str, step_id: str, who: KeyActor, req: CompleteStepIn
) -> dict[str, Any]:
    # the signature is verified before the body is even parsed (routing's order)
    d = processing.complete_step(deps(), who, dossier_id, step_id, req)
    view: dict[str, Any] = views.dossier_view(deps(), d)
    return view


@router.route(
    f"{PREFIX}/dossiers/{{dossier_id}}/result/upload",
    "POST",
    summary="Xin URL tải lên kết quả do cơ quan lập (cơ quan chủ trì)",
    action="agency_api.result.attach",
    out="ResultUploadTicket",
    status=201,
    replay=False,
)
def agency_api_result_upload(
    dossier_id: str, who: KeyActor, req: ResultUploadIn | None
) -> dict[str, Any]:
    """A presigned POST for the agency's own result PDF (the lead agency's key only)."""
    assert req is not None  # an empty body is {}: the model's defaults
    ticket: dict[str, Any] = results.open_upload(deps(), who, dossier_id, req.filename)
    return ticket


@router.route(
    f"{PREFIX}/dossiers/{{dossier_id}}/result/finalize",
    "POST",
    summary="Xác nhận và ký số kết quả đã tải lên",
    action="agency_api.result.attach",
    out="ResultAttached",
    replay=False,
)
def agency_api_result_finalize(
    dossier_id: str, who: KeyActor, req: ResultFinalizeIn
) -> dict[str, Any]:
    """The uploaded PDF is checked, signed with the province's key and recorded on the dossier."""
    doc, saved = results.attach_result(deps(), who, dossier_id, req.key, req.valid_until)
    return {"result": doc.model_dump(mode="json"), "dossier": views.dossier_view(deps(), saved)}


# ---- administrators: key management -------------------------------------------------------------
class CreateKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=200)


class RotateKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_seconds: int = Field(default=24 * 3600, ge=0, le=30 * 24 * 3600)


def _keys() -> Any:
    from chalicelib.services.admin.agency_keys import get_agency_keys

    return get_agency_keys()


@router.route(
    ADMIN_PREFIX,
    "POST",
    summary="Cấp khóa API cho cơ quan (secret chỉ hiện một lần)",
    action="admin.agency_key.manage",
    out="IssuedAgencyKey",
    status=201,
    replay=False,
    no_store=True,
)
def admin_create_agency_key(who: Caller, req: CreateKeyIn) -> dict[str, Any]:
    issued = _keys().create(req.agency, req.description, who)
    _audit_key(who, "agency_key_created", issued.record.agency, issued.record.access_key_id)
    out: dict[str, Any] = issued.to_public()
    return out


def _audit_key(who: Any, action: str, agency: str, access_key_id: str) -> None:
    """Key decisions join the agency's audit chain (never the secret)."""
    from chalicelib.services.admin import audit

    audit.record(
        deps(), who, action, stream=agency_stream(agency), detail={"access_key_id": access_key_id}
    )


@router.route(
    ADMIN_PREFIX,
    "GET",
    summary="Danh sách khóa API",
    action="admin.agency_key.manage",
    out="AgencyKeys",
)
def admin_list_agency_keys(who: Caller, params: AgencyKeysQuery) -> dict[str, Any]:
    return {"items": [k.to_public() for k in _keys().list(params.agency or None)]}


@router.route(
    f"{ADMIN_PREFIX}/{{key_id}}",
    "GET",
    summary="Chi tiết một khóa API",
    action="admin.agency_key.manage",
    out="AgencyKey",
)
def admin_get_agency_key(key_id: str, who: Caller) -> dict[str, Any]:
    out: dict[str, Any] = _keys().get(key_id).to_public()
    return out


@router.route(
    f"{ADMIN_PREFIX}/{{key_id}}/rotate",
    "POST",
    summary="Xoay khóa (khóa cũ còn hiệu lực trong thời gian ân hạn)",
    action="admin.agency_key.manage",
    out="IssuedAgencyKey",
    status=201,
    replay=False,
    no_store=True,
)
def admin_rotate_agency_key(key_id: str, who: Caller, req: RotateKeyIn | None) -> dict[str, Any]:
    assert req is not None  # an empty body is {}: the model's defaults
    issued = _keys().rotate(key_id, who, timedelta(seconds=req.grace_seconds))
    _audit_key(who, "agency_key_rotated", issued.record.agency, issued.record.access_key_id)
    out: dict[str, Any] = issued.to_public()
    return out


@router.route(
    f"{ADMIN_PREFIX}/{{key_id}}/revoke",
    "POST",
    summary="Thu hồi khóa API",
    action="admin.agency_key.manage",
    out="AgencyKey",
    replay=False,
)
def admin_revoke_agency_key(key_id: str, who: Caller) -> dict[str, Any]:
    revoked = _keys().revoke(key_id, who)
    _audit_key(who, "agency_key_revoked", revoked.agency, revoked.access_key_id)
    out: dict[str, Any] = revoked.to_public()
    return out
