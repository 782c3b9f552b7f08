"""Forms 02-07: what the applicant and the desk read on the printed forms and their HTML views."""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from pypdf import PdfReader

from chalicelib.documents.forms import (
    FORM_NUMBERS,
    FORM_TITLES,
    FormContext,
    render_html,
    render_pdf,
    render_register_html,
    render_register_pdf,
)
from chalicelib.documents.vn_format import format_vn_datetime
from chalicelib.domain.dossier import (
    Applicant,
    Channel,
    Dossier,
    Extension,
    Handover,
    StopRequest,
)
from chalicelib.domain.errors import Forbidden, InvalidInput, NotFound
from chalicelib.domain.procedure import Procedure, Unit
from chalicelib.domain.statuses import DossierStatus
from chalicelib.services.deps import Deps
from chalicelib.services.dossier import forms as form_service
from tests.support.documents import PROCEDURE

pytestmark = pytest.mark.unit

A5_PT = (148 / 25.4 * 72, 210 / 25.4 * 72)
A4L_PT = (297 / 25.4 * 72, 210 / 25.4 * 72)
T0 = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # 08:30 in Vietnam
CODE = "H15.50-261130-0001"
LOOKUP = "https://dichvucong.example/#/lookup?code=H15.50-261130-0001&token=tok123"
PHONE = "0912 345 678"
UNITS = {
    "H15.50": "Trung tâm Phục vụ hành chính công tỉnh Hậu Giang",
    "H15.50.05": "Sở Công Thương",
    "H15.50.06": "Sở Tài chính",
}

PROC = PROCEDURE  # the same one-step procedure the documents benches and tests render


def make_dossier(**overrides: Any) -> Dossier:
    values: dict[str, Any] = {
        "id": "d-1",
        "code": CODE,
        "procedure_code": PROC.code,
        "procedure_version": 1,
        "applicant": Applicant(
            name="Nguyễn Thị Ánh",
            address="Số 12, đường Trần Hưng Đạo, phường Vị Thanh, Hậu Giang",
            phone=PHONE,
            email="anh@example.vn",
        ),
        "receiving_unit": "H15.50",
        "lead_agency": "H15.50.05",
        "status": DossierStatus.PROCESSING,
        "channel": Channel.ONLINE,
        "created_at": T0 - timedelta(hours=2),
        "received_at": T0,
        "appointment_at": T0 + timedelta(days=3),
        "register_line": 125,
        "lookup_token": "tok123",
        "received_by": "tiepnhan1",
    }
    values.update(overrides)
    return Dossier(**values)


def make_ctx(dossier: Dossier | None = None, **overrides: Any) -> FormContext:
    values: dict[str, Any] = {
        "dossier": dossier or make_dossier(),
        "procedure": PROC,
        "unit_names": UNITS,
        "lookup_url": LOOKUP,
        "staff_name": "Trần Văn Bình",
        "issued_at": T0 + timedelta(hours=1),
        "authority_name": "UBND tỉnh Hậu Giang",
        "place_name": "Hậu Giang",
    }
    values.update(overrides)
    return FormContext(**values)


def read(pdf: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, unicodedata.normalize("NFC", text)


def flat(text: str) -> str:
    """Whitespace collapsed: table cells wrap wherever their width ends."""
    return " ".join(text.split())


def assert_a5(reader: PdfReader) -> None:
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A5_PT[0], abs=1)
        assert float(page.mediabox.height) == pytest.approx(A5_PT[1], abs=1)


def assert_common(text: str, form_no: str) -> None:
    """Header, title, number line, code and QR caption of every dossier form."""
    assert f"Mẫu số {form_no}" in text
    assert FORM_TITLES[form_no] in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in text
    assert "Độc lập - Tự do - Hạnh phúc" in text
    assert "UBND TỈNH HẬU GIANG" in text
    assert re.search(r"Số: 125/[A-Z-]+", text)
    assert CODE in text
    assert "Tra cứu hồ sơ: quét mã QR" in text


def has_qr_image(reader: PdfReader) -> bool:
    return any(len(page.images) > 0 for page in reader.pages)


# ---- form 02 --------------------------------------------------------------------------------
REASON_02 = "1. Bản sao Căn cước công dân của chủ hộ\n2. Giấy đề nghị có chữ ký của chủ hộ"


