"""PAdES signing and validation on a small PDF: keys in (moto's) KMS, the test PKI's certificates,
its timestamp authority and CRLs. Each way a signed file goes wrong fails with its own reason."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain import signatures as sig
from chalicelib.domain.signatures import Reason, SignerRole
from infra.pki import LocalPki, generate
from tests.support.pades import pdfsig, small_pdf

OFFICIAL = sig.FIELD_NAMES[SignerRole.OFFICIAL]
AGENCY = sig.FIELD_NAMES[SignerRole.AGENCY]


@dataclass
class World:
    pki: LocalPki
    kms: Any
    signer: Any
    env: Any

    def der(self, cert: Any) -> bytes:
        from cryptography.hazmat.primitives.serialization import Encoding

        return bytes(cert.public_bytes(Encoding.DER))

    def identity(self, field: str, name: str, **issue: Any) -> Any:
        from cryptography.hazmat.primitives.serialization import load_der_public_key

        from chalicelib.documents.pades import Identity

        kid = self.kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"][
            "KeyId"
        ]
        pub = load_der_public_key(self.signer.public_key_der(kid))
        cert = self.pki.issue(pub, name, "Sở Tư pháp tỉnh Hậu Giang", title="Giám đốc", **issue)  # type: ignore[arg-type]
        chain = tuple(self.der(c) for c in self.pki.chain())
        return Identity(kid, self.der(cert), chain, field, name, "Giám đốc", "Sở Tư pháp")

    @property
    def roots(self) -> tuple[bytes, ...]:
        return (self.der(self.pki.root.cert),)


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    import os

    import boto3
    from moto import mock_aws

    from chalicelib.documents.pades import Environment
    from chalicelib.integrations.signer import KmsSigner
    from infra.moto_patches import kms_digest

    kms_digest.apply()
    for k, v in {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x"}.items():
        os.environ.setdefault(k, v)
    pki = generate("http://127.0.0.1:9")  # nothing listens: revocation data is handed in
    with mock_aws():
        kms = boto3.client("kms", region_name="ap-southeast-1")
        env = Environment(
            trust_roots_der=(),
            timestamper=pki.timestamper(),
            allow_fetching=False,
            crls_der=tuple(pki.crls()),
        )
        w = World(pki, kms, KmsSigner(kms), env)
        w.env = Environment(w.roots, env.timestamper, False, env.crls_der)
        yield w


@pytest.fixture(scope="module")
def signed(world: World) -> tuple[bytes, bytes]:
    """(after the official's signature, after both)."""
    from chalicelib.documents import pades

    boxes = pades.stamp_boxes(595.28, 2)
    one = pades.sign(
        small_pdf(),
        world.signer,
        world.identity(OFFICIAL, "Nguyễn Văn Bình"),
        world.env,
        box=boxes[0],
    )
    two = pades.sign(
        one,
        world.signer,
        world.identity(AGENCY, "Sở Tư pháp tỉnh Hậu Giang"),
        world.env,
        box=boxes[1],
    )
    return one, two


def test_the_kms_digest_signature_is_the_one_aws_makes(world: World) -> None:
    """KMS signs the digest itself (MessageType=DIGEST): the signature verifies with the public
    key over that digest, prehashed, which is what an AWS signature satisfies (moto unpatched
    signs sha256(digest) and fails this)."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import Prehashed
    from cryptography.hazmat.primitives.serialization import load_der_public_key

    kid = world.kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"][
        "KeyId"
    ]
    digest = hashlib.sha256(b"signed attributes").digest()
    signature = world.signer.sign_digest(kid, digest, "sha256", "ec")
    pub: Any = load_der_public_key(world.signer.public_key_der(kid))
    pub.verify(signature, digest, ec.ECDSA(Prehashed(hashes.SHA256())))
    from cryptography.exceptions import InvalidSignature

    with pytest.raises(InvalidSignature):
        pub.verify(signature, hashlib.sha256(digest).digest(), ec.ECDSA(Prehashed(hashes.SHA256())))


def test_two_signatures_official_then_agency_are_valid_for_pyhanko_and_pdfsig(
    world: World, signed: tuple[bytes, bytes]
) -> None:
    from chalicelib.documents import pades

    checks = pades.validate(signed[1], world.roots)
    assert [c.field_name for c in checks] == [OFFICIAL, AGENCY]
    assert sig.judge(checks) is Reason.VALID, checks
    first = checks[0]
    assert first.signer_name == "Nguyễn Văn Bình" and first.title == "Giám đốc"
    assert first.organisation == "Sở Tư pháp tỉnh Hậu Giang"
    assert first.timestamp_time is not None and first.timestamp_trusted
    assert first.ltv and first.revocation_checked and not first.revoked
    assert first.not_before and first.not_after and first.not_before < first.not_after
    report = "\n".join(sig.describe(first))
    assert "Người ký (cá nhân): Nguyễn Văn Bình - Giám đốc" in report
    assert "chưa bị thu hồi" in report and "Kết luận: hợp lệ" in report

    out = pdfsig(signed[1], world.pki.root_pem())
    assert out.count("Signature is Valid.") == 2, out
    assert out.count("Certificate is Trusted.") == 2, out
    assert "Nguyễn Văn Bình" in out and "Sở Tư pháp tỉnh Hậu Giang" in out
    untrusted = pdfsig(signed[1], None)
    assert "Certificate is Trusted." not in untrusted and "Signature is Valid." in untrusted


def test_a_flipped_byte_is_tampering(world: World, signed: tuple[bytes, bytes]) -> None:
    from chalicelib.documents import pades

    data = bytearray(signed[1])
    at = data.index(b"Thong bao")
    data[at] = ord("X")
    checks = pades.validate(bytes(data), world.roots)
    assert sig.judge(checks) is Reason.TAMPERED
    assert "Digest Mismatch" in pdfsig(bytes(data), world.pki.root_pem())


def test_a_removed_signature_leaves_the_result_incomplete(
    world: World, signed: tuple[bytes, bytes]
) -> None:
    from chalicelib.documents import pades

    # The file as it was before the agency's signature: its last revision cut off.
    checks = pades.validate(signed[0], world.roots)
    assert [c.field_name for c in checks] == [OFFICIAL]
    assert sig.judge(checks) is Reason.MISSING_SIGNATURE
    assert sig.judge([]) is Reason.NO_SIGNATURE
    assert pades.validate(small_pdf(), world.roots) == []


def test_the_agency_signing_first_is_the_wrong_order(world: World) -> None:
    from chalicelib.documents import pades

    one = pades.sign(small_pdf(), world.signer, world.identity(AGENCY, "Sở"), world.env)
    two = pades.sign(one, world.signer, world.identity(OFFICIAL, "Bình"), world.env)
    assert sig.judge(pades.validate(two, world.roots)) is Reason.WRONG_ORDER


def test_a_wrong_root_is_untrusted(world: World, signed: tuple[bytes, bytes]) -> None:
    from chalicelib.documents import pades

    other = generate("http://127.0.0.1:9")
    checks = pades.validate(signed[1], (world.der(other.root.cert),))
    assert sig.judge(checks) is Reason.UNTRUSTED
    assert "không tin cậy" in "\n".join(sig.describe(checks[0]))


def test_an_expired_certificate_is_refused_for_signing_and_fails_validation(world: World) -> None:
    from chalicelib.documents import pades

    now = datetime.now(UTC)
    who = world.identity(
        OFFICIAL, "Hết hạn", not_before=now - timedelta(days=400), not_after=now - timedelta(days=1)
    )
    with pytest.raises(pades.SigningError):
        pades.sign(small_pdf(), world.signer, who, world.env)
    made = pades.sign(small_pdf(), world.signer, who, world.env, ltv=False)  # B-T, unchecked
    checks = pades.validate(made, world.roots, extra_crls_der=world.env.crls_der)
    assert checks[0].expired_at_signing
    assert sig.judge(checks) is Reason.EXPIRED


def test_a_revoked_certificate_is_refused_for_signing_and_fails_validation(world: World) -> None:
    from cryptography import x509

    from chalicelib.documents import pades
    from chalicelib.documents.pades import Environment

    who = world.identity(OFFICIAL, "Thu hồi")
    world.pki.revoke(
        x509.load_der_x509_certificate(who.cert_der), datetime.now(UTC) - timedelta(hours=1)
    )
    fresh = Environment(world.roots, world.env.timestamper, False, tuple(world.pki.crls()))
    with pytest.raises(pades.SigningError):
        pades.sign(small_pdf(), world.signer, who, fresh)
    made = pades.sign(small_pdf(), world.signer, who, fresh, ltv=False)
    checks = pades.validate(made, world.roots, extra_crls_der=fresh.crls_der)
    assert checks[0].revoked and checks[0].revocation_date is not None
    assert sig.judge(checks) is Reason.REVOKED
    assert "đã bị thu hồi" in "\n".join(sig.describe(checks[0]))


def test_no_timestamp_authority_is_a_signing_error(world: World) -> None:
    from pyhanko.sign.timestamps import HTTPTimeStamper

    from chalicelib.documents import pades
    from chalicelib.documents.pades import Environment

    down = Environment(
        world.roots, HTTPTimeStamper("http://127.0.0.1:9/tsa", timeout=2), False, world.env.crls_der
    )
    with pytest.raises(pades.SigningError):
        pades.sign(small_pdf(), world.signer, world.identity(AGENCY, "Sở"), down)


# ---- speed without changing the output (bench/pades.py) -----------------------------------------
def _stamp_font(pdf: bytes, field: str) -> Any:
    """The stamp's embedded font program (FontFile2) of signature `field`, as fontTools reads it."""
    import io

    from fontTools import ttLib
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    sig_field = next(s for s in reader.embedded_signatures if s.field_name == field).sig_field
    fonts = sig_field["/AP"]["/N"]["/Resources"]["/Font"]
    name = next(iter(fonts.keys()))
    font = fonts[name]["/DescendantFonts"][0]["/FontDescriptor"]["/FontFile2"]
    return ttLib.TTFont(io.BytesIO(font.data))


def test_a_reused_stamp_font_subset_is_the_subset_pyhanko_makes(world: World) -> None:
    from dataclasses import replace

    from chalicelib.documents import pades

    who = world.identity(AGENCY, "Sở Nội vụ tỉnh Hậu Giang")
    at = datetime(2026, 12, 8, 3, 0, tzinfo=UTC)
    own = replace(world.env, cache_font_subsets=False)
    made = [pades.sign(small_pdf(), world.signer, who, env, now=at) for env in (own, world.env)]
    again = pades.sign(small_pdf(), world.signer, who, world.env, now=at)  # from the cache
    fonts = [_stamp_font(pdf, AGENCY) for pdf in (*made, again)]
    orders = {tuple(f.getGlyphOrder()) for f in fonts}
    assert len(orders) == 1
    widths = [f["hmtx"].metrics for f in fonts]
    assert widths[0] == widths[1] == widths[2]
    drawn = [g for g in fonts[0].getGlyphOrder() if fonts[0]["glyf"][g].numberOfContours]
    assert len(drawn) > 10  # the stamp's letters, not an empty subset

    def outline(f: Any, g: str) -> Any:
        return f["glyf"][g].getCoordinates(f["glyf"])[0]

    for f in fonts[1:]:
        assert all(outline(f, g) == outline(fonts[0], g) for g in drawn)
    for pdf in (*made, again):
        assert sig.judge(pades.validate(pdf, world.roots), "receipt") is Reason.VALID
        assert pdfsig(pdf, world.pki.root_pem()).count("Signature is Valid.") == 1


def test_the_page_size_is_read_through_the_page_tree() -> None:
    """fpdf2 puts the MediaBox on the /Pages node: the page inherits it (A5 is not A4)."""
    from fpdf import FPDF

    from chalicelib.documents import pades

    a5 = FPDF(format="A5")
    a5.add_page()
    assert pades.page_size(bytes(a5.output())) == pytest.approx((419.53, 595.28), abs=0.01)
    assert pades.page_size(small_pdf()) == pytest.approx((595.28, 841.89), abs=0.01)
    assert pades.page_size(b"not a pdf") == pades.A4
    x1, y1, x2, y2 = pades.issued_stamp_box(419.53, 595.28)
    assert 419.53 / 2 < x1 < x2 < 419.53 and 0 < y1 < y2 < 595.28 / 4


# ---- OCSP (B-LT with the responder's answer) -----------------------------------------------------
def test_a_certificate_with_an_ocsp_responder_gets_its_answer_embedded_and_revocation_seen(
    world: World,
) -> None:
    """The twin CA's OCSP responder (infra/local/pki_server.py) answers pyHanko at signing: the
    response sits in the DSS (B-LT), validation reads it offline; once the CA revokes the
    certificate the responder says so and nothing is signed."""
    import io

    from cryptography.hazmat.primitives.serialization import load_der_public_key
    from cryptography.x509 import ocsp
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    from chalicelib.documents import pades
    from infra.local.pki_server import local_pki

    svc = local_pki()
    kid = world.kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"][
        "KeyId"
    ]
    pub = load_der_public_key(world.signer.public_key_der(kid))
    cert = svc.pki.issue(pub, "Sở Nội vụ tỉnh Hậu Giang", "Sở Nội vụ", ocsp=True)  # type: ignore[arg-type]
    chain = tuple(world.der(c) for c in svc.pki.chain())
    who = pades.Identity(kid, world.der(cert), chain, AGENCY, "Sở Nội vụ", "", "Sở Nội vụ")
    roots = (world.der(svc.pki.root.cert),)
    env = pades.Environment(
        roots,
        pades.http_timestamper(svc.tsa_url),
        allow_fetching=True,
        fetcher_backend=pades.fetcher_backend(),
    )
    pdf = pades.sign(small_pdf(), world.signer, who, env)
    dss = DocumentSecurityStore.read_dss(PdfFileReader(io.BytesIO(pdf), strict=False))
    answers = [ocsp.load_der_ocsp_response(o.get_object().data) for o in dss.ocsps]
    mine = [a for a in answers if a.serial_number == cert.serial_number]
    assert mine and mine[0].certificate_status is ocsp.OCSPCertStatus.GOOD
    (check,) = pades.validate(pdf, roots)  # offline: from the file's own DSS
    assert check.revocation_checked and check.ltv and not check.revoked
    assert sig.judge([check], "receipt") is Reason.VALID

    svc.pki.revoke(cert)
    with pytest.raises(pades.SigningError):
        pades.sign(small_pdf(), world.signer, who, env)


