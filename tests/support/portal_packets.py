"""A dossier and its history as the national portal (Cổng DVCQG) sync packet is built from: one
procedure of H33.05, a dossier in processing with a good and a refused paper, the history of its
first three status changes. T0 is 00:30 on 1/12 in Vietnam, so a packet's date moves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.domain.dossier import (
    Applicant,
    Attachment,
    AttachmentState,
    Channel,
    Dossier,
    Handover,
    HistoryEvent,
)
from chalicelib.domain.procedure import (
    DocumentRequirement,
    Duration,
    Fee,
    Procedure,
    ProcessStep,
)
from chalicelib.domain.statuses import DossierStatus as S

T0 = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)  # 00:30 on 1/12 in Vietnam: the date moves
PROC = Procedure(
    code="1.001612",
    name="Cấp giấy chứng nhận đăng ký hộ kinh doanh",
    field="Thành lập và hoạt động của hộ kinh doanh",
    level="partial_online",
    lead_agency="H33.05",
    processing_time=Duration(amount=3),
    documents=(DocumentRequirement(id="giay-de-nghi", name="Giấy đề nghị đăng ký"),),
    fees=(Fee(name="Lệ phí đăng ký", amount_vnd=100000),),
    steps=(
        ProcessStep(id="review", name="Thẩm định", agency="H33.05", allowance=Duration(amount=2)),
    ),
)


def ev(
    minutes: int,
    action: str,
    frm: S | None,
    to: S | None,
    *,
    role: str = "desk",
    actor: str = "motcua",
    note: str | None = None,
    agency: str | None = None,
) -> HistoryEvent:
    """A history event `minutes` after T0."""
    return HistoryEvent(
        at=T0 + timedelta(minutes=minutes),
        actor=actor,
        actor_role=role,
        action=action,
        from_status=frm,
        to_status=to,
        note=note,
        agency=agency,
    )


def dossier(**over: Any) -> Dossier:
    """The sample dossier, with `over` replacing its fields."""
    values: dict[str, Any] = {
        "id": "d-1",
        "code": "H33.50-261201-0001",
        "procedure_code": PROC.code,
        "procedure_version": 1,
        "applicant": Applicant(
            name="Nguyễn Văn An",
            id_number="093090001234",
            address="Phường V, TP Vị Thanh",
            phone="0901234567",
            email="an@example.com",
        ),
        "form_data": {"ten_ho_kinh_doanh": "Tạp hoá An"},
        "receiving_unit": "H33.50",
        "lead_agency": "H33.05",
        "status": S.PROCESSING,
        "channel": Channel.ONLINE,
        "created_at": T0 - timedelta(hours=1),
        "submitted_at": T0 - timedelta(minutes=30),
        "received_at": T0,
        "appointment_at": T0 + timedelta(days=3),
        "version": 4,
        "attachments": [
            Attachment(
                id="a1",
                document_id="giay-de-nghi",
                filename="Nguyen Van An - CCCD 093090001234.pdf",
                key="k",
                state=AttachmentState.ACCEPTED,
            ),
            Attachment(
                id="a2",
                document_id="giay-de-nghi",
                filename="x.pdf",
                key="k2",
                state=AttachmentState.REJECTED,
            ),
        ],
        "handovers": [
            Handover(
                step_id="review",
                step_name="Thẩm định",
                stage=0,
                from_unit="H33.50",
                to_agency="H33.05",
                sent_by="system",
                sent_at=T0 + timedelta(minutes=5),
                due_at=T0 + timedelta(days=2),
            )
        ],
    }
    values.update(over)
    return Dossier(**values)


HISTORY = [
    ev(-30, "submitted", None, S.NEW, role="citizen", actor="an@example.com"),
    ev(0, "received", S.NEW, S.RECEIVED, agency="H33.50"),
    ev(5, "processing", S.RECEIVED, S.PROCESSING, role="system", actor="system", agency="H33.05"),
]
