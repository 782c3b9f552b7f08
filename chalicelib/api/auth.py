"""Who is calling: Cognito ID tokens verified in the app, roles and unit from our own profile item.

API Gateway could verify tokens itself, but the same code must run under `chalice local` against
moto, so verification happens here, with PyJWT against the pool's JWKS (signature, issuer,
audience = app client id, `token_use` = id, expiry with a small leeway).

Roles: the account profile item (`USER#<sub>`/`PROFILE`, written by an administrator) is
authoritative for role and unit. A self-registered person has no profile and is a citizen. When the
token carries `cognito:groups`, the groups can only take privilege away, never grant it: a profile
saying `desk` with a token whose groups omit `desk` is refused (403 `role_mismatch`), so removing a
person from a Cognito group takes effect with their next token even if the profile lingers.

Nothing heavy is imported at module level (PyJWT pulls in `cryptography`); every Lambda imports
app.py, most never verify a token.
"""

from __future__ import annotations

import json
import threading
import time
import weakref
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Literal, Protocol, cast, get_args

from pydantic import BaseModel, ConfigDict

from chalicelib.domain.actors import STAFF_ROLES
from chalicelib.domain.errors import DomainError, Forbidden, Unauthorized

if TYPE_CHECKING:
    from chalice.app import Request

    from chalicelib.settings import Settings

Role = Literal["citizen", "desk", "agency", "leader", "province", "admin"]
ROLES: tuple[str, ...] = get_args(Role)

MAX_TOKEN_LENGTH = 16_384  # Cognito tokens are ~1-2 KB; refuse absurd input before parsing it.


class Caller(BaseModel):
    """The verified person behind a request, with the role and unit our profile gives them."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    sub: str
    username: str
    role: Role
    unit: str | None = None
    groups: tuple[str, ...] = ()
    name: str = ""
    title: str = ""  # chức danh, from the staff profile (the national portal's ChucDanh)
    email: str = ""
    # How the person signed in: our user pool's password, or VNeID (our session after verifying
    # VNeID's ID token, chalicelib.services.identity.sessions); and the assurance level
    # (domain.assurance).
    identity_provider: Literal["password", "vneid"] = "password"
    assurance_level: int = 0
    # A VNeID organisation account (a business, signed in by its legal representative) or a
    # person; password accounts are persons.
    account_kind: Literal["person", "organisation"] = "person"

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES


# ---- errors -------------------------------------------------------------------------------------
_TOKEN_MESSAGES: dict[str, tuple[str, str]] = {
    "token_missing": ("Bạn cần đăng nhập để thực hiện chức năng này.", "Sign-in required."),
    "token_invalid": (
        "Phiên đăng nhập không hợp lệ. Vui lòng đăng nhập lại.",
        "The token is not valid.",
    ),
    "token_expired": (
        "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.",
        "The token has expired.",
    ),
    "token_audience": (
        "Phiên đăng nhập không dành cho ứng dụng này. Vui lòng đăng nhập lại.",
        "The token was issued to another app client.",
    ),
    "token_issuer": (
        "Phiên đăng nhập không do hệ thống này cấp. Vui lòng đăng nhập lại.",
        "The token was issued by another user pool.",
    ),
    "token_use": (
        "Cần mã định danh (ID token), không phải mã truy cập. Vui lòng đăng nhập lại.",
        "An ID token is required, not an access token.",
    ),
}


def token_error(code: str) -> Unauthorized:
    """An Unauthorized naming the failed check; the token itself is never echoed."""
    vi, en = _TOKEN_MESSAGES.get(code, _TOKEN_MESSAGES["token_invalid"])
    return Unauthorized(vi, en, code=code)


# ---- JWKS sources -------------------------------------------------------------------------------
class JwksSource(Protocol):
    """Where the pool's public keys come from (a URL in AWS and moto server, a dict in tests)."""

    def keys(self) -> dict[str, Any]:
        """The JWKS document: {"keys": [...]}."""
        ...

    def refresh(self) -> None:
        """Forget cached keys (called once when a token names an unknown `kid`)."""
        ...


