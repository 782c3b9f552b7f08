"""Stop processing (form 05, status 8): proposed with a reason by a processing agency and decided
by the lead agency's leader; the system stops a dossier whose applicant missed their deadline."""

from __future__ import annotations

from chalicelib.domain.dossier import Dossier, StepState
from chalicelib.domain.errors import Conflict, Forbidden
from chalicelib.domain.statuses import DossierStatus, check_transition


def check_can_propose(d: Dossier, agency: str) -> None:
    if d.status is None:
        raise Conflict("Hồ sơ chưa được nộp.", "Not submitted.", code="not_submitted")
    check_transition(d.status, DossierStatus.STOPPED)
    if d.stop is not None and d.stop.state == "proposed":
        raise Conflict(
            "Đã có đề nghị dừng xử lý đang chờ duyệt.",
            "A stop proposal is already pending.",
            code="stop_pending",
        )
    if not any(s.agency == agency and s.state is StepState.ACTIVE for s in d.steps):
        raise Forbidden(
            "Chỉ cơ quan đang xử lý hồ sơ được đề nghị dừng xử lý.",
            "Only an agency currently processing the dossier may propose to stop it.",
        )


def check_can_decide(d: Dossier, leader_unit: str | None) -> None:
    if d.stop is None or d.stop.state != "proposed":
        raise Conflict(
            "Không có đề nghị dừng xử lý đang chờ duyệt.",
            "There is no pending stop proposal.",
            code="no_pending_stop",
        )
    if leader_unit != d.lead_agency:
        raise Forbidden(
            "Chỉ lãnh đạo cơ quan chủ trì được duyệt dừng xử lý.",
            "Only the lead agency's leader may decide a stop.",
        )