def test_form_02_lists_each_reason_line_deadline_and_staff() -> None:
    d = make_dossier(
        status=DossierStatus.SUPPLEMENT_REQUESTED,
        supplement_reason=REASON_02,
        supplement_due_at=T0 + timedelta(days=5, hours=1),
    )
    reader, text = read(render_pdf("02", make_ctx(d)))
    assert_a5(reader)
    assert len(reader.pages) == 1
    assert_common(text, "02")
    assert "TRUNG TÂM PHỤC VỤ HÀNH" in text  # the issuing desk, upper case
    assert "Hồ sơ của: Nguyễn Thị Ánh" in text
    assert "Cấp giấy chứng nhận đăng ký hộ kinh doanh" in text
    assert "1. Bản sao Căn cước công dân của chủ hộ" in text
    assert "2. Giấy đề nghị có chữ ký của chủ hộ" in text
    assert "Thời hạn bổ sung, hoàn thiện hồ sơ: trước 09 giờ 30 phút, ngày 05/12/2026" in text
    assert "NGƯỜI HƯỚNG DẪN" in text
    assert "Trần Văn Bình" in text
    assert "Hậu Giang, ngày 30 tháng 11 năm 2026" in text
    assert has_qr_image(reader)


def test_form_02_without_deadline_prints_no_deadline_line() -> None:
    d = make_dossier(supplement_reason="Thiếu bản chính giấy đề nghị")
    _, text = read(render_pdf("02", make_ctx(d)))
    assert "Thiếu bản chính giấy đề nghị" in text
    assert "Thời hạn bổ sung" not in text


def test_form_02_before_receipt_says_no_code_yet_and_has_no_qr() -> None:
    d = make_dossier(
        code=None, received_at=None, register_line=None, supplement_reason="Thiếu tờ khai"
    )
    reader, text = read(render_pdf("02", make_ctx(d, lookup_url="")))
    assert "Chưa cấp (hồ sơ chưa được tiếp nhận)" in text
    assert "Số: ....../PYCBS" in text
    assert "Tra cứu hồ sơ: quét mã QR" not in text
    assert not has_qr_image(reader)


# ---- form 03 --------------------------------------------------------------------------------
def test_form_03_prints_refusal_reason() -> None:
    d = make_dossier(
        status=DossierStatus.REFUSED,
        refusal_reason="Thủ tục không thuộc thẩm quyền giải quyết của tỉnh Hậu Giang",
    )
    reader, text = read(render_pdf("03", make_ctx(d)))
    assert_a5(reader)
    assert_common(text, "03")
    assert "Ông/Bà (tổ chức): Nguyễn Thị Ánh" in text
    assert "Thủ tục không thuộc thẩm quyền giải quyết của tỉnh Hậu Giang" in text
    assert "thông báo không tiếp nhận, giải" in text
    assert "NGƯỜI TIẾP NHẬN HỒ SƠ" in text
    assert "Trần Văn Bình" in text
    assert has_qr_image(reader)


# ---- form 04 --------------------------------------------------------------------------------
def extension(**overrides: Any) -> Extension:
    values: dict[str, Any] = {
        "agency": "H15.50.05",
        "reason": "Cần xác minh thực địa địa điểm kinh doanh",
        "previous_appointment_at": T0 + timedelta(days=3),
        "new_appointment_at": T0 + timedelta(days=6, hours=6, minutes=15),
        "proposed_by": "chuyenvien1",
        "proposed_at": T0 + timedelta(days=2),
        "state": "approved",
        "decided_by": "Lê Văn Cường",
        "decided_at": T0 + timedelta(days=2, hours=2),
    }
    values.update(overrides)
    return Extension(**values)


def test_form_04_apologises_with_reason_and_both_appointments() -> None:
    d = make_dossier(extension=extension())
    reader, text = read(render_pdf("04", make_ctx(d)))
    assert_a5(reader)
    assert_common(text, "04")
    assert "SỞ CÔNG THƯƠNG" in text  # the late agency issues it
    assert "Kính gửi: Ông/Bà Nguyễn Thị Ánh" in text
    assert "xin lỗi ông/bà" in text
    assert "Cần xác minh thực địa địa điểm kinh doanh" in text
    assert "Thời gian hẹn trả kết quả: 08 giờ 30 phút, ngày 03/12/2026" in text
    assert "Thời gian hẹn trả kết quả mới: 14 giờ 45 phút, ngày 06/12/2026" in text
    assert "Hậu Giang, ngày 02 tháng 12 năm 2026" in text  # date of the leader's decision
    assert "Lê Văn Cường" in text
    assert "Dự thảo" not in text


