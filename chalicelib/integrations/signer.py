"""Who holds the signing keys: an adapter that signs a digest with a key it never hands out.

`Signer` (the port, in `chalicelib.domain.signatures`) is what `chalicelib.documents.pades`
needs: the public key of a key id (to check that a certificate belongs to it) and a signature
over a digest. The first implementation is KMS
asymmetric keys (`KmsSigner`: `Sign` with `MessageType="DIGEST"`, so a PDF of any size costs one
request and the private key stays in KMS). A USB token (PKCS#11) or a national CA's remote-signing
service (CSC API) would be other implementations of the same Protocol.

moto signs sha256(digest) for `MessageType="DIGEST"` where AWS signs the digest itself; the local
cloud is patched to behave as AWS does (`infra/moto_patches/kms_digest.py`), and the tests check
each signature with the public key alone, as a third party would.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

# The port itself is pure (domain): `chalicelib.documents.pades` signs through it too.
from chalicelib.domain.signatures import Signer

__all__ = ["KmsSigner", "Signer", "SigningUnavailable"]

# pyHanko digest name -> KMS ECDSA algorithm; the key's curve fixes which one applies.
ECDSA_ALGORITHMS = {"sha256": "ECDSA_SHA_256", "sha384": "ECDSA_SHA_384", "sha512": "ECDSA_SHA_512"}
RSA_ALGORITHMS = {
    "sha256": "RSASSA_PKCS1_V1_5_SHA_256",
    "sha384": "RSASSA_PKCS1_V1_5_SHA_384",
    "sha512": "RSASSA_PKCS1_V1_5_SHA_512",
}


class SigningUnavailable(Exception):
    """The key holder did not sign (key disabled, deleted, service down): retry later."""


@dataclass
class KmsSigner:
    """KMS asymmetric keys (SIGN_VERIFY), reached with boto3."""

    client: Any = None
    _public: dict[str, bytes] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _kms(self) -> Any:
        if self.client is None:
            from chalicelib import aws

            self.client = aws.client("kms")
        return self.client

    def public_key_der(self, key_id: str) -> bytes:
        with self._lock:
            if key_id in self._public:
                return self._public[key_id]
        try:
            der = bytes(self._kms().get_public_key(KeyId=key_id)["PublicKey"])
        except Exception as exc:
            raise SigningUnavailable(f"GetPublicKey {key_id}: {type(exc).__name__}") from exc
        with self._lock:
            self._public[key_id] = der
        return der

    def sign_digest(
        self, key_id: str, digest: bytes, digest_algorithm: str, key_type: str
    ) -> bytes:
        table = ECDSA_ALGORITHMS if key_type == "ec" else RSA_ALGORITHMS
        algorithm = table.get(digest_algorithm.lower())
        if algorithm is None:
            raise ValueError(f"unsupported digest {digest_algorithm} for a {key_type} key")
        try:
            resp = self._kms().sign(
                KeyId=key_id, Message=digest, MessageType="DIGEST", SigningAlgorithm=algorithm
            )
        except Exception as exc:
            raise SigningUnavailable(f"Sign {key_id}: {type(exc).__name__}") from exc
        return bytes(resp["Signature"])
