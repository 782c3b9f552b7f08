"""Sign-in with VNeID (OpenID Connect): public routes, thin (services/identity/vneid.py does it).

- `POST /api/auth/vneid/start` {level?: 1|2}: the provider's authorization URL and the state.
- `POST /api/auth/vneid/callback` {code, state}: our session (same shape as /api/auth/signin,
  plus `identity_provider`, `assurance_level` and `logout_url`); an unknown or expired state is
  401.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.api.context import deps
from chalicelib.api.routing import Router
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.services.identity.vneid import VneidCallbackIn, VneidStartIn

svc = LazyModule("chalicelib.services.identity.vneid")

router = Router(
    __name__, schemas=("chalicelib.services.identity.vneid", "chalicelib.services.models_out")
)
bp = router.bp


@router.route(
    "/api/auth/vneid/start",
    "POST",
    summary="Đăng nhập bằng VNeID: địa chỉ trang đăng nhập của VNeID (OIDC, PKCE)",
    action="auth.vneid.start",
    out="VneidStart",
)
def start(req: VneidStartIn) -> dict[str, Any]:
    started: dict[str, Any] = svc.start_sign_in(deps(), req)
    return started


@router.route(
    "/api/auth/vneid/callback",
    "POST",
    summary="Đăng nhập bằng VNeID: đổi mã (code, state) lấy phiên đăng nhập",
    action="auth.vneid.callback",
    out="VneidTokens",
    errors=(401,),
)
def callback(req: VneidCallbackIn) -> dict[str, Any]:
    tokens: dict[str, Any] = svc.finish_sign_in(deps(), req)
    return tokens
