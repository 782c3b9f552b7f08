"""“Late because of a system error” (regulation Đ15.7): staff ask, with evidence, that an overdue
dossier or step not count as late; only an administrator grants or refuses it. Nothing else may
clear a lateness flag."""

from __future__ import annotations

from datetime import datetime

from chalicelib.domain.dossier import Dossier, Exemption
from chalicelib.domain.errors import Conflict, InvalidInput, NotFound


def is_overdue(d: Dossier, step_id: str | None, now: datetime) -> bool:
    if step_id is None:
        due = d.appointment_at
        end = d.finished_at or now
        return due is not None and end > due
    step = next((s for s in d.steps if s.step_id == step_id), None)
    if step is None:
        raise NotFound("Không tìm thấy bước xử lý.", "Step not found.", field="step_id")
    end = step.finished_at or now
    return step.late or (step.due_at is not None and end > step.due_at)


def check_can_request(d: Dossier, step_id: str | None, now: datetime) -> None:
    if d.status is None or d.received_at is None:
        raise Conflict("Hồ sơ chưa được tiếp nhận.", "Not received.", code="not_received")
    if not is_overdue(d, step_id, now):
        raise InvalidInput(
            "Hồ sơ hoặc bước xử lý này không bị trễ hạn.",
            "This dossier or step is not overdue.",
            code="not_overdue",
            field="step_id",
        )
    if any(e.step_id == step_id and e.state == "proposed" for e in d.exemptions):
        raise Conflict(
            "Đã có đề nghị đang chờ quyết định.",
            "A request is already pending.",
            code="exemption_pending",
        )


def pending(d: Dossier, exemption_id: str) -> Exemption:
    ex = next((e for e in d.exemptions if e.id == exemption_id), None)
    if ex is None:
        raise NotFound("Không tìm thấy đề nghị.", "Request not found.", field="exemption_id")
    if ex.state != "proposed":
        raise Conflict(
            "Đề nghị đã được quyết định.", "The request was already decided.", code="decided"
        )
    return ex
