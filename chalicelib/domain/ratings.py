"""Satisfaction rating of a dossier: after the result is returned (status 10), once per dossier, by
the owner signed in or by whoever holds the receipt's lookup token.

Scale (chosen and documented here): each criterion is rated on the three-level scale the national
portal uses, `satisfied` | `neutral` | `dissatisfied` (hài lòng / bình thường / không hài lòng);
the number of trips is a count, not a level; online-service quality may be `not_used` for a paper
dossier. A rating is dissatisfied when its `overall` level is `dissatisfied`; that is the count QĐ
766's "satisfied with dossier handling" indicator subtracts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.dossier import Dossier
from chalicelib.domain.errors import Conflict
from chalicelib.domain.statuses import DossierStatus

Level = Literal["satisfied", "neutral", "dissatisfied"]
OnlineLevel = Literal["satisfied", "neutral", "dissatisfied", "not_used"]

CRITERIA: tuple[str, ...] = (
    "overall",
    "time",
    "staff_attitude",
    "publicity",
    "trips",
    "online_service",
)
LABELS: dict[str, tuple[str, str]] = {
    "overall": ("Hài lòng chung", "Overall"),
    "time": ("Thời gian giải quyết", "Processing time"),
    "staff_attitude": ("Thái độ của cán bộ", "Staff attitude"),
    "publicity": ("Công khai thủ tục", "Publicity of the procedure"),
    "trips": ("Số lần phải đi lại", "Number of trips needed"),
    "online_service": ("Chất lượng dịch vụ trực tuyến", "Online-service quality"),
}


class Scores(BaseModel):
    model_config = ConfigDict(extra="forbid")

    overall: Level
    time: Level
    staff_attitude: Level
    publicity: Level
    trips: int = Field(ge=0, le=50, description="How many times the applicant had to come.")
    online_service: OnlineLevel


class Rating(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dossier_id: str
    dossier_code: str
    procedure_code: str
    lead_agency: str
    scores: Scores
    comment: str | None = Field(default=None, max_length=2000)
    via: Literal["account", "receipt_link"]
    rated_at: datetime

    @property
    def dissatisfied(self) -> bool:
        return is_dissatisfied(self.scores)


def is_dissatisfied(scores: Scores) -> bool:
    return scores.overall == "dissatisfied"


def check_can_rate(d: Dossier, already_rated: bool) -> None:
    """409 before the result is handed over (status 10), and 409 for a second rating."""
    if d.status is not DossierStatus.RETURNED:
        raise Conflict(
            "Chỉ đánh giá được sau khi đã nhận kết quả.",
            "A dossier can be rated only after its result is returned.",
            code="not_returned",
        )
    if already_rated:
        raise Conflict(
            "Hồ sơ này đã được đánh giá.",
            "This dossier has already been rated.",
            code="already_rated",
        )


def counter_metrics(scores: Scores) -> dict[str, int]:
    """What a rating adds to the lead agency's monthly counter item."""
    out = {"rated": 1}
    if is_dissatisfied(scores):
        out["rated_dissatisfied"] = 1
    return out
