"""A test PKI that behaves like the national one: root CA, intermediate CA, a timestamp authority,
CRLs, and certificates issued for public keys that live elsewhere (KMS keys' `GetPublicKey`).

Built with `cryptography` (certificates, CRLs) and pyHanko's own RFC 3161 responder
(`pyhanko.sign.timestamps.dummy_client.DummyTimeStamper`, which answers real `TimeStampReq`s with
real `TimeStampResp`s); `infra.local.pki_server` serves both over HTTP as a TSA and a CRL
distribution point would, and can be told to fail. Never used in production: there the trust root
is NEAC's (setting `SIGNING_TRUST_ROOTS`), the TSA a licensed one (`TSA_URL`).

Certificates carry a CRL distribution point `<base_url>/crl/<issuer>.crl`, and on request
(`issue(..., ocsp=True)`) an OCSP responder `<base_url>/ocsp/<issuer>` (RFC 6960, answered by the
issuing CA with `cryptography`'s OCSP builder), so a validator fetches revocation data the way it
would from a real CA and a B-LT signature embeds the CRLs or the OCSP response. One PKI per
process (`local_pki()`), generated in a few milliseconds (EC P-256 CAs; the TSA is RSA-2048
because pyHanko's responder signs with RSA).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric.types import (
        CertificateIssuerPrivateKeyTypes,
        CertificatePublicKeyTypes,
    )

ROOT_NAME = "Test Root CA (TTHC)"
CA_NAME = "Test Signing CA (TTHC)"
TSA_NAME = "Test Timestamp Authority (TTHC)"


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


ABBREVIATIONS = (
    ("Ủy ban nhân dân", "UBND"),
    ("Văn phòng đăng ký", "VP đăng ký"),
    ("thành phố", "TP."),
    ("Trung tâm", "TT"),
)


def fit(value: str, limit: int = 64) -> str:
    """A name within X.509's 64-byte bound (RFC 5280 ub-name): the usual Vietnamese
    abbreviations first (UBND, TP.), then cut at a character boundary."""
    for long, short in ABBREVIATIONS:
        if len(value.encode()) <= limit:
            break
        value = value.replace(long, short).replace(long.lower(), short)
    while len(value.encode()) > limit:
        value = value[:-1]
    return value.strip()


def _name(cn: str, org: str = "TTHC test PKI", title: str = "", locality: str = "") -> x509.Name:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "VN")]
    if locality:
        attrs.append(x509.NameAttribute(NameOID.LOCALITY_NAME, fit(locality)))
    attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, fit(org)))
    if title:
        attrs.append(x509.NameAttribute(NameOID.TITLE, fit(title)))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, fit(cn)))
    return x509.Name(attrs)


@dataclass
class Authority:
    """A CA: its certificate, private key, short name (in CRL URLs) and what it revoked."""

    slug: str
    cert: x509.Certificate
    key: CertificateIssuerPrivateKeyTypes
    revoked: dict[int, datetime] = field(default_factory=dict)  # serial -> revocation time
    issued: set[int] = field(default_factory=set)  # end-entity serials it answers OCSP for


@dataclass
class LocalPki:
    base_url: str
    root: Authority
    ca: Authority
    tsa_cert: x509.Certificate
    tsa_key: Any  # RSA private key
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    # ---- issuing -----------------------------------------------------------------------------
    def crl_url(self, issuer: Authority) -> str:
        return f"{self.base_url.rstrip('/')}/crl/{issuer.slug}.crl"

    def ocsp_url(self, issuer: Authority) -> str:
        return f"{self.base_url.rstrip('/')}/ocsp/{issuer.slug}"

    def issue(
        self,
        public_key: CertificatePublicKeyTypes,
        common_name: str,
        organisation: str,
        *,
        title: str = "",
        locality: str = "",
        not_before: datetime | None = None,
        not_after: datetime | None = None,
        issuer: Authority | None = None,
        ocsp: bool = False,
    ) -> x509.Certificate:
        """A signing certificate (digital signature + non-repudiation) for someone's public key.

        `ocsp=True` adds the OCSP responder (AIA), so a B-LT signature embeds an OCSP response.
        Off by default: poppler's pdfsig (NSS, 22.12) reports any certificate with an OCSP AIA
        as "Unknown issue" without sending the responder any request, so
        the demo and the pdfsig tests use CRLs alone."""
        from cryptography import x509
        from cryptography.x509.oid import AuthorityInformationAccessOID

        now = _now()
        issuer = issuer or self.ca
        aia = x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP,
            x509.UniformResourceIdentifier(self.ocsp_url(issuer)),
        )
        cert = _build(
            subject=_name(common_name, organisation, title, locality),
            public_key=public_key,
            issuer=issuer,
            not_before=not_before or now - timedelta(days=30),
            not_after=not_after or now + timedelta(days=2 * 365),
            ca=False,
            crl_url=self.crl_url(issuer),
            extra=[x509.AuthorityInformationAccess([aia])] if ocsp else [],
            key_usage=x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
        )
        with self.lock:
            issuer.issued.add(cert.serial_number)
        return cert

    def revoke(self, cert: x509.Certificate, at: datetime | None = None) -> None:
        issuer = self.ca if cert.issuer == self.ca.cert.subject else self.root
        with self.lock:
            issuer.revoked[cert.serial_number] = at or _now()

    # ---- revocation data and timestamps ---------------------------------------------------------
    def crl(self, slug: str) -> bytes | None:
        """The current CRL of an issuer (DER), freshly signed; None for an unknown issuer."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.serialization import Encoding

        issuer = {self.root.slug: self.root, self.ca.slug: self.ca}.get(slug)
        if issuer is None:
            return None
        now = _now()
        b = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer.cert.subject)
            .last_update(now - timedelta(minutes=1))
            .next_update(now + timedelta(days=7))
            .add_extension(x509.CRLNumber(int(now.timestamp())), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()),
                critical=False,
            )
        )
        with self.lock:
            revoked = dict(issuer.revoked)
        for serial, at in revoked.items():
            b = b.add_revoked_certificate(
                x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(at).build()
            )
        return b.sign(issuer.key, hashes.SHA256()).public_bytes(Encoding.DER)

    def ocsp(self, slug: str, request_der: bytes) -> bytes | None:
        """An RFC 6960 OCSP response (DER) to `request_der`, signed by the issuer itself (no
        delegated responder): good, revoked (with its time) or unknown (not issued here); the
        request's nonce echoed. None for an unknown issuer; a malformed request is answered
        `malformedRequest`, as a responder does."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.serialization import Encoding
        from cryptography.x509 import ocsp

        issuer = {self.root.slug: self.root, self.ca.slug: self.ca}.get(slug)
        if issuer is None:
            return None
        try:
            req = ocsp.load_der_ocsp_request(request_der)
        except ValueError:
            bad = ocsp.OCSPResponseBuilder.build_unsuccessful(
                ocsp.OCSPResponseStatus.MALFORMED_REQUEST
            )
            return bad.public_bytes(Encoding.DER)
        now = _now()
        with self.lock:
            revoked_at = issuer.revoked.get(req.serial_number)
            known = req.serial_number in issuer.issued
        if revoked_at is not None:
            status = ocsp.OCSPCertStatus.REVOKED
        elif known:
            status = ocsp.OCSPCertStatus.GOOD
        else:
            status = ocsp.OCSPCertStatus.UNKNOWN
        b = ocsp.OCSPResponseBuilder().add_response_by_hash(
            issuer_name_hash=req.issuer_name_hash,
            issuer_key_hash=req.issuer_key_hash,
            serial_number=req.serial_number,
            algorithm=req.hash_algorithm,
            cert_status=status,
            this_update=now - timedelta(minutes=1),
            next_update=now + timedelta(days=1),
            revocation_time=revoked_at,
            revocation_reason=None,
        )
        b = b.responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.cert)
        for ext in req.extensions:
            if isinstance(ext.value, x509.OCSPNonce):
                b = b.add_extension(ext.value, critical=False)
        return b.sign(issuer.key, hashes.SHA256()).public_bytes(Encoding.DER)

    def crls(self) -> list[bytes]:
        return [c for c in (self.crl(self.root.slug), self.crl(self.ca.slug)) if c]

    def timestamper(self) -> Any:
        """pyHanko's in-process RFC 3161 responder over this PKI's TSA certificate."""
        from asn1crypto import keys
        from asn1crypto import x509 as ax509
        from cryptography.hazmat.primitives.serialization import (
            Encoding,
            NoEncryption,
            PrivateFormat,
        )
        from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
        from pyhanko_certvalidator.registry import SimpleCertificateStore

        key = keys.PrivateKeyInfo.load(
            self.tsa_key.private_bytes(Encoding.DER, PrivateFormat.PKCS8, NoEncryption())
        )
        chain = [ax509.Certificate.load(c.public_bytes(Encoding.DER)) for c in self.chain()]
        return DummyTimeStamper(
            tsa_cert=ax509.Certificate.load(self.tsa_cert.public_bytes(Encoding.DER)),
            tsa_key=key,
            certs_to_embed=SimpleCertificateStore.from_certs(chain),
        )

    def chain(self) -> list[x509.Certificate]:
        """The intermediate and root (what a signature embeds above the signer's certificate)."""
        return [self.ca.cert, self.root.cert]

    def root_pem(self) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding

        return self.root.cert.public_bytes(Encoding.PEM)


def _build(
    *,
    subject: x509.Name,
    public_key: CertificatePublicKeyTypes,
    issuer: Authority | None,
    not_before: datetime,
    not_after: datetime,
    ca: bool,
    crl_url: str | None,
    key_usage: x509.KeyUsage,
    extra: list[x509.ExtensionType],
    signing_key: CertificateIssuerPrivateKeyTypes | None = None,
) -> x509.Certificate:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    issuer_name = issuer.cert.subject if issuer else subject
    key = issuer.key if issuer else signing_key
    assert key is not None
    issuer_pub = issuer.cert.public_key() if issuer else public_key
    b = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(key_usage, critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_pub),  # type: ignore[arg-type]
            critical=False,
        )
    )
    if crl_url:
        b = b.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        full_name=[x509.UniformResourceIdentifier(crl_url)],
                        relative_name=None,
                        reasons=None,
                        crl_issuer=None,
                    )
                ]
            ),
            critical=False,
        )
    for ext in extra:
        b = b.add_extension(ext, critical=True)
    return b.sign(key, hashes.SHA256())


