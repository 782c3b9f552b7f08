"""PAdES signatures with pyHanko: sign a PDF with keys that stay with their holder, and validate.

Signing: pyHanko builds the CMS, the incremental update, the visible stamp, the RFC 3161
timestamp and the embedded revocation data (PAdES baseline B-LT: the DSS with certificates and
CRLs/OCSP responses); it asks our `_HeldKeySigner` only for a signature over the digest of the
signed attributes, which goes to the `Signer` adapter (KMS) with the key id. Nothing here writes
CMS, ASN.1 or PDF by hand.

Validation: pyHanko's validator over every embedded signature, with the document's own DSS as
revocation data and the configured trust roots, at the time of the signature's timestamp (what
"valid at signing time" means for B-LT). The facts go into `domain.signatures.SignatureCheck`.

pyHanko is imported here only, and this module only where a PDF is signed or validated.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import io
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.domain.signatures import SignatureCheck

if TYPE_CHECKING:
    from chalicelib.domain.signatures import Signer

# DejaVu Sans cut to Latin and Vietnamese (pyftsubset; see fonts/LICENSE-DejaVu.txt): pyHanko
# subsets the stamp font on every signature, and the full font costs ~200 ms of that. Scaled to
# 1000 units per em (fontTools.ttLib.scaleUpem.scale_upem(font, 1000)): pyHanko writes the glyph
# widths (/W) in the font's own units, which a PDF reads as thousandths of an em, so DejaVu's
# 2048 spread the stamp's letters apart and cut its lines off (tests/unit/test_pades.py).
FONT = Path(__file__).resolve().parent / "fonts" / "DejaVuSans-vi-stamp.ttf"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
MM = 72 / 25.4
STAMP_ZONE_MM = 30.0  # the strip above the footer that the template leaves for the stamps
_STAMP_BOTTOM_MM = 16.0


class SigningError(Exception):
    """The PDF could not be signed (key, certificate, TSA or revocation data): retry later."""


class UnreadablePdf(Exception):
    """pyHanko cannot parse the PDF (no cross-reference table...): the sender must fix it."""


@dataclass(frozen=True)
class Identity:
    """Who signs: their key (held by the Signer), certificate and chain, and the stamp's lines."""

    key_id: str
    cert_der: bytes
    chain_der: tuple[bytes, ...]
    field_name: str
    name: str  # printed on the stamp and in /Name
    title: str
    agency: str
    reason: str = "Ký số văn bản"
    location: str = "Việt Nam"


@dataclass(frozen=True)
class Environment:
    """Trust roots, the timestamp authority and how revocation data is obtained."""

    trust_roots_der: tuple[bytes, ...]
    timestamper: Any  # a pyHanko TimeStamper (`http_timestamper` in the app)
    allow_fetching: bool = True  # fetch CRLs/OCSP from the certificates' URLs
    crls_der: tuple[bytes, ...] = ()  # revocation data handed in (tests without a network)
    # How CRLs/OCSP are fetched: `fetcher_backend()` (requests) in the app; None = pyHanko's
    # default (aiohttp: a new session and a certifi SSL context per signature, ~25 ms each).
    fetcher_backend: Any = None
    cache_font_subsets: bool = True  # reuse the stamp font's subset for the same glyphs
    extra: dict[str, Any] = field(default_factory=dict)


def http_timestamper(url: str, timeout: int = 10) -> Any:
    """The RFC 3161 client the app uses: pyHanko's requests-based one (no per-request session
    or SSL context set-up, which the aiohttp one pays on every signature)."""
    from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

    return RequestsHTTPTimeStamper(url, timeout=timeout)


def fetcher_backend(timeout: int = 10) -> Any:
    """CRL/OCSP/certificate fetching with requests (pyHanko certvalidator's own backend)."""
    from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

    return RequestsFetcherBackend(per_request_timeout=timeout)


# ---- the stamp font: subset once per set of glyphs --------------------------------------------
# pyHanko subsets the stamp font on every signature (fontTools: ~40-60 ms). A stamp's glyphs are
# those of a name, a title, an agency and digits, so the same few sets come back: the subset's
# bytes are kept (bounded) and reused. Same output as pyHanko's own path (tests/unit/test_pades).
_SUBSETS: dict[frozenset[int], bytes] = {}
_SUBSETS_MAX = 256
_subsets_lock = threading.Lock()


