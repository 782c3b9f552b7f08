"""Domain errors carry a stable code and bilingual text, so every layer can answer with them."""

from __future__ import annotations


class DomainError(Exception):
    """A rule was broken. `status` is the HTTP status the API maps it to."""

    status: int = 422
    code: str = "rule_violation"

    def __init__(
        self,
        message_vi: str,
        message_en: str = "",
        *,
        code: str | None = None,
        field: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message_en or message_vi)
        self.message_vi = message_vi
        self.message_en = message_en or message_vi
        self.field = field
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status


class IllegalTransition(DomainError):
    status = 409
    code = "illegal_transition"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class Conflict(DomainError):
    """Someone else changed the record first (optimistic lock) or the action was already taken."""

    status = 409
    code = "conflict"


class Forbidden(DomainError):
    status = 403
    code = "forbidden"


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class InvalidInput(DomainError):
    status = 400
    code = "invalid_input"