class StaticJwks:
    """A fixed JWKS document (tests with moto's in-process keys)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self._document = dict(document)

    def keys(self) -> dict[str, Any]:
        return self._document

    def refresh(self) -> None:
        return None


class UrlJwks:
    """JWKS fetched over HTTP(S) and cached with a TTL.

    `refresh()` (key rotation) re-fetches at most once per `min_refresh_seconds`, so a stream of
    tokens with made-up `kid`s cannot make us hammer the JWKS endpoint. A failed fetch keeps the
    stale keys when there are some: Cognito rotates rarely, and failing every sign-in because a
    refresh timed out would be worse.
    """

    def __init__(
        self,
        url: str,
        *,
        ttl_seconds: float = 3600.0,
        min_refresh_seconds: float = 30.0,
        timeout_seconds: float = 3.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"JWKS URL must be http(s): {url!r}")
        self.url = url
        self._ttl = ttl_seconds
        self._min_refresh = min_refresh_seconds
        self._timeout = timeout_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._document: dict[str, Any] | None = None
        self._fetched_at = float("-inf")

    def _fetch(self) -> dict[str, Any]:
        import urllib.request

        req = urllib.request.Request(self.url, headers={"Accept": "application/json"})  # noqa: S310 (scheme checked in __init__)
        with urllib.request.urlopen(req, timeout=self._timeout) as resp:  # noqa: S310
            doc = json.loads(resp.read())
        if not isinstance(doc, dict) or not isinstance(doc.get("keys"), list):
            raise ValueError("JWKS document has no 'keys' list")
        return doc

    def _load(self, *, force: bool) -> dict[str, Any]:
        with self._lock:
            now = self._clock()
            age = now - self._fetched_at
            fresh = self._document is not None and age < self._ttl
            if fresh and not (force and age >= self._min_refresh):
                assert self._document is not None
                return self._document
            try:
                self._document = self._fetch()
                self._fetched_at = now
            except Exception as exc:
                if self._document is None:
                    raise DomainError(
                        "Không kiểm tra được phiên đăng nhập lúc này. Vui lòng thử lại sau.",
                        "The sign-in keys could not be fetched.",
                        code="auth_unavailable",
                        status=503,
                    ) from exc
                # Keep the stale keys, and retry after the refresh interval, not on every call.
                self._fetched_at = now - self._ttl + self._min_refresh
            return self._document

    def keys(self) -> dict[str, Any]:
        return self._load(force=False)

    def refresh(self) -> None:
        self._load(force=True)


# ---- token verification -------------------------------------------------------------------------
def cognito_issuer(region: str, user_pool_id: str) -> str:
    """The `iss` Cognito (and moto, in process and in server mode) puts in its tokens.

    The region is the pool id's prefix (`ap-southeast-1_abc`), which is where the pool lives even if
    the Lambda runs elsewhere; `region` is only the fallback for an id without a prefix.
    """
    pool_region = user_pool_id.split("_", 1)[0] if "_" in user_pool_id else region
    return f"https://cognito-idp.{pool_region}.amazonaws.com/{user_pool_id}"


def default_jwks_url(settings: Settings) -> str:
    """`JWKS_URL` if set; else the local endpoint's copy (moto server serves
    `<endpoint>/<pool>/.well-known/jwks.json`); else the issuer's well-known URL in AWS."""
    if settings.jwks_url:
        return settings.jwks_url
    if settings.endpoint_url:
        return f"{settings.endpoint_url.rstrip('/')}/{settings.user_pool_id}/.well-known/jwks.json"
    return f"{cognito_issuer(settings.region, settings.user_pool_id)}/.well-known/jwks.json"


