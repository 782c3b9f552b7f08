"""VNeID (or the national portal's single sign-on) as an OpenID Connect provider: the client side.

The API is a confidential client of the provider (authorization code flow with PKCE S256, state
and nonce). authlib builds the authorization URL (PKCE challenge) and exchanges the code at the
token endpoint with client_secret_basic; PyJWT verifies the ID token against the provider's JWKS:
signature (RS256 only, key by `kid`, one JWKS refresh for an unknown `kid`), `iss` = the issuer,
`aud` = our client id (and `azp` when there are several audiences), `exp`/`iat` with a small
leeway on an injected clock, `nonce` = the one this sign-in sent, and an `acr` the provider
advertises. What an assurance level allows is a domain rule (chalicelib.domain.assurance).

Every failure to reach the provider (down, slow, an answer that is not what OIDC says) is one
`vneid_unavailable` (503), so sign-in can say so and offer the password alternative.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode

from chalicelib.domain.errors import DomainError, Unauthorized

if TYPE_CHECKING:
    from chalicelib.settings import Settings

MAX_ID_TOKEN_LENGTH = 16_384
SCOPES = "openid profile vneid"


@dataclass(frozen=True)
class VneidIdentity:
    """What a verified ID token says about the citizen."""

    subject: str  # the provider's `sub` (stable per citizen and client)
    id_number: str  # so_dinh_danh: the 12-digit personal identification number
    name: str
    birth_date: str  # YYYY-MM-DD
    acr: str
    auth_time: int | None = None
    # An organisation's account (`loai_tai_khoan` = "to_chuc"): `id_number` is its tax or
    # registration number, `name` its name, no birth date; the person who signed in for it is its
    # legal representative (`nguoi_dai_dien`: so_dinh_danh, name).
    account_kind: str = "person"  # person | organisation
    representative_id: str = ""
    representative_name: str = ""


class IdentityProvider(Protocol):
    """What sign-in needs from VNeID (the real provider, the local twin or a test double)."""

    def authorization_url(
        self, *, state: str, nonce: str, code_verifier: str, redirect_uri: str, acr_values: str
    ) -> str:
        """Where the browser goes to sign in (PKCE S256 challenge made from `code_verifier`)."""
        ...

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> str:
        """The ID token for an authorization code (the code is single-use at the provider)."""
        ...

    def verify_id_token(self, id_token: str, *, nonce: str) -> VneidIdentity:
        """The verified identity, or Unauthorized naming the failed check."""
        ...

    def logout_url(self, *, id_token_hint: str, post_logout_redirect_uri: str) -> str:
        """The provider's end-session URL (RP-initiated logout)."""
        ...


# ---- errors -------------------------------------------------------------------------------------
_MESSAGES: dict[str, tuple[str, str]] = {
    "vneid_token_invalid": (
        "Kết quả đăng nhập VNeID không hợp lệ (chữ ký hoặc nội dung không đúng). "
        "Vui lòng đăng nhập lại.",
        "The VNeID ID token is not valid.",
    ),
    "vneid_token_expired": (
        "Kết quả đăng nhập VNeID đã hết hạn. Vui lòng đăng nhập lại.",
        "The VNeID ID token has expired.",
    ),
    "vneid_token_audience": (
        "Kết quả đăng nhập VNeID không dành cho cổng dịch vụ công này.",
        "The VNeID ID token was issued to another client.",
    ),
    "vneid_token_issuer": (
        "Kết quả đăng nhập không do VNeID cấp.",
        "The ID token was not issued by VNeID.",
    ),
    "vneid_nonce_mismatch": (
        "Kết quả đăng nhập VNeID không khớp với lần đăng nhập này. Vui lòng đăng nhập lại.",
        "The ID token's nonce does not match this sign-in.",
    ),
    "vneid_acr_unknown": (
        "VNeID không cho biết mức độ định danh của tài khoản. Vui lòng đăng nhập lại.",
        "The ID token carries no known assurance level.",
    ),
    "vneid_claims_missing": (
        "VNeID không trả về số định danh cá nhân, họ tên hoặc ngày sinh.",
        "The ID token lacks so_dinh_danh, name or birthdate.",
    ),
}


def id_token_error(code: str) -> Unauthorized:
    vi, en = _MESSAGES.get(code, _MESSAGES["vneid_token_invalid"])
    return Unauthorized(vi, en, code=code)


def unavailable(reason: str) -> DomainError:
    return DomainError(
        "Hệ thống định danh điện tử VNeID đang gián đoạn hoặc phản hồi chậm. Vui lòng thử lại "
        "sau, hoặc đăng nhập bằng tên đăng nhập và mật khẩu.",
        f"VNeID is unavailable: {reason}.",
        code="vneid_unavailable",
        status=503,
    )


def not_configured() -> DomainError:
    return DomainError(
        "Đăng nhập bằng VNeID chưa được cấu hình trên hệ thống này. "
        "Vui lòng đăng nhập bằng tên đăng nhập và mật khẩu.",
        "VNeID sign-in is not configured.",
        code="vneid_not_configured",
        status=503,
    )


