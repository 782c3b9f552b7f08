"""Form 01 (receipt) PDF: what a citizen and the desk rely on when they read the printed slip."""

from __future__ import annotations

import io
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pydantic import ValidationError
from pypdf import PdfReader

from chalicelib.documents.pdf_common import FONT_DIR
from chalicelib.documents.qr import qr_png
from chalicelib.documents.receipt import (
    ReceiptData,
    ReceiptDocument,
    render_receipt,
)
from chalicelib.documents.vn_format import (
    format_vn_date,
    format_vn_datetime,
    format_vn_long_date,
    format_vnd,
)

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[2]
LOOKUP_URL = "https://dichvucong.haugiang.example/tra-cuu/H15.50-261130-0001?t=abc123"
A5_PT = (148 / 25.4 * 72, 210 / 25.4 * 72)  # 419.5 x 595.3


def make_data(**overrides: Any) -> ReceiptData:
    values: dict[str, Any] = {
        "authority_name": "UBND TỈNH HẬU GIANG",
        "agency_name": "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
        "place_name": "Hậu Giang",
        "number": "125/TNHS",
        "dossier_code": "H15.50-261130-0001",
        "applicant_name": "Nguyễn Thị Ánh",
        "applicant_address": "Số 12, đường Trần Hưng Đạo, phường Vị Thanh, tỉnh Hậu Giang",
        "applicant_phone": "0912 345 678",
        "applicant_email": "anh.nguyen@example.vn",
        "procedure_name": "Cấp giấy chứng nhận đăng ký hộ kinh doanh",
        "documents": (
            ReceiptDocument(name="Giấy đề nghị đăng ký hộ kinh doanh", form="original"),
            ReceiptDocument(name="Căn cước công dân của chủ hộ", form="certified_copy"),
            ReceiptDocument(name="Biên bản họp thành viên hộ gia đình", form="copy", count=2),
        ),
        "sets": 1,
        "processing_time": "03 ngày làm việc",
        "received_at": datetime(2026, 11, 30, 1, 30, tzinfo=UTC),
        "appointment_at": datetime(2026, 12, 1, 2, 0, tzinfo=UTC),
        "result_place": "Bộ phận Một cửa, Trung tâm Phục vụ hành chính công tỉnh Hậu Giang",
        "register_book": "2026",
        "register_line": 125,
        "officer_name": "Trần Văn Bình",
        "fee_total_vnd": 100000,
        "lookup_url": LOOKUP_URL,
    }
    values.update(overrides)
    return ReceiptData(**values)


def read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, unicodedata.normalize("NFC", text)


@pytest.fixture(scope="module")
def sample() -> tuple[bytes, PdfReader, str]:
    pdf = render_receipt(make_data())
    reader, text = read(pdf)
    return pdf, reader, text


def test_output_is_a_pdf(sample: tuple[bytes, PdfReader, str]) -> None:
    pdf, _, _ = sample
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")


def test_page_is_a5_portrait(sample: tuple[bytes, PdfReader, str]) -> None:
    _, reader, _ = sample
    assert len(reader.pages) == 1  # an ordinary receipt fits on one sheet
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(A5_PT[0], abs=1)
    assert float(box.height) == pytest.approx(A5_PT[1], abs=1)


def test_text_has_title_code_and_vietnamese_names(sample: tuple[bytes, PdfReader, str]) -> None:
    _, _, text = sample
    assert "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ" in text
    assert "H15.50-261130-0001" in text
    assert "Nguyễn Thị Ánh" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "Mẫu số 01" in text
    assert "Tra cứu hồ sơ: quét mã QR" in text
    assert "NGƯỜI NỘP HỒ SƠ" in text
    assert "NGƯỜI TIẾP NHẬN" in text
    assert "Trần Văn Bình" in text


def test_fields_are_rendered(sample: tuple[bytes, PdfReader, str]) -> None:
    _, _, text = sample
    assert "Số: 125/TNHS" in text
    assert "Hậu Giang, ngày 30 tháng 11 năm 2026" in text
    assert "Cấp giấy chứng nhận đăng ký hộ kinh doanh" in text
    assert "0912 345 678" in text
    assert "anh.nguyen@example.vn" in text
    assert "Bản chính" in text
    assert "03 ngày làm việc" in text
    assert "100.000 đồng" in text
    assert "Quyển số: 2026, Số thứ tự: 125" in text


def test_times_are_shown_in_vietnam_time(sample: tuple[bytes, PdfReader, str]) -> None:
    _, _, text = sample
    # appointment 2026-12-01T02:00Z = 09:00 in Hà Nội; received 01:30Z = 08:30
    assert "09 giờ 00 phút, ngày 01/12/2026" in text
    assert "08 giờ 30 phút, ngày 30/11/2026" in text
    assert "02 giờ 00 phút" not in text


def test_times_in_another_zone_are_converted() -> None:
    # 2026-12-01 03:00 in UTC+11 is 2026-11-30 16:00Z, i.e. 23:00 on 30/11 in Vietnam.
    plus11 = timezone(timedelta(hours=11))
    _, text = read(
        render_receipt(make_data(appointment_at=datetime(2026, 12, 1, 3, 0, tzinfo=plus11)))
    )
    assert "23 giờ 00 phút, ngày 30/11/2026" in text


