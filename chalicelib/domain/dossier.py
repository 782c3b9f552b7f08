"""A dossier (hồ sơ) and what travels with it: applicant, attachments, history, agency steps.

Timestamps are timezone-aware UTC datetimes; Vietnam time is applied only when counting days and
showing dates (see `calendar`).
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from chalicelib.domain.statuses import DossierStatus


class Channel(IntEnum):
    """National portal channel codes."""

    DESK = 1
    ONLINE = 2
    POST = 3


class Applicant(BaseModel):
    """The person or organisation the dossier is for (chủ hồ sơ)."""

    name: str = Field(min_length=1, max_length=200)
    id_number: str = Field(default="", max_length=20)  # CCCD/CMND/passport/tax code
    address: str = Field(default="", max_length=300)
    phone: str = Field(default="", pattern=r"^$|^\+?[0-9 .-]{8,15}$")
    email: EmailStr | None = None


class AttachmentState(StrEnum):
    PENDING = "pending"  # slot issued, upload not yet verified
    ACCEPTED = "accepted"  # real size and type re-checked after arrival
    REJECTED = "rejected"  # deleted: too big, wrong type, or missing


class Attachment(BaseModel):
    id: str
    document_id: str  # the procedure's DocumentRequirement.id
    filename: str
    key: str  # S3 key under the dossier's prefix
    state: AttachmentState = AttachmentState.PENDING
    size: int | None = None
    content_type: str | None = None
    reason: str | None = None  # why it was rejected


class StepState(StrEnum):
    WAITING = "waiting"
    ACTIVE = "active"
    DONE = "done"


class DossierStep(BaseModel):
    """One agency step of the running dossier, with the allowance it was given."""

    step_id: str
    agency: str
    name: str
    state: StepState = StepState.WAITING
    started_at: AwareDatetime | None = None
    due_at: AwareDatetime | None = None
    warn_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    late: bool = False
    handled_by: str | None = None
    note: str | None = None


class Pause(BaseModel):
    """A clock pause (supplement). Append-only: an open pause has no end yet."""

    start: AwareDatetime
    end: AwareDatetime | None = None
    reason: str


class Dossier(BaseModel):
    model_config = ConfigDict(use_enum_values=False)

    id: str
    code: str | None = None  # assigned at valid receipt
    procedure_code: str
    procedure_version: int
    owner: str | None = None  # citizen user id (Cognito sub); None for walk-ins
    applicant: Applicant
    form_data: dict[str, Any] = Field(default_factory=dict)
    channel: Channel = Channel.ONLINE
    status: DossierStatus | None = None  # None while a draft
    receiving_unit: str  # unit code of the desk that receives it
    lead_agency: str
    attachments: list[Attachment] = Field(default_factory=list)
    steps: list[DossierStep] = Field(default_factory=list)
    pauses: list[Pause] = Field(default_factory=list)
    created_at: AwareDatetime
    submitted_at: AwareDatetime | None = None
    received_at: AwareDatetime | None = None
    appointment_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    returned_at: AwareDatetime | None = None
    supplement_count: int = 0
    refusal_reason: str | None = None
    supplement_reason: str | None = None
    result_key: str | None = None
    lookup_token: str | None = None
    received_by: str | None = None
    register_line: int | None = None
    version: int = 0  # optimistic lock

    @property
    def is_draft(self) -> bool:
        return self.status is None

    def current_step(self) -> DossierStep | None:
        return next((s for s in self.steps if s.state is StepState.ACTIVE), None)


class HistoryEvent(BaseModel):
    """An append-only record of one thing that happened to a dossier."""

    at: AwareDatetime
    actor: str
    actor_role: str
    action: str
    from_status: DossierStatus | None = None
    to_status: DossierStatus | None = None
    note: str | None = None
    agency: str | None = None


def utc(dt: datetime) -> datetime:
    """Reject naive datetimes: every stored instant is UTC-aware."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt
