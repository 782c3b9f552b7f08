"""The upload policy on generated files: names refused or cleaned, content refused or cleaned."""

from __future__ import annotations

import io
import zipfile
import zlib

import pytest

from chalicelib.domain import upload_policy as up
from chalicelib.domain.errors import InvalidInput
from tests.support.samples import jpeg_with_gps, minimal_pdf, minimal_png, pdf_with

pytestmark = pytest.mark.unit

PDF_ONLY = ["application/pdf"]
ANY = ["application/pdf", "image/jpeg", "image/png"]
MB = 1024 * 1024


def judge(body: bytes, accepted: list[str] = ANY, declared: str | None = None) -> up.Verdict:
    return up.inspect_content(
        body, size=len(body), max_bytes=5 * MB, accepted_types=accepted, declared_type=declared
    )


# ---- names -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("giấy đề nghị.pdf", "giấy đề nghị.pdf"),
        ("a\x00b.pdf", "ab.pdf"),
        ("scan\r\n.pdf", "scan.pdf"),
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\an\\cccd.jpg", "cccd.jpg"),
        ("bao\u200bcao.pdf", "baocao.pdf"),
    ],
)
def test_names_are_cleaned(name: str, kept: str) -> None:
    assert up.clean_filename(name) == kept


@pytest.mark.parametrize(
    "name",
    [
        "scan.pdf.exe",
        "anh.jpg.html",
        "report.HTM",
        "invoice.pdf .exe",
        "ho-so\u202efdp.exe",  # shows as "ho-soexe.pdf" in a right-to-left override
        "x.svg",
        "../..",
        "/",
        "\x00\x01",
    ],
)
def test_dangerous_or_empty_names_are_refused_with_the_field(name: str) -> None:
    with pytest.raises(InvalidInput) as err:
        up.clean_filename(name)
    assert err.value.code == "file_name"
    assert err.value.field == "filename"
    assert "Tên tệp" in err.value.message_vi


# ---- content -----------------------------------------------------------------------------
def test_a_plain_pdf_and_png_pass_untouched() -> None:
    ok = judge(minimal_pdf(), declared="application/pdf")
    assert ok.accepted and ok.detected_type == "application/pdf" and ok.cleaned is None
    png = judge(minimal_png(), declared="image/png")
    assert png.accepted and png.cleaned is None and png.note is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"", "file_empty"),
        (b"MZ\x90\x00" + b"\x00" * 200, "file_type"),  # an .exe named scan.pdf
        (b"<html><script>alert(1)</script></html>", "file_type"),
        (minimal_png(), "file_type"),  # a PNG where only PDF is accepted
    ],
)
def test_lies_and_emptiness_are_refused(body: bytes, code: str) -> None:
    v = judge(body, PDF_ONLY, declared="application/pdf")
    assert not v.accepted and v.code == code and v.reason


def test_oversize_is_refused_on_the_real_size() -> None:
    v = up.inspect_content(
        b"%PDF-1.4\n", size=6 * MB, max_bytes=5 * MB, accepted_types=PDF_ONLY, declared_type=None
    )
    assert not v.accepted and v.code == "file_too_large" and "tối đa" in (v.reason or "")


def test_declared_and_real_type_must_agree() -> None:
    v = judge(minimal_png(), declared="image/jpeg")
    assert not v.accepted and v.code == "file_type_mismatch"


@pytest.mark.parametrize(
    ("extra", "kind"),
    [
        (b"/OpenAction<</S/JavaScript/JS(app.alert(1))>>", "JavaScript"),
        (b"/OpenAction 9 0 R/Names<</JavaScript 8 0 R>>", "JavaScript"),
        (b"/OpenAction<</S/Launch/F(cmd.exe)>>", "Launch"),
        (b"/AA<</O<</S/J#61vaScript/J#53(x)>>>>", "JavaScript"),  # name escapes
        (b"/Names<</EmbeddedFiles 7 0 R>>", "EmbeddedFiles"),
    ],
)
def test_pdf_active_content_is_refused(extra: bytes, kind: str) -> None:
    v = judge(pdf_with(extra), PDF_ONLY, declared="application/pdf")
    assert not v.accepted and v.code == "pdf_active_content"
    assert kind in (v.reason or "")