def _stamp_font_factory(cache: bool) -> Any:
    from fontTools import ttLib
    from pyhanko.pdf_utils.font.opentype import (
        CIDFontType2,
        GlyphAccumulator,
        GlyphAccumulatorFactory,
    )

    if not cache:
        return GlyphAccumulatorFactory(str(FONT), font_size=7)

    class _StampGlyphs(GlyphAccumulator):
        def _extract_subset(self, options: Any = None) -> None:
            key = frozenset(self._glyphs)
            with _subsets_lock:
                raw = _SUBSETS.get(key)
            if raw is None:
                super()._extract_subset(options)
                buf = io.BytesIO()
                self.tt.save(buf)
                with _subsets_lock:
                    if len(_SUBSETS) >= _SUBSETS_MAX:
                        _SUBSETS.pop(next(iter(_SUBSETS)))
                    _SUBSETS[key] = buf.getvalue()
                return
            if not isinstance(self.cidfont_obj, CIDFontType2):  # a CFF font: pyHanko's way
                super()._extract_subset(options)
                return
            subset = ttLib.TTFont(io.BytesIO(raw))
            base = str(self.cidfont_obj.name).split("+", 1)[-1]
            self.tt = subset
            self.cidfont_obj = CIDFontType2(subset, base, self.subset_prefix)

    class _Factory(GlyphAccumulatorFactory):
        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> Any:
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return _StampGlyphs(
                writer=writer,
                font_handle=io.BytesIO(_font_bytes()),
                font_size=self.font_size,
                obj_stream=obj_stream,
            )

    return _Factory(str(FONT), font_size=7)


@functools.cache
def _font_bytes() -> bytes:
    return FONT.read_bytes()


def _asn1_cert(der: bytes) -> Any:
    from asn1crypto import x509

    return x509.Certificate.load(der)


def _asn1_crl(der: bytes) -> Any:
    from asn1crypto import crl

    return crl.CertificateList.load(der)


def _held_key_signer(adapter: Signer, who: Identity) -> Any:
    """A pyHanko Signer whose private-key operation is one call to the adapter."""
    from pyhanko.sign.signers.pdf_cms import Signer as PyHankoSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    cert = _asn1_cert(who.cert_der)
    key_type = "ec" if cert.public_key.algorithm == "ec" else "rsa"
    size = 72 if key_type == "ec" else cert.public_key.bit_size // 8

    class _HeldKeySigner(PyHankoSigner):
        async def async_sign_raw(
            self, data: bytes, digest_algorithm: str, dry_run: bool = False
        ) -> bytes:
            if dry_run:
                return bytes(size)
            digest = hashlib.new(digest_algorithm, data).digest()
            return await asyncio.to_thread(
                adapter.sign_digest, who.key_id, digest, digest_algorithm, key_type
            )

    return _HeldKeySigner(
        signing_cert=cert,
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in who.chain_der]),
        embed_roots=True,
    )


def stamp_boxes(page_width_pt: float, count: int) -> list[tuple[int, int, int, int]]:
    """Side-by-side stamp rectangles in the strip above the footer (PDF points, bottom-left)."""
    margin = 20 * MM
    gap = 5 * MM
    width = (page_width_pt - 2 * margin - gap * (count - 1)) / count
    y1 = _STAMP_BOTTOM_MM * MM
    y2 = y1 + (STAMP_ZONE_MM - 4) * MM
    return [
        (
            round(margin + i * (width + gap)),
            round(y1),
            round(margin + i * (width + gap) + width),
            round(y2),
        )
        for i in range(count)
    ]


A4 = (595.28, 841.89)


