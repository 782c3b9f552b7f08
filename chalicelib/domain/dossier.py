"""A dossier (hồ sơ) and what travels with it: applicant, attachments, history, agency steps.

Timestamps are timezone-aware UTC datetimes; Vietnam time is applied only when counting days and
showing dates (see `calendar`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import IntEnum, StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, EmailStr, Field

from chalicelib.domain.errors import Conflict, Forbidden
from chalicelib.domain.mandates import Representation
from chalicelib.domain.statuses import DossierStatus

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor


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
    reused_from: str | None = None  # id of the "my documents" entry it was copied from


class StepState(StrEnum):
    WAITING = "waiting"
    ACTIVE = "active"
    DONE = "done"


class DossierStep(BaseModel):
    """One agency step of the running dossier, with the allowance it was given."""

    step_id: str
    agency: str
    name: str
    stage: int = 0  # index into the procedure's stages; equal stage = parallel group
    may_return: bool = True
    state: StepState = StepState.WAITING
    started_at: AwareDatetime | None = None
    due_at: AwareDatetime | None = None
    warn_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    late: bool = False
    handled_by: str | None = None
    note: str | None = None
    late_exempt: bool = False  # granted "late because of a system error" (Đ15.7)
    rounds: int = 0  # how many times the step was started (a return re-runs it)
    alarms_fired: list[str] = Field(default_factory=list)  # this round's step alarms


class Pause(BaseModel):
    """A clock pause (supplement, fee). Append-only: an open pause has no end yet."""

    start: AwareDatetime
    end: AwareDatetime | None = None
    reason: str
    kind: str = "supplement"  # supplement | fee


class Handover(BaseModel):
    """One line of the control slip (form 06): a step handed to an agency and its outcome."""

    step_id: str
    step_name: str
    stage: int
    from_unit: str  # who handed it over (desk or the previous agency)
    to_agency: str
    sent_by: str
    sent_at: AwareDatetime
    due_at: AwareDatetime | None = None
    finished_at: AwareDatetime | None = None
    finished_by: str | None = None
    outcome: str | None = None  # approve | return | supplement | fee | stop_proposed | ended
    note: str | None = None
    late: bool | None = None  # None while running


DecisionState = Literal["proposed", "approved", "refused"]


class Extension(BaseModel):
    """Form 04: apology and a new appointment, proposed once by a late agency, approved by the
    lead agency's leader. The dossier still counts as late."""

    agency: str
    step_id: str | None = None
    reason: str
    new_appointment_at: AwareDatetime
    previous_appointment_at: AwareDatetime
    proposed_by: str
    proposed_at: AwareDatetime
    state: DecisionState = "proposed"
    decided_by: str | None = None
    decided_at: AwareDatetime | None = None
    decision_note: str | None = None


class StopRequest(BaseModel):
    """Form 05: stop processing with a reason (proposed by an agency, or the system when the
    applicant did not answer in time), approved by the lead agency's leader."""

    reason: str
    agency: str | None = None
    proposed_by: str
    proposed_at: AwareDatetime
    state: DecisionState = "proposed"
    decided_by: str | None = None
    decided_at: AwareDatetime | None = None


class FeeDue(BaseModel):
    """A fee or financial obligation owed before processing goes on (status 6)."""

    amount_vnd: int = Field(ge=0)
    reason: str
    requested_at: AwareDatetime
    requested_by: str
    due_at: AwareDatetime | None = None
    paid_at: AwareDatetime | None = None
    method: str | None = None  # cash | transfer (recorded at the desk) | online (VNPay)
    receipt_no: str | None = None  # the desk's biên lai number, or the online payment's id
    recorded_by: str | None = None


# How a fee was paid: the desk records cash or a transfer it checked; VNPay's IPN records online.
FEE_METHODS: dict[str, str] = {
    "cash": "Tiền mặt tại Bộ phận Một cửa",
    "transfer": "Chuyển khoản (ghi nhận tại Bộ phận Một cửa)",
    "online": "Thanh toán trực tuyến qua VNPay",
}


