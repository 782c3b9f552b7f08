"""SigV4 verification with botocore's signer: fakes for the key source and the replay guard."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.api.sigv4 import (
    parse_authorization,
)
from chalicelib.domain.errors import DomainError
from tests.support.signing import (
    HOST,
    KEY_ID,
    SECRET,
    FakeKeys,
    FakeReplay,
    code_of,
    received,
    sign,
    verifier,
)

pytestmark = pytest.mark.unit


def test_a_botocore_signed_request_is_verified() -> None:
    rec = verifier().verify(received(sign()))
    assert rec.agency == "H33.03"


def test_query_and_json_body_are_covered() -> None:
    body = json.dumps({"outcome": "approve", "note": "Đủ điều kiện"}).encode()
    headers = sign(
        "POST", "/api/x", "b=2&a=1&a=0", body, extra={"content-type": "application/json"}
    )
    got = verifier().verify(
        received(headers, "POST", "/api/x", [("b", "2"), ("a", "1"), ("a", "0")], body)
    )
    assert got.access_key_id == KEY_ID
    # the same headers over a changed query value fail
    with pytest.raises(DomainError) as exc:
        verifier().verify(
            received(headers, "POST", "/api/x", [("b", "3"), ("a", "1"), ("a", "0")], body)
        )
    assert code_of(exc) == (401, "signature_mismatch")


def test_a_tampered_body_is_refused() -> None:
    headers = sign("POST", "/api/x", body=b'{"outcome":"approve"}')
    with pytest.raises(DomainError) as exc:
        verifier().verify(received(headers, "POST", "/api/x", body=b'{"outcome":"return"}'))
    assert code_of(exc) == (401, "signature_mismatch")


def test_a_lying_content_hash_header_is_refused() -> None:
    import hashlib

    original = b'{"outcome":"approve"}'
    headers = sign(
        "POST",
        "/api/x",
        body=original,
        extra={"x-amz-content-sha256": hashlib.sha256(original).hexdigest()},
    )
    v = verifier()
    assert v.verify(received(headers, "POST", "/api/x", body=original)).agency == "H33.03"
    with pytest.raises(DomainError) as exc:
        verifier().verify(received(headers, "POST", "/api/x", body=b'{"outcome":"return"}'))
    assert code_of(exc) == (401, "body_hash_mismatch")


def test_wrong_secret_and_unknown_key_are_refused() -> None:
    with pytest.raises(DomainError) as exc:
        verifier().verify(received(sign(secret="x" * 40)))
    assert code_of(exc) == (401, "signature_mismatch")
    assert SECRET not in str(exc.value.message_en) + exc.value.message_vi
    with pytest.raises(DomainError) as exc:
        verifier().verify(received(sign(key_id="AKTTZZZZZZZZZZZZZZZZ")))
    assert code_of(exc) == (401, "key_unknown")


@pytest.mark.parametrize("skew", [-301, 301])
def test_a_date_outside_five_minutes_is_refused(skew: float) -> None:
    with pytest.raises(DomainError) as exc:
        verifier(skew=skew).verify(received(sign()))
    assert code_of(exc) == (401, "request_expired")


def test_a_date_inside_five_minutes_is_accepted() -> None:
    assert verifier(skew=290).verify(received(sign())).agency == "H33.03"


def test_a_replayed_signature_is_refused() -> None:
    replay = FakeReplay()
    headers = sign()
    verifier(replay=replay).verify(received(headers))
    with pytest.raises(DomainError) as exc:
        verifier(replay=replay).verify(received(headers))
    assert code_of(exc) == (403, "signature_replayed")
    assert len(replay.seen) == 1


def test_a_failed_signature_is_not_recorded_as_seen() -> None:
    replay = FakeReplay()
    with pytest.raises(DomainError):
        verifier(replay=replay).verify(received(sign(secret="y" * 40)))
    assert replay.seen == {}


def test_revoked_and_expired_keys_are_refused() -> None:
    from dataclasses import replace

    keys = FakeKeys()
    keys.records[KEY_ID] = replace(keys.records[KEY_ID], status="revoked")
    with pytest.raises(DomainError) as exc:
        verifier(keys).verify(received(sign()))
    assert code_of(exc) == (403, "key_revoked")
    past = (datetime.now(UTC) - timedelta(seconds=1)).isoformat()
    keys.records[KEY_ID] = replace(keys.records[KEY_ID], status="active", expires_at=past)
    with pytest.raises(DomainError) as exc:
        verifier(keys).verify(received(sign()))
    assert code_of(exc) == (403, "key_expired")


def test_another_region_or_service_is_a_scope_error() -> None:
    for kwargs in ({"region": "us-east-1"}, {"service": "s3"}):
        with pytest.raises(DomainError) as exc:
            verifier().verify(received(sign(**kwargs)))
        assert code_of(exc) == (401, "credential_scope")


def test_missing_or_malformed_authorization() -> None:
    with pytest.raises(DomainError) as exc:
        verifier().verify(received({"host": HOST}))
    assert code_of(exc) == (401, "signature_missing")
    with pytest.raises(DomainError) as exc:
        verifier().verify(received({"host": HOST, "authorization": "Bearer abc"}))
    assert code_of(exc) == (401, "signature_missing")
    with pytest.raises(DomainError) as exc:
        parse_authorization("AWS4-HMAC-SHA256 Credential=x, SignedHeaders=host, Signature=zz")
    assert exc.value.code == "signature_malformed"


def test_host_must_be_signed_and_signed_headers_present() -> None:
    headers = sign()
    missing = {k: v for k, v in headers.items() if k != "host"}
    with pytest.raises(DomainError) as exc:
        verifier().verify(received(missing))
    assert code_of(exc) == (401, "signed_headers")


def test_errors_never_echo_the_expected_signature() -> None:
    headers = sign(secret="z" * 40)
    with pytest.raises(DomainError) as exc:
        verifier().verify(received(headers))
    good = sign()["authorization"].rsplit("=", 1)[1]
    text = json.dumps([exc.value.message_vi, exc.value.message_en, exc.value.field])
    assert good not in text and SECRET not in text
    assert exc.value.code == "signature_mismatch"


def test_key_record_public_view_has_no_secret_material() -> None:
    rec = FakeKeys().records[KEY_ID]
    assert "cipher" not in json.dumps(rec.to_public())
    assert set(rec.to_public()) >= {"access_key_id", "agency", "status"}


def test_the_default_service_in_the_scope_is_execute_api() -> None:
    value: Any = verifier()
    assert value.service == "execute-api"
    with pytest.raises(DomainError) as exc:
        value.verify(received(sign(service="execute-apis")))
    assert exc.value.code == "credential_scope"