def test_form_04_proposed_extension_is_marked_as_draft() -> None:
    d = make_dossier(extension=extension(state="proposed", decided_by=None, decided_at=None))
    _, text = read(render_pdf("04", make_ctx(d)))
    assert "Dự thảo: đề nghị gia hạn đang chờ lãnh đạo phê duyệt" in text


@pytest.mark.parametrize(
    "dossier",
    [make_dossier(), make_dossier(extension=extension(state="refused"))],
    ids=["no-extension", "refused-extension"],
)
def test_form_04_without_an_extension_is_refused_in_vietnamese(dossier: Dossier) -> None:
    with pytest.raises(InvalidInput) as err:
        render_pdf("04", make_ctx(dossier))
    assert "mẫu số 04" in err.value.message_vi
    assert err.value.status == 400
    with pytest.raises(InvalidInput):
        render_html("04", make_ctx(dossier))


# ---- form 05 --------------------------------------------------------------------------------
def test_form_05_stop_notice_has_reason_agency_and_date() -> None:
    stop = StopRequest(
        reason="Công dân không bổ sung hồ sơ trong thời hạn",
        agency="H15.50.05",
        proposed_by="chuyenvien1",
        proposed_at=T0 + timedelta(days=8),
        state="approved",
        decided_by="Lê Văn Cường",
        decided_at=T0 + timedelta(days=9, hours=7),
    )
    d = make_dossier(status=DossierStatus.STOPPED, stop=stop)
    reader, text = read(render_pdf("05", make_ctx(d)))
    assert_a5(reader)
    assert_common(text, "05")
    assert "SỞ CÔNG THƯƠNG" in text
    assert "Sở Công Thương thông báo dừng xử lý hồ sơ" in text
    assert "Công dân không bổ sung hồ sơ trong thời hạn" in text
    assert f"Thời điểm dừng xử lý: {format_vn_datetime(stop.decided_at)}" in text  # type: ignore[arg-type]
    assert "Thời điểm dừng xử lý: 15 giờ 30 phút, ngày 09/12/2026" in text
    assert "Hậu Giang, ngày 09 tháng 12 năm 2026" in text


def test_form_05_without_stop_is_refused() -> None:
    with pytest.raises(InvalidInput, match="form 05"):
        render_pdf("05", make_ctx())


# ---- form 06 --------------------------------------------------------------------------------
def handovers() -> list[Handover]:
    return [
        Handover(
            step_id="review",
            step_name="Thẩm định hồ sơ",
            stage=0,
            from_unit="H15.50",
            to_agency="H15.50.05",
            sent_by="tiepnhan1",
            sent_at=T0 + timedelta(hours=1),
            due_at=T0 + timedelta(days=2),
            finished_at=T0 + timedelta(days=1, hours=2),
            finished_by="chuyenvien1",
            outcome="approve",
            late=False,
        ),
        Handover(
            step_id="fee",
            step_name="Xác định nghĩa vụ tài chính",
            stage=1,
            from_unit="H15.50.05",
            to_agency="H15.50.06",
            sent_by="chuyenvien1",
            sent_at=T0 + timedelta(days=1, hours=2),
            due_at=T0 + timedelta(days=2, hours=1),
            finished_at=T0 + timedelta(days=3),
            finished_by="ketoan1",
            outcome="return",
            late=True,
        ),
        Handover(
            step_id="sign",
            step_name="Ký duyệt",
            stage=2,
            from_unit="H15.50.06",
            to_agency="H15.99",  # not in the catalogue: the code is printed
            sent_by="ketoan1",
            sent_at=T0 + timedelta(days=3, hours=1),
            due_at=T0 + timedelta(days=4),
        ),
    ]


# The people who handed over and handled each step, as recorded on the dossier (issue 25).
PEOPLE = {"tiepnhan1": "Mai Lan", "chuyenvien1": "Hồ Tâm", "ketoan1": "Vũ Hà"}