# ---- the OIDC client ----------------------------------------------------------------------------
class VneidOidc:
    """The provider reached over HTTP: discovery, JWKS (cached), authlib for the code flow."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        timeout_seconds: float = 5.0,
        leeway_seconds: float = 30.0,
        discovery_ttl_seconds: float = 3600.0,
        now: Callable[[], float] = time.time,
        http: Any = None,
    ) -> None:
        if not issuer.startswith(("https://", "http://")) or not client_id:
            raise ValueError("issuer (http/https URL) and client_id are required")
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.timeout = timeout_seconds
        self.leeway = leeway_seconds
        self._discovery_ttl = discovery_ttl_seconds
        self._now = now
        self._http = http  # a requests.Session (tests may inject one)
        self._lock = threading.Lock()
        self._discovery: dict[str, Any] | None = None
        self._discovered_at = float("-inf")
        self._jwks: Any = None  # jwt.PyJWKSet
        self._jwks_at = float("-inf")

    @classmethod
    def from_settings(cls, settings: Settings) -> VneidOidc:
        if not settings.vneid_issuer or not settings.vneid_client_id:
            raise not_configured()
        return cls(
            issuer=settings.vneid_issuer,
            client_id=settings.vneid_client_id,
            client_secret=settings.vneid_client_secret,
            timeout_seconds=settings.vneid_timeout_seconds,
        )

    # ---- HTTP ----
    def _session(self) -> Any:
        if self._http is None:
            import requests

            self._http = requests.Session()
        return self._http

    def _get_json(self, url: str) -> dict[str, Any]:
        import requests

        try:
            resp = self._session().get(url, timeout=self.timeout)
        except requests.RequestException as exc:
            raise unavailable(type(exc).__name__) from None
        if resp.status_code != 200:
            raise unavailable(f"HTTP {resp.status_code} from {url}")
        try:
            doc = resp.json()
        except ValueError:
            raise unavailable("an answer that is not JSON") from None
        if not isinstance(doc, dict):
            raise unavailable("an answer that is not a JSON object")
        return doc

    def discovery(self) -> dict[str, Any]:
        """The provider's metadata (cached); its `issuer` must be the one configured."""
        with self._lock:
            fresh = time.monotonic() - self._discovered_at < self._discovery_ttl
            if self._discovery is not None and fresh:
                return self._discovery
        doc = self._get_json(f"{self.issuer}/.well-known/openid-configuration")
        needed = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
        if not all(isinstance(doc.get(k), str) and doc[k] for k in needed):
            raise unavailable("discovery document lacks endpoints")
        if doc["issuer"].rstrip("/") != self.issuer:
            raise unavailable("discovery names another issuer")
        with self._lock:
            self._discovery, self._discovered_at = doc, time.monotonic()
        return doc

    def _keyset(self, *, force: bool) -> Any:
        import jwt

        with self._lock:
            if self._jwks is not None and not force:
                return self._jwks
            if force and time.monotonic() - self._jwks_at < 30.0:
                return self._jwks  # an unknown kid refreshes at most every 30 s
        doc = self._get_json(str(self.discovery()["jwks_uri"]))
        try:
            keyset = jwt.PyJWKSet.from_dict(doc)
        except jwt.PyJWKSetError:
            raise unavailable("a JWKS without usable keys") from None
        with self._lock:
            self._jwks, self._jwks_at = keyset, time.monotonic()
        return keyset

    def _key(self, kid: str) -> Any:
        for force in (False, True):
            keyset = self._keyset(force=force)
            try:
                return keyset[kid]
            except KeyError:
                continue
        raise id_token_error("vneid_token_invalid")

    # ---- the flow ----
    def _oauth(self, redirect_uri: str) -> Any:
        from authlib.integrations.requests_client import OAuth2Session

        return OAuth2Session(
            client_id=self.client_id,
            client_secret=self._client_secret,
            scope=SCOPES,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",  # noqa: S106 (a method name)
        )

    def authorization_url(
        self, *, state: str, nonce: str, code_verifier: str, redirect_uri: str, acr_values: str
    ) -> str:
        endpoint = str(self.discovery()["authorization_endpoint"])
        url, _ = self._oauth(redirect_uri).create_authorization_url(
            endpoint,
            state=state,
            code_verifier=code_verifier,
            nonce=nonce,
            acr_values=acr_values,
        )
        return str(url)

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> str:
        import requests
        from authlib.integrations.base_client.errors import OAuthError

        endpoint = str(self.discovery()["token_endpoint"])
        session = self._oauth(redirect_uri)
        try:
            token = session.fetch_token(
                endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
                timeout=self.timeout,
            )
        except OAuthError as exc:
            # invalid_grant: a used, expired or foreign code, or a PKCE verifier that does not fit.
            raise Unauthorized(
                "Mã đăng nhập VNeID không hợp lệ hoặc đã được dùng. Vui lòng đăng nhập lại.",
                f"The token endpoint refused the code: {exc.error}.",
                code="vneid_code_invalid",
            ) from None
        except requests.RequestException as exc:
            raise unavailable(type(exc).__name__) from None
        except ValueError:
            raise unavailable("a token answer that is not JSON") from None
        id_token = token.get("id_token") if isinstance(token, Mapping) else None
        if not isinstance(id_token, str) or not id_token:
            raise unavailable("a token answer without an ID token")
        return id_token

    def verify_id_token(self, id_token: str, *, nonce: str) -> VneidIdentity:
        import jwt

        if not id_token or len(id_token) > MAX_ID_TOKEN_LENGTH:
            raise id_token_error("vneid_token_invalid")
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.PyJWTError:
            raise id_token_error("vneid_token_invalid") from None
        kid = header.get("kid")
        if header.get("alg") != "RS256" or not isinstance(kid, str) or not kid:
            raise id_token_error("vneid_token_invalid")  # no "none", no HS256 with our secret
        key = self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key=key,
                algorithms=["RS256"],
                options={
                    "verify_signature": True,
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                    "verify_aud": False,
                    "verify_iss": False,
                    "require": ["iss", "sub", "aud", "exp", "iat"],
                },
            )
        except jwt.PyJWTError:
            raise id_token_error("vneid_token_invalid") from None
        acrs = self.discovery().get("acr_values_supported") or []
        return identity_from_claims(
            claims,
            issuer=self.issuer,
            client_id=self.client_id,
            nonce=nonce,
            now=self._now(),
            leeway=self.leeway,
            acr_values=[str(a) for a in acrs],
        )

    def logout_url(self, *, id_token_hint: str, post_logout_redirect_uri: str) -> str:
        endpoint = self.discovery().get("end_session_endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            return post_logout_redirect_uri  # no RP-initiated logout: only our session ends
        query = urlencode(
            {
                "id_token_hint": id_token_hint,
                "post_logout_redirect_uri": post_logout_redirect_uri,
                "client_id": self.client_id,
            }
        )
        return f"{endpoint}?{query}"

    def __repr__(self) -> str:  # never the client secret
        return f"VneidOidc(issuer={self.issuer!r}, client_id={self.client_id!r})"


def identity_from_claims(
    claims: Mapping[str, Any],
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    now: float,
    leeway: float,
    acr_values: list[str],
) -> VneidIdentity:
    """Check the claims of a signature-verified ID token, in order: issuer, audience, expiry,
    nonce, assurance level, identity claims (OIDC Core 3.1.3.7)."""
    if str(claims.get("iss", "")).rstrip("/") != issuer.rstrip("/"):
        raise id_token_error("vneid_token_issuer")
    aud = claims.get("aud")
    audiences = [aud] if isinstance(aud, str) else list(aud) if isinstance(aud, list) else []
    if client_id not in audiences:
        raise id_token_error("vneid_token_audience")
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise id_token_error("vneid_token_audience")
    exp, iat = claims.get("exp"), claims.get("iat")
    for value in (exp, iat):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise id_token_error("vneid_token_invalid")
    assert isinstance(exp, int | float) and isinstance(iat, int | float)
    if now > float(exp) + leeway:
        raise id_token_error("vneid_token_expired")
    if float(iat) > now + leeway:
        raise id_token_error("vneid_token_invalid")
    if not nonce or claims.get("nonce") != nonce:
        raise id_token_error("vneid_nonce_mismatch")
    acr = claims.get("acr")
    if not isinstance(acr, str) or (acr_values and acr not in acr_values):
        raise id_token_error("vneid_acr_unknown")
    sub, id_number = claims.get("sub"), claims.get("so_dinh_danh")
    name, birth = claims.get("name"), claims.get("birthdate")
    auth_time = claims.get("auth_time")
    when = int(auth_time) if isinstance(auth_time, int) else None
    if claims.get("loai_tai_khoan") == "to_chuc":
        legal = claims.get("nguoi_dai_dien")
        rep_id = legal.get("so_dinh_danh") if isinstance(legal, dict) else None
        rep_name = legal.get("name") if isinstance(legal, dict) else None
        if not all(isinstance(v, str) and v for v in (sub, id_number, name, rep_id, rep_name)):
            raise id_token_error("vneid_claims_missing")
        return VneidIdentity(
            subject=str(sub),
            id_number=str(id_number),
            name=str(name),
            birth_date="",
            acr=acr,
            auth_time=when,
            account_kind="organisation",
            representative_id=str(rep_id),
            representative_name=str(rep_name),
        )
    if not all(isinstance(v, str) and v for v in (sub, id_number, name, birth)):
        raise id_token_error("vneid_claims_missing")
    return VneidIdentity(
        subject=str(sub),
        id_number=str(id_number),
        name=str(name),
        birth_date=str(birth),
        acr=acr,
        auth_time=when,
    )
