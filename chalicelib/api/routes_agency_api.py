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
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.context import body, caller, deps, query, request
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalice import Chalice

    from chalicelib.api.sigv4 import SigV4Verifier
    from chalicelib.store.keys import AgencyKeyRecord

svc = LazyModule("chalicelib.services.dossiers")
processing = LazyModule("chalicelib.services.processing")
views = LazyModule("chalicelib.services.views")
models = LazyModule("chalicelib.services.models")
results = LazyModule("chalicelib.services.results")

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

bp = Blueprint(__name__)


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
    from chalicelib.services.agency_keys import get_agency_keys

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
@bp.route(f"{PREFIX}/whoami", methods=["GET"])
def agency_api_whoami() -> Response:
    actor = signed_actor()
    return json_response(
        {"agency": actor.unit, "access_key_id": actor.sub.split(":", 1)[1], "role": actor.role}
    )


@bp.route(f"{PREFIX}/tasks", methods=["GET"])
def agency_api_tasks() -> Response:
    actor = signed_actor()
    tasks = processing.list_tasks(deps(), actor)
    return json_response({"items": [t.to_public() for t in tasks]})


@bp.route(f"{PREFIX}/dossiers/{{dossier_id}}", methods=["GET"])
def agency_api_dossier(dossier_id: str) -> Response:
    actor = signed_actor()
    d = svc.load_for(deps(), dossier_id, actor)
    from chalicelib.services import audit

    audit.record_staff_read(deps(), actor, d)
    return json_response(views.dossier_view(deps(), d, with_history=True))


@bp.route(f"{PREFIX}/dossiers/{{dossier_id}}/steps/{{step_id}}/complete", methods=["POST"])
def agency_api_complete(dossier_id: str, step_id: str) -> Response:
    actor = signed_actor()  # before the body is even parsed
    d = processing.complete_step(deps(), actor, dossier_id, step_id, body(models.CompleteStepIn))
    return json_response(views.dossier_view(deps(), d))


@bp.route(f"{PREFIX}/dossiers/{{dossier_id}}/result/upload", methods=["POST"])
def agency_api_result_upload(dossier_id: str) -> Response:
    """A presigned POST for the agency's own result PDF (the lead agency's key only)."""
    from chalicelib.api.routes_results import ResultUploadIn

    actor = signed_actor()
    req = body(ResultUploadIn) if request().raw_body else ResultUploadIn()
    return json_response(results.open_upload(deps(), actor, dossier_id, req.filename), status=201)


@bp.route(f"{PREFIX}/dossiers/{{dossier_id}}/result/finalize", methods=["POST"])
def agency_api_result_finalize(dossier_id: str) -> Response:
    """The uploaded PDF is checked, signed with the province's key and recorded on the dossier."""
    from chalicelib.api.routes_results import ResultFinalizeIn

    actor = signed_actor()
    doc, saved = results.attach_result(deps(), actor, dossier_id, body(ResultFinalizeIn).key)
    return json_response(
        {"result": doc.model_dump(mode="json"), "dossier": views.dossier_view(deps(), saved)}
    )


# ---- administrators: key management -------------------------------------------------------------
class CreateKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agency: str = Field(min_length=1, max_length=64)
    description: str = Field(default="", max_length=200)


class RotateKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grace_seconds: int = Field(default=24 * 3600, ge=0, le=30 * 24 * 3600)


def _admin() -> Any:
    from chalicelib.api.auth import require_role

    return require_role(caller(), "admin")


def _keys() -> Any:
    from chalicelib.services.agency_keys import get_agency_keys

    return get_agency_keys()


def _no_store(payload: Any, status: int = 200) -> Response:
    return json_response(payload, status=status, headers={"Cache-Control": "no-store"})


@bp.route(ADMIN_PREFIX, methods=["POST"])
def admin_create_agency_key() -> Response:
    who = _admin()
    req = body(CreateKeyIn)
    issued = _keys().create(req.agency, req.description, who)
    _audit_key(who, "agency_key_created", issued.record.agency, issued.record.access_key_id)
    return _no_store(issued.to_public(), status=201)


def _audit_key(who: Any, action: str, agency: str, access_key_id: str) -> None:
    """Key decisions join the agency's audit chain (never the secret)."""
    from chalicelib.services import audit

    audit.record(
        deps(), who, action, stream=f"AGENCY#{agency}", detail={"access_key_id": access_key_id}
    )


@bp.route(ADMIN_PREFIX, methods=["GET"])
def admin_list_agency_keys() -> Response:
    _admin()
    agency = query().get("agency") or None
    return json_response({"items": [k.to_public() for k in _keys().list(agency)]})


@bp.route(f"{ADMIN_PREFIX}/{{key_id}}", methods=["GET"])
def admin_get_agency_key(key_id: str) -> Response:
    _admin()
    return json_response(_keys().get(key_id).to_public())


@bp.route(f"{ADMIN_PREFIX}/{{key_id}}/rotate", methods=["POST"])
def admin_rotate_agency_key(key_id: str) -> Response:
    who = _admin()
    raw = request().raw_body
    req = body(RotateKeyIn) if raw else RotateKeyIn()
    issued = _keys().rotate(key_id, who, timedelta(seconds=req.grace_seconds))
    _audit_key(who, "agency_key_rotated", issued.record.agency, issued.record.access_key_id)
    return _no_store(issued.to_public(), status=201)


@bp.route(f"{ADMIN_PREFIX}/{{key_id}}/revoke", methods=["POST"])
def admin_revoke_agency_key(key_id: str) -> Response:
    who = _admin()
    revoked = _keys().revoke(key_id, who)
    _audit_key(who, "agency_key_revoked", revoked.agency, revoked.access_key_id)
    return json_response(revoked.to_public())
