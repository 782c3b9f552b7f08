"""The Cognito admin adapter: sign-in proxy for the static web, sign-up, password resets and
account administration. Cognito's errors become domain errors (Vietnamese first).

Token verification stays in api/auth.py; services reach Cognito only through this adapter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from chalicelib.aws import error_code
from chalicelib.domain.errors import Conflict, DomainError, InvalidInput, Unauthorized

if TYPE_CHECKING:
    from chalicelib.settings import Settings


_BAD_CREDENTIALS = (
    "Tên đăng nhập hoặc mật khẩu không đúng.",
    "Incorrect username or password.",
)
# Cognito's throttles: too many sign-ins, codes or wrong codes (the account's own limits).
_THROTTLED = frozenset(
    {"TooManyRequestsException", "LimitExceededException", "TooManyFailedAttemptsException"}
)
# Moto's stand-in for Cognito's e-mail: the reset code comes back in this response header.
MOTO_CODE_HEADER = "x-moto-forgot-password-confirmation-code"


def too_many_attempts() -> DomainError:
    return DomainError(
        "Bạn đã thử quá nhiều lần. Vui lòng thử lại sau.",
        "Too many attempts.",
        code="too_many_requests",
        status=429,
    )


def _code_mismatch() -> InvalidInput:
    return InvalidInput(
        "Mã xác nhận không đúng. Vui lòng kiểm tra lại mã trong thư hoặc yêu cầu mã mới.",
        "The confirmation code is not correct.",
        code="code_mismatch",
        field="code",
    )


def _weak_password() -> InvalidInput:
    return InvalidInput(
        "Mật khẩu chưa đủ mạnh (cần chữ hoa, chữ thường, chữ số và ký tự đặc biệt).",
        "The password does not meet the policy.",
        code="weak_password",
        field="password",
    )


class CognitoAccounts:
    """Thin adapter over a cognito-idp client: sign-in proxy for the static web, sign-up, and
    account creation for the demo loader. Cognito errors become domain errors."""

    def __init__(
        self,
        client: Any,
        *,
        user_pool_id: str,
        client_id: str,
        auto_confirm: bool = False,
    ) -> None:
        self.client = client
        self.user_pool_id = user_pool_id
        self.client_id = client_id
        self.auto_confirm = auto_confirm

    @classmethod
    def from_settings(cls, settings: Settings, client: Any = None) -> CognitoAccounts:
        """`auto_confirm` comes from `settings.auto_confirm` if it exists (the local demo)."""
        if client is None:
            from chalicelib import aws

            client = aws.client("cognito-idp")
        return cls(
            client,
            user_pool_id=settings.user_pool_id,
            client_id=settings.user_pool_client_id,
            auto_confirm=bool(getattr(settings, "auto_confirm", False)),
        )

    @staticmethod
    def _tokens(result: Mapping[str, Any], refresh_token: str | None = None) -> dict[str, Any]:
        return {
            "id_token": result["IdToken"],
            "access_token": result["AccessToken"],
            "refresh_token": result.get("RefreshToken") or refresh_token,
            "expires_in": int(result.get("ExpiresIn", 3600)),
        }

    def sign_in(self, username: str, password: str) -> dict[str, Any]:
        """Tokens for USER_PASSWORD_AUTH. Wrong password and unknown user answer identically."""
        try:
            resp = self.client.initiate_auth(
                AuthFlow="USER_PASSWORD_AUTH",
                ClientId=self.client_id,
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        except Exception as exc:
            code = error_code(exc)
            if code == "NotAuthorizedException" and "disabled" in str(exc).lower():
                raise Unauthorized(
                    "Tài khoản đã bị khóa. Vui lòng liên hệ quản trị viên để mở lại.",
                    "The account is locked.",
                    code="account_locked",
                ) from None
            if code in {
                "NotAuthorizedException",
                "UserNotFoundException",
                "InvalidParameterException",  # e.g. a username Cognito finds malformed
            }:
                raise Unauthorized(*_BAD_CREDENTIALS, code="bad_credentials") from None
            if code == "UserNotConfirmedException":
                raise Unauthorized(
                    "Tài khoản chưa được xác nhận.",
                    "The account is not confirmed yet.",
                    code="user_not_confirmed",
                ) from None
            if code == "PasswordResetRequiredException":
                raise Unauthorized(
                    "Bạn cần đặt lại mật khẩu trước khi đăng nhập.",
                    "A password reset is required.",
                    code="password_reset_required",
                ) from None
            if code == "TooManyRequestsException":
                raise too_many_attempts() from None
            raise
        result = resp.get("AuthenticationResult")
        if not result:
            # A challenge (e.g. NEW_PASSWORD_REQUIRED) the static web cannot answer.
            raise Unauthorized(
                "Tài khoản cần hoàn tất bước xác thực bổ sung. Vui lòng liên hệ quản trị viên.",
                f"Sign-in needs a challenge: {resp.get('ChallengeName', 'unknown')}.",
                code="challenge_required",
            )
        return self._tokens(result)

    def refresh(self, refresh_token: str) -> dict[str, Any]:
        """New ID and access tokens; the refresh token stays the same."""
        try:
            resp = self.client.initiate_auth(
                AuthFlow="REFRESH_TOKEN_AUTH",
                ClientId=self.client_id,
                AuthParameters={"REFRESH_TOKEN": refresh_token},
            )
        except Exception as exc:
            if error_code(exc) in {"NotAuthorizedException", "UserNotFoundException"}:
                raise Unauthorized(
                    "Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại.",
                    "The refresh token is not valid.",
                    code="refresh_invalid",
                ) from None
            raise
        return self._tokens(resp["AuthenticationResult"], refresh_token)

    def sign_up(self, username: str, password: str, email: str, name: str) -> str:
        """Self-registration (a citizen); returns the new `sub`. Confirmed at once only with
        `auto_confirm` (local demo: nobody receives the confirmation code there)."""
        try:
            resp = self.client.sign_up(
                ClientId=self.client_id,
                Username=username,
                Password=password,
                UserAttributes=[
                    {"Name": "email", "Value": email},
                    {"Name": "name", "Value": name},
                ],
            )
        except Exception as exc:
            code = error_code(exc)
            if code == "UsernameExistsException":
                raise Conflict(
                    "Tên đăng nhập đã được sử dụng.",
                    "The username is taken.",
                    code="username_taken",
                    field="username",
                ) from None
            if code == "InvalidPasswordException":
                raise _weak_password() from None
            if code == "InvalidParameterException":
                raise InvalidInput(
                    "Thông tin đăng ký không hợp lệ.",
                    "The sign-up data is not valid.",
                ) from None
            raise
        if self.auto_confirm:
            self.client.admin_confirm_sign_up(UserPoolId=self.user_pool_id, Username=username)
        return str(resp["UserSub"])

    def forgot_password(self, username: str) -> str | None:
        """Ask Cognito to e-mail a password-reset code. Whether the account exists, has a verified
        e-mail or is disabled is never told (every such case returns normally). Returns the code
        only where the local cloud hands it back instead of e-mailing it (moto's header)."""
        try:
            resp = self.client.forgot_password(ClientId=self.client_id, Username=username)
        except Exception as exc:
            code = error_code(exc)
            if code in _THROTTLED:
                raise too_many_attempts() from None
            if code in {
                "UserNotFoundException",
                "InvalidParameterException",  # no verified e-mail or phone to send the code to
                "NotAuthorizedException",  # a disabled account, or resets by the admin only
                "UserNotConfirmedException",
            }:
                return None
            raise
        headers = resp.get("ResponseMetadata", {}).get("HTTPHeaders", {})
        code = str(headers.get(MOTO_CODE_HEADER) or "")
        return code if code.isdigit() else None

    def confirm_forgot_password(self, username: str, code: str, password: str) -> None:
        """Set the new password with the e-mailed code; a wrong, used or expired code, a weak
        password and too many tries become Vietnamese errors (an unknown user is a wrong code)."""
        try:
            self.client.confirm_forgot_password(
                ClientId=self.client_id,
                Username=username,
                ConfirmationCode=code,
                Password=password,
            )
        except Exception as exc:
            err = error_code(exc)
            if err in _THROTTLED:
                raise too_many_attempts() from None
            if err == "ExpiredCodeException":
                raise InvalidInput(
                    "Mã xác nhận đã hết hạn hoặc đã được dùng. Vui lòng yêu cầu mã mới.",
                    "The confirmation code has expired or was used; request a new one.",
                    code="code_expired",
                    field="code",
                ) from None
            if err == "InvalidPasswordException" or (
                err == "InvalidParameterException" and "password" in str(exc).lower()
            ):
                raise _weak_password() from None
            if err in {
                "CodeMismatchException",
                "UserNotFoundException",
                "NotAuthorizedException",
                "InvalidParameterException",
            }:
                raise _code_mismatch() from None
            raise

    def admin_create(
        self,
        username: str,
        password: str,
        attrs: Mapping[str, str] | None = None,
        groups: Iterable[str] = (),
    ) -> str:
        """Create (or update, so the demo loader can rerun) a confirmed account with a permanent
        password and its groups; returns the `sub`. Missing groups are created."""
        attributes = [{"Name": k, "Value": v} for k, v in (attrs or {}).items()]
        try:
            resp = self.client.admin_create_user(
                UserPoolId=self.user_pool_id,
                Username=username,
                UserAttributes=attributes,
                MessageAction="SUPPRESS",
            )
            user_attrs = resp["User"].get("Attributes", [])
        except Exception as exc:
            if error_code(exc) != "UsernameExistsException":
                raise
            if attributes:
                self.client.admin_update_user_attributes(
                    UserPoolId=self.user_pool_id, Username=username, UserAttributes=attributes
                )
            user_attrs = self.client.admin_get_user(
                UserPoolId=self.user_pool_id, Username=username
            ).get("UserAttributes", [])
        self.client.admin_set_user_password(
            UserPoolId=self.user_pool_id, Username=username, Password=password, Permanent=True
        )
        for group in groups:
            self.add_to_group(username, group)
        sub = next((a["Value"] for a in user_attrs if a.get("Name") == "sub"), None)
        if not sub:
            raise RuntimeError(f"Cognito returned no sub for {username!r}")
        return str(sub)

    def add_to_group(self, username: str, group: str) -> None:
        """Add the account to a group, creating the group the first time."""
        kwargs = {"UserPoolId": self.user_pool_id, "Username": username, "GroupName": group}
        try:
            self.client.admin_add_user_to_group(**kwargs)
        except Exception as exc:
            if error_code(exc) != "ResourceNotFoundException":
                raise
            try:
                self.client.create_group(UserPoolId=self.user_pool_id, GroupName=group)
            except Exception as create_exc:
                if error_code(create_exc) != "GroupExistsException":
                    raise
            self.client.admin_add_user_to_group(**kwargs)
