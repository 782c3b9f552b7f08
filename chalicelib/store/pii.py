"""Envelope encryption of personal-data fields, and the keyed hash that finds an ID number.

Encryption (the AWS Encryption SDK's caching-CMM idea, with `cryptography`'s AES-GCM):
- one KMS `GenerateDataKey` (AES-256, encryption context `{"purpose": "pii-field"}`) gives a data
  key that encrypts items for a bounded time and number of uses (settings `pii_data_key_seconds`,
  default 300 s, and `pii_data_key_uses`, default 10 000), then a fresh one is made;
- each item's secrets (see `chalicelib.domain.pii_fields`) are one AES-256-GCM message stored in
  the item's `pii` attribute as compact JSON `{"v": 1, "k": <KMS key ARN>, "edk": <encrypted data
  key, b64>, "iv": <12 bytes, b64>, "ct": <ciphertext+tag, b64>}`. The additional data is the
  item's `PK`/`SK`, so a blob copied onto another item does not decrypt;
- reading decrypts the data key with KMS `Decrypt` once and keeps it in a small LRU keyed by the
  encrypted-key bytes (bounded size and age), so a list of items costs one KMS call, not one per
  item. A tampered blob raises `PiiTampered`; nothing is ever returned half-decrypted.

Search without decrypting: `HMAC-SHA256(search key, "id:" + normalised ID number)`, hex, stored as
an index key. The search key is 32 random bytes from KMS `GenerateDataKey`, kept only as KMS
ciphertext in the item `CONFIG`/`PIISEARCHKEY` (created once, with a condition, encryption context
`{"purpose": "pii-search"}`) and decrypted once per process. Anyone holding the table alone can
neither read the fields nor test a guessed ID number against the index.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.pii_fields import Secrets, normalise_id_number

FIELD_CONTEXT = {"purpose": "pii-field"}
SEARCH_CONTEXT = {"purpose": "pii-search"}
SEARCH_KEY_PK = "CONFIG"
SEARCH_KEY_SK = "PIISEARCHKEY"
DECRYPT_CACHE_SIZE = 256
FORMAT_VERSION = 1


class PiiTampered(Exception):
    """The encrypted part of an item does not authenticate (edited, moved, or a wrong key)."""


def default_key_id() -> str:
    stack = os.environ.get("STACK_NAME") or "tthc"
    return f"alias/{stack}-pii"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


@dataclass
class _DataKey:
    plaintext: bytes
    encrypted: bytes
    key_id: str
    made_at: float
    uses: int = 0


class FieldCipher:
    """Encrypts and decrypts one item's secrets; caches data keys within the bounds given."""

    def __init__(
        self,
        kms: Any,
        key_id: str,
        *,
        max_age_seconds: float = 300.0,
        max_uses: int = 10000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.kms = kms
        self.key_id = key_id
        self.max_age = max_age_seconds
        self.max_uses = max_uses
        self.clock = clock
        self._lock = threading.Lock()
        self._current: _DataKey | None = None
        self._plain_by_edk: OrderedDict[bytes, tuple[bytes, float]] = OrderedDict()
        self.kms_calls = 0  # GenerateDataKey + Decrypt made by this cipher (tests, metrics)

    # ---- data keys ---------------------------------------------------------------------------
    def _encryption_key(self) -> _DataKey:
        now = self.clock()
        with self._lock:
            k = self._current
            if k is None or now - k.made_at >= self.max_age or k.uses >= self.max_uses:
                resp = self.kms.generate_data_key(
                    KeyId=self.key_id, KeySpec="AES_256", EncryptionContext=FIELD_CONTEXT
                )
                self.kms_calls += 1
                k = _DataKey(
                    plaintext=resp["Plaintext"],
                    encrypted=resp["CiphertextBlob"],
                    key_id=str(resp.get("KeyId") or self.key_id),
                    made_at=now,
                )
                self._current = k
                self._remember(k.encrypted, k.plaintext, now)
            k.uses += 1
            return k

    def _remember(self, edk: bytes, plaintext: bytes, now: float) -> None:
        self._plain_by_edk[edk] = (plaintext, now)
        self._plain_by_edk.move_to_end(edk)
        while len(self._plain_by_edk) > DECRYPT_CACHE_SIZE:
            self._plain_by_edk.popitem(last=False)

    def _decryption_key(self, edk: bytes) -> bytes:
        now = self.clock()
        with self._lock:
            hit = self._plain_by_edk.get(edk)
            if hit is not None and now - hit[1] < self.max_age:
                self._plain_by_edk.move_to_end(edk)
                return hit[0]
        try:
            resp = self.kms.decrypt(CiphertextBlob=edk, EncryptionContext=FIELD_CONTEXT)
        except Exception as exc:  # InvalidCiphertextException and friends
            if type(exc).__name__ in ("InvalidCiphertextException", "IncorrectKeyException"):
                raise PiiTampered("the encrypted data key does not decrypt") from exc
            raise
        with self._lock:
            self.kms_calls += 1
            self._remember(edk, resp["Plaintext"], now)
        plaintext: bytes = resp["Plaintext"]
        return plaintext

    # ---- items -------------------------------------------------------------------------------
    def encrypt(self, secrets: Secrets, aad: str) -> str:
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        k = self._encryption_key()
        iv = os.urandom(12)
        body = json.dumps([[list(p), v] for p, v in secrets], ensure_ascii=False).encode()
        ct = AESGCM(k.plaintext).encrypt(iv, body, aad.encode())
        blob = {"v": FORMAT_VERSION, "k": k.key_id, "edk": _b64(k.encrypted), "iv": _b64(iv)}
        blob["ct"] = _b64(ct)
        return json.dumps(blob, separators=(",", ":"))

    def decrypt(self, blob: str, aad: str) -> Secrets:
        from cryptography.exceptions import InvalidTag
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        try:
            doc = json.loads(blob)
            if doc.get("v") != FORMAT_VERSION:
                raise PiiTampered(f"unknown format {doc.get('v')!r}")
            edk, iv, ct = _unb64(doc["edk"]), _unb64(doc["iv"]), _unb64(doc["ct"])
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise PiiTampered("the encrypted part is not readable") from exc
        key = self._decryption_key(edk)
        try:
            body = AESGCM(key).decrypt(iv, ct, aad.encode())
        except InvalidTag as exc:
            raise PiiTampered("the encrypted part does not authenticate") from exc
        return [(list(p), v) for p, v in json.loads(body)]


class SearchKey:
    """The HMAC key for equality search, kept as KMS ciphertext in the table."""

    def __init__(self, kms: Any, key_id: str, dynamodb: Any, table: str) -> None:
        self.kms = kms
        self.key_id = key_id
        self.ddb = dynamodb
        self.table = table
        self._key: bytes | None = None
        self._lock = threading.Lock()

    def _load(self) -> bytes:
        key = {"PK": {"S": SEARCH_KEY_PK}, "SK": {"S": SEARCH_KEY_SK}}
        for _ in range(3):
            item = self.ddb.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
            if item is not None:
                resp = self.kms.decrypt(
                    CiphertextBlob=item["ciphertext"]["B"], EncryptionContext=SEARCH_CONTEXT
                )
                plaintext: bytes = resp["Plaintext"]
                return plaintext
            made = self.kms.generate_data_key(
                KeyId=self.key_id, KeySpec="AES_256", EncryptionContext=SEARCH_CONTEXT
            )
            try:
                self.ddb.put_item(
                    TableName=self.table,
                    Item={**key, "ciphertext": {"B": made["CiphertextBlob"]}},
                    ConditionExpression="attribute_not_exists(PK)",
                )
                fresh: bytes = made["Plaintext"]
                return fresh
            except self.ddb.exceptions.ConditionalCheckFailedException:
                continue  # another process made it first: use theirs
        raise RuntimeError("the search key could not be read or created")

    def key(self) -> bytes:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = self._load()
        return self._key

    def id_hash(self, id_number: str) -> str | None:
        """The index value of an ID number, or None when there is nothing to index."""
        norm = normalise_id_number(id_number)
        if not norm:
            return None
        return hmac.new(self.key(), b"id:" + norm.encode(), hashlib.sha256).hexdigest()


class PiiCodec:
    """What the store needs: a cipher and a search key over one KMS key and table."""

    def __init__(self, cipher: FieldCipher, search: SearchKey) -> None:
        self.cipher = cipher
        self.search = search

    @classmethod
    def from_settings(cls, dynamodb: Any, table: str) -> PiiCodec:
        from chalicelib.aws import client
        from chalicelib.settings import get_settings

        s = get_settings()
        key_id = s.pii_kms_key or default_key_id()
        kms = client("kms")
        cipher = FieldCipher(
            kms, key_id, max_age_seconds=s.pii_data_key_seconds, max_uses=s.pii_data_key_uses
        )
        return cls(cipher, SearchKey(kms, key_id, dynamodb, table))
