"""The signed-in person's own account: profile details, and "my account is compromised".

- `update_profile`: name, phone, address, email of `USER#<sub>`/`PROFILE` (the store encrypts the
  phone and ID number); role, unit and username are never touched here.
- `report_compromised`: the person says someone else has their account. It is locked at once
  (Cognito AdminDisableUser, then AdminUserGlobalSignOut so refresh tokens stop working), the
  profile records `locked_at`, the administrator is notified through the outbox (PK
  `NOTIFY#ADMIN`, SK `<at>#<id>`, GSI1 `OUTBOX#PENDING`, as feedback's outbox items) and the
  account's audit stream `ACCOUNT#<sub>` gets the event.
- `enable_account` (admin): AdminEnableUser, `locked_at` cleared, audited on the same stream.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.aws import error_code
from chalicelib.domain.errors import NotFound
from chalicelib.store import outbox
from chalicelib.store.audit import account_stream

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor
    from chalicelib.services.container import Deps

ADMIN_RECIPIENT = "ADMIN"
PROFILE_FIELDS = ("name", "phone", "address", "email")


class ProfileIn(BaseModel):
    """The details a person edits themselves. Absent fields stay; "" clears an optional one."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str | None = Field(default=None, min_length=1, max_length=200)
    phone: str | None = Field(default=None, max_length=20, pattern=r"^(|\+?[0-9 .-]{8,15})$")
    address: str | None = Field(default=None, max_length=300)
    email: str | None = Field(
        default=None, max_length=254, pattern=r"^(|[^\s@]+@[^\s@]+\.[^\s@]+)$"
    )


class CompromisedIn(BaseModel):
    """What the person may add for the administrator (optional)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    note: str = Field(default="", max_length=1000)


def _iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def _cognito(deps: Deps) -> tuple[Any, str]:
    from chalicelib.integrations.cognito import CognitoAccounts

    accounts = CognitoAccounts.from_settings(deps.settings)
    return accounts.client, accounts.user_pool_id


def _account_not_found() -> NotFound:
    return NotFound(
        "Không tìm thấy tài khoản.",
        "Account not found.",
        code="account_not_found",
        field="username",
    )


def profile_view(actor: Actor, profile: dict[str, Any]) -> dict[str, Any]:
    """What `/api/me` shows of the profile (the same keys), for the profile page."""
    return {
        "sub": actor.sub,
        "username": actor.username,
        "role": actor.role,
        "unit": actor.unit,
        "name": profile.get("name") or "",
        "email": profile.get("email") or "",
        "phone": profile.get("phone"),
        "id_number": profile.get("id_number"),
        "address": profile.get("address"),
    }


def update_profile(deps: Deps, actor: Actor, req: ProfileIn) -> dict[str, Any]:
    """Merge the given fields into the profile (read, change, write back the whole item)."""
    from chalicelib.services.admin import audit

    profile = dict(deps.store.get_profile(actor.sub) or {})
    if not profile:  # a person without a profile item yet (e.g. created outside sign-up)
        profile = {"role": "citizen", "unit": None, "username": actor.username}
    changed = []
    for key in PROFILE_FIELDS:
        if key not in req.model_fields_set:
            continue
        value = getattr(req, key)
        if value is None:
            continue
        if key == "name" and not value:
            continue  # the name is required; min_length already refuses ""
        if (profile.get(key) or "") != value:
            changed.append(key)
            profile[key] = value or None
    if changed:
        profile["updated_at"] = _iso(deps.clock())
        deps.store.put_profile(actor.sub, profile)
        # which fields changed, never their values (the audit chain is not a copy of the PII)
        audit.record(
            deps,
            actor,
            "profile_updated",
            stream=account_stream(actor.sub),
            detail={"fields": changed},
        )
    return profile_view(actor, profile)


def _outbox_item(at: datetime, message: dict[str, Any]) -> dict[str, Any]:
    when = _iso(at)
    ref = str(message.get("id") or uuid.uuid4().hex)
    data = {**message, "recipient": ADMIN_RECIPIENT, "at": when}
    return outbox.pending_item(ADMIN_RECIPIENT, when, ref, data)


def notify_admin(deps: Deps, message: dict[str, Any]) -> dict[str, Any]:
    """One pending outbox item for the administrators; returns the item written."""
    item = _outbox_item(deps.clock(), message)
    deps.store.client.put_item(
        TableName=deps.store.table,
        Item=item,
        ConditionExpression="attribute_not_exists(PK)",
    )
    return item


def list_admin_outbox(deps: Deps, limit: int = 50) -> list[dict[str, Any]]:
    """The administrators' notifications, newest first."""
    items = outbox.newest_for(deps.store.client, deps.store.table, ADMIN_RECIPIENT, limit)
    return [json.loads(i["data"]["S"]) for i in items]


