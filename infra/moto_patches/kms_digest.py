"""KMS: `Sign`/`Verify` with `MessageType="DIGEST"` take the message as the digest, as KMS does.

moto's behaviour: `KmsResponse.sign` reads `MessageType` and ignores it, so a DIGEST is hashed
again and moto signs sha256(digest) (/work/shared/TOOLCHAIN.md, "KMS asymmetric keys"). A PDF
signature made that way does not verify anywhere: pyHanko hands the signer the digest of the CMS
signed attributes and every validator checks the signature over that digest.

Why we need it: results are signed as PAdES signatures with keys that never leave KMS
(`chalicelib.integrations.signer.KmsSigner`, docs/design.md "Signed results (PAdES)"); the local
cloud must sign what AWS would sign, so the same code path is tested. The tests check each
signature with the public key alone (`Prehashed`), which is what AWS's signature satisfies.

With DIGEST the message must be as long as the algorithm's hash (AWS answers ValidationException
otherwise; so does this patch). RAW requests are untouched. Applies to moto in this process.
Idempotent.
"""

from __future__ import annotations

import base64
import functools
import json
from typing import Any

from infra.moto_patches.guard import Guard

GUARD = Guard(__name__, ("5.2.5",))
HASH_BYTES = {"256": 32, "384": 48, "512": 64}


def _hash(algorithm: str) -> Any:
    from cryptography.hazmat.primitives import hashes

    bits = algorithm.rsplit("_", 1)[-1]
    return {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}[bits]


def _digest_args(key: Any, algorithm: str, digest: bytes) -> tuple[Any, tuple[Any, ...]]:
    """The cryptography key and the extra arguments for sign/verify over a prehashed digest."""
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    from moto.kms.exceptions import ValidationException

    if algorithm not in key.signing_algorithms:
        raise ValidationException(
            f"1 validation error detected: Value '{algorithm}' at 'SigningAlgorithm' failed to "
            f"satisfy constraint: Member must satisfy enum value set: {key.signing_algorithms}"
        )
    if len(digest) != HASH_BYTES[algorithm.rsplit("_", 1)[-1]]:
        raise ValidationException("Digest is invalid length for algorithm " + algorithm)
    pre = Prehashed(_hash(algorithm))
    private = key.private_key.private_key
    if algorithm.startswith("ECDSA"):
        return private, (ec.ECDSA(pre),)
    if algorithm.startswith("RSASSA_PSS"):
        pad = padding.PSS(mgf=padding.MGF1(_hash(algorithm)), salt_length=padding.PSS.MAX_LENGTH)
        return private, (pad, pre)
    return private, (padding.PKCS1v15(), pre)


def apply() -> None:
    GUARD.check_version()
    from moto.kms.models import KmsBackend
    from moto.kms.responses import KmsResponse

    response: Any = KmsResponse
    if getattr(response, "_tthc_digest", False):
        return
    GUARD.check_shape(response, "sign", ("self",))
    GUARD.check_shape(response, "verify", ("self",))
    GUARD.check_shape(response, "_get_param", accepts=("param_name",))
    GUARD.check_shape(KmsBackend, "describe_key", ("self", "key_id"))
    sign, verify = response.sign, response.verify

    def _digest_request(self: Any) -> tuple[Any, str, bytes] | None:
        if self._get_param("MessageType") != "DIGEST":
            return None
        self._validate_key_id(self._get_param("KeyId"))
        key = self.kms_backend.describe_key(self._get_param("KeyId"))
        message = self._get_param("Message")
        digest = base64.b64decode(message) if isinstance(message, str) else bytes(message)
        return key, str(self._get_param("SigningAlgorithm")), digest

    @functools.wraps(sign)
    def patched_sign(self: Any) -> str:
        req = _digest_request(self)
        if req is None:
            return str(sign(self))
        key, algorithm, digest = req
        private, args = _digest_args(key, algorithm, digest)
        signature = private.sign(digest, *args)
        return json.dumps(
            {
                "KeyId": key.arn,
                "Signature": base64.b64encode(signature).decode("ascii"),
                "SigningAlgorithm": algorithm,
            }
        )

    @functools.wraps(verify)
    def patched_verify(self: Any) -> str:
        from cryptography.exceptions import InvalidSignature

        req = _digest_request(self)
        if req is None:
            return str(verify(self))
        key, algorithm, digest = req
        private, args = _digest_args(key, algorithm, digest)
        raw = self._get_param("Signature")
        signature = base64.b64decode(raw) if isinstance(raw, str) else bytes(raw)
        try:
            private.public_key().verify(signature, digest, *args)
            valid = True
        except InvalidSignature:
            valid = False
        return json.dumps(
            {"KeyId": key.arn, "SignatureValid": valid, "SigningAlgorithm": algorithm}
        )

    response.sign = patched_sign
    response.verify = patched_verify
    response._tthc_digest = True
