"""Sign-in, sign-up and the forgotten-password reset through the user pool, so the static web
needs no Cognito SDK."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.services.container import Deps
from chalicelib.services.models import ConfirmPasswordResetIn, PasswordResetIn, SignUpIn

_CODE = re.compile(r"^[0-9]{6}$")
RESET_SENT = {
    "sent": True,
    "message": "Nếu tài khoản tồn tại và có thư điện tử đã đăng ký, mã xác nhận đã được gửi đến "
    "thư điện tử đó. Mã có hiệu lực trong 1 giờ.",
    "message_en": "If the account exists and has a registered e-mail, a confirmation code was "
    "sent to it. The code is valid for 1 hour.",
}


def cognito(deps: Deps) -> Any:
    from chalicelib.integrations.cognito import CognitoAccounts

    return CognitoAccounts.from_settings(deps.settings)


def attributes(deps: Deps, username: str) -> dict[str, str]:
    """The account's Cognito attributes (sub, email, ...); {} for an unknown username."""
    accounts = cognito(deps)
    try:
        user = accounts.client.admin_get_user(UserPoolId=accounts.user_pool_id, Username=username)
    except Exception as exc:
        from chalicelib.aws import error_code

        if error_code(exc) in {"UserNotFoundException", "InvalidParameterException"}:
            return {}
        raise
    return {a["Name"]: a["Value"] for a in user.get("UserAttributes", [])}


def sign_in(deps: Deps, username: str, password: str) -> dict[str, Any]:
    tokens: dict[str, Any] = cognito(deps).sign_in(username, password)
    return tokens


def sign_up(deps: Deps, req: SignUpIn) -> dict[str, Any]:
    """Citizens register themselves; staff accounts are created by the administrator."""
    sub = cognito(deps).sign_up(req.username, req.password, req.email, req.name)
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


def request_password_reset(deps: Deps, req: PasswordResetIn) -> dict[str, Any]:
    """Cognito e-mails a reset code (ForgotPassword). The answer is the same whether or not the
    account exists; a username asked for too often answers 429, existing or not, before Cognito's
    own per-account limit could tell them apart."""
    from chalicelib.integrations.cognito import too_many_attempts
    from chalicelib.store.base import rate_pk, take_rate

    username = req.username.strip()
    s = deps.settings
    now = int(deps.wall_clock().timestamp())
    window = now // s.password_reset_window_seconds
    who = hashlib.sha256(f"password-reset:{username.lower()}".encode()).hexdigest()[:24]
    expires = (window + 2) * s.password_reset_window_seconds
    pk = rate_pk("PWRESET", who, window)
    if not take_rate(
        deps.store.client, deps.store.table, pk, s.password_resets_per_window, expires
    ):
        raise too_many_attempts()
    code = cognito(deps).forgot_password(username)
    if code and s.local_mail:
        _mail_code_locally(deps, username, code)
    return dict(RESET_SENT)


def confirm_password_reset(deps: Deps, req: ConfirmPasswordResetIn) -> dict[str, Any]:
    """The e-mailed code and a new password (ConfirmForgotPassword)."""
    code = re.sub(r"\s+", "", req.code)
    if not _CODE.match(code):
        raise InvalidInput(
            "Mã xác nhận gồm 6 chữ số, như trong thư đã gửi cho ông/bà.",
            "The confirmation code is 6 digits, as in the e-mail.",
            code="code_format",
            field="code",
        )
    cognito(deps).confirm_forgot_password(req.username.strip(), code, req.password)
    return {"reset": True, "username": req.username.strip()}


def _mail_code_locally(deps: Deps, username: str, code: str) -> None:
    """The local stack only (LOCAL_MAIL): play Cognito's e-mail, which the local cloud does not
    send, through the notification outbox to the account's e-mail (read at /api/local/mailbox).
    On AWS Cognito mails the code itself and this never runs."""
    from chalicelib.services.care import notifications

    attrs = attributes(deps, username)
    if attrs.get("email"):
        data = {"username": username, "code": code}
        notifications.enqueue(deps, attrs["email"], "password_reset_code", data)
