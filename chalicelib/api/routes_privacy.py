"""Personal data routes: the citizen's data tracker and the staff search by ID number.

- `GET /api/my/access-log?cursor=&limit=` (citizen): who accessed my dossiers and profile.
- `POST /api/staff/search/id-number` {id_number} (desk, admin): dossiers of an applicant, found by
  the keyed hash. A POST so the ID number never sits in a URL (access logs, browser history); the
  answer shows the number masked only, since idempotent answers are stored.
"""

from __future__ import annotations

from typing import Any

from chalice import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.context import body, caller, deps, query
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

svc = LazyModule("chalicelib.services.privacy")

bp = Blueprint(__name__)

SEARCH_ROLES = ("desk", "admin")


class IdNumberSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id_number: str = Field(min_length=1, max_length=20)


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