def test_the_ocsp_responder_answers_good_revoked_unknown_and_malformed() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509 import ocsp

    pki = generate("http://127.0.0.1:9")
    mine = pki.issue(ec.generate_private_key(ec.SECP256R1()).public_key(), "A", "B", ocsp=True)
    stranger = pki.issue(ec.generate_private_key(ec.SECP256R1()).public_key(), "C", "D")
    pki.ca.issued.discard(stranger.serial_number)  # one this CA never issued, as far as it knows

    def ask(cert: Any) -> Any:
        req = ocsp.OCSPRequestBuilder().add_certificate(cert, pki.ca.cert, hashes.SHA256())
        der = pki.ocsp("ca", req.build().public_bytes(Encoding.DER))
        assert der is not None
        return ocsp.load_der_ocsp_response(der)

    from cryptography.hazmat.primitives.serialization import Encoding

    assert ask(mine).certificate_status is ocsp.OCSPCertStatus.GOOD
    assert ask(stranger).certificate_status is ocsp.OCSPCertStatus.UNKNOWN
    pki.revoke(mine)
    revoked = ask(mine)
    assert revoked.certificate_status is ocsp.OCSPCertStatus.REVOKED
    assert revoked.revocation_time_utc is not None
    bad = pki.ocsp("ca", b"not a request")
    assert bad is not None
    assert ocsp.load_der_ocsp_response(bad).response_status is (
        ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    )
    assert pki.ocsp("nobody", b"") is None