class TokenVerifier:
    """Verifies Cognito ID tokens and returns their claims.

    Order of checks: structure and algorithm, key (by `kid`), signature, then `token_use`, `iss`,
    `aud`, `exp`/`iat`. Claims are only looked at after the signature holds, so a forged token
    learns nothing but `token_invalid`. `now` is injectable so expiry is tested without sleeping.
    """

    def __init__(
        self,
        *,
        user_pool_id: str,
        client_id: str,
        jwks: JwksSource,
        region: str = "",
        issuers: Sequence[str] | None = None,
        leeway_seconds: float = 30.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        if not client_id:
            raise ValueError("client_id is required")
        if issuers is None:
            if not user_pool_id:
                raise ValueError("user_pool_id (or explicit issuers) is required")
            issuers = [cognito_issuer(region, user_pool_id)]
        self.client_id = client_id
        self.issuers = frozenset(issuers)
        self.jwks = jwks
        self.leeway = leeway_seconds
        self._now = now
        self._lock = threading.Lock()
        self._keyset_doc: dict[str, Any] | None = None
        self._keyset: Any = None  # jwt.PyJWKSet built from _keyset_doc

    @classmethod
    def from_settings(
        cls, settings: Settings, *, jwks: JwksSource | None = None, **kwargs: Any
    ) -> TokenVerifier:
        """The verifier for the configured pool and app client (JWKS per `default_jwks_url`)."""
        return cls(
            user_pool_id=settings.user_pool_id,
            client_id=settings.user_pool_client_id,
            region=settings.region,
            jwks=jwks or UrlJwks(default_jwks_url(settings)),
            **kwargs,
        )

    def _keyset_for(self, doc: dict[str, Any]) -> Any:
        import jwt

        with self._lock:
            if doc is not self._keyset_doc:
                try:
                    self._keyset = jwt.PyJWKSet.from_dict(doc)
                except jwt.PyJWKSetError as exc:
                    raise token_error("token_invalid") from exc
                self._keyset_doc = doc
            return self._keyset

    def _key(self, kid: str) -> Any:
        """The PyJWK for `kid`; an unknown kid triggers one JWKS refresh (key rotation)."""
        for attempt in range(2):
            keyset = self._keyset_for(self.jwks.keys())
            try:
                return keyset[kid]
            except KeyError:
                if attempt == 0:
                    self.jwks.refresh()
        raise token_error("token_invalid")

    def verify(self, token: str) -> dict[str, Any]:
        """The token's claims, or Unauthorized with the failed check as its code."""
        import jwt

        if not token or len(token) > MAX_TOKEN_LENGTH:
            raise token_error("token_invalid")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise token_error("token_invalid") from exc
        kid = header.get("kid")
        if header.get("alg") != "RS256" or not isinstance(kid, str) or not kid:
            raise token_error("token_invalid")
        key = self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key=key,
                algorithms=["RS256"],
                options={
                    # Signature and presence by PyJWT; the claim values below, in our order and
                    # with our clock.
                    "verify_signature": True,
                    "verify_exp": False,
                    "verify_nbf": False,
                    "verify_iat": False,
                    "verify_aud": False,
                    "verify_iss": False,
                    "require": ["exp", "iat", "iss", "sub", "token_use"],
                },
            )
        except jwt.PyJWTError as exc:
            raise token_error("token_invalid") from exc
        self._check_claims(claims)
        return claims

    def _check_claims(self, claims: Mapping[str, Any]) -> None:
        if claims.get("token_use") != "id":
            raise token_error("token_use")
        if claims.get("iss") not in self.issuers:
            raise token_error("token_issuer")
        if claims.get("aud") != self.client_id:
            raise token_error("token_audience")
        now = self._now()
        exp, iat = claims.get("exp"), claims.get("iat")
        if not isinstance(exp, int | float) or not isinstance(iat, int | float):
            raise token_error("token_invalid")
        if isinstance(exp, bool) or isinstance(iat, bool):
            raise token_error("token_invalid")
        if now > float(exp) + self.leeway:
            raise token_error("token_expired")
        if float(iat) > now + self.leeway:
            raise token_error("token_invalid")  # issued in the future: clock trouble or forgery
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise token_error("token_invalid")


@lru_cache(maxsize=1)
def default_verifier() -> TokenVerifier:
    """The process-wide verifier from settings (keys cached inside `UrlJwks`)."""
    from chalicelib.settings import get_settings

    return TokenVerifier.from_settings(get_settings())


# ---- the caller ---------------------------------------------------------------------------------
class ProfileSource(Protocol):
    """The account profile store (`USER#<sub>`/`PROFILE`: role, unit, name, email)."""

    def get_profile(self, sub: str) -> dict[str, Any] | None: ...


# One verification per request even when the middleware (idempotency scope) and the handler both
# ask; keyed weakly so a request object does not outlive its invocation because of us.
_claims_cache: weakref.WeakKeyDictionary[Any, tuple[str, dict[str, Any]]] = (
    weakref.WeakKeyDictionary()
)


def bearer_token(request: Request) -> str:
    """The token from `Authorization: Bearer <token>`; Unauthorized(token_missing) without one."""
    header = str(request.headers.get("authorization") or "")
    scheme, _, token = header.strip().partition(" ")
    if not header.strip():
        raise token_error("token_missing")
    if scheme.lower() != "bearer" or not token.strip():
        raise token_error("token_invalid")
    return token.strip()


def verified_claims(request: Request, verifier: TokenVerifier) -> dict[str, Any]:
    """The verified claims of the request's bearer token (memoised per request object)."""
    token = bearer_token(request)
    try:
        cached = _claims_cache.get(request)
    except TypeError:  # not weak-referenceable: just verify
        cached = None
    if cached is not None and cached[0] == token:
        return cached[1]
    from chalicelib.services.identity import sessions

    if sessions.is_session_token(token):  # ours, after a VNeID sign-in (HS256)
        from chalicelib.settings import get_settings

        claims = sessions.verify(get_settings(), token)
    else:
        claims = verifier.verify(token)
    try:
        _claims_cache[request] = (token, claims)
    except TypeError:
        pass
    return claims