def _ca_usage() -> x509.KeyUsage:
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def generate(base_url: str) -> LocalPki:
    """A fresh PKI whose certificates point their CRLs at `base_url`."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID

    now = _now()
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_cert = _build(
        subject=_name(ROOT_NAME),
        public_key=root_key.public_key(),
        issuer=None,
        signing_key=root_key,
        not_before=now - timedelta(days=365),
        not_after=now + timedelta(days=10 * 365),
        ca=True,
        crl_url=None,
        key_usage=_ca_usage(),
        extra=[],
    )
    root = Authority("root", root_cert, root_key)
    base = base_url.rstrip("/")
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = _build(
        subject=_name(CA_NAME),
        public_key=ca_key.public_key(),
        issuer=root,
        not_before=now - timedelta(days=365),
        not_after=now + timedelta(days=5 * 365),
        ca=True,
        crl_url=f"{base}/crl/root.crl",
        key_usage=_ca_usage(),
        extra=[],
    )
    ca = Authority("ca", ca_cert, ca_key)
    tsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tsa_cert = _build(
        subject=_name(TSA_NAME),
        public_key=tsa_key.public_key(),
        issuer=ca,
        not_before=now - timedelta(days=365),
        not_after=now + timedelta(days=5 * 365),
        ca=False,
        crl_url=f"{base}/crl/ca.crl",
        key_usage=x509.KeyUsage(
            digital_signature=True,
            content_commitment=True,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=False,
            crl_sign=False,
            encipher_only=False,
            decipher_only=False,
        ),
        extra=[x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING])],
    )
    return LocalPki(base_url=base, root=root, ca=ca, tsa_cert=tsa_cert, tsa_key=tsa_key)
