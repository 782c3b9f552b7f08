"""Withdrawal (status 7): the applicant takes the dossier back before the result is ready."""

from __future__ import annotations

from chalicelib.domain.dossier import Dossier
from chalicelib.domain.errors import Conflict
from chalicelib.domain.statuses import DossierStatus, check_transition


def check_can_withdraw(d: Dossier) -> DossierStatus:
    if d.status is None:
        raise Conflict(
            "Hồ sơ chưa nộp; có thể xóa bản nháp.",
            "The dossier is a draft; nothing to withdraw.",
            code="not_submitted",
        )
    return check_transition(d.status, DossierStatus.WITHDRAWN)
