"""Cognito: the password reset (ForgotPassword / ConfirmForgotPassword) answers as Cognito does.

moto's behaviour: the code is `moto-confirmation-code:<n>` and only a code with that prefix is
checked (any other code is accepted), the new password skips the pool's policy, a code never
expires, wrong codes are never counted, nothing limits how often codes are asked for, and an
unknown user is `ResourceNotFoundException`.

The patch keeps moto's shape (the code still comes back in moto's
`x-moto-forgot-password-confirmation-code` response header, which is how the local stack plays
Cognito's e-mail: `chalicelib.services.identity.accounts`) and Cognito's contract:

- the code is 6 digits, valid for an hour, used once, and a new request replaces the old code;
- a wrong code is `CodeMismatchException`; after `MAX_WRONG_CODES` the code is dead and every try
  is `LimitExceededException` until a new code is requested;
- a code past its hour (or used, or never sent) is `ExpiredCodeException`;
- the new password is checked against the pool's policy (`InvalidPasswordException`);
- more than `MAX_REQUESTS` codes for one user within `REQUEST_WINDOW_SECONDS` is
  `LimitExceededException`;
- with the client's PreventUserExistenceErrors (ours is ENABLED), an unknown user gets a normal
  answer to ForgotPassword and `CodeMismatchException` from ConfirmForgotPassword.

Why we need it: the forgot-password page must meet a wrong, used, expired or throttled code and a
weak password as it will on AWS (docs/design.md, "Decisions", the paragraph on the password
reset); without the patch every wrong code would set the password locally.

Applies to moto in this process (the local stack's moto server, the in-process mocks). Idempotent.
"""

from __future__ import annotations

import secrets
import time
from typing import Any

from infra.moto_patches.guard import Guard

GUARD = Guard(__name__, ("5.2.5",))

CODE_SECONDS = 3600  # Cognito's password-reset code is valid for one hour
MAX_WRONG_CODES = 5
MAX_REQUESTS = 5
REQUEST_WINDOW_SECONDS = 3600


def _error(name: str, message: str) -> Exception:  # what moto's Cognito errors are made of
    from moto.core.exceptions import JsonRESTError

    return JsonRESTError(name, message)


def _pool_and_user(backend: Any, client_id: str, username: str) -> tuple[Any, Any]:
    for pool in backend.user_pools.values():
        if client_id in pool.clients:
            return pool, pool._get_user(username)
    raise _error("ResourceNotFoundException", client_id)


def apply() -> None:
    GUARD.check_version()  # first: another moto may not even have what is imported here
    from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool

    backend: Any = CognitoIdpBackend
    if getattr(backend, "_tthc_forgot_password", False):
        return
    GUARD.check_shape(backend, "forgot_password", ["self", "client_id", "username"])
    GUARD.check_shape(
        backend,
        "confirm_forgot_password",
        ["self", "client_id", "username", "password", "confirmation_code"],
    )
    GUARD.check_shape(backend, "_validate_password", ["self", "user_pool_id", "password"])
    GUARD.check_shape(CognitoIdpUserPool, "_get_user", ["self", "username"])
    original = backend.forgot_password

    def forgot_password(self: Any, client_id: str, username: str) -> tuple[str | None, Any]:
        _pool, user = _pool_and_user(self, client_id, username)
        if user is not None:
            now = time.time()
            asked = [
                t
                for t in getattr(user, "_tthc_reset_asked", [])
                if now - t < REQUEST_WINDOW_SECONDS
            ]
            if len(asked) >= MAX_REQUESTS:
                raise _error(
                    "LimitExceededException", "Attempt limit exceeded, please try after some time."
                )
            user._tthc_reset_asked = [*asked, now]
        _code, response = original(self, client_id, username)  # delivery details, as moto has them
        if user is None:
            return None, response
        code = f"{secrets.randbelow(1_000_000):06d}"
        user.confirmation_code = code
        user._tthc_code_until = time.time() + CODE_SECONDS
        user._tthc_wrong_codes = 0
        return code, response

    def confirm_forgot_password(
        self: Any, client_id: str, username: str, password: str, confirmation_code: str
    ) -> None:
        pool, user = _pool_and_user(self, client_id, username)
        mismatch = _error("CodeMismatchException", "Invalid verification code provided.")
        if user is None:
            raise mismatch
        if getattr(user, "_tthc_wrong_codes", 0) >= MAX_WRONG_CODES:
            raise _error(
                "LimitExceededException", "Attempt limit exceeded, please try after some time."
            )
        if not user.confirmation_code or time.time() > getattr(user, "_tthc_code_until", 0):
            raise _error(
                "ExpiredCodeException", "Invalid code provided, please request a code again."
            )
        if not secrets.compare_digest(str(confirmation_code), user.confirmation_code):
            user._tthc_wrong_codes = getattr(user, "_tthc_wrong_codes", 0) + 1
            raise mismatch
        self._validate_password(pool.id, password)
        user.password = password
        user.confirmation_code = None
        if user.status in ("RESET_REQUIRED", "FORCE_CHANGE_PASSWORD"):
            user.status = "CONFIRMED"

    backend.forgot_password = forgot_password
    backend.confirm_forgot_password = confirm_forgot_password
    backend._tthc_forgot_password = True
