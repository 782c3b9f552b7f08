"""Make the pre-subset fonts the PDFs embed: DejaVu Sans (regular, bold) cut to the characters a
Vietnamese administrative document prints, so fpdf2 parses and subsets ~800 glyphs instead of
~6,000 on every render (issue 22; bench/pdf.py measures it).

    python -m infra.subset_fonts      # writes chalicelib/documents/fonts/DejaVuSans*-VN.ttf

Kept: Basic Latin, Latin-1, Latin Extended-A and -B (foreign names), the combining marks and the
Latin Extended Additional block (every precomposed Vietnamese letter), general punctuation,
currency (₫, €), №, ™, arrows, minus, box drawing, ballot boxes and check marks, U+FFFD. Hinting
is dropped (PDF viewers rasterise outlines themselves); the name table is kept, and the names
contain neither "Bitstream" nor "Vera", as the font's licence requires of modified versions
(LICENSE-DejaVu.txt). The output is deterministic (no timestamp recalculation).
"""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parents[1] / "chalicelib" / "documents" / "fonts"
RANGES = [
    (0x0020, 0x007E),
    (0x00A0, 0x024F),
    (0x02C6, 0x02DD),
    (0x0300, 0x0323),
    (0x1EA0, 0x1EF9),
    (0x2010, 0x2044),
    (0x20AB, 0x20AC),
    (0x2116, 0x2116),
    (0x2122, 0x2122),
    (0x2190, 0x2195),
    (0x2212, 0x2212),
    (0x2500, 0x257F),
    (0x2610, 0x2612),
    (0x2713, 0x2718),
    (0xFFFD, 0xFFFD),
]
SOURCES = {"DejaVuSans.ttf": "DejaVuSans-VN.ttf", "DejaVuSans-Bold.ttf": "DejaVuSans-Bold-VN.ttf"}


def unicodes() -> list[int]:
    return [u for a, b in RANGES for u in range(a, b + 1)]


def main() -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    for source, target in SOURCES.items():
        font = TTFont(FONT_DIR / source, recalcTimestamp=False)
        options = subset.Options()
        options.layout_features = []
        options.name_IDs = ["*"]
        options.name_languages = ["*"]
        options.notdef_outline = True
        options.recalc_timestamp = False
        options.glyph_names = True
        options.hinting = False
        options.drop_tables += ["FFTM", "GPOS", "GSUB", "GDEF", "hdmx", "kern"]
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=unicodes())
        subsetter.subset(font)
        font.save(FONT_DIR / target)
        size = (FONT_DIR / target).stat().st_size
        print(f"{target}: {len(font.getGlyphOrder())} glyphs, {size:,} B")


if __name__ == "__main__":
    main()
