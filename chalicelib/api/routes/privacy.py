"""Personal data routes: the citizen's data tracker and the staff search by ID number.

- `GET /api/my/access-log?cursor=&limit=` (citizen): who accessed my dossiers and profile.
- `POST /api/staff/search/id-number` {id_number} (desk, admin): dossiers of an applicant, found by
  the keyed hash. A POST so the ID number never sits in a URL (access logs, browser history); the
  answer shows the number masked only, since idempotent answers are stored.
- `GET /api/my/consents`, `POST /api/my/consents` {kind, given, text_version} (citizen).
- `POST /api/my/export` (citizen): a zip of everything held about me, as a time-limited link.
- `POST /api/my/erasure` {confirm: true} (citizen): delete what is not under a retention duty.
- Admin breaches: `POST|GET /api/admin/breaches`, `GET /api/admin/breaches/{breach_id}`,
  `POST /api/admin/breaches/{breach_id}/reported` {reference}.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from chalice import Blueprint, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.api.context import body, caller, deps, query
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

svc = LazyModule("chalicelib.services.privacy.privacy")
rights = LazyModule("chalicelib.services.privacy.privacy_rights")
breach = LazyModule("chalicelib.services.privacy.privacy_breach")

bp = Blueprint(__name__)

SEARCH_ROLES = ("desk", "admin")


class IdNumberSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id_number: str = Field(min_length=1, max_length=20)


ConsentKindIn = Literal["share_with_related_services", "face_registration", "sms_notifications"]
BreachCategory = Literal[
    "identity", "contact", "birth_date", "documents", "results", "sensitive", "face"
]


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: ConsentKindIn
    given: bool
    text_version: str = Field(min_length=1, max_length=40)


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm: Literal[True]  # the page's explicit confirmation


class BreachIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    scope: str = Field(min_length=3, max_length=500)
    description: str = Field(default="", max_length=4000)
    consequences: str = Field(default="", max_length=2000)
    measures: str = Field(default="", max_length=2000)
    contact: str = Field(default="", max_length=300)
    detected_at: AwareDatetime | None = None
    categories: list[BreachCategory] = Field(min_length=1, max_length=7)
    procedure_code: str | None = Field(default=None, max_length=40)
    # real dates (a pattern let 2026-02-31 through to a 500): YYYY-MM-DD
    date_from: date | None = None
    date_to: date | None = None
    units: list[str] = Field(default_factory=list, max_length=200)
    dossier_codes: list[str] = Field(default_factory=list, max_length=1000)


class BreachReportedIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reference: str = Field(min_length=1, max_length=200)


def _role(*roles: str) -> Any:
    from chalicelib.api.auth import require_role

    return require_role(caller(), *roles)


def _no_store(payload: Any) -> Response:
    return json_response(payload, headers={"Cache-Control": "no-store"})


@bp.route("/api/my/access-log", methods=["GET"])
def my_access_log() -> Response:
    who = _role("citizen")
    params = query()
    return _no_store(svc.access_log(deps(), who, params.get("cursor"), params.get("limit")))


@bp.route("/api/staff/search/id-number", methods=["POST"])
def staff_search_id_number() -> Response:
    who = _role(*SEARCH_ROLES)
    req = body(IdNumberSearchIn)
    return _no_store(svc.search_by_id_number(deps(), who, req.id_number))


# ---- consents and rights (citizen) ----------------------------------------------------------
@bp.route("/api/my/consents", methods=["GET"])
def my_consents() -> Response:
    return _no_store(rights.my_consents(deps(), _role("citizen")))


@bp.route("/api/my/consents", methods=["POST"])
def my_consent_set() -> Response:
    who = _role("citizen")
    req = body(ConsentIn)
    return _no_store(rights.set_consent(deps(), who, req.kind, req.given, req.text_version))


@bp.route("/api/my/export", methods=["POST"])
def my_export() -> Response:
    return _no_store(rights.export(deps(), _role("citizen")))


@bp.route("/api/my/erasure", methods=["POST"])
def my_erasure() -> Response:
    who = _role("citizen")
    body(ErasureIn)
    return _no_store(rights.erase(deps(), who))


# ---- breaches (admin) ---------------------------------------------------------------------
@bp.route("/api/admin/breaches", methods=["POST"])
def admin_breach_record() -> Response:
    who = _role("admin")
    req = body(BreachIn).model_dump(mode="json")
    return json_response(
        breach.record_breach(deps(), who, req), status=201, headers={"Cache-Control": "no-store"}
    )


@bp.route("/api/admin/breaches", methods=["GET"])
def admin_breaches() -> Response:
    return _no_store(breach.list_breaches(deps(), _role("admin"), query()))


@bp.route("/api/admin/breaches/{breach_id}", methods=["GET"])
def admin_breach(breach_id: str) -> Response:
    return _no_store(breach.get_breach(deps(), _role("admin"), breach_id))


@bp.route("/api/admin/breaches/{breach_id}/reported", methods=["POST"])
def admin_breach_reported(breach_id: str) -> Response:
    who = _role("admin")
    req = body(BreachReportedIn)
    return _no_store(breach.mark_reported(deps(), who, breach_id, req.reference))