def test_the_stamp_glyph_widths_are_in_thousandths_of_an_em(world: World) -> None:
    """A PDF reads /W in 1/1000 em: the stamp font's widths there must be its advances so
    scaled, or the letters spread apart and the lines run out of the box."""
    import io

    from pyhanko.pdf_utils.reader import PdfFileReader

    from chalicelib.documents import pades

    pdf = pades.sign(small_pdf(), world.signer, world.identity(AGENCY, "Sở Tư pháp"), world.env)
    font = _stamp_font(pdf, AGENCY)
    per_em = font["head"].unitsPerEm
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    sig_field = next(s for s in reader.embedded_signatures if s.field_name == AGENCY).sig_field
    fonts = sig_field["/AP"]["/N"]["/Resources"]["/Font"]
    widths = fonts[next(iter(fonts.keys()))]["/DescendantFonts"][0]["/W"]
    gid = font.getGlyphID("zero")
    advance = font["hmtx"][font.getGlyphName(gid)][0] * 1000 / per_em
    found = None
    for i in range(0, len(widths), 2):
        first, run = int(widths[i]), widths[i + 1]
        if first <= gid < first + len(run):
            found = float(run[gid - first])
    assert found is not None and abs(found - advance) <= 1, (found, advance)
    assert 500 < found < 700  # a digit is about 0.64 em wide in DejaVu Sans
