"""The one page cursor (chalicelib.store.cursor) and the one page-size parser."""

from __future__ import annotations

import base64
import json

import pytest

from chalicelib.domain.errors import DomainError, InvalidInput
from chalicelib.services.paging import page_limit
from chalicelib.settings import Settings
from chalicelib.store.cursor import (
    CursorCodec,
    cursors,
    decode_key,
    encode_key,
    key_scope,
)

KEY = b"k" * 32
SCOPE = key_scope("UNITS")
STATE = {"PK": {"S": "UNITS"}, "SK": {"S": "UNIT#H33.50"}}


def _refused(codec: CursorCodec, cursor: str, scope: str = SCOPE) -> InvalidInput:
    with pytest.raises(InvalidInput) as info:
        codec.decode(cursor, scope)
    err = info.value
    assert (err.status, err.code, err.field) == (400, "invalid_cursor", "cursor")
    assert "không hợp lệ" in err.message_vi
    return err


def test_round_trip_gives_back_the_state() -> None:
    codec = CursorCodec(KEY)
    cursor = codec.encode(STATE, SCOPE)
    assert codec.decode(cursor, SCOPE) == STATE
    assert codec.decode(None, SCOPE) is None
    assert codec.decode("", SCOPE) is None
    assert cursor.count(".") == 1


def test_an_edited_payload_is_refused() -> None:
    codec = CursorCodec(KEY)
    cursor = codec.encode(STATE, SCOPE)
    payload, tag = cursor.split(".")
    forged = {"PK": {"S": "UNITS"}, "SK": {"S": "UNIT#ZZZ"}}
    raw = base64.urlsafe_b64encode(json.dumps(forged).encode()).decode().rstrip("=")
    _refused(codec, f"{raw}.{tag}")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    _refused(codec, f"{flipped}.{tag}")


def test_an_edited_tag_or_garbage_is_refused() -> None:
    codec = CursorCodec(KEY)
    payload, tag = codec.encode(STATE, SCOPE).split(".")
    _refused(codec, f"{payload}.{tag[:-2]}")
    _refused(codec, f"{payload}.")
    _refused(codec, payload)  # no tag at all: the old unsigned base64 cursors
    _refused(codec, "not a cursor")
    _refused(codec, "%%%.***")
    _refused(codec, "a." * 3000)  # too long: refused before decoding


def test_a_cursor_of_another_list_or_caller_is_refused() -> None:
    codec = CursorCodec(KEY)
    cursor = codec.encode(STATE, SCOPE)
    _refused(codec, cursor, key_scope("CATALOG"))
    _refused(codec, cursor, key_scope("UNITS", index="GSI1"))
    mine = codec.encode({"p": {"s": 3}}, key_scope("access-log", extra="citizen-a"))
    assert codec.decode(mine, key_scope("access-log", extra="citizen-a")) == {"p": {"s": 3}}
    _refused(codec, mine, key_scope("access-log", extra="citizen-b"))


def test_a_cursor_signed_with_another_key_is_refused() -> None:
    cursor = CursorCodec(b"x" * 32).encode(STATE, SCOPE)
    _refused(CursorCodec(KEY), cursor)


def test_decode_key_accepts_only_dynamodb_keys() -> None:
    settings = Settings(cursor_signing_key="s" * 40)
    cursor = encode_key(STATE, SCOPE, settings)
    assert cursor is not None
    assert decode_key(cursor, SCOPE, settings) == STATE
    assert encode_key(None, SCOPE, settings) is None
    not_a_key = cursors(settings).encode(["PK"], SCOPE)  # signed by us, but no key
    with pytest.raises(InvalidInput):
        decode_key(not_a_key, SCOPE, settings)


def test_the_key_comes_from_settings_and_must_be_long_enough(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    a = cursors(Settings(cursor_signing_key="a" * 40))
    b = cursors(Settings(cursor_signing_key="b" * 40))
    with pytest.raises(InvalidInput):
        b.decode(a.encode(STATE, SCOPE), SCOPE)
    with pytest.raises(DomainError) as info:
        cursors(Settings(cursor_signing_key="short"))
    assert (info.value.status, info.value.code) == (503, "cursor_not_configured")
    monkeypatch.delenv("AWS_LAMBDA_FUNCTION_NAME", raising=False)
    local = cursors(Settings())  # no key outside Lambda: one random key for this process
    assert local.decode(local.encode(STATE, SCOPE), SCOPE) == STATE
    monkeypatch.setenv("AWS_LAMBDA_FUNCTION_NAME", "tthc-api")
    with pytest.raises(DomainError) as info:
        cursors(Settings())  # in Lambda a missing key is a configuration error
    assert info.value.code == "cursor_not_configured"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(None, 20), ("", 20), ("1", 1), ("100", 100), (" 7 ", 7), (30, 30)],
)
def test_page_limit_accepts_1_to_the_maximum(raw: str | int | None, expected: int) -> None:
    assert page_limit(raw) == expected


@pytest.mark.parametrize("raw", ["0", "101", "-1", "abc", "1.5", "1e2"])
def test_page_limit_names_the_field_and_the_range(raw: str) -> None:
    with pytest.raises(InvalidInput) as info:
        page_limit(raw)
    err = info.value
    assert (err.status, err.field) == (400, "limit")
    assert "1 đến 100" in err.message_vi and "1 to 100" in err.message_en


def test_page_limit_default_and_maximum_are_per_list() -> None:
    assert page_limit(None, default=50) == 50
    assert page_limit("200", maximum=200) == 200
    with pytest.raises(InvalidInput) as info:
        page_limit("201", maximum=200)
    assert "1 đến 200" in info.value.message_vi
