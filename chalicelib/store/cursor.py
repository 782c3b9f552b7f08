"""The one page cursor: opaque to clients, signed, bound to the list it came from.

A cursor is `<payload>.<tag>`: the payload is the page state (a DynamoDB key, or a list's own
position) as compact JSON in unpadded base64url; the tag is HMAC-SHA256 over a version label, the
list's *scope* and the payload, keyed with CURSOR_SIGNING_KEY. A client can therefore neither
craft a start key nor replay a cursor of one list (or one caller's list) on another: any change
to the payload, any other scope, and any other key fails the tag, and the answer is 400
`invalid_cursor` (field `cursor`, in Vietnamese first).

The key must be the same in every process that serves the lists (each Lambda, the local stack's
processes): the CloudFormation template generates it in Secrets Manager and passes it to every
function; `make run` generates one per run. Without a key, a process outside Lambda signs with a
random key of its own (tests, one-process tools); inside Lambda that is a configuration error
(503). Changing the key invalidates the cursors in flight: a client reloads the list from the
start. Cursors do not expire: a cursor only resumes a Query after a key, so an old one shows the
same rows a fresh read would.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from chalicelib.domain.errors import DomainError, InvalidInput

if TYPE_CHECKING:
    from chalicelib.settings import Settings

CURSOR_FIELD = "cursor"
MIN_KEY_BYTES = 32
MAX_CURSOR_CHARS = 4096  # longer is refused before anything is decoded
_LABEL = b"tthc-cursor-v1"
_TAG_BYTES = 16  # 128-bit tag
_PROCESS_KEY = secrets.token_bytes(MIN_KEY_BYTES)  # only when no key is configured (not Lambda)


def invalid_cursor() -> InvalidInput:
    """The one answer to a cursor that is not one of ours (tampered, garbage, another list)."""
    return InvalidInput(
        "Con trỏ trang (`cursor`) không hợp lệ hoặc thuộc danh sách khác; hãy tải lại danh sách"
        " từ đầu.",
        "The page cursor is not valid for this list; reload the list from the start.",
        code="invalid_cursor",
        field=CURSOR_FIELD,
    )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    """Signs page states into cursors and checks them back, for one key."""

    def __init__(self, key: bytes) -> None:
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"cursor key shorter than {MIN_KEY_BYTES} bytes")
        self._key = key

    def _tag(self, scope: str, payload: str) -> bytes:
        msg = b"\x00".join((_LABEL, scope.encode(), payload.encode()))
        return hmac.new(self._key, msg, hashlib.sha256).digest()[:_TAG_BYTES]

    def encode(self, state: Any, scope: str) -> str:
        """The cursor of `state` (anything JSON can hold) for the list named by `scope`."""
        raw = json.dumps(state, separators=(",", ":"), ensure_ascii=False, sort_keys=True)
        payload = _b64(raw.encode())
        return f"{payload}.{_b64(self._tag(scope, payload))}"

    def decode(self, cursor: str | None, scope: str) -> Any:
        """The state `cursor` was made from, None for no cursor (the first page), or 400
        `invalid_cursor` unless this key signed it for this same `scope`."""
        if not cursor:
            return None
        if len(cursor) > MAX_CURSOR_CHARS:
            raise invalid_cursor()
        payload, dot, tag = cursor.partition(".")
        if not dot:
            raise invalid_cursor()
        try:
            given = _unb64(tag)
        except (ValueError, binascii.Error):
            raise invalid_cursor() from None
        if not hmac.compare_digest(given, self._tag(scope, payload)):
            raise invalid_cursor()
        try:
            return json.loads(_unb64(payload))
        except (ValueError, binascii.Error, UnicodeDecodeError):  # signed by us: never expected
            raise invalid_cursor() from None


@lru_cache(maxsize=4)
def _codec(key: bytes) -> CursorCodec:
    return CursorCodec(key)


def cursors(settings: Settings | None = None) -> CursorCodec:
    """The codec for CURSOR_SIGNING_KEY of `settings` (default: the process's settings)."""
    if settings is None:
        from chalicelib.settings import get_settings

        settings = get_settings()
    key = settings.cursor_signing_key.encode()
    if not key and not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        key = _PROCESS_KEY
    if len(key) < MIN_KEY_BYTES:
        raise DomainError(
            "Hệ thống chưa sẵn sàng phân trang danh sách. Vui lòng thử lại sau.",
            f"CURSOR_SIGNING_KEY is missing or shorter than {MIN_KEY_BYTES} bytes.",
            code="cursor_not_configured",
            status=503,
        )
    return _codec(key)


def key_scope(partition: str, *, index: str | None = None, extra: str = "") -> str:
    """The scope of a Query's cursor: the index, the partition and anything else the list is
    bound to (a sort-key prefix, the direction, the caller)."""
    return f"{index or 'table'}|{partition}|{extra}"


def encode_key(
    key: dict[str, Any] | None, scope: str, settings: Settings | None = None
) -> str | None:
    """A Query's LastEvaluatedKey (or any item key) as a cursor of `scope`; None at the end."""
    if not key:
        return None
    return cursors(settings).encode(key, scope)


def decode_key(
    cursor: str | None, scope: str, settings: Settings | None = None
) -> dict[str, Any] | None:
    """The ExclusiveStartKey of `cursor` (None: the first page), or 400 `invalid_cursor`."""
    state = cursors(settings).decode(cursor, scope)
    if state is None:
        return None
    if not isinstance(state, dict) or not all(
        isinstance(v, dict) and len(v) == 1 for v in state.values()
    ):
        raise invalid_cursor()
    return state
