"""Input models of the FAQ, support-request, rating, face and reminder routes (JSON bodies,
extra=forbid), and the reminder preferences' answer."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.ratings import Scores
from chalicelib.domain.support import Priority


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class FaqIn(_In):
    question: str = Field(min_length=5, max_length=1000)
    answer: str = Field(min_length=5, max_length=10000)
    question_en: str | None = Field(default=None, max_length=1000, description="English wording.")
    answer_en: str | None = Field(default=None, max_length=10000, description="English wording.")
    field: str = Field(
        min_length=1, max_length=200, description="Lĩnh vực (field) of the catalogue."
    )
    procedure_code: str | None = Field(default=None, max_length=40)


class FaqUpdateIn(_In):
    question: str | None = Field(default=None, min_length=5, max_length=1000)
    answer: str | None = Field(default=None, min_length=5, max_length=10000)
    question_en: str | None = Field(default=None, max_length=1000)
    answer_en: str | None = Field(default=None, max_length=10000)
    field: str | None = Field(default=None, min_length=1, max_length=200)
    procedure_code: str | None = Field(default=None, max_length=40)
    clear_procedure: bool = False


class SupportIn(_In):
    dossier_code: str | None = Field(default=None, max_length=60)
    agency: str | None = Field(
        default=None, max_length=60, description="Default: the caller's unit."
    )
    error_seen: str = Field(min_length=5, max_length=5000)


class ScreenshotIn(_In):
    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(description="image/png or image/jpeg")
    size: int = Field(ge=1)


class TriageIn(_In):
    priority: Priority
    note: str = Field(default="", max_length=2000)


class SupportAnswerIn(_In):
    answer: str = Field(min_length=2, max_length=10000)


class SupportCloseIn(_In):
    note: str = Field(default="", max_length=2000)


class DossierRatingIn(_In):
    scores: Scores
    comment: str | None = Field(default=None, max_length=2000)


class ReminderPreferences(BaseModel):
    """Each kind of reminder on (true) or off (false) for the signed-in account."""

    appointment: bool = Field(default=True, description="Trước ngày hẹn trả kết quả.")
    supplement: bool = Field(default=True, description="Trước hạn bổ sung hồ sơ.")
    fee: bool = Field(default=True, description="Trước hạn nộp phí, lệ phí.")
    expiry: bool = Field(default=True, description="Trước khi giấy phép, chứng chỉ hết hạn.")


class ReminderPreferencesIn(_In):
    """The kinds to turn on or off; a kind left out stays as it was."""

    appointment: bool | None = None
    supplement: bool | None = None
    fee: bool | None = None
    expiry: bool | None = None
