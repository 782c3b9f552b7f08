"""Sample inputs of the printed documents (receipt, result, forms, register, report): what
bench/pdf.py renders and tests/unit/test_pdf_fonts.py checks. Values as the documents' own unit
tests build them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from chalicelib.documents.forms import FormContext
from chalicelib.documents.receipt import ReceiptData, ReceiptDocument
from chalicelib.documents.result import ResultData, verify_url
from chalicelib.domain.dossier import Applicant, Channel, Dossier
from chalicelib.domain.procedure import Duration, Procedure, ProcessStep
from chalicelib.domain.statuses import DossierStatus

T0 = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)  # 08:30 in Vietnam
CODE = "H15.50-261130-0001"
UNITS = {
    "H15.50": "Trung tâm Phục vụ hành chính công tỉnh Hậu Giang",
    "H15.50.05": "Sở Công Thương",
}
PROCEDURE = Procedure(
    code="1.001612",
    name="Cấp giấy chứng nhận đăng ký hộ kinh doanh",
    field="Thành lập và hoạt động của hộ kinh doanh",
    level="partial_online",
    lead_agency="H15.50.05",
    processing_time=Duration(amount=3),
    steps=(
        ProcessStep(
            id="review", name="Thẩm định", agency="H15.50.05", allowance=Duration(amount=2)
        ),
    ),
)


def receipt_data(**overrides: Any) -> ReceiptData:
    values: dict[str, Any] = {
        "authority_name": "UBND TỈNH HẬU GIANG",
        "agency_name": "TRUNG TÂM PHỤC VỤ HÀNH CHÍNH CÔNG",
        "place_name": "Hậu Giang",
        "number": "125/TNHS",
        "dossier_code": CODE,
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
        "received_at": T0,
        "appointment_at": T0 + timedelta(days=1),
        "result_place": "Bộ phận Một cửa, Trung tâm Phục vụ hành chính công tỉnh Hậu Giang",
        "register_book": "2026",
        "register_line": 125,
        "officer_name": "Trần Văn Bình",
        "fee_total_vnd": 100000,
        "lookup_url": f"https://dichvucong.haugiang.example/tra-cuu/{CODE}?t=abc123",
    }
    values.update(overrides)
    return ReceiptData(**values)


def result_data(**overrides: Any) -> ResultData:
    result_id = "0f3c9a7e5b2d4c1a8e6f7a9b0c1d2e3f"
    values: dict[str, Any] = {
        "result_id": result_id,
        "authority_name": "UBND TỈNH HẬU GIANG",
        "agency_name": "Sở Tư pháp",
        "place_name": "Hậu Giang",
        "number": f"{CODE}/KQ",
        "procedure_name": "Cấp phiếu lý lịch tư pháp cho công dân Việt Nam",
        "applicant_name": "Nguyễn Văn An",
        "applicant_id_number": "093201004567",
        "dossier_code": CODE,
        "issued_at": datetime(2026, 12, 3, 2, 30, tzinfo=UTC),
        "verify_url": verify_url("https://dichvucong.haugiang.example", result_id),
    }
    values.update(overrides)
    return ResultData(**values)


def dossier(**overrides: Any) -> Dossier:
    values: dict[str, Any] = {
        "id": "d-1",
        "code": CODE,
        "procedure_code": PROCEDURE.code,
        "procedure_version": 1,
        "applicant": Applicant(
            name="Nguyễn Thị Ánh",
            address="Số 12, đường Trần Hưng Đạo, phường Vị Thanh, Hậu Giang",
            phone="0912 345 678",
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


def form_context(**overrides: Any) -> FormContext:
    values: dict[str, Any] = {
        "dossier": dossier(),
        "procedure": PROCEDURE,
        "unit_names": UNITS,
        "lookup_url": f"https://dichvucong.example/#/lookup?code={CODE}&token=tok123",
        "staff_name": "Trần Văn Bình",
        "issued_at": T0 + timedelta(hours=1),
        "authority_name": "UBND tỉnh Hậu Giang",
        "place_name": "Hậu Giang",
    }
    values.update(overrides)
    return FormContext(**values)


def register_dossiers(n: int) -> list[Dossier]:
    return [
        dossier(
            id=f"d-{i}",
            code=f"H15.50-261130-{i:04d}",
            register_line=i,
            applicant=Applicant(
                name=f"Phạm Văn Đức {i}",
                address="Ấp 3, xã Vị Thủy, Hậu Giang",
                phone="0987 654 321",
            ),
        )
        for i in range(n, 0, -1)
    ]


def report() -> Any:
    """A half-year report: 47 of 50 processed on time, 3 of 4 received online."""
    from chalicelib.services.reporting.report import OnlineRow, OperationRow, Report

    row = OperationRow(
        agency="H33.30", name="UBND thành phố Vị Thanh", received_desk=1, received_online=3
    )
    row = row.model_copy(update={"processed": 50, "on_time": 47, "late": 3})
    online = OnlineRow(
        agency="H33.30",
        name=row.name,
        procedures_full_online=1,
        received_online=3,
        received_total=4,
    )
    return Report(
        period="2026-07..2026-11",
        months=[f"2026-{m:02d}" for m in range(7, 12)],
        province_name="Hậu Giang",
        number="12/BC-UBND",
        issued_on=date(2026, 11, 20),
        operation=[row],
        operation_total=row.model_copy(update={"agency": "", "name": "Tỉnh Hậu Giang"}),
        online=[online],
        online_total=online.model_copy(update={"agency": "", "name": "Tỉnh Hậu Giang"}),
    )