def test_form_06_control_slip_has_header_and_one_row_per_handover() -> None:
    d = make_dossier(handovers=handovers())
    reader, raw = read(render_pdf("06", make_ctx(d, people=PEOPLE)))
    text = flat(raw)
    assert_a5(reader)
    assert_common(raw, "06")
    assert "Chủ hồ sơ: Nguyễn Thị Ánh" in text
    assert "Thời gian nhận hồ sơ: 08 giờ 30 phút, ngày 30/11/2026" in text
    assert "Thời gian hẹn trả kết quả: 08 giờ 30 phút, ngày 03/12/2026" in text
    assert "Cơ quan chủ trì giải quyết: Sở Công Thương" in text
    for heading in ("Tên cơ quan/bước", "Hạn xử lý", "Kết quả giải quyết", "Ghi chú"):
        assert heading in text
    # Row 1: on time, approved.
    row1 = text[text.index("1 Sở Công Thương") : text.index("2 Sở Tài chính")]
    assert "(Thẩm định hồ sơ)" in row1
    assert "Giao: 09:30 30/11/2026" in row1
    assert "Xong: 10:30 01/12/2026" in row1
    assert "08:30 02/12/2026" in row1  # due
    assert "Đã xử lý" in row1
    assert "Đúng hạn" in row1
    assert "Giao: Mai Lan" in row1 and "Xử lý: Hồ Tâm" in row1  # names, not logins
    # Row 2: late, sent back.
    row2 = text[text.index("2 Sở Tài chính") : text.index("3 H15.99")]
    assert "Trả lại bước trước" in row2
    assert "Quá hạn" in row2
    assert "Vũ Hà" in row2
    assert not any(login in text for login in PEOPLE)
    # Row 3: still running, unknown unit printed by code.
    row3 = text[text.index("3 H15.99") :]
    assert "(Ký duyệt)" in row3
    assert "Đang xử lý" in row3
    assert "Giao: 09:30 03/12/2026" in row3


def test_form_06_outcome_labels_are_vietnamese() -> None:
    hs = [
        h.model_copy(update={"outcome": outcome, "late": False})
        for h, outcome in zip(handovers(), ("supplement", "fee", "ended"), strict=True)
    ]
    _, raw = read(render_pdf("06", make_ctx(make_dossier(handovers=hs))))
    text = flat(raw)
    assert "Yêu cầu bổ sung" in text
    assert "Chờ nghĩa vụ tài chính" in text
    assert "Kết thúc" in text


def test_form_06_before_any_handover_says_so_and_before_receipt_is_refused() -> None:
    _, text = read(render_pdf("06", make_ctx(make_dossier())))
    assert "Hồ sơ chưa được chuyển đến cơ quan giải quyết." in flat(text)
    with pytest.raises(InvalidInput):
        render_pdf("06", make_ctx(make_dossier(code=None, received_at=None)))


def test_unknown_form_number_is_refused() -> None:
    with pytest.raises(InvalidInput) as err:
        render_pdf("08", make_ctx())
    assert err.value.code == "unknown_form"


def test_long_reason_flows_onto_a_second_a5_page_with_code_in_footer() -> None:
    reason = "\n".join(f"{i}. Bổ sung giấy tờ số {i} theo quy định hiện hành" for i in range(1, 60))
    reader, text = read(render_pdf("02", make_ctx(make_dossier(supplement_reason=reason))))
    assert len(reader.pages) >= 2
    assert_a5(reader)
    assert "59. Bổ sung giấy tờ số 59" in text
    assert text.count(f"Mã hồ sơ: {CODE}") >= len(reader.pages)  # footer on every sheet


# ---- HTML views -----------------------------------------------------------------------------
def full_dossier(**overrides: Any) -> Dossier:
    stop = StopRequest(
        reason="Dừng <b>theo</b> đề nghị",
        proposed_by="cv",
        proposed_at=T0 + timedelta(days=2),
        state="approved",
    )
    values: dict[str, Any] = {
        "supplement_reason": "Thiếu giấy <script>alert('x')</script> & bản sao",
        "refusal_reason": "Lý do <script>alert(1)</script>",
        "extension": extension(reason="Chậm <img src=x onerror=alert(1)>"),
        "stop": stop,
        "handovers": handovers(),
    }
    values.update(overrides)
    return make_dossier(**values)


@pytest.mark.parametrize("form_no", FORM_NUMBERS)
def test_html_view_is_standalone_a5_vietnamese_page(form_no: str) -> None:
    page = render_html(form_no, make_ctx(full_dossier()))
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="vi">' in page
    assert '<meta charset="utf-8">' in page
    assert "@page { size: A5" in page
    assert FORM_TITLES[form_no] in page
    assert f"Mẫu số {form_no}" in page
    assert CODE in page
    assert "<svg" in page  # the QR, inline
    # No external resource: nothing is fetched when the page is printed offline.
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page and "<script" not in page
    assert "@import" not in page and "url(" not in page


