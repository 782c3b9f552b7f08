"""Real files and form data for tests: tiny but well-formed PDFs and images, the demo e-form
examples. Everything here is made by the real libraries (fpdf, Pillow), never hand-faked bytes that
only look right."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
FORM_EXAMPLES: dict[str, dict[str, Any]] = json.loads(
    (ROOT / "data" / "demo" / "form_examples.json").read_text(encoding="utf-8")
)


def minimal_pdf() -> bytes:
    """A tiny but real PDF (magic bytes and structure)."""
    return (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )


def well_formed_pdf() -> bytes:
    """A small one-page PDF with correct xref offsets (what a browser's PDF check wants)."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return out


def pdf_with(extra: bytes) -> bytes:
    """A real PDF whose catalog carries `extra` (e.g. an /OpenAction)."""
    return minimal_pdf().replace(b"/Type/Catalog", b"/Type/Catalog" + extra)


def text_pdf(line: str) -> bytes:
    """A real one-page PDF whose text is `line` (ASCII): an agency's licence standing in a test."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=16)
    pdf.cell(0, 10, line)
    return bytes(pdf.output())


def pdf_text(data: bytes) -> str:
    """The text of every page of a PDF (pypdf)."""
    from pypdf import PdfReader

    return "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def minimal_png() -> bytes:
    """A real 8x8 PNG image."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, format="PNG")
    return buf.getvalue()


def jpeg() -> bytes:
    """A real 64x64 JPEG photo (no face in it)."""
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (64, 64), (120, 90, 60)).save(buf, format="JPEG")
    return buf.getvalue()


def jpeg_with_gps() -> bytes:
    """A real JPEG whose EXIF names the camera maker and a GPS position (Vị Thanh)."""
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (9.0, 47.0, 0.0)  # GPSLatitudeRef, GPSLatitude (Vị Thanh)
    gps[3], gps[4] = "E", (105.0, 28.0, 0.0)
    buf = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 200)).save(buf, format="JPEG", exif=exif)
    return buf.getvalue()


def sample_file(accepted_types: list[str]) -> tuple[bytes, str, str]:
    """A real file of a type the document accepts: (content, content type, extension)."""
    if "application/pdf" in accepted_types:
        return minimal_pdf(), "application/pdf", "pdf"
    return minimal_png(), "image/png", "png"
