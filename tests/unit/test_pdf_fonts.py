"""The PDFs' fonts: parsed once per process, the same bytes for the same input, every Vietnamese
letter in the shipped (pre-subset) fonts, and the text still readable by a PDF reader."""

from __future__ import annotations

import io
import unicodedata

import pytest
from fontTools.ttLib import TTFont
from pypdf import PdfReader

from chalicelib.documents import pdf_common
from chalicelib.documents.receipt import render_receipt
from chalicelib.documents.result import render_result_pdf
from tests.support.documents import receipt_data as make_data
from tests.support.documents import result_data as make

pytestmark = pytest.mark.unit

VIETNAMESE = (
    "aàảãáạăằẳẵắặâầẩẫấậbcdđeèẻẽéẹêềểễếệghiìỉĩíịklmnoòỏõóọôồổỗốộơờởỡớợpqrstuùủũúụưừửữứựvxyỳỷỹýỵ"
)


def _text(pdf: bytes) -> str:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return unicodedata.normalize("NFC", "\n".join(p.extract_text() for p in pages))


def test_the_same_input_renders_the_same_bytes_with_or_without_parsed_fonts() -> None:
    pdf_common.forget_fonts()
    first = render_receipt(make_data())  # parses the fonts
    second = render_receipt(make_data())  # from the process's templates
    assert first == second
    assert render_result_pdf(make()) == render_result_pdf(make())


def test_a_cached_font_keeps_no_state_from_the_previous_document() -> None:
    # A document with other letters in between must not change the next one's embedded subset.
    before = render_receipt(make_data())
    render_receipt(make_data(applicant_name="Ưng Hoàng Phúc Ỷ Ỳ Ỵ Ỹ", procedure_name="Ŧ ŋ ĸ"))
    assert render_receipt(make_data()) == before


def test_the_pdf_opens_and_carries_the_vietnamese_text() -> None:
    name = "Nguyễn Thị Ánh Dương"
    text = _text(render_receipt(make_data(applicant_name=name)))
    assert name in text
    assert "GIẤY TIẾP NHẬN HỒ SƠ" in text.upper()


@pytest.mark.parametrize("style", sorted(pdf_common.FONT_FILES))
def test_the_shipped_fonts_cover_every_vietnamese_letter(style: str) -> None:
    font = TTFont(pdf_common.FONT_DIR / pdf_common.FONT_FILES[style])
    cmap = font.getBestCmap()
    letters = VIETNAMESE + VIETNAMESE.upper() + "₫–—“”…№0123456789"
    assert [c for c in letters if ord(c) not in cmap] == []