def test_qr_of_lookup_url_is_embedded(sample: tuple[bytes, PdfReader, str]) -> None:
    _, reader, _ = sample
    images = reader.pages[0].images
    assert len(images) == 1
    expected = Image.open(io.BytesIO(qr_png(LOOKUP_URL, box_size=10)))
    assert images[0].image is not None
    assert images[0].image.size == expected.size


def test_forty_documents_flow_onto_more_pages() -> None:
    documents = tuple(
        ReceiptDocument(name=f"Giấy tờ kèm theo số {i:02d} của hồ sơ đề nghị", form="copy")
        for i in range(1, 41)
    )
    reader, text = read(render_receipt(make_data(documents=documents)))
    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A5_PT[0], abs=1)
    for i in (1, 20, 40):
        assert f"Giấy tờ kèm theo số {i:02d}" in text
    last = unicodedata.normalize("NFC", reader.pages[-1].extract_text())
    assert "NGƯỜI NỘP HỒ SƠ" in last  # the slip ends with the signatures, after the table
    assert "Tên giấy tờ" in unicodedata.normalize("NFC", reader.pages[1].extract_text())
    assert f"Trang 2/{len(reader.pages)}" in text


def test_long_name_wraps_instead_of_overflowing() -> None:
    name = (
        "Công ty Trách nhiệm hữu hạn Một thành viên Thương mại Dịch vụ Xuất nhập khẩu "
        "Nông sản Đồng bằng sông Cửu Long chi nhánh tỉnh Hậu Giang"
    )
    email = "a.very.long.mailbox.name.without.any.spaces.at.all@subdomain.example.vn"
    _, text = read(render_receipt(make_data(applicant_name=name, applicant_email=email)))
    lines = text.splitlines()
    assert not any(name in line for line in lines)  # it was broken over lines
    flat = " ".join(text.split())
    for word in name.split():
        assert word in flat
    assert email in text.replace("\n", "")


def test_decomposed_input_prints_composed_letters() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert nfd != "Nguyễn Thị Ánh"
    reader = PdfReader(io.BytesIO(render_receipt(make_data(applicant_name=nfd))))
    raw = reader.pages[0].extract_text()  # not normalised here: the PDF itself must hold NFC
    assert "Nguyễn Thị Ánh" in raw


def test_no_documents_and_no_fee() -> None:
    _, text = read(render_receipt(make_data(documents=(), fee_total_vnd=0)))
    assert "Không có giấy tờ kèm theo" in text
    assert "Không thu" in text
    assert "STT" not in text


def test_naive_datetimes_are_rejected() -> None:
    with pytest.raises(ValidationError):
        make_data(appointment_at=datetime(2026, 12, 1, 9, 0))


def test_document_form_labels_are_vietnamese() -> None:
    labels = {
        form: ReceiptDocument(name="x", form=form).form_label
        for form in ("original", "copy", "certified_copy", "electronic")
    }
    assert labels == {
        "original": "Bản chính",
        "copy": "Bản sao",
        "certified_copy": "Bản sao chứng thực",
        "electronic": "Bản điện tử",
    }
    with pytest.raises(ValidationError):
        ReceiptDocument(name="x", form="photocopy")


def test_fonts_ship_inside_chalicelib() -> None:
    assert FONT_DIR.is_relative_to(ROOT / "chalicelib")
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt"):
        assert (FONT_DIR / name).is_file()
    assert "Bitstream" in (FONT_DIR / "LICENSE-DejaVu.txt").read_text()


def test_importing_does_not_load_pdf_or_qr_libraries() -> None:
    code = (
        "import sys, chalicelib.documents.receipt, chalicelib.documents.qr; "
        "loaded = [m for m in ('fpdf', 'qrcode', 'PIL') if m in sys.modules]; "
        "assert not loaded, loaded"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_vn_datetime_formats() -> None:
    instant = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
    assert format_vn_datetime(instant) == "09 giờ 00 phút, ngày 01/12/2026"
    assert format_vn_date(datetime(2026, 12, 31, 17, 30, tzinfo=UTC)) == "01/01/2027"
    assert format_vn_long_date(instant) == "ngày 01 tháng 12 năm 2026"
    with pytest.raises(ValueError, match="naive"):
        format_vn_datetime(datetime(2026, 12, 1, 9, 0))


def test_vnd_format_groups_thousands_with_dots() -> None:
    assert format_vnd(0) == "0 đồng"
    assert format_vnd(1_250_000) == "1.250.000 đồng"


def test_a_dossier_filed_for_another_names_the_representative_and_the_basis(
    sample: tuple[bytes, PdfReader, str],
) -> None:
    _, _, own = sample
    assert "Người nộp thay" not in own  # filed by the applicant: no representative line
    pdf = render_receipt(
        make_data(
            applicant_name="Nguyễn Minh Khang",
            representative_name="Nguyễn Văn An",
            representation_basis="Cha, mẹ; Giấy khai sinh (Số 12/2014)",
        )
    )
    _, text = read(pdf)
    flat = " ".join(text.split())
    assert "Tiếp nhận hồ sơ của: Nguyễn Minh Khang" in flat
    assert "Người nộp thay (đại diện): Nguyễn Văn An" in flat
    assert "Giấy khai sinh (Số 12/2014)" in flat
