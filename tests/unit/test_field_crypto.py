"""Envelope encryption of personal-data fields: round trip, tampering, bounded key caching."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.domain.pii_fields import DOSSIER_SUBTREES, is_secret_key, merge, split
from chalicelib.store.pii import FieldCipher, PiiTampered, SearchKey

REGION = "ap-southeast-1"


@pytest.fixture
def kms(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, str]]:
    import boto3
    from moto import mock_aws

    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(k, "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("kms", region_name=REGION)
        key_id = client.create_key()["KeyMetadata"]["Arn"]
        yield client, key_id


class CountingKms:
    """Wraps a KMS client and counts the calls that matter for caching."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.generated = 0
        self.decrypted = 0

    def generate_data_key(self, **kw: Any) -> Any:
        self.generated += 1
        return self.inner.generate_data_key(**kw)

    def decrypt(self, **kw: Any) -> Any:
        self.decrypted += 1
        return self.inner.decrypt(**kw)


DOSSIER = {
    "id": "d1",
    "applicant": {"name": "Nguyễn Văn An", "id_number": "093090001234", "phone": "0912345678"},
    "form_data": {
        "ho_ten": "Nguyễn Văn An",
        "ngay_sinh": "1990-05-01",
        "so_giay_to": "093090001234",
        "me": {"ho_ten": "Lê Thị B", "ngay_sinh": "1965-01-01", "so_giay_to": "093165000111"},
        "qua_trinh": [{"so_dien_thoai": "+84912345678", "noi": "Vị Thanh"}],
        "so_tang": 3,
    },
    "returned": {"channel": "desk", "recipient_id_number": "093090001234"},
    "steps": [],
}


def test_secret_keys_follow_the_masking_vocabulary() -> None:
    for key in ("id_number", "so_giay_to", "so_cccd", "phone", "dien_thoai", "ngay_sinh", "dob"):
        assert is_secret_key(key), key
    for key in ("ho_ten", "noi_sinh", "ngay_cap", "so_tang", "email", "dia_chi"):
        assert not is_secret_key(key), key


def test_split_blanks_every_secret_and_merge_restores_the_document() -> None:
    readable, secrets = split(DOSSIER, DOSSIER_SUBTREES)
    text = json.dumps(readable, ensure_ascii=False)
    for value in ("093090001234", "0912345678", "1990-05-01", "093165000111", "912345678"):
        assert value not in text
    assert readable["form_data"]["so_tang"] == 3 and readable["form_data"]["ho_ten"]
    assert len(secrets) == 8
    assert merge(readable, secrets) == DOSSIER


def test_round_trip_and_binding_to_the_item(kms: tuple[Any, str]) -> None:
    client, key_id = kms
    cipher = FieldCipher(client, key_id)
    _, secrets = split(DOSSIER, DOSSIER_SUBTREES)
    blob = cipher.encrypt(secrets, "DOSSIER#d1|DOSSIER")
    assert "093090001234" not in blob and "0912345678" not in blob
    assert cipher.decrypt(blob, "DOSSIER#d1|DOSSIER") == secrets
    # A fresh process (no cache) decrypts through KMS
    assert FieldCipher(client, key_id).decrypt(blob, "DOSSIER#d1|DOSSIER") == secrets
    # The same blob copied onto another item does not open
    with pytest.raises(PiiTampered):
        cipher.decrypt(blob, "DOSSIER#d2|DOSSIER")


@pytest.mark.parametrize("part", ["ct", "iv", "edk"])
def test_tampering_is_an_error(kms: tuple[Any, str], part: str) -> None:
    client, key_id = kms
    blob = json.loads(FieldCipher(client, key_id).encrypt([(["a"], "093090001234")], "X|Y"))
    import base64

    raw = bytearray(base64.b64decode(blob[part]))
    raw[len(raw) // 2] ^= 0x01
    blob[part] = base64.b64encode(bytes(raw)).decode()
    with pytest.raises(PiiTampered):
        FieldCipher(client, key_id).decrypt(json.dumps(blob), "X|Y")


def test_garbage_is_an_error(kms: tuple[Any, str]) -> None:
    client, key_id = kms
    with pytest.raises(PiiTampered):
        FieldCipher(client, key_id).decrypt("{not json", "X|Y")


def test_data_key_is_cached_but_bounded_by_uses_and_age(kms: tuple[Any, str]) -> None:
    client, key_id = kms
    counting = CountingKms(client)
    now = [1000.0]
    cipher = FieldCipher(counting, key_id, max_age_seconds=300, max_uses=3, clock=lambda: now[0])
    blobs = [cipher.encrypt([(["p"], str(i))], "A|B") for i in range(3)]
    assert counting.generated == 1  # one GenerateDataKey for three items
    assert len({json.loads(b)["edk"] for b in blobs}) == 1
    cipher.encrypt([(["p"], "x")], "A|B")
    assert counting.generated == 2  # the fourth use needs a new data key
    now[0] += 301
    cipher.encrypt([(["p"], "y")], "A|B")
    assert counting.generated == 3  # and so does age

    reader_kms = CountingKms(client)
    reader = FieldCipher(reader_kms, key_id, clock=lambda: now[0])
    for b in blobs:
        reader.decrypt(b, "A|B")
    assert reader_kms.decrypted == 1  # decrypted data keys are cached by encrypted-key bytes


def test_search_key_is_kms_protected_and_stable(kms: tuple[Any, str]) -> None:
    import boto3

    client, key_id = kms
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(
        TableName="t",
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    first = SearchKey(client, key_id, ddb, "t")
    h1 = first.id_hash("093090001234")
    # Another process reads the same (encrypted) key and gets the same hash for any formatting
    second = SearchKey(client, key_id, ddb, "t")
    assert second.id_hash("093 090 001 234") == h1 == second.id_hash("093.090.001.234")
    assert second.id_hash("093090001235") != h1
    assert second.id_hash("") is None
    stored = ddb.get_item(TableName="t", Key={"PK": {"S": "CONFIG"}, "SK": {"S": "PIISEARCHKEY"}})
    assert first.key() not in stored["Item"]["ciphertext"]["B"]
