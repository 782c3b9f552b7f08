"""The template result PDF: what a citizen reads on the signed result and what the QR opens."""

from __future__ import annotations

import io
import unicodedata
from datetime import UTC, datetime
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from chalicelib.documents.qr import qr_png
from chalicelib.documents.result import (
    NOT_THE_DOCUMENT,
    SIGNED_LINE,
    TITLE,
    ResultData,
    render_result_pdf,
    verify_url,
)

pytestmark = pytest.mark.unit

ID_NUMBER = "093201004567"
RESULT_ID = "0f3c9a7e5b2d4c1a8e6f7a9b0c1d2e3f"
BASE = "https://dichvucong.haugiang.example"


def make(**overrides: Any) -> ResultData:
    values: dict[str, Any] = {
        "result_id": RESULT_ID,
        "authority_name": "UBND TỈNH HẬU GIANG",
        "agency_name": "Sở Tư pháp",
        "place_name": "Hậu Giang",
        "number": "H15.50-261130-0001/KQ",
        "procedure_name": "Cấp phiếu lý lịch tư pháp cho công dân Việt Nam",
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": ID_NUMBER,
        "dossier_code": "H15.50-261130-0001",
        "issued_at": datetime(2026, 12, 3, 2, 30, tzinfo=UTC),
        "verify_url": verify_url(BASE, RESULT_ID),
    }
    values.update(overrides)
    return ResultData(**values)


def text_of(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, unicodedata.normalize("NFC", text)


@pytest.fixture(scope="module")
def sample() -> tuple[bytes, PdfReader, str]:
    pdf = render_result_pdf(make())
    reader, text = text_of(pdf)
    return pdf, reader, text


def test_is_an_a4_pdf(sample: tuple[bytes, PdfReader, str]) -> None:
    pdf, reader, _ = sample
    assert pdf.startswith(b"%PDF-")
    box = reader.pages[0].mediabox
    assert round(float(box.width)) == round(210 / 25.4 * 72)
    assert round(float(box.height)) == round(297 / 25.4 * 72)


def test_prints_title_code_procedure_agency_and_signed_line(
    sample: tuple[bytes, PdfReader, str],
) -> None:
    _, _, text = sample
    assert TITLE in text
    assert "H15.50-261130-0001" in text
    assert "Số: H15.50-261130-0001/KQ" in text
    assert "Cấp phiếu lý lịch tư pháp" in text
    assert "Nguyễn Văn An" in text
    assert "SỞ TƯ PHÁP" in text
    assert SIGNED_LINE in text
    assert "ngày 03 tháng 12 năm 2026" in text  # 09:30 in Vietnam on 3 December


def test_says_it_is_a_notice_not_the_licence(sample: tuple[bytes, PdfReader, str]) -> None:
    """Issue 25: the template is made only when the agency attached no document of its own, and
    must not pass for the licence or certificate."""
    _, _, text = sample
    flat = " ".join(text.split())
    assert TITLE.startswith("THÔNG BÁO") and TITLE in flat
    assert NOT_THE_DOCUMENT in flat
    assert "là kết quả điện tử" not in flat


def test_id_number_is_masked(sample: tuple[bytes, PdfReader, str]) -> None:
    _, _, text = sample
    assert ID_NUMBER not in text
    assert "********4567" in text


def test_no_id_line_without_an_id_number() -> None:
    _, text = text_of(render_result_pdf(make(applicant_id_number="")))
    assert "Số giấy tờ" not in text
    assert TITLE in text


def test_qr_encodes_the_verify_page(sample: tuple[bytes, PdfReader, str]) -> None:
    _, reader, text = sample
    url = f"{BASE}/verify.html?id={RESULT_ID}"
    assert verify_url(BASE + "/", RESULT_ID) == url
    images = reader.pages[0].images
    assert len(images) == 1
    embedded = images[0].image
    assert embedded is not None
    expected = Image.open(io.BytesIO(qr_png(url, box_size=10))).convert("L")
    other = Image.open(io.BytesIO(qr_png(url + "x", box_size=10))).convert("L")
    assert embedded.convert("L").tobytes() == expected.tobytes()
    assert embedded.convert("L").tobytes() != other.tobytes()
    assert RESULT_ID in text.replace("\n", "")


def test_long_procedure_name_still_renders_on_pages_with_the_footer() -> None:
    long_name = "Thủ tục rất dài " * 120
    reader, text = text_of(render_result_pdf(make(procedure_name=long_name)))
    assert len(reader.pages) >= 2
    assert SIGNED_LINE in text
    for page in reader.pages:
        assert "Mã hồ sơ: H15.50-261130-0001" in unicodedata.normalize("NFC", page.extract_text())
