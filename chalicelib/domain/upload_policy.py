"""What an uploaded file may be: pure rules over a name and bytes (no S3, no HTTP).

Two moments:
- `clean_filename(name)` at request time: the name a person sent is only a label, but it is shown
  to staff and saved with the download, so control and bidirectional-override characters are
  removed, a path keeps only its last part, and an executable or web-page extension anywhere in it
  (`scan.pdf.exe`, `anh.jpg.html`) is refused with a 400 naming `filename`.
- `inspect_content(body, ...)` after arrival, on the whole object (bounded by the document's
  `max_bytes`): the real type from the magic bytes, then what a scanner of the accepted types must
  refuse: empty or oversize files, polyglots (a PDF/JPEG/PNG that is also a ZIP archive or an HTML
  page), PDFs with active content (JavaScript, launch actions, embedded files, also inside
  compressed object streams and behind `#xx` name escapes). A JPEG or PNG with EXIF (GPS position,
  camera serial) is neutralised: the metadata segments are removed losslessly and the cleaned bytes
  replace the object; the attachment records that in its note.

Every refusal carries a Vietnamese reason first (what the citizen reads) and an English one.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from dataclasses import dataclass

from chalicelib.domain.errors import InvalidInput

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"

# Extensions that make a file run or render as a page when opened (refused anywhere in a name).
DANGEROUS_EXTENSIONS: frozenset[str] = frozenset(
    {
        "exe", "com", "bat", "cmd", "scr", "pif", "msi", "msp", "dll", "cpl", "hta", "jar",
        "js", "jse", "mjs", "vbs", "vbe", "wsf", "wsh", "ps1", "psm1", "sh", "bash", "lnk",
        "reg", "app", "apk", "html", "htm", "xhtml", "shtml", "svg", "svgz", "xml", "php",
        "phtml", "asp", "aspx", "jsp", "cgi", "pl", "py", "swf", "iso", "img",
    }
)  # fmt: skip

# Control characters (C0, DEL, C1) and the bidirectional controls that let `exe.pdf` read as
# `pdf.exe` (U+202E and friends), plus zero-width characters that hide in names.
_INVISIBLE = re.compile(
    "[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"
)
MAX_FILENAME = 200


def _bad_name(message_vi: str, message_en: str) -> InvalidInput:
    return InvalidInput(message_vi, message_en, code="file_name", field="filename")


def clean_filename(name: str) -> str:
    """The name to keep and show; InvalidInput(code `file_name`, field `filename`) if refused."""
    cleaned = _INVISIBLE.sub("", unicodedata.normalize("NFC", name))
    base = re.split(r"[\\/]", cleaned)[-1].strip().strip(".").strip()
    if not base:
        raise _bad_name(
            "Tên tệp không hợp lệ (không được là đường dẫn hay để trống).",
            "The file name is empty or only a path.",
        )
    parts = base.lower().split(".")
    bad = sorted({p.strip() for p in parts[1:]} & DANGEROUS_EXTENSIONS)
    if bad:
        raise _bad_name(
            f"Tên tệp có phần mở rộng không được phép (.{bad[0]}). "
            "Chỉ tải lên tệp PDF hoặc ảnh JPEG/PNG.",
            f"The file name has a forbidden extension (.{bad[0]}).",
        )
    return base[-MAX_FILENAME:]


# ---- content ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Verdict:
    """The judgement on one object. `cleaned` is set when the object must be replaced by it."""

    accepted: bool
    detected_type: str | None
    reason: str | None = None  # Vietnamese, shown to the person
    reason_en: str | None = None
    code: str | None = None
    cleaned: bytes | None = None
    note: str | None = None  # Vietnamese; what was neutralised in an accepted file


def detect_type(head: bytes) -> str | None:
    """PDF, JPEG or PNG from the first bytes; anything else is None (not a type we accept)."""
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    return None


def _refuse(code: str, vi: str, en: str, detected: str | None) -> Verdict:
    return Verdict(False, detected, reason=vi, reason_en=en, code=code)


# Another format hidden in the same bytes: a ZIP archive (PDF+ZIP, JPEG+JAR; unzip tools find its
# end record in the last 64 KiB) or an HTML page a browser would render if the object were ever
# served inline. Compressed data is skipped for markup (random bytes would match sooner or later).
_ZIP_END = b"PK\x05\x06"
_ZIP_ENTRIES = (b"PK\x03\x04", b"PK\x01\x02")
_ZIP_TAIL = 65_557  # end record (22) + the longest archive comment (65,535)
_HTML_MARKERS = re.compile(rb"<\s*(?:script|html|iframe|svg|!doctype\s+html)\b", re.IGNORECASE)


def _has_zip(body: bytes) -> bool:
    return _ZIP_END in body[-_ZIP_TAIL:] and any(m in body for m in _ZIP_ENTRIES)


def _markup_region(body: bytes, detected: str) -> bytes:
    """The bytes a markup sniffer would read: a PDF without its stream data, an image's headers
    (JPEG segments before the scan, PNG chunks before the image data)."""
    if detected == PDF:
        return _PDF_STREAM.sub(b"stream endstream", body)
    if detected == JPEG:
        segments = _jpeg_segments(body)
        return body[: segments[-1][2]] if segments else body[:4096]
    idat = body.find(b"IDAT")
    return body[: idat if idat > 0 else 4096]


# PDF names for active content. /OpenAction alone is common (open at page 1, fit width); it is
# only dangerous when it runs JavaScript or launches something, which the names below catch.
_PDF_ACTIVE = {
    b"/js": "JavaScript",
    b"/javascript": "JavaScript",
    b"/launch": "Launch",
    b"/embeddedfile": "EmbeddedFile",
    b"/embeddedfiles": "EmbeddedFiles",
    b"/richmedia": "RichMedia",
    b"/submitform": "SubmitForm",
    b"/importdata": "ImportData",
    b"/xfa": "XFA",
}
_PDF_NAME = re.compile(rb"/[A-Za-z0-9#]+")
_PDF_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)
MAX_INFLATED = 64 * 1024 * 1024  # bound decompression: a flate bomb is refused, not expanded


def _pdf_names(data: bytes) -> set[bytes]:
    """Every PDF name token, with `#xx` escapes decoded (`/J#61vaScript` is `/JavaScript`)."""
    names = set()
    for m in _PDF_NAME.finditer(data):
        raw = _PDF_NAME_ESCAPE.sub(lambda e: bytes([int(e.group(1), 16)]), m.group(0))
        names.add(raw.lower())
    return names


def _inflate(stream: bytes, budget: int) -> bytes | None:
    """A Flate stream's bytes (None if it is not one); raises OverflowError past `budget`."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(stream, budget + 1)
    except zlib.error:
        return None
    if len(out) > budget or d.unconsumed_tail:
        raise OverflowError
    return out