def test_html_escapes_reasons() -> None:
    ctx = make_ctx(full_dossier())
    page02 = render_html("02", ctx)
    assert "<script>" not in page02
    assert "Thiếu giấy &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; bản sao" in page02
    page03 = render_html("03", ctx)
    assert "<script>" not in page03
    assert "Lý do &lt;script&gt;alert(1)&lt;/script&gt;" in page03
    page04 = render_html("04", ctx)
    assert "<img" not in page04
    assert "&lt;img src=x onerror=alert(1)&gt;" in page04
    page05 = render_html("05", ctx)
    assert "<b>theo</b>" not in page05
    assert "Dừng &lt;b&gt;theo&lt;/b&gt; đề nghị" in page05


def test_html_06_has_the_handover_table() -> None:
    page = render_html("06", make_ctx(full_dossier()))
    assert "<thead>" in page
    assert "<th>Tên cơ quan/bước</th>" in page
    assert page.count("<tr>") == 1 + 3  # heading + one row per handover
    assert "Đúng hạn" in page and "Quá hạn" in page and "Đang xử lý" in page
    assert "Trả lại bước trước" in page


# ---- form 07: register ----------------------------------------------------------------------
def register_dossiers(n: int) -> list[Dossier]:
    out = []
    for i in range(n, 0, -1):  # given out of order: the register sorts by line
        out.append(
            make_dossier(
                id=f"d-{i}",
                code=f"H15.50-261130-{i:04d}",
                register_line=i,
                applicant=Applicant(
                    name=f"Phạm Văn Đức {i}",
                    address="Ấp 3, xã Vị Thủy, Hậu Giang",
                    phone="0987 654 321",
                ),
                handovers=handovers()[:1],
            )
        )
    return out


def test_register_is_a4_landscape_with_masked_phone_and_columns() -> None:
    dossiers = register_dossiers(3)
    dossiers[0] = dossiers[0].model_copy(
        update={"status": DossierStatus.RETURNED, "returned_at": T0 + timedelta(days=4)}
    )
    pdf = render_register_pdf(
        "Trung tâm PVHCC", "H15.50", "Tháng 11/2026", dossiers, {PROC.code: PROC}
    )
    reader, raw = read(pdf)
    text = flat(raw)
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A4L_PT[0], abs=1)
        assert float(page.mediabox.height) == pytest.approx(A4L_PT[1], abs=1)
    assert "SỔ THEO DÕI HỒ SƠ" in text
    assert "Mẫu số 07" in text
    assert "Đơn vị: Trung tâm PVHCC (H15.50)" in text
    assert "Kỳ: Tháng 11/2026" in text
    for heading in (
        "STT",
        "Mã hồ sơ",
        "Tên TTHC",
        "Tên tổ chức/cá nhân",
        "Địa chỉ/SĐT",
        "Ngày nhận",
        "Hẹn trả",
        "Ngày trả/chuyển",
        "Trạng thái",
        "Ghi chú",
    ):
        assert heading in text
    assert "0987 654 321" not in text
    assert "987" not in text.replace("**** *** 321", "")
    assert "SĐT: **** *** 321" in text
    assert "Phạm Văn Đức 1" in text
    assert "Cấp giấy chứng nhận đăng ký hộ kinh doanh" in text
    assert "08:30 30/11/2026" in text
    assert "Chuyển: 09:30 30/11/2026" in text
    assert "Trả: 08:30 04/12/2026" in text
    assert "Đã trả kết quả" in text
    assert "Trễ hạn" in text  # returned after the appointment
    assert text.index("H15.50-261130-0001") < text.index("H15.50-261130-0002")


def test_long_register_repeats_the_heading_on_every_page() -> None:
    pdf = render_register_pdf(
        "Trung tâm PVHCC", "H15.50", "Tháng 11/2026", register_dossiers(60), {}
    )
    reader, _ = read(pdf)
    assert len(reader.pages) >= 2
    for page in reader.pages:
        page_text = flat(unicodedata.normalize("NFC", page.extract_text()))
        assert "Mã hồ sơ Tên TTHC Tên tổ chức/cá nhân" in page_text
        assert "Tháng 11/2026" in page_text  # footer
    all_text = flat(read(pdf)[1])
    assert "H15.50-261130-0060" in all_text
    assert PROC.code in all_text  # unknown procedure: its code is printed


