"""Our own session for citizens who signed in with VNeID: a short-lived HS256 JWT.

The provider's ID token proves who signed in once; it is not a bearer token for our API (its
audience is our client at VNeID, its lifetime theirs). After verifying it, the API issues this
session, which `chalicelib.api.auth` accepts next to Cognito's ID tokens. Its claims: `sub` (our
stable id for the citizen), `iss` = SESSION_ISSUER, `aud` = SESSION_AUDIENCE, `exp`/`iat`, `jti`,
`token_use` = "id", `idp` = "vneid", `loa` (assurance level 0-2), `name`. Signed with
SESSION_SIGNING_KEY (the environment; Secrets Manager in the cloud). No personal number inside.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import DomainError, Unauthorized

if TYPE_CHECKING:
    from chalicelib.settings import Settings

SESSION_ISSUER = "urn:tthc:session"
SESSION_AUDIENCE = "urn:tthc:api"
ALGORITHM = "HS256"
MIN_KEY_BYTES = 32
LEEWAY_SECONDS = 30.0


def _key(settings: Settings) -> bytes:
    key = settings.session_signing_key.encode()
    if len(key) < MIN_KEY_BYTES:
        raise DomainError(
            "Hệ thống chưa sẵn sàng cấp phiên đăng nhập VNeID. Vui lòng đăng nhập bằng tên đăng "
            "nhập và mật khẩu.",
            "SESSION_SIGNING_KEY is missing or shorter than 32 bytes.",
            code="vneid_not_configured",
            status=503,
        )
    return key


def issue(
    settings: Settings, claims: Mapping[str, Any], *, now: Callable[[], float] = time.time
) -> tuple[str, int]:
    """A signed session token for `claims` (sub, loa, name, ...) and its lifetime in seconds."""
    import jwt

    iat = int(now())
    lifetime = settings.session_seconds
    body = {
        **claims,
        "iss": SESSION_ISSUER,
        "aud": SESSION_AUDIENCE,
        "iat": iat,
        "exp": iat + lifetime,
        "jti": secrets.token_urlsafe(12),
        "token_use": "id",
    }
    return jwt.encode(body, _key(settings), algorithm=ALGORITHM), lifetime


def is_session_token(token: str) -> bool:
    """Whether a bearer token is one of ours (HS256 header), not Cognito's (RS256)."""
    import jwt

    try:
        return jwt.get_unverified_header(token).get("alg") == ALGORITHM
    except jwt.PyJWTError:
        return False


def verify(
    settings: Settings, token: str, *, now: Callable[[], float] = time.time
) -> dict[str, Any]:
    """The session's claims, or Unauthorized (token_invalid / token_expired)."""
    import jwt

    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            _key(settings),
            algorithms=[ALGORITHM],
            audience=SESSION_AUDIENCE,
            issuer=SESSION_ISSUER,
            options={"verify_exp": False, "require": ["exp", "iat", "sub", "iss", "aud"]},
        )
    except jwt.PyJWTError:
        raise Unauthorized(
            "Phiên đăng nhập không hợp lệ. Vui lòng đăng nhập lại.",
            "The session token is not valid.",
            code="token_invalid",
        ) from None
    if now() > float(claims["exp"]) + LEEWAY_SECONDS:
        raise Unauthorized(
            "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.",
            "The session has expired.",
            code="token_expired",
        )
    return claims
