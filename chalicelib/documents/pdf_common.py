"""What every printed form and report shares: the vendored Unicode font and Vietnamese layout bits.

Lambda has no system fonts, so DejaVu ships in `fonts/`. fpdf2 is never imported here at module
level (documents are rendered on few requests).
"""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fpdf import FPDF

FONT_DIR = Path(__file__).parent / "fonts"
FONT_FAMILY = "DejaVu"


def nfc(text: str) -> str:
    """Compose diacritics: decomposed input (e.g. typed on macOS) would print detached marks."""
    return unicodedata.normalize("NFC", text)


def prepare(pdf: FPDF, *, margin: float, top: float, bottom: float, title: str) -> None:
    """Fonts, margins, page breaks and metadata, the same for every document."""
    pdf.add_font(FONT_FAMILY, "", FONT_DIR / "DejaVuSans.ttf")
    pdf.add_font(FONT_FAMILY, "B", FONT_DIR / "DejaVuSans-Bold.ttf")
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
