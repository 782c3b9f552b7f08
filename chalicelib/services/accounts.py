"""Sign-in and sign-up through the user pool, so the static web needs no Cognito SDK."""

from __future__ import annotations

from typing import Any

from chalicelib.services.deps import Deps
from chalicelib.services.models import SignUpIn


def _accounts(deps: Deps) -> Any:
    from chalicelib.api.auth import CognitoAccounts

    return CognitoAccounts.from_settings(deps.settings)


def sign_in(deps: Deps, username: str, password: str) -> dict[str, Any]:
    tokens: dict[str, Any] = _accounts(deps).sign_in(username, password)
    return tokens


def sign_up(deps: Deps, req: SignUpIn) -> dict[str, Any]:
    """Citizens register themselves; staff accounts are created by the administrator."""
    sub = _accounts(deps).sign_up(req.username, req.password, req.email, req.name)
    deps.store.put_profile(
        sub,
        {
            "role": "citizen",
            "unit": None,
            "name": req.name,
            "email": req.email,
            "username": req.username,
        },
    )
    return {"sub": sub, "username": req.username}
