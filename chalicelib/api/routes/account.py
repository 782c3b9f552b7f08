"""The signed-in person's own account, and the administrator's unlock.

- `POST /api/me/profile` {name?, phone?, address?, email?} (any signed-in person): update the
  profile; answers what `GET /api/me` shows of it.
- `POST /api/me/compromised` {note?} (any signed-in person): "my account is compromised" — the
  account is locked (signed out everywhere, disabled) and the administrator notified.
- `GET /api/admin/accounts/{username}` (admin): enabled or locked, and since when.
- `POST /api/admin/accounts/{username}/enable` (admin): unlock after checking with the owner.
"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.context import body, caller, deps
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

svc = LazyModule("chalicelib.services.identity.account_security")

bp = Blueprint(__name__)

PATHS = (
    "/api/me/profile",
    "/api/me/compromised",
    "/api/admin/accounts/{username}",
    "/api/admin/accounts/{username}/enable",
)


@bp.route("/api/me/profile", methods=["POST"])
def update_profile() -> Response:
    from chalicelib.services.identity.account_security import ProfileIn

    return json_response(svc.update_profile(deps(), caller(), body(ProfileIn)))


@bp.route("/api/me/compromised", methods=["POST"])
def report_compromised() -> Response:
    from chalicelib.services.identity.account_security import CompromisedIn

    return json_response(svc.report_compromised(deps(), caller(), body(CompromisedIn)))


def _admin() -> object:
    from chalicelib.api.auth import require_role

    return require_role(caller(), "admin")


@bp.route("/api/admin/accounts/{username}", methods=["GET"])
def account_status(username: str) -> Response:
    _admin()
    return json_response(svc.account_status(deps(), username))


@bp.route("/api/admin/accounts/{username}/enable", methods=["POST"])
def enable_account(username: str) -> Response:
    from chalicelib.api.auth import require_role

    admin = require_role(caller(), "admin")
    return json_response(svc.enable_account(deps(), admin, username))
