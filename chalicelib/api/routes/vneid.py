"""Sign-in with VNeID (OpenID Connect): public routes, thin (services/identity/vneid.py does it).

- `POST /api/auth/vneid/start` {level?: 1|2}: the provider's authorization URL and the state.
- `POST /api/auth/vneid/callback` {code, state}: our session (same shape as /api/auth/signin,
  plus `identity_provider`, `assurance_level` and `logout_url`).
"""

from __future__ import annotations

from chalice import Blueprint, Response

from chalicelib.api.context import body, deps
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

svc = LazyModule("chalicelib.services.identity.vneid")

bp = Blueprint(__name__)

PATHS = ("/api/auth/vneid/start", "/api/auth/vneid/callback")


@bp.route("/api/auth/vneid/start", methods=["POST"])
def start() -> Response:
    from chalicelib.services.identity.vneid import VneidStartIn

    return json_response(svc.start_sign_in(deps(), body(VneidStartIn)))


@bp.route("/api/auth/vneid/callback", methods=["POST"])
def callback() -> Response:
    from chalicelib.services.identity.vneid import VneidCallbackIn

    return json_response(svc.finish_sign_in(deps(), body(VneidCallbackIn)))