def page_size(pdf: bytes) -> tuple[float, float]:
    """Width and height (points) of the last page, its MediaBox inherited from the page tree as
    PDF allows (fpdf2 puts it on the /Pages node); A4 when the file cannot be walked."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        node: Any = reader.find_page_for_modification(-1)[0].get_object()
        for _ in range(32):  # a page tree is shallow; a loop in a broken file is not followed
            if "/MediaBox" in node:
                media = node["/MediaBox"]
                return float(media[2]) - float(media[0]), float(media[3]) - float(media[1])
            if "/Parent" not in node:
                break
            node = node["/Parent"]
    except Exception:  # a PDF pyHanko cannot walk
        return A4
    return A4


def issued_stamp_box(page_width_pt: float, page_height_pt: float) -> tuple[int, int, int, int]:
    """The agency's stamp on a form it hands out: the right half, in the band above the footer
    (the forms end with the signer's block on the right; the footer line sits ~10 mm up)."""
    margin = 12 * MM if page_height_pt < 700 else 20 * MM  # A5 forms have narrower margins
    x1 = page_width_pt / 2 + 2 * MM
    y1 = 13 * MM
    return (round(x1), round(y1), round(page_width_pt - margin), round(y1 + 17 * MM))


def _validation_context(env: Environment, extra_certs: list[Any]) -> Any:
    from pyhanko_certvalidator import ValidationContext

    kwargs: dict[str, Any] = {}
    if env.fetcher_backend is not None and env.allow_fetching:
        kwargs["fetcher_backend"] = env.fetcher_backend
    return ValidationContext(
        trust_roots=[_asn1_cert(r) for r in env.trust_roots_der],
        other_certs=extra_certs,
        crls=[_asn1_crl(c) for c in env.crls_der],
        allow_fetching=env.allow_fetching,
        revocation_mode="hard-fail",
        **kwargs,
    )


def sign(
    pdf: bytes,
    adapter: Signer,
    who: Identity,
    env: Environment,
    *,
    box: tuple[int, int, int, int] | None = None,
    now: datetime | None = None,
    ltv: bool = True,
) -> bytes:
    """`pdf` with one more PAdES B-LT signature (an incremental update, earlier ones kept).

    The signer's chain is validated first (with revocation, hard-fail): an expired or revoked
    certificate, or revocation data that cannot be had, is a SigningError, as is a TSA that does
    not answer. `ltv=False` makes a B-T signature without that check (only the tests do, to see
    what a validator says about one)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import TextStampStyle

    at = (now or datetime.now(UTC)).astimezone(VN)
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except Exception as exc:
        raise UnreadablePdf(f"{type(exc).__name__}: {exc}") from exc
    if box is None:
        box = stamp_boxes(page_size(pdf)[0], 1)[0]
    meta = signers.PdfSignatureMetadata(
        field_name=who.field_name,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=ltv,
        use_pades_lta=False,
        validation_context=_validation_context(env, [_asn1_cert(c) for c in who.chain_der])
        if ltv
        else None,
        name=who.name,
        reason=who.reason,
        location=who.location,
    )
    style = TextStampStyle(
        stamp_text=("Ký bởi: %(signer)s\n%(title)s\n%(agency)s\nThời gian ký: %(when)s"),
        text_box_style=TextBoxStyle(
            font=_stamp_font_factory(env.cache_font_subsets), font_size=7, leading=9
        ),
        border_width=1,
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=_held_key_signer(adapter, who),
        timestamper=env.timestamper,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(sig_field_name=who.field_name, on_page=-1, box=box),
    )
    out = io.BytesIO()
    try:
        pdf_signer.sign_pdf(
            writer,
            output=out,
            appearance_text_params={
                "signer": who.name,
                "title": who.title or " ",
                "agency": who.agency,
                "when": at.strftime("%H:%M:%S %d/%m/%Y (GMT+7)"),
            },
        )
    except Exception as exc:
        raise SigningError(f"{type(exc).__name__}: {exc}") from exc
    return out.getvalue()


# ---- validation ---------------------------------------------------------------------------------
def _subject(cert: Any, attr: str) -> str:
    value = cert.subject.native.get(attr, "")
    return str(value[-1] if isinstance(value, list) else value)


def _tst_time(embedded: Any) -> datetime | None:
    from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

    for tst in extract_tst_data_iter(embedded.signer_info, signed=False):
        info = tst["encap_content_info"]["content"].parsed
        when: datetime = info["gen_time"].native
        return when
    return None


def validate(
    pdf: bytes,
    trust_roots_der: tuple[bytes, ...],
    *,
    extra_crls_der: tuple[bytes, ...] = (),
    allow_fetching: bool = False,
) -> list[SignatureCheck]:
    """What pyHanko's validator finds for each signature of `pdf`, in file order.

    A file that is not a readable PDF has no signatures (an empty list); a signature that cannot
    be read or checked at all (a damaged copy: one flipped byte in its CMS blob or in the objects
    it points to) is a failed check with pyHanko's words as its problem, never an exception."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation.dss import DocumentSecurityStore

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        sigs = list(reader.embedded_signatures)
    except Exception:
        return []
    try:
        dss: Any = DocumentSecurityStore.read_dss(reader)
    except Exception:  # no DSS: a B-B/B-T signature
        dss = None
    out: list[SignatureCheck] = []
    for sig in sigs:
        try:
            out.append(_check_one(sig, dss, trust_roots_der, extra_crls_der, allow_fetching))
        except Exception as exc:  # pyHanko's reader on damaged bytes: KeyError, PdfReadError, ...
            out.append(
                SignatureCheck(
                    field_name=str(sig.field_name), problem=f"{type(exc).__name__}: {exc}"[:300]
                )
            )
    return out


def _check_one(
    sig: Any,
    dss: Any,
    trust_roots_der: tuple[bytes, ...],
    extra_crls_der: tuple[bytes, ...],
    allow_fetching: bool,
) -> SignatureCheck:
    """One embedded signature through pyHanko's validator."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.errors import SignatureValidationError
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    cert = sig.signer_cert
    ts_time = _tst_time(sig)
    kwargs: dict[str, Any] = {
        "trust_roots": [_asn1_cert(r) for r in trust_roots_der],
        "allow_fetching": allow_fetching,
        "revocation_mode": "hard-fail",
        "crls": [_asn1_crl(c) for c in extra_crls_der],
    }
    if ts_time is not None:
        kwargs["moment"] = ts_time
    if dss is not None:
        vc = dss.as_validation_context(kwargs)
    else:
        from pyhanko_certvalidator import ValidationContext

        vc = ValidationContext(**kwargs)
    from pyhanko_certvalidator import ValidationContext as VC

    ts_vc = VC(
        trust_roots=kwargs["trust_roots"],
        allow_fetching=allow_fetching,
        other_certs=list(dss.load_certs()) if dss is not None else [],
        revocation_mode="soft-fail",
    )
    problem = ""
    try:
        status: Any = validate_pdf_signature(sig, vc, ts_validation_context=ts_vc)
    except (SignatureValidationError, ValueError) as exc:
        return SignatureCheck(
            field_name=str(sig.field_name),
            signer_name=_subject(cert, "common_name"),
            organisation=_subject(cert, "organization_name"),
            title=_subject(cert, "title"),
            problem=f"{type(exc).__name__}: {exc}"[:300],
        )
    moment = ts_time or datetime.now(UTC)
    nb = cert["tbs_certificate"]["validity"]["not_before"].native
    na = cert["tbs_certificate"]["validity"]["not_after"].native
    indic = status.trust_problem_indic
    if indic is not None:
        problem = str(indic.name if hasattr(indic, "name") else indic)
    rev = status.revocation_details
    tsv = status.timestamp_validity
    return SignatureCheck(
        field_name=str(sig.field_name),
        signer_name=_subject(cert, "common_name"),
        organisation=_subject(cert, "organization_name"),
        title=_subject(cert, "title"),
        issuer=str(cert.issuer.native.get("common_name", "")),
        serial=format(cert.serial_number, "x"),
        not_before=nb,
        not_after=na,
        signing_time=status.signer_reported_dt,
        timestamp_time=tsv.timestamp if tsv is not None else None,
        timestamp_trusted=bool(tsv is not None and tsv.intact and tsv.valid and tsv.trusted),
        intact=bool(status.intact),
        valid=bool(status.valid),
        chain_trusted=bool(status.trusted),
        revoked=rev is not None,
        revocation_date=rev.revocation_date if rev is not None else None,
        revocation_checked=bool(status.trusted) or rev is not None,
        expired_at_signing=not (nb <= moment <= na),
        covers_document=status.coverage
        in (SignatureCoverageLevel.ENTIRE_FILE, SignatureCoverageLevel.ENTIRE_REVISION)
        and (status.coverage == SignatureCoverageLevel.ENTIRE_FILE or _allowed(status)),
        ltv=dss is not None and bool(list(dss.crls) or list(dss.ocsps)),
        problem=problem,
    )


def _allowed(status: Any) -> bool:
    """Later revisions only add what signing allows (more signatures, DSS, timestamps)."""
    from pyhanko.sign.diff_analysis import ModificationLevel

    level = status.modification_level
    return level is not None and level <= ModificationLevel.FORM_FILLING