def _groups(claims: Mapping[str, Any]) -> tuple[str, ...] | None:
    raw = claims.get("cognito:groups")
    if raw is None:
        return None
    if isinstance(raw, str):
        return (raw,)
    if isinstance(raw, list | tuple):
        return tuple(str(g) for g in raw)
    return ()


def caller_from_claims(claims: Mapping[str, Any], profile: Mapping[str, Any] | None) -> Caller:
    """Role and unit from the profile (authoritative); groups may only refuse (see module doc)."""
    groups = _groups(claims)
    if profile is not None and profile.get("locked_at"):
        # Reported compromised: tokens issued before the lock stop working at once.
        raise Unauthorized(
            "Tài khoản đã bị khóa. Vui lòng liên hệ quản trị viên để mở lại.",
            "The account is locked.",
            code="account_locked",
        )
    if profile is None:
        role: str = "citizen"
        unit = None
    else:
        role = str(profile.get("role") or "citizen")
        raw_unit = profile.get("unit")
        unit = str(raw_unit) if raw_unit else None
        if role not in ROLES:
            raise Forbidden(
                "Hồ sơ tài khoản có vai trò không hợp lệ. Vui lòng liên hệ quản trị viên.",
                "The account profile has an unknown role.",
                code="profile_invalid",
            )
    if role in STAFF_ROLES and groups is not None and role not in groups:
        raise Forbidden(
            "Tài khoản chưa được cấp quyền phù hợp (nhóm người dùng). "
            "Vui lòng liên hệ quản trị viên.",
            "The token's groups do not include the profile's role.",
            code="role_mismatch",
        )
    if role in {"desk", "agency", "leader"} and not unit:
        raise Forbidden(
            "Tài khoản cán bộ chưa được gán đơn vị. Vui lòng liên hệ quản trị viên.",
            "The staff profile has no unit.",
            code="profile_invalid",
        )
    prof = profile or {}
    vneid = _is_vneid_session(claims)
    if vneid and role != "citizen":
        raise Forbidden(
            "Cán bộ đăng nhập bằng tài khoản của cơ quan, không bằng VNeID.",
            "Staff sign in with their staff account.",
            code="forbidden_role",
        )
    return Caller(
        sub=str(claims["sub"]),
        username=str(claims.get("cognito:username") or claims.get("username") or claims["sub"]),
        role=cast(Role, role),  # checked against ROLES above
        unit=unit,
        groups=groups or (),
        name=str(prof.get("name") or claims.get("name") or ""),
        title=str(prof.get("title") or ""),
        email=str(prof.get("email") or claims.get("email") or ""),
        identity_provider="vneid" if vneid else "password",
        assurance_level=_level(claims.get("loa")) if vneid else 0,
        account_kind="organisation" if vneid and claims.get("acct") == "organisation" else "person",
    )


def _is_vneid_session(claims: Mapping[str, Any]) -> bool:
    from chalicelib.services.identity.sessions import SESSION_ISSUER

    return claims.get("iss") == SESSION_ISSUER and claims.get("idp") == "vneid"


def _level(raw: Any) -> int:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) and 0 <= raw <= 2 else 0


def caller_from_request(
    request: Request, verifier: TokenVerifier, profiles: ProfileSource
) -> Caller:
    """The verified caller; Unauthorized without a valid token (no anonymous Caller exists)."""
    claims = verified_claims(request, verifier)
    return caller_from_claims(claims, profiles.get_profile(str(claims["sub"])))


def require_role(caller: Caller, *roles: str) -> Caller:
    """Forbidden unless the caller has one of `roles` (admin is not implied: list it)."""
    if caller.role not in roles:
        raise Forbidden(
            "Tài khoản không có quyền thực hiện chức năng này.",
            "This account may not use this function.",
            code="forbidden_role",
        )
    return caller


def require_unit(caller: Caller, unit: str | None) -> Caller:
    """Staff act only within their unit; an administrator acts everywhere."""
    if caller.role == "admin":
        return caller
    if not caller.is_staff or not caller.unit or caller.unit != unit:
        raise Forbidden(
            "Hồ sơ này không thuộc đơn vị của bạn.",
            "This record belongs to another unit.",
            code="forbidden_unit",
        )
    return caller