def pdf_active_content(body: bytes) -> str | None:
    """The first kind of active content found in a PDF (also in compressed streams), or None."""
    chunks = [body]
    budget = MAX_INFLATED
    for m in _PDF_STREAM.finditer(body):
        try:
            inflated = _inflate(m.group(1), budget)
        except OverflowError:
            return "FlateBomb"
        if inflated:
            budget -= len(inflated)
            chunks.append(inflated)
    for chunk in chunks:
        for name in _pdf_names(chunk):
            if name in _PDF_ACTIVE:
                return _PDF_ACTIVE[name]
    return None


def _jpeg_segments(body: bytes) -> list[tuple[int, int, int]] | None:
    """(marker, start, end) of each header segment before the scan; None if malformed."""
    out: list[tuple[int, int, int]] = []
    i = 2
    while i + 4 <= len(body):
        if body[i] != 0xFF:
            return None
        marker = body[i + 1]
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return out
        length = int.from_bytes(body[i + 2 : i + 4], "big")
        if length < 2:
            return None
        out.append((marker, i, i + 2 + length))
        i += 2 + length
    return None


# APP1 (EXIF with GPS, XMP), APP13 (Photoshop/IPTC: names, places) and comments go; JFIF (APP0),
# ICC colour profiles (APP2) and Adobe (APP14) stay so the image looks the same.
_JPEG_METADATA = {0xE1, 0xED, 0xFE}


def strip_jpeg_metadata(body: bytes) -> bytes | None:
    """The JPEG without metadata segments (pixels untouched); None if there was nothing to strip
    or the header is malformed."""
    segments = _jpeg_segments(body)
    if not segments:
        return None
    drop = [(s, e) for marker, s, e in segments if marker in _JPEG_METADATA]
    if not drop:
        return None
    out = bytearray(body[:2])
    pos = 2
    for s, e in drop:
        out += body[pos:s]
        pos = e
    out += body[pos:]
    return bytes(out)


