"""A VNeID stand-in for tests that need no Node: a locally generated RSA key and JWKS, ID tokens
minted with any claims, and the real `VneidOidc` verifying them (its HTTP answered from memory).

The token endpoint is the one part scripted: `codes[code] = id_token` is what exchanging `code`
gives. Everything about checking the token is the production code.
"""

from __future__ import annotations

import json
import time
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from chalicelib.integrations.vneid import VneidOidc, id_token_error

ISSUER = "https://vneid.test"
CLIENT_ID = "tthc-test"
SESSION_KEY = "k" * 40  # SESSION_SIGNING_KEY for tests (32 bytes at least)


def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk: dict[str, Any] = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


class _Answer:
    def __init__(self, doc: Any, status: int = 200) -> None:
        self.status_code, self._doc = status, doc

    def json(self) -> Any:
        return self._doc


class MemoryHttp:
    """`requests.Session`-shaped: GET answers from a dict of URL → JSON."""

    def __init__(self, docs: dict[str, Any]) -> None:
        self.docs = docs
        self.gets: list[str] = []

    def get(self, url: str, timeout: float = 0) -> _Answer:
        self.gets.append(url)
        return _Answer(self.docs[url]) if url in self.docs else _Answer({}, 404)


class FakeVneid(VneidOidc):
    def __init__(self, *, now: float | None = None) -> None:
        self.key, self.kid = rsa_key(), "test-key-1"
        self.http_docs: dict[str, Any] = {
            f"{ISSUER}/.well-known/openid-configuration": {
                "issuer": ISSUER,
                "authorization_endpoint": f"{ISSUER}/auth",
                "token_endpoint": f"{ISSUER}/token",
                "jwks_uri": f"{ISSUER}/jwks",
                "end_session_endpoint": f"{ISSUER}/session/end",
                "acr_values_supported": ["urn:vneid:loa:1", "urn:vneid:loa:2"],
            },
            f"{ISSUER}/jwks": {"keys": [public_jwk(self.key, self.kid)]},
        }
        self.fixed_now = now
        super().__init__(
            issuer=ISSUER,
            client_id=CLIENT_ID,
            client_secret="test-secret",
            http=MemoryHttp(self.http_docs),
            now=lambda: self.fixed_now if self.fixed_now is not None else time.time(),
        )
        self.codes: dict[str, str] = {}
        self.last_authorization: dict[str, str] = {}

    def claims(self, **overrides: Any) -> dict[str, Any]:
        now = int(self._now())
        base = {
            "iss": ISSUER,
            "aud": CLIENT_ID,
            "sub": "vneid-sub-an",
            "iat": now,
            "exp": now + 600,
            "nonce": "nonce-1",
            "acr": "urn:vneid:loa:2",
            "so_dinh_danh": "093090000123",
            "name": "Nguyễn Văn An",
            "birthdate": "1990-05-12",
        }
        base.update(overrides)
        return {k: v for k, v in base.items() if v is not None}

    def mint(
        self,
        key: Any = None,
        *,
        kid: str | None = None,
        algorithm: str = "RS256",
        **overrides: Any,
    ) -> str:
        return jwt.encode(
            self.claims(**overrides),
            key if key is not None else self.key,
            algorithm=algorithm,
            headers={"kid": kid or self.kid},
        )

    # The browser's side of the flow, scripted.
    def authorization_url(
        self, *, state: str, nonce: str, code_verifier: str, redirect_uri: str, acr_values: str
    ) -> str:
        self.last_authorization = {"state": state, "nonce": nonce, "verifier": code_verifier}
        return super().authorization_url(
            state=state,
            nonce=nonce,
            code_verifier=code_verifier,
            redirect_uri=redirect_uri,
            acr_values=acr_values,
        )

    def exchange_code(self, *, code: str, code_verifier: str, redirect_uri: str) -> str:
        if code not in self.codes:
            raise id_token_error("vneid_code_invalid")
        return self.codes.pop(code)  # single use, as at the provider
