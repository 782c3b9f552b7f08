"""Sign-in with VNeID (OpenID Connect authorization code + PKCE), one function per action.

1. `start_sign_in`: a fresh state, nonce and PKCE verifier are kept server-side
   (chalicelib.store.signin, 10 minutes, single use); the answer is the provider's authorization
   URL, which the browser follows.
2. The provider sends the browser back to our redirect URI (the SPA's root) with `code` and
   `state`; the SPA posts both to `finish_sign_in`, which takes the pending sign-in (a second use
   of the same state finds nothing), exchanges the code with the verifier and our client secret,
   verifies the ID token (signature, issuer, audience, expiry, nonce, acr), fills the citizen's
   profile from its claims and answers with our own session (chalicelib.services.identity.sessions).
3. `logout_url` in that answer ends the provider's session too (RP-initiated logout).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain import assurance
from chalicelib.domain.errors import Conflict, Unauthorized
from chalicelib.integrations.vneid import id_token_error, not_configured
from chalicelib.services.identity import sessions
from chalicelib.store.audit import account_stream
from chalicelib.store.signin import SignInTransactions

if TYPE_CHECKING:
    from chalicelib.integrations.vneid import IdentityProvider
    from chalicelib.services.container import Deps

# Our citizen ids for VNeID accounts: uuid5 of (issuer, provider subject) in this namespace.
SUBJECT_NAMESPACE = uuid.UUID("6f1d7c8e-3a52-4c1e-9b7a-0c2d5e8f9a10")


class VneidStartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The level the next step needs (a level-2 procedure asks the provider for level 2 first).
    level: int = Field(default=1, ge=1, le=2)


class VneidCallbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(min_length=1, max_length=2048)
    state: str = Field(min_length=16, max_length=200, pattern=r"^[A-Za-z0-9_\-]+$")


def _redirect_uri(deps: Deps) -> str:
    s = deps.settings
    return s.vneid_redirect_uri or f"{s.public_base_url.rstrip('/')}/"


def _configured(deps: Deps) -> None:
    s = deps.settings
    if not s.vneid_issuer or not s.vneid_client_id:
        raise not_configured()
    sessions.issue(s, {"sub": "probe"})  # the session key is there (else vneid_not_configured)


def _provider(deps: Deps) -> IdentityProvider:
    """The provider deps.py built from settings (None there when VNeID is not configured)."""
    if deps.vneid is None:
        raise not_configured()
    return deps.vneid


def _transactions(deps: Deps) -> SignInTransactions:
    return SignInTransactions(deps.store.client, deps.store.table)


def start_sign_in(deps: Deps, req: VneidStartIn) -> dict[str, Any]:
    """The provider's authorization URL for a new sign-in, and its state (the SPA keeps it)."""
    _configured(deps)
    state = secrets.token_urlsafe(32)
    nonce = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)  # 86 characters (RFC 7636: 43-128)
    redirect_uri = _redirect_uri(deps)
    url = _provider(deps).authorization_url(
        state=state,
        nonce=nonce,
        code_verifier=verifier,
        redirect_uri=redirect_uri,
        acr_values=assurance.acr_for_level(req.level),
    )
    now = int(deps.clock().timestamp())
    _transactions(deps).put(
        state,
        {"nonce": nonce, "verifier": verifier, "redirect_uri": redirect_uri},
        now + deps.settings.vneid_transaction_seconds,
    )
    return {"authorization_url": url, "state": state}


def finish_sign_in(deps: Deps, req: VneidCallbackIn) -> dict[str, Any]:
    """Our session for the citizen the provider's ID token names (see the module doc). The
    pending sign-in is looked up first: without one (never started, used, expired) nothing else
    is tried."""
    now = deps.clock()
    pending = _transactions(deps).take(req.state, int(now.timestamp()))
    if pending is None:
        raise Unauthorized(
            "Phiên đăng nhập VNeID không hợp lệ, đã hết hạn hoặc đã được dùng. "
            "Vui lòng đăng nhập lại.",
            "Unknown, expired or already used sign-in state.",
            code="vneid_state_invalid",
        )
    id_token = _provider(deps).exchange_code(
        code=req.code, code_verifier=str(pending["verifier"]), redirect_uri=pending["redirect_uri"]
    )
    identity = _provider(deps).verify_id_token(id_token, nonce=str(pending["nonce"]))
    level = assurance.level_of_acr(identity.acr)
    if level is None:
        raise id_token_error("vneid_acr_unknown")
    sub = str(uuid.uuid5(SUBJECT_NAMESPACE, f"{deps.settings.vneid_issuer}|{identity.subject}"))
    existing = deps.store.get_profile(sub) or {}
    if existing.get("role") not in (None, "citizen"):
        raise Conflict(
            "Tài khoản VNeID này gắn với một tài khoản cán bộ; cán bộ đăng nhập bằng tài khoản "
            "của cơ quan.",
            "Staff sign in with their staff account.",
            code="vneid_staff_account",
        )
    username = f"vneid-{sub[:8]}"
    organisation = identity.account_kind == "organisation"
    profile = {
        **existing,
        "role": "citizen",
        "name": identity.name,
        "id_number": identity.id_number,
        "birth_date": identity.birth_date or None,
        "identity_provider": "vneid",
        "assurance_level": level,
        "identity_verified_at": now.astimezone(UTC).isoformat(),
        "account_kind": identity.account_kind,
    }
    if organisation:
        # The person who signed in for the business: its legal representative, as VNeID says.
        profile["legal_representative"] = {
            "name": identity.representative_name,
            "id_number": identity.representative_id,
        }
    deps.store.put_profile(sub, profile)
    claims: dict[str, Any] = {
        "sub": sub,
        "username": username,
        "name": identity.name,
        "idp": "vneid",
        "loa": level,
    }
    if organisation:
        claims["acct"] = "organisation"
    token, lifetime = sessions.issue(deps.settings, claims, now=lambda: now.timestamp())
    record_sign_in(deps, sub, username, level, identity.account_kind)
    return {
        "id_token": token,
        "access_token": None,
        "refresh_token": None,
        "expires_in": lifetime,
        "identity_provider": "vneid",
        "assurance_level": level,
        "logout_url": _provider(deps).logout_url(
            id_token_hint=id_token, post_logout_redirect_uri=_redirect_uri(deps)
        ),
    }


@dataclass(frozen=True)
class _SignedIn:
    """The citizen (or organisation) who just signed in, as the audit chain names actors."""

    sub: str
    username: str
    role: str = "citizen"
    unit: str | None = None


def record_sign_in(deps: Deps, sub: str, username: str, level: int, account_kind: str) -> None:
    """`vneid_signin` on the account's audit stream: when, at which level, as a person or an
    organisation (no personal number: the chain is not a copy of the profile)."""
    from chalicelib.services.admin import audit

    audit.record(
        deps,
        _SignedIn(sub, username),
        "vneid_signin",
        stream=account_stream(sub),
        detail={"assurance_level": level, "account_kind": account_kind},
    )
