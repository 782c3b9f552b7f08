"""Agency API keys: issue, list, rotate, revoke; and the key source the SigV4 verifier reads.

An access key id is 20 characters (`AKTT` + 16 base32), the secret 40 URL-safe characters. The
secret is returned once, by `create` or `rotate`, and otherwise exists only as KMS ciphertext
(encryption context `{"purpose": "agency-api-key", "access_key_id": <id>, "agency": <unit>}`, so
a ciphertext copied onto another key's item does not decrypt). Plaintext secrets are cached in
memory for a few minutes to spare a KMS call per request; revocation still takes effect on the
next request because the key item is read (consistently) every time.

The KMS key is `AGENCY_KEYS_KMS_KEY` (an id, ARN or alias), default `alias/<STACK_NAME>-agency-keys`
as infra/provision.py creates it.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from chalicelib.domain.errors import Conflict, InvalidInput, NotFound
from chalicelib.store.keys import AgencyKeyRecord, AgencyKeyStore, KeyConflict

KMS_KEY_ENV = "AGENCY_KEYS_KMS_KEY"
DEFAULT_GRACE = timedelta(hours=24)
MAX_GRACE = timedelta(days=30)
SECRET_CACHE_SECONDS = 300.0
_B32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def default_kms_key() -> str:
    stack = os.environ.get("STACK_NAME") or "tthc"
    return os.environ.get(KMS_KEY_ENV) or f"alias/{stack}-agency-keys"


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def new_access_key_id() -> str:
    return "AKTT" + "".join(secrets.choice(_B32) for _ in range(16))


def new_secret() -> str:
    return secrets.token_urlsafe(30)  # 40 characters of [A-Za-z0-9_-]


class ByWhom(Protocol):
    @property
    def username(self) -> str: ...


class UnitLookup(Protocol):
    def get_unit(self, code: str) -> Any: ...


@dataclass(frozen=True)
class IssuedKey:
    """The only object that ever carries a plaintext secret out of this module."""

    record: AgencyKeyRecord
    secret_access_key: str

    def to_public(self) -> dict[str, Any]:
        return {
            **self.record.to_public(),
            "secret_access_key": self.secret_access_key,
            "note": "The secret is shown only once; store it now.",
        }

    def __repr__(self) -> str:  # never print the secret by accident
        return f"IssuedKey({self.record.access_key_id}, agency={self.record.agency})"


@dataclass
class AgencyKeys:
    """Key management and the verifier's `KeySource` (find + secret_of)."""

    store: AgencyKeyStore
    kms: Any
    kms_key_id: str
    clock: Callable[[], datetime] = _utcnow
    units: UnitLookup | None = None
    _cache: dict[tuple[str, str], tuple[float, str]] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # ---- encryption -------------------------------------------------------------------------
    @staticmethod
    def _context(access_key_id: str, agency: str) -> dict[str, str]:
        return {"purpose": "agency-api-key", "access_key_id": access_key_id, "agency": agency}

    def _encrypt(self, access_key_id: str, agency: str, secret: str) -> str:
        resp = self.kms.encrypt(
            KeyId=self.kms_key_id,
            Plaintext=secret.encode("ascii"),
            EncryptionContext=self._context(access_key_id, agency),
        )
        return base64.b64encode(resp["CiphertextBlob"]).decode("ascii")

    def secret_of(self, record: AgencyKeyRecord) -> str:
        cache_key = (record.access_key_id, record.secret_ciphertext)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(cache_key)
            if hit is not None and hit[0] > now:
                return hit[1]
        resp = self.kms.decrypt(
            CiphertextBlob=base64.b64decode(record.secret_ciphertext),
            EncryptionContext=self._context(record.access_key_id, record.agency),
        )
        secret = bytes(resp["Plaintext"]).decode("ascii")
        with self._lock:
            self._cache[cache_key] = (now + SECRET_CACHE_SECONDS, secret)
        return secret

    def find(self, access_key_id: str) -> AgencyKeyRecord | None:
        return self.store.get(access_key_id)

    # ---- management -------------------------------------------------------------------------
    def _issue(
        self, agency: str, description: str, by: ByWhom, rotated_from: str = ""
    ) -> IssuedKey:
        key_id, secret = new_access_key_id(), new_secret()
        record = AgencyKeyRecord(
            access_key_id=key_id,
            agency=agency,
            secret_ciphertext=self._encrypt(key_id, agency, secret),
            created_at=_iso(self.clock()),
            created_by=by.username,
            description=description,
            rotated_from=rotated_from,
        )
        return IssuedKey(record, secret)

    def create(self, agency: str, description: str, by: ByWhom) -> IssuedKey:
        agency = agency.strip()
        if not agency or (self.units is not None and self.units.get_unit(agency) is None):
            raise InvalidInput(
                "Đơn vị không tồn tại.", "Unknown agency (unit code).", field="agency"
            )
        issued = self._issue(agency, description.strip()[:200], by)
        self.store.put(issued.record, expected_version=None)
        return issued

    def get(self, access_key_id: str) -> AgencyKeyRecord:
        record = self.store.get(access_key_id)
        if record is None:
            raise NotFound("Không tìm thấy khóa truy cập.", "Access key not found.", field="key_id")
        return record

    def list(self, agency: str | None = None) -> list[AgencyKeyRecord]:
        return self.store.list(agency)

    def rotate(self, access_key_id: str, by: ByWhom, grace: timedelta = DEFAULT_GRACE) -> IssuedKey:
        """A new key for the same agency; the old one stays valid until now + grace."""
        if grace < timedelta(0) or grace > MAX_GRACE:
            raise InvalidInput(
                "Thời gian chuyển tiếp phải từ 0 đến 30 ngày.",
                "The grace period must be between 0 and 30 days.",
                field="grace_seconds",
            )
        old = self.get(access_key_id)
        if old.status != "active" or old.rotated_to:
            raise Conflict(
                "Khóa này đã bị thu hồi hoặc đã được thay thế.",
                "This key is revoked or was already rotated.",
                code="key_not_rotatable",
            )
        issued = self._issue(old.agency, old.description, by, rotated_from=old.access_key_id)
        ending = replace(
            old,
            expires_at=_iso(self.clock() + grace),
            rotated_to=issued.record.access_key_id,
            version=old.version + 1,
        )
        try:
            self.store.put_pair(issued.record, ending, old.version)
        except KeyConflict:
            raise Conflict(
                "Khóa vừa được thay đổi bởi người khác. Vui lòng thử lại.",
                "The key changed meanwhile; try again.",
            ) from None
        return issued

    def revoke(self, access_key_id: str, by: ByWhom) -> AgencyKeyRecord:
        old = self.get(access_key_id)
        if old.status == "revoked":
            return old
        revoked = replace(
            old,
            status="revoked",
            revoked_at=_iso(self.clock()),
            revoked_by=by.username,
            version=old.version + 1,
        )
        try:
            self.store.put(revoked, expected_version=old.version)
        except KeyConflict:
            raise Conflict(
                "Khóa vừa được thay đổi bởi người khác. Vui lòng thử lại.",
                "The key changed meanwhile; try again.",
            ) from None
        with self._lock:
            self._cache.pop((old.access_key_id, old.secret_ciphertext), None)
        return revoked


_default: AgencyKeys | None = None
_pinned = False  # set by set_agency_keys: an injected service is kept as is
_default_lock = threading.Lock()


def get_agency_keys() -> AgencyKeys:
    """The process-wide service (clients from chalicelib.aws; units from the main store)."""
    global _default
    from chalicelib import aws

    with _default_lock:
        if (
            _default is not None
            and not _pinned
            and _default.store.client is not aws.client("dynamodb")
        ):
            _default = None  # the environment changed (aws.reset()): rebuild on new clients
        if _default is None:
            from chalicelib.services.deps import get_deps

            deps = get_deps()
            _default = AgencyKeys(
                store=AgencyKeyStore(aws.client("dynamodb"), deps.settings.table_name),
                kms=aws.client("kms"),
                kms_key_id=default_kms_key(),
                units=deps.store,
            )
        return _default


def set_agency_keys(keys: AgencyKeys | None) -> None:
    """Tests and the local stack inject or forget the service (after the environment changes)."""
    global _default, _pinned
    with _default_lock:
        _default = keys
        _pinned = keys is not None
