"""What every printed form and report shares: the vendored Unicode font and Vietnamese layout bits.

Lambda has no system fonts, so DejaVu ships in `fonts/`. fpdf2 is never imported here at module
level (documents are rendered on few requests).

Fonts are parsed once per process (`_font_template`): fpdf2's `add_font` reads the whole TTF on
every document (cmap, widths, glyph ids: most of a render's time), so each document gets a copy
of a template parsed once, sharing its read-only tables (widths, cmap, glyph ids, descriptor),
with the per-document state fresh: its own glyph subset and its own fontTools font to subset at
output (fpdf2's subsetter changes that object in place, so it is never shared).
"""

from __future__ import annotations

import copy
import threading
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_DIR = Path(__file__).parent / "fonts"
FONT_FAMILY = "DejaVu"
# Pre-subset to the characters Vietnamese documents print (infra/subset_fonts.py makes them).
FONT_FILES = {"": "DejaVuSans-VN.ttf", "B": "DejaVuSans-Bold-VN.ttf"}

NO_DATE = datetime(2000, 1, 1, tzinfo=UTC)  # documents that speak for no instant of their own

_lock = threading.Lock()
_templates: dict[str, tuple[Any, bytes]] = {}


def _font_template(style: str) -> tuple[Any, bytes]:
    """The style's font as fpdf2 parses it, and the file's bytes: read once per process."""
    found = _templates.get(style)
    if found is not None:
        return found
    with _lock:
        found = _templates.get(style)
        if found is None:
            from fpdf import FPDF

            path = FONT_DIR / FONT_FILES[style]
            scratch = FPDF()
            scratch.add_font(FONT_FAMILY, style, path)
            found = (scratch.fonts[f"{FONT_FAMILY.lower()}{style}"], path.read_bytes())
            _templates[style] = found
    return found


def forget_fonts() -> None:
    """Drop the parsed fonts (tests: the next document parses them again)."""
    with _lock:
        _templates.clear()


def add_fonts(pdf: FPDF) -> None:
    """DejaVu regular and bold on `pdf`, as `pdf.add_font` would add them, from the templates."""
    import io

    from fontTools.ttLib import TTFont
    from fpdf.fonts import SubsetMap

    for style in FONT_FILES:
        template, raw = _font_template(style)
        font = copy.copy(template)  # shares the read-only tables (cw, cmap, glyph_ids, desc)
        font.i = len(pdf.fonts) + 1
        font.ttfont = TTFont(io.BytesIO(raw), recalcTimestamp=False, lazy=True)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.subset = SubsetMap(font)
        pdf.fonts[font.fontkey] = font


def nfc(text: str) -> str:
    """Compose diacritics: decomposed input (e.g. typed on macOS) would print detached marks."""
    return unicodedata.normalize("NFC", text)


def prepare(
    pdf: FPDF,
    *,
    margin: float,
    top: float,
    bottom: float,
    title: str,
    created_at: datetime | None = None,
) -> None:
    """Fonts, margins, page breaks and metadata, the same for every document.

    The PDF's creation date is the instant the document speaks for (`created_at`: a receipt's
    reception, a result's issue), else a fixed one (fpdf2 always writes one), never the render's
    clock: the same input gives the same bytes (and /ID, which fpdf2 hashes from the content)."""
    add_fonts(pdf)
    pdf.set_creation_date(created_at or NO_DATE)
    pdf.set_margins(margin, top, margin)
    pdf.set_auto_page_break(auto=True, margin=bottom)
    pdf.set_title(nfc(title))
    pdf.set_lang("vi")
    pdf.set_creator("tthc")


def centered(pdf: FPDF, x: float, w: float, h: float, text: str, style: str, size: float) -> None:
    """A centred, wrapping block at column `x`, leaving the cursor below it."""
    pdf.set_font(FONT_FAMILY, style, size)
    pdf.set_x(x)
    pdf.multi_cell(w, h, nfc(text), align="C", new_x="LEFT", new_y="NEXT")


def rule_under(pdf: FPDF, x: float, w: float, length: float) -> None:
    """The short line under the agency name and the national motto, as on official forms."""
    y = pdf.get_y() + 0.6
    pdf.set_line_width(0.25)
    pdf.line(x + (w - length) / 2, y, x + (w + length) / 2, y)