def fee_method_label(method: str | None, *, in_sentence: bool = False) -> str:
    """The Vietnamese name of a payment method; a fee without one was paid at the desk in cash.
    `in_sentence` lowers only the first letter (for "100000 đồng, tiền mặt tại Bộ phận Một cửa")."""
    label = FEE_METHODS.get(method or "cash", method or "")
    return label[:1].lower() + label[1:] if in_sentence else label


class Exemption(BaseModel):
    """A request that an overdue dossier or step not count as late (Đ15.7), and its decision."""

    id: str
    step_id: str | None = None  # None: the dossier as a whole
    reason: str
    evidence: str
    requested_by: str
    requested_at: AwareDatetime
    state: DecisionState = "proposed"
    decided_by: str | None = None
    decided_at: AwareDatetime | None = None
    decision_note: str | None = None


class ResultDocument(BaseModel):
    """The signed electronic result (status 9): where it is, its hash and the KMS signature."""

    id: str  # public id used by the verify page
    key: str  # S3 key in the results bucket
    filename: str
    sha256: str
    signature: str = ""  # base64 of the KMS signature over the manifest
    key_id: str = ""
    algorithm: str = ""
    signed_at: AwareDatetime | None = None
    generated: bool = False  # made from the template rather than uploaded by the agency
    # Until when the licence or permit is valid, as the agency entered it (reminders: expiry).
    valid_until: AwareDatetime | None = None


class ReturnRecord(BaseModel):
    """How the result was handed over (status 10)."""

    channel: Literal["desk", "post", "online"]
    at: AwareDatetime
    by: str
    recipient_name: str | None = None
    recipient_id_number: str | None = None
    tracking_number: str | None = None


class Dossier(BaseModel):
    model_config = ConfigDict(use_enum_values=False)

    id: str
    code: str | None = None  # assigned at valid receipt
    procedure_code: str
    procedure_version: int
    owner: str | None = None  # citizen user id (Cognito sub); None for walk-ins
    applicant: Applicant
    # Filed for another (domain.mandates): the representative (who signed in and filed), the
    # represented party (the applicant) and the basis. None: the applicant filed it themselves.
    representation: Representation | None = None
    form_data: dict[str, Any] = Field(default_factory=dict)
    channel: Channel = Channel.ONLINE
    # Where it was submitted: "" here (our portal or desk), "DVCQG" on the national portal (then
    # `portal_ref` is the portal's own dossier id and the channel is online).
    source: str = ""
    portal_ref: str | None = None
    portal_digest: str | None = None  # of the portal's JSON: a re-push is told from a duplicate
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
    supplement_count: int = 0  # desk guidance before receipt (once)
    processing_supplements: int = 0  # agency requests after receipt (at most once, Đ NĐ 61)
    supplement_due_at: AwareDatetime | None = None  # the applicant's own deadline
    original_appointment_at: AwareDatetime | None = None  # before any extension
    handovers: list[Handover] = Field(default_factory=list)
    extension: Extension | None = None
    stop: StopRequest | None = None
    fee: FeeDue | None = None
    exemptions: list[Exemption] = Field(default_factory=list)
    late_exempt: bool = False
    result: ResultDocument | None = None
    returned: ReturnRecord | None = None
    withdrawal_reason: str | None = None
    alarms_fired: list[str] = Field(default_factory=list)  # dossier-level alarms already raised
    # The lowest stage a step may send the dossier back to: 0, or after an administrator restarted
    # a failed workflow, the first stage the new execution holds in full (domain.workflow_restart).
    return_floor: int = 0
    refusal_reason: str | None = None
    supplement_reason: str | None = None
    result_key: str | None = None
    lookup_token: str | None = None
    received_by: str | None = None  # username (accountability); its name is in `people`
    register_line: int | None = None
    # The officials who acted on this dossier: username -> full name, as recorded with their first
    # action on it (`record_people`). Papers and pages print these names; the history and audit
    # keep the usernames. Recorded once, so a later rename does not rewrite the dossier's papers.
    people: dict[str, str] = Field(default_factory=dict)
    # Personal data (issue 10): end of the retention duty, set when the dossier becomes final
    # (chalicelib.domain.retention); restricted after the owner's erasure request; tombstoned when
    # the retention job removed its personal data and files.
    retention_until: AwareDatetime | None = None
    restricted: bool = False
    tombstoned_at: AwareDatetime | None = None
    version: int = 0  # optimistic lock

    @property
    def is_draft(self) -> bool:
        return self.status is None

    def current_step(self) -> DossierStep | None:
        return next((s for s in self.steps if s.state is StepState.ACTIVE), None)