def test_javascript_hidden_in_a_compressed_object_stream_is_found() -> None:
    hidden = zlib.compress(b"9 0 obj<</S/JavaScript/JS(app.alert(1))>>endobj")
    stream = b"8 0 obj<</Type/ObjStm/Filter/FlateDecode/Length %d>>stream\n%s\nendstream endobj\n"
    body = minimal_pdf().replace(b"trailer", stream % (len(hidden), hidden) + b"trailer")
    assert b"JavaScript" not in body  # only visible once inflated
    v = judge(body, PDF_ONLY)
    assert not v.accepted and v.code == "pdf_active_content"


def test_an_open_action_that_only_shows_a_page_is_fine() -> None:
    assert judge(pdf_with(b"/OpenAction[3 0 R/Fit]"), PDF_ONLY).accepted


def test_a_pdf_that_is_also_a_zip_is_refused() -> None:
    """PDF readers read from the end table, unzip tools from the end record: one file, both."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    polyglot = minimal_pdf() + buf.getvalue()
    assert zipfile.is_zipfile(io.BytesIO(polyglot))
    v = judge(polyglot, PDF_ONLY)
    assert not v.accepted and v.code == "file_polyglot"


def test_a_pdf_that_is_also_an_html_page_is_refused() -> None:
    v = judge(minimal_pdf().replace(b"trailer", b"%<html><script>alert(1)</script>\ntrailer"))
    assert not v.accepted and v.code == "file_polyglot"


def test_a_jpeg_with_a_trailing_payload_is_refused() -> None:
    v = judge(jpeg_with_gps() + b"<?php system($_GET['c']); ?>" * 4)
    assert not v.accepted and v.code == "file_polyglot"


def test_html_inside_compressed_pdf_data_is_not_a_false_alarm() -> None:
    """Stream data is binary; only the object structure is read as markup."""
    body = minimal_pdf().replace(
        b"trailer", b"4 0 obj<</Length 12>>stream\n<svg onload>\nendstream endobj\ntrailer"
    )
    assert judge(body, PDF_ONLY).accepted


def test_exif_gps_is_stripped_and_the_image_kept() -> None:
    from PIL import Image

    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825)  # GPS is there
    v = judge(original, ANY, declared="image/jpeg")
    assert v.accepted and v.cleaned is not None and "GPS" in (v.note or "")
    img = Image.open(io.BytesIO(v.cleaned))
    assert img.size == (16, 16)
    assert not img.getexif()  # no EXIF at all, so no GPS
    assert b"Exif\x00\x00" not in v.cleaned
    # pixels are untouched: only header segments were removed
    assert img.tobytes() == Image.open(io.BytesIO(original)).tobytes()
    again = judge(v.cleaned, ANY, declared="image/jpeg")
    assert again.accepted and again.cleaned is None  # idempotent


def test_png_exif_chunk_is_stripped() -> None:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    buf = io.BytesIO()
    Image.new("RGB", (8, 8)).save(buf, format="PNG", exif=exif)
    v = judge(buf.getvalue(), ANY, declared="image/png")
    assert v.accepted and v.cleaned is not None and b"eXIf" not in v.cleaned
    assert Image.open(io.BytesIO(v.cleaned)).size == (8, 8)


def test_a_flate_bomb_is_refused_not_expanded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(up, "MAX_INFLATED", 1024)
    bomb = zlib.compress(b"\x00" * 100_000)
    body = minimal_pdf().replace(
        b"trailer",
        b"5 0 obj<</Filter/FlateDecode>>stream\n" + bomb + b"\nendstream endobj\ntrailer",
    )
    v = judge(body, PDF_ONLY)
    assert not v.accepted and v.code == "pdf_unreadable"