def test_empty_register_still_renders() -> None:
    _, text = read(render_register_pdf("Trung tâm PVHCC", "H15.50", "Tháng 11/2026", [], {}))
    assert "Không có hồ sơ trong kỳ." in text


def test_register_html_is_a4_landscape_escaped_and_masked() -> None:
    ds = register_dossiers(2)
    ds[0] = ds[0].model_copy(
        update={"applicant": Applicant(name="<i>Lê</i> Thị", phone="0987 654 321")}
    )
    page = render_register_html(
        "Trung tâm <PVHCC>", "H15.50", "Tháng 11/2026", ds, {PROC.code: PROC.name}
    )
    assert "@page { size: A4 landscape" in page
    assert "<thead>" in page and "<th>Mã hồ sơ</th>" in page
    assert "&lt;i&gt;Lê&lt;/i&gt; Thị" in page
    assert "TRUNG TÂM &lt;PVHCC&gt;" in page
    assert "0987 654 321" not in page
    assert "**** *** 321" in page
    assert "<script" not in page


# ---- services -------------------------------------------------------------------------------
@dataclass
class FakeActor:
    role: str
    unit: str | None = None
    sub: str = "sub-1"
    username: str = "nguoidung1"
    name: str = ""  # the API's Caller carries the profile's full name


# Profiles by username, for a dossier from before names were recorded on it.
PROFILES = {"tiepnhan1": {"username": "tiepnhan1", "role": "desk", "name": "Hà Thị Nhận"}}


class FakeStore:
    def __init__(self, dossier: Dossier) -> None:
        self.dossier = dossier
        self.register_calls: list[tuple[str, str]] = []

    def get_dossier(self, dossier_id: str) -> Dossier:
        if dossier_id != self.dossier.id:
            raise NotFound("Không tìm thấy hồ sơ.")
        return self.dossier

    def get_procedure(self, code: str, version: int | None = None) -> Procedure:
        assert (code, version) == (PROC.code, 1)
        return PROC

    def list_units(self) -> list[Unit]:
        return [
            Unit(code="H15", name="UBND tỉnh Hậu Giang", kind="province"),
            Unit(code="H15.50", name=UNITS["H15.50"], parent="H15", kind="desk"),
            Unit(code="H15.50.05", name="Sở Công Thương", parent="H15"),
        ]

    def get_unit(self, code: str) -> Unit | None:
        return next((u for u in self.list_units() if u.code == code), None)

    def find_profile_by_username(self, username: str) -> dict[str, Any] | None:
        return PROFILES.get(username)

    def list_register(self, unit: str, month: str) -> list[Dossier]:
        self.register_calls.append((unit, month))
        return register_dossiers(2)


def make_deps(dossier: Dossier) -> Deps:
    settings = SimpleNamespace(public_base_url="https://dvc.example/", province_name="Hậu Giang")
    return Deps(
        store=FakeStore(dossier),  # type: ignore[arg-type]
        files=None,  # type: ignore[arg-type]
        workflow=None,  # type: ignore[arg-type]
        settings=settings,  # type: ignore[arg-type]
        clock=lambda: T0 + timedelta(days=1),
    )