def report_compromised(deps: Deps, actor: Actor, req: CompromisedIn) -> dict[str, Any]:
    """Lock the caller's own account and tell the administrator. Disable first: it is what stops
    new sign-ins; the global sign-out then revokes refresh tokens (ID tokens already issued lapse
    within the hour; the web drops its session at once)."""
    from chalicelib.services.admin import audit

    client, pool = _cognito(deps)
    client.admin_disable_user(UserPoolId=pool, Username=actor.username)
    try:
        client.admin_user_global_sign_out(UserPoolId=pool, Username=actor.username)
    except Exception as exc:  # the account is locked already; a failed sign-out is not fatal
        if error_code(exc) not in {"NotAuthorizedException", "UserNotFoundException"}:
            raise
    at = deps.clock()
    profile = dict(deps.store.get_profile(actor.sub) or {})
    if profile:
        profile["locked_at"] = _iso(at)
        profile["locked_reason"] = "reported_compromised"
        deps.store.put_profile(actor.sub, profile)
    report_id = uuid.uuid4().hex[:16]
    notify_admin(
        deps,
        {
            "id": report_id,
            "kind": "account_compromised",
            "username": actor.username,
            "sub": actor.sub,
            "subject": f"Tài khoản {actor.username} báo bị xâm phạm và đã bị khóa",
            "subject_en": f"Account {actor.username} reported compromised and was locked",
            "note": req.note,
            "enable_path": f"/api/admin/accounts/{actor.username}/enable",
        },
    )
    audit.record(
        deps,
        actor,
        "account_reported_compromised",
        stream=account_stream(actor.sub),
        detail={"username": actor.username, "report_id": report_id, "locked": True},
    )
    return {"locked": True, "username": actor.username, "report_id": report_id, "at": _iso(at)}


def _find(deps: Deps, username: str) -> tuple[Any, str, dict[str, Any]]:
    """(client, pool, Cognito user) for a username; NotFound when Cognito does not know it."""
    client, pool = _cognito(deps)
    try:
        user = client.admin_get_user(UserPoolId=pool, Username=username)
    except Exception as exc:
        if error_code(exc) == "UserNotFoundException":
            raise _account_not_found() from None
        raise
    return client, pool, user


def _sub_of(user: dict[str, Any]) -> str | None:
    for attr in user.get("UserAttributes", []):
        if attr.get("Name") == "sub":
            return str(attr.get("Value"))
    return None


def account_status(deps: Deps, username: str) -> dict[str, Any]:
    """Whether an account is enabled, and when it was locked (admin view)."""
    _, _, user = _find(deps, username)
    sub = _sub_of(user)
    profile = (deps.store.get_profile(sub) if sub else None) or {}
    return {
        "username": username,
        "sub": sub,
        "enabled": bool(user.get("Enabled", True)),
        "locked_at": profile.get("locked_at"),
        "locked_reason": profile.get("locked_reason"),
    }


def enable_account(deps: Deps, admin: Actor, username: str) -> dict[str, Any]:
    """The administrator re-enables an account after checking with its owner."""
    from chalicelib.services.admin import audit

    client, pool, user = _find(deps, username)
    client.admin_enable_user(UserPoolId=pool, Username=username)
    sub = _sub_of(user)
    if sub:
        profile = dict(deps.store.get_profile(sub) or {})
        if profile.get("locked_at"):
            profile.pop("locked_at", None)
            profile.pop("locked_reason", None)
            deps.store.put_profile(sub, profile)
    audit.record(
        deps,
        admin,
        "account_enabled",
        stream=account_stream(sub or username),
        detail={"username": username},
    )
    return {"username": username, "sub": sub, "enabled": True}