class HistoryEvent(BaseModel):
    """An append-only record of one thing that happened to a dossier."""

    at: AwareDatetime
    actor: str  # the username: who is accountable
    actor_role: str
    actor_name: str | None = None  # an official's full name at the time; None for others
    # An official's title (chức danh) and unit as their profile had them at the time: what the
    # national portal's ChucDanh and PhongBanXuLy report, unchanged by a later promotion or move.
    actor_title: str | None = None
    actor_unit: str | None = None
    action: str
    from_status: DossierStatus | None = None
    to_status: DossierStatus | None = None
    note: str | None = None
    agency: str | None = None


def record_people(people: Mapping[str, str], events: Iterable[HistoryEvent]) -> dict[str, str]:
    """`people` plus the officials named by `events` who are not in it yet (first name kept)."""
    out = dict(people)
    for e in events:
        if e.actor_name and e.actor not in out:
            out[e.actor] = e.actor_name
    return out


def named_usernames(d: Dossier) -> set[str]:
    """Every username a `*_by` field of the dossier holds: who papers may have to name."""
    found = {d.received_by, d.returned.by if d.returned else None}
    found |= {s.handled_by for s in d.steps}
    found |= {x for h in d.handovers for x in (h.sent_by, h.finished_by)}
    for decision in (d.extension, d.stop):
        if decision is not None:
            found |= {decision.proposed_by, decision.decided_by}
    if d.fee is not None:
        found |= {d.fee.requested_by, d.fee.recorded_by}
    found |= {x for e in d.exemptions for x in (e.requested_by, e.decided_by)}
    return {u for u in found if u}


# Actors that are not people, as papers name them.
_NOT_PEOPLE = {
    "system": "Hệ thống",
    "applicant": "Chủ hồ sơ",
}


def person_name(
    username: str | None, people: Mapping[str, str], units: Mapping[str, str] | None = None
) -> str:
    """The full name a paper or page prints for `username` (a `*_by` field of the dossier).

    Never the login name of an official when their name is known; the system and the applicant
    in words; an agency system (an `api:<agency>:<key>` actor) as such.
    """
    if not username:
        return ""
    if username in people:
        return people[username]
    if username in _NOT_PEOPLE:
        return _NOT_PEOPLE[username]
    if username.startswith("api:"):
        agency = username.split(":")[1]
        return f"Hệ thống phần mềm của {(units or {}).get(agency) or agency}"
    return username


def utc(dt: datetime) -> datetime:
    """Reject naive datetimes: every stored instant is UTC-aware."""
    if dt.tzinfo is None:
        raise ValueError("naive datetime")
    return dt


def ensure_documents_editable(d: Dossier, actor: Actor) -> None:
    """Attachments change only while the applicant (or desk, for paper) still holds the dossier."""
    if d.status not in (None, DossierStatus.SUPPLEMENT_REQUESTED):
        raise Conflict(
            "Hồ sơ đã nộp, không thể thay đổi giấy tờ.",
            "The dossier is already submitted; documents cannot change.",
            code="not_editable",
        )
    if actor.role == "desk" and d.channel is not Channel.DESK:
        raise Forbidden(
            "Bộ phận một cửa không sửa hồ sơ trực tuyến của công dân.",
            "The desk cannot edit a citizen's online dossier.",
        )