@pytest.fixture
def signing_asked(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The agencies the service asks to sign (PAdES): the real signing needs the test PKI and
    KMS, so tests/integration/test_issued_forms_signed.py checks the signatures themselves."""
    from chalicelib.services.dossier import signing

    asked: list[str] = []

    def sign_issued(deps: Any, pdf: bytes, agency: str) -> bytes:
        asked.append(agency)
        return pdf

    monkeypatch.setattr(signing, "sign_issued", sign_issued)
    return asked


def test_service_renders_form_pdf_for_desk_staff_with_lookup_qr_and_authority(
    signing_asked: list[str],
) -> None:
    d = make_dossier(refusal_reason="Hồ sơ giả mạo giấy tờ")
    body, ctype = form_service.form_document(
        make_deps(d), FakeActor("desk", "H15.50", name="Đỗ Thu Trang"), "d-1", "03", "pdf"
    )
    assert ctype == "application/pdf"
    reader, text = read(body)
    assert_a5(reader)
    assert "Hồ sơ giả mạo giấy tờ" in text
    assert "UBND TỈNH HẬU GIANG" in text  # parent of the desk
    assert "Hậu Giang, ngày 01 tháng 12 năm 2026" in text  # the injected clock
    assert "Đỗ Thu Trang" in text  # the printing officer, by name
    assert "nguoidung1" not in text
    assert has_qr_image(reader)
    assert signing_asked == ["H15.50"]  # form 03 leaves the office: the desk's unit signs it


def test_service_html_contains_lookup_link_qr_and_is_utf8() -> None:
    d = make_dossier(handovers=handovers())
    body, ctype = form_service.form_document(
        make_deps(d), FakeActor("agency", "H15.50.05"), "d-1", "06", "html"
    )
    assert ctype == "text/html; charset=utf-8"
    page = body.decode("utf-8")
    assert FORM_TITLES["06"] in page and "<svg" in page


def test_service_hides_another_citizens_dossier_and_checks_inputs() -> None:
    d = make_dossier(owner="someone-else", refusal_reason="x")
    deps = make_deps(d)
    with pytest.raises(NotFound):
        form_service.form_document(deps, FakeActor("citizen"), "d-1", "03", "pdf")
    with pytest.raises(NotFound):
        form_service.form_document(deps, FakeActor("desk", "H15.99"), "d-1", "03", "pdf")
    with pytest.raises(InvalidInput):
        form_service.form_document(deps, FakeActor("admin"), "d-1", "09", "pdf")
    with pytest.raises(InvalidInput):
        form_service.form_document(deps, FakeActor("admin"), "d-1", "03", "docx")  # type: ignore[arg-type]


def test_service_citizen_copy_names_the_receiving_clerk_not_the_citizen(
    signing_asked: list[str],
) -> None:
    d = make_dossier(owner="sub-1", refusal_reason="Không đủ điều kiện")
    body, _ = form_service.form_document(make_deps(d), FakeActor("citizen"), "d-1", "03", "pdf")
    _, text = read(body)
    assert "Hà Thị Nhận" in text  # no name recorded on this dossier: the clerk's profile
    assert "tiepnhan1" not in text
    assert "nguoidung1" not in text
    recorded = d.model_copy(update={"people": {"tiepnhan1": "Hà Thị Nhận (khi tiếp nhận)"}})
    body, _ = form_service.form_document(
        make_deps(recorded), FakeActor("citizen"), "d-1", "03", "pdf"
    )
    assert "Hà Thị Nhận (khi tiếp nhận)" in read(body)[1]  # the name recorded wins
    assert signing_asked == ["H15.50", "H15.50"]


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (FakeActor("desk", "H15.50"), True),
        (FakeActor("leader", "H15.50"), True),
        (FakeActor("agency", "H15.50"), True),
        (FakeActor("admin"), True),
        (FakeActor("desk", "H15.51"), False),
        (FakeActor("leader", None), False),
        (FakeActor("citizen"), False),
        (FakeActor("province", "H15.50"), False),
    ],
)
def test_register_access(actor: FakeActor, allowed: bool) -> None:
    deps = make_deps(make_dossier())
    if allowed:
        body, ctype = form_service.register_document(deps, actor, "H15.50", "2026-11", "pdf")
        assert ctype == "application/pdf"
        text = flat(read(body)[1])
        assert "Kỳ: Tháng 11/2026" in text
        assert f"Đơn vị: {UNITS['H15.50']} (H15.50)" in text
        assert "H15.50-261130-0002" in text
        assert deps.store.register_calls == [("H15.50", "2026-11")]  # type: ignore[attr-defined]
    else:
        with pytest.raises(Forbidden):
            form_service.register_document(deps, actor, "H15.50", "2026-11", "pdf")
        assert deps.store.register_calls == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-11", "2026-11-01", ""])
def test_register_rejects_a_bad_month(month: str) -> None:
    with pytest.raises(InvalidInput):
        form_service.register_document(
            make_deps(make_dossier()), FakeActor("admin"), "H15.50", month, "html"
        )


def test_register_html_through_the_service() -> None:
    body, ctype = form_service.register_document(
        make_deps(make_dossier()), FakeActor("desk", "H15.50"), "H15.50", "2026-11", "html"
    )
    assert ctype == "text/html; charset=utf-8"
    page = body.decode("utf-8")
    assert "SỔ THEO DÕI HỒ SƠ" in page
    assert "Tháng 11/2026" in page
    assert "0987 654 321" not in page
