"""Supplement during processing (NĐ 61/2018 Đ9, as amended): at most once, with reasons, and the
legal clock stands still until the applicant completes the dossier."""

from __future__ import annotations

from chalicelib.domain.dossier import Dossier
from chalicelib.domain.errors import Conflict
from chalicelib.domain.statuses import DossierStatus


def check_can_request(d: Dossier) -> None:
    """An agency may ask for a supplement once per dossier, while it is being processed."""
    if d.status is not DossierStatus.PROCESSING:
        raise Conflict(
            "Chỉ yêu cầu bổ sung khi hồ sơ đang được xử lý.",
            "A supplement can be requested only while the dossier is being processed.",
            code="illegal_transition",
        )
    if d.processing_supplements >= 1:
        raise Conflict(
            "Hồ sơ đã được yêu cầu bổ sung một lần; không được yêu cầu bổ sung lần thứ hai.",
            "A supplement was already requested once for this dossier; a second is not allowed.",
            code="supplement_once",
        )


def is_processing_supplement(d: Dossier) -> bool:
    """Status 5 after receipt (the clock is paused), as opposed to the desk's guidance before."""
    return d.status is DossierStatus.SUPPLEMENT_REQUESTED and d.received_at is not None
