"""The signed-in person's own account, and the administrator's unlock.

- `POST /api/me/profile` {name?, phone?, address?, email?} (any signed-in person): update the
  profile; answers what `GET /api/me` shows of it.
- `POST /api/me/compromised` {note?} (any signed-in person): "my account is compromised" — the
  account is locked (signed out everywhere, disabled) and the administrator notified.
- `GET /api/admin/accounts/{username}` (admin): enabled or locked, and since when.
- `POST /api/admin/accounts/{username}/enable` (admin): unlock after checking with the owner.

Each route declares its contract (chalicelib/api/routing.py); who may call it is its action's row
in chalicelib/domain/permissions.py (section `_ACCOUNT`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.api.context import deps
from chalicelib.api.routing import Router
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.api.auth import Caller
    from chalicelib.services.identity.account_security import CompromisedIn, ProfileIn

svc = LazyModule("chalicelib.services.identity.account_security")

router = Router(
    __name__,
    schemas=("chalicelib.services.identity.account_security", "chalicelib.services.models_out"),
)
bp = router.bp


@router.route(
    "/api/me/profile",
    "POST",
    summary="Cập nhật hồ sơ cá nhân",
    action="auth.me.profile",
    out="Profile",
)
def update_profile(who: Caller, req: ProfileIn) -> dict[str, Any]:
    profile: dict[str, Any] = svc.update_profile(deps(), who, req)
    return profile


@router.route(
    "/api/me/compromised",
    "POST",
    summary="Báo tài khoản bị xâm phạm: khóa tài khoản, báo quản trị viên",
    action="auth.me.compromised",
    out="Compromised",
    body_required=False,
)
def report_compromised(who: Caller, req: CompromisedIn) -> dict[str, Any]:
    report: dict[str, Any] = svc.report_compromised(deps(), who, req)
    return report


@router.route(
    "/api/admin/accounts/{username}",
    "GET",
    summary="Trạng thái tài khoản (bị khóa hay không)",
    action="admin.account.manage",
    out="AccountStatus",
)
def account_status(username: str) -> dict[str, Any]:
    status: dict[str, Any] = svc.account_status(deps(), username)
    return status


@router.route(
    "/api/admin/accounts/{username}/enable",
    "POST",
    summary="Mở khóa tài khoản",
    action="admin.account.manage",
    out="AccountStatus",
)
def enable_account(username: str, who: Caller) -> dict[str, Any]:
    status: dict[str, Any] = svc.enable_account(deps(), who, username)
    return status
