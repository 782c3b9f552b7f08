"""Apology and extension (form 04): before the due time a late agency proposes a new appointment
with a reason, once; the lead agency's leader decides. The dossier still counts as late."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.dossier import Dossier, StepState
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput
from chalicelib.domain.statuses import OPEN_STATUSES


def check_can_propose(d: Dossier, agency: str, now: datetime, new_appointment: datetime) -> None:
    if d.status not in OPEN_STATUSES or d.appointment_at is None:
        raise Conflict(
            "Hồ sơ không còn trong thời gian xử lý.",
            "The dossier is not being processed.",
            code="illegal_transition",
        )
    if d.extension is not None:
        raise Conflict(
            "Hồ sơ đã được đề nghị gia hạn một lần; chỉ được gia hạn một lần.",
            "An extension was already proposed once; only one is allowed.",
            code="extension_once",
        )
    if not any(s.agency == agency and s.state is StepState.ACTIVE for s in d.steps):
        raise Forbidden(
            "Chỉ cơ quan đang xử lý hồ sơ được đề nghị gia hạn.",
            "Only an agency currently processing the dossier may propose an extension.",
        )
    if now >= d.appointment_at:
        raise Conflict(
            "Đã quá hạn trả kết quả; phiếu xin lỗi và hẹn lại phải được lập trước thời hạn.",
            "The appointment has passed; an extension must be proposed before it.",
            code="extension_too_late",
        )
    if new_appointment <= d.appointment_at:
        raise InvalidInput(
            "Ngày hẹn mới phải sau ngày hẹn hiện tại.",
            "The new appointment must be after the current one.",
            field="new_appointment_at",
        )


def check_can_decide(d: Dossier, leader_unit: str | None) -> None:
    if d.extension is None or d.extension.state != "proposed":
        raise Conflict(
            "Không có đề nghị gia hạn đang chờ duyệt.",
            "There is no pending extension proposal.",
            code="no_pending_extension",
        )
    if leader_unit != d.lead_agency:
        raise Forbidden(
            "Chỉ lãnh đạo cơ quan chủ trì được duyệt gia hạn.",
            "Only the lead agency's leader may decide an extension.",
        )


def counts_as_late(d: Dossier, finished_at: datetime) -> bool:
    """Late against the first appointment: an approved extension does not clear lateness."""
    first = d.original_appointment_at or d.appointment_at
    if d.late_exempt:
        return False
    extended = d.extension is not None and d.extension.state == "approved"
    return extended or (first is not None and finished_at > first)