_PNG_METADATA = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def strip_png_metadata(body: bytes) -> bytes | None:
    """The PNG without EXIF/text chunks; None if there was nothing to strip or it is malformed."""
    out = bytearray(body[:8])
    i, dropped = 8, False
    while i + 12 <= len(body):
        length = int.from_bytes(body[i : i + 4], "big")
        kind = body[i + 4 : i + 8]
        end = i + 12 + length
        if end > len(body):
            return None
        if kind in _PNG_METADATA:
            dropped = True
        else:
            out += body[i:end]
        i = end
        if kind == b"IEND":
            break
    return bytes(out) if dropped else None


def _trailing_after_image(body: bytes, detected: str) -> bool:
    """Bytes after the image's end marker: where a second file hides in an image polyglot."""
    if detected == PNG:
        end = body.rfind(b"IEND")
        return end >= 0 and len(body[end + 8 :].strip(b"\x00")) > 0
    end = body.rfind(b"\xff\xd9")
    return end >= 0 and len(body[end + 2 :].strip(b"\x00\r\n")) > 16


def inspect_content(
    body: bytes,
    *,
    size: int,
    max_bytes: int,
    accepted_types: list[str] | tuple[str, ...],
    declared_type: str | None,
) -> Verdict:
    """Judge an arrived object. `size` is the object's real size (S3's), `body` its bytes (at
    most `max_bytes` of them: an oversize object is refused on its size without reading it all)."""
    detected = detect_type(body[:16])
    if size == 0:
        return _refuse("file_empty", "Tệp rỗng (0 byte).", "The file is empty.", detected)
    if size > max_bytes:
        return _refuse(
            "file_too_large",
            f"Tệp quá lớn ({size} byte), tối đa {max_bytes} byte.",
            f"The file is too large ({size} bytes; at most {max_bytes}).",
            detected,
        )
    if detected not in accepted_types:
        seen = detected or "không xác định được"
        return _refuse(
            "file_type",
            f"Nội dung tệp không phải loại được chấp nhận ({seen}).",
            f"The content is not an accepted type ({detected or 'unknown'}).",
            detected,
        )
    if declared_type and detected != declared_type:
        return _refuse(
            "file_type_mismatch",
            "Nội dung tệp không khớp với loại tệp đã khai báo.",
            "The content does not match the declared type.",
            detected,
        )
    assert detected is not None
    if _has_zip(body):
        return _refuse(
            "file_polyglot",
            "Tệp chứa thêm một tệp nén (ZIP) bên trong, không được chấp nhận.",
            "The file also contains a ZIP archive (polyglot).",
            detected,
        )
    if _HTML_MARKERS.search(_markup_region(body, detected)) or (
        detected != PDF and _trailing_after_image(body, detected)
    ):
        return _refuse(
            "file_polyglot",
            "Tệp chứa nội dung khác (trang web hoặc dữ liệu lạ) bên trong, không được chấp nhận.",
            "The file also contains a web page or trailing data (polyglot).",
            detected,
        )
    if detected == PDF:
        active = pdf_active_content(body)
        if active == "FlateBomb":
            return _refuse(
                "pdf_unreadable",
                "Tệp PDF có dữ liệu nén bất thường, không kiểm tra được nên không được chấp nhận.",
                "The PDF's compressed data expands beyond the checking limit.",
                detected,
            )
        if active:
            return _refuse(
                "pdf_active_content",
                f"Tệp PDF chứa mã hoặc hành động tự chạy ({active}), không được chấp nhận. "
                "Vui lòng in lại ra PDF thường rồi tải lên.",
                f"The PDF contains active content ({active}).",
                detected,
            )
        return Verdict(True, detected)
    cleaned = strip_jpeg_metadata(body) if detected == JPEG else strip_png_metadata(body)
    if cleaned is not None:
        return Verdict(
            True,
            detected,
            cleaned=cleaned,
            note="Đã xóa thông tin kèm theo ảnh (EXIF, vị trí GPS) để bảo vệ dữ liệu cá nhân.",
        )
    return Verdict(True, detected)
