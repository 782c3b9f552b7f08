"""What the API answers, as pydantic models: the OpenAPI document's response schemas.

Handlers build most answers as dicts (views over domain models); these models say what those
dicts hold, so the contract is typed and schemathesis can check every answer against it
(tests/fuzz). Unknown extra keys are allowed (a new field is not a breaking change); the listed
ones must be there with their types. Where an answer is a domain model's dump, the document uses
that model directly (chalicelib/api/openapi.py).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.dossier import Attachment, Dossier
from chalicelib.domain.faq import FaqEntry
from chalicelib.domain.procedure import DocumentRequirement, Procedure, Unit
from chalicelib.domain.procedure_publication import ProcedureChange
from chalicelib.domain.ratings import Rating
from chalicelib.domain.support import SupportRequest
from chalicelib.services.reporting.report import StoredReport


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


# ---- people -------------------------------------------------------------------------------------
class Tokens(_Out):
    id_token: str
    access_token: str
    refresh_token: str | None = None
    expires_in: int


class VneidStart(_Out):
    authorization_url: str
    state: str


class VneidTokens(_Out):
    id_token: str  # our session (chalicelib.services.identity.sessions), not VNeID's token
    access_token: str | None = None
    refresh_token: str | None = None
    expires_in: int
    identity_provider: str
    assurance_level: int
    logout_url: str


class SignedUp(_Out):
    sub: str
    username: str


class PasswordResetSent(_Out):
    """The same answer whether or not the account exists."""

    sent: bool
    message: str
    message_en: str


class PasswordResetDone(_Out):
    reset: bool
    username: str


class Me(_Out):
    sub: str
    username: str
    role: str
    unit: str | None
    name: str
    email: str
    phone: str | None
    id_number: str | None
    address: str | None


class ClientConfig(_Out):
    province_name: str
    user_pool_id: str
    user_pool_client_id: str
    region: str
    vneid: bool = False  # VNeID sign-in is configured (the sign-in page shows its button)


# ---- dossiers -----------------------------------------------------------------------------------
class StatusView(_Out):
    code: int
    label_vi: str
    label_en: str


class HistoryView(_Out):
    at: str
    action: str
    actor_role: str
    actor_name: str | None = None
    note: str | None
    agency: str | None
    from_status: int | None
    to_status: StatusView | None


class ResultView(_Out):
    """The signed result as shown (its storage key is never shown)."""

    id: str
    filename: str
    sha256: str
    signature: str = ""
    key_id: str = ""
    algorithm: str = ""
    signed_at: str | None = None
    generated: bool = False


class DossierView(Dossier):
    """`services.views.dossier_view`: the dossier (no lookup token, no lock version) with its
    status spelled out and the procedure's name, documents and processing time."""

    model_config = ConfigDict(extra="allow")

    status: StatusView  # type: ignore[assignment]
    result: ResultView | None = None  # type: ignore[assignment]
    procedure_name: str
    procedure_level: int | str
    processing_time_text: str
    documents: list[DocumentRequirement]
    current_agency: str | None
    current_agencies: list[str]
    lookup_url: str | None = None
    history: list[HistoryView] | None = None
    representation_text: str | None = Field(
        default=None, description="Filed for another: who, as what, on what basis (one line)."
    )


class DossierSummary(_Out):
    id: str
    code: str | None
    procedure_code: str
    procedure_name: str
    applicant_name: str
    channel: int
    source: str = Field(
        default="", description='"DVCQG" for a dossier submitted on the national portal.'
    )
    status: StatusView
    created_at: str
    submitted_at: str | None
    appointment_at: str | None
    representative_name: str | None = Field(
        default=None, description="Filed for another: the representative's name."
    )


class DossierSummaries(_Out):
    items: list[DossierSummary]
    next: str | None = Field(default=None, description="Cursor of the next page, if any.")


class DraftDeleted(_Out):
    """A citizen's own draft, deleted with every version of its files."""

    id: str
    deleted: bool
    object_versions: int = Field(description="S3 object versions of its attachments deleted.")


class DossierViews(_Out):
    items: list[DossierView]
    next: str | None = Field(default=None, description="Cursor of the next page, if any.")


class PublicStep(_Out):
    name: str
    agency: str
    state: str
    late: bool


class PublicHistory(_Out):
    at: str
    action: str
    to_status: StatusView | None = None
    agency: str | None = None


class PublicLookup(_Out):
    """Anyone's lookup by code: no personal data beyond the masked name."""

    code: str | None
    procedure_code: str
    procedure_name: str
    applicant_masked: str
    status: StatusView
    received_at: str | None
    appointment_at: str | None
    finished_at: str | None
    current_agency: str | None
    steps: list[PublicStep]
    verified: bool
    history: list[PublicHistory] | None = None


class UploadTicket(_Out):
    """A presigned POST for one attachment: post `fields` and the file to `url`."""

    attachment_id: str
    attachment: Attachment
    url: str
    fields: dict[str, str]


class AttachmentLink(_Out):
    """A short-lived link to one accepted paper (`services.papers`): `url` opens it in the page
    (inline, its real name and type), `download_url` saves it; both expire after `expires_in`."""

    attachment_id: str
    document_id: str
    filename: str
    content_type: str
    size: int | None
    inline: bool
    url: str
    download_url: str
    expires_in: int
    expires_at: str


class ReusedAttachment(_Out):
    id: str
    document_id: str
    filename: str
    state: str


class Items(_Out):
    """A list whose rows are views built elsewhere (one object per row)."""

    items: list[dict[str, Any]]


class Task(_Out):
    dossier_id: str
    code: str | None
    procedure_code: str
    procedure_name: str | None = None
    step_id: str
    step_name: str
    agency: str
    due_at: str | None
    warn_at: str | None = None
    state: str
    late: bool


class Tasks(_Out):
    items: list[Task]
    next: str | None = Field(default=None, description="Cursor of the next page, if any.")


# ---- results ------------------------------------------------------------------------------------
class ResultUploadTicket(_Out):
    result_id: str
    key: str
    url: str
    fields: dict[str, str]
    max_bytes: int


class ResultAttached(_Out):
    result: dict[str, Any]
    dossier: DossierView


class PadesSignatureView(_Out):
    """One PDF signature as pyHanko saw it (domain.signatures.SignatureCheck), with its role and
    the Vietnamese lines the verify page shows (issue 19)."""

    field_name: str
    role: str | None  # "official" | "agency" | None (a field we did not make)
    signer_name: str
    organisation: str
    title: str
    issuer: str
    serial: str
    not_before: str | None
    not_after: str | None
    signing_time: str | None
    timestamp_time: str | None
    timestamp_trusted: bool
    intact: bool
    valid: bool
    chain_trusted: bool
    revoked: bool
    revocation_date: str | None
    revocation_checked: bool
    expired_at_signing: bool
    covers_document: bool
    ltv: bool
    problem: str
    lines_vi: list[str]


class PadesReport(_Out):
    """pyHanko's verdict on the PDF's signatures against the trust root (issue 19)."""

    valid: bool
    reason: str
    reason_vi: str
    reason_en: str
    signatures: list[PadesSignatureView]


class VerifyAnswer(_Out):
    valid: bool
    result_id: str | None
    checks: dict[str, bool | None]
    reason: str
    reason_vi: str
    reason_en: str
    dossier_code: str | None
    filename: str | None
    sha256: str | None
    signed_at: str | None
    key_id: str | None
    algorithm: str | None
    generated: bool | None
    pades: PadesReport | None = None  # pyHanko's report on the PDF signatures (issue 19)


# ---- the catalogue ------------------------------------------------------------------------------
class CatalogueRow(_Out):
    code: str
    name: str
    field: str
    level: int | str
    lead_agency: str


class Catalogue(_Out):
    items: list[CatalogueRow]
    fields: list[str]


class ProcedureDetail(Procedure):
    model_config = ConfigDict(extra="allow", frozen=True)

    lead_agency_name: str
    fee_total_vnd: int
    online: bool = Field(alias="is_online")  # `is_online` is also Procedure's property
    repealed: bool


class Units(_Out):
    items: list[Unit]


# ---- payments -----------------------------------------------------------------------------------
class PaymentCreated(_Out):
    payment_id: str
    pay_url: str
    amount_vnd: int
    expires_at: str
    state: str


class PaymentRow(_Out):
    payment_id: str
    amount_vnd: int
    state: str
    created_at: str
    paid_at: str | None
    transaction_no: str | None


class Payments(_Out):
    items: list[PaymentRow]


class VnpayAck(_Out):
    """VNPay's IPN answer: RspCode 00 confirmed, 01 order not found, 02 already confirmed,
    04 wrong amount, 97 wrong signature, 99 other error."""

    RspCode: str
    Message: str


# ---- agencies' keys -----------------------------------------------------------------------------
class AgencyKey(_Out):
    access_key_id: str
    agency: str
    description: str
    status: str
    created_at: str
    created_by: str
    expires_at: str | None
    rotated_to: str | None
    rotated_from: str | None
    revoked_at: str | None


class IssuedAgencyKey(AgencyKey):
    """Shown once: the secret is never returned again."""

    secret_access_key: str
    note: str


class AgencyKeys(_Out):
    items: list[AgencyKey]


class WhoAmI(_Out):
    agency: str
    access_key_id: str
    role: str


class Url(_Out):
    url: str


class Page(_Out):
    """One page of rows; `next` is the opaque cursor of the following page (null: the last)."""

    items: list[dict[str, Any]]
    next: str | None


# ---- feedback (phản ánh, kiến nghị) -------------------------------------------------------------
class FeedbackStep(_Out):
    at: str
    action: str


class FeedbackView(_Out):
    """What the sender sees (`services.feedback.sender_view`): never staff identities."""

    id: str
    code: str
    subject: str
    content: str
    channel: str
    category: str | None
    agency: str | None
    dossier_code: str | None
    anonymous: bool
    publish_consent: bool
    state: str
    state_name: str
    received_at: str
    due_at: str | None
    refusal_reason: str | None
    info_request: str | None
    answer: str | None
    answered_at: str | None
    rating: bool | None
    can_rate: bool
    can_reopen: bool
    reopened: bool
    published_at: str | None
    attachments: int
    history: list[FeedbackStep]


class FeedbackSent(FeedbackView):
    """The sender's copy at submission: the token to follow it, and upload slots."""

    token: str
    uploads: list[dict[str, Any]]


class FeedbackStaffView(FeedbackView):
    sender_name: str
    contact: str | None
    entered_by: str | None
    attachment_keys: list[str]
    answers: list[dict[str, Any]]
    history: list[dict[str, Any]]  # type: ignore[assignment]


class FeedbackList(_Out):
    items: list[FeedbackView]


class FeedbackQueue(_Out):
    items: list[FeedbackStaffView]
    next: str | None = Field(default=None, description="Cursor of the next page, if any.")


# ---- FAQ, support requests, ratings, faces -------------------------------------------------------
class FaqPublic(_Out):
    id: str
    question: str
    answer: str
    question_en: str | None = None
    answer_en: str | None = None
    field: str
    procedure_code: str | None
    published_at: str | None


class FaqSearch(_Out):
    items: list[FaqPublic]
    count: int
    fields: list[str]


class SupportView(SupportRequest):
    """`services.support.view`: the request without the raiser's account id or the screenshot's
    storage key, with the text staff paste into an exemption's evidence."""

    model_config = ConfigDict(extra="allow")

    raised_by_sub: str | None = None  # type: ignore[assignment]  # never shown
    screenshot: dict[str, Any] | None = None  # type: ignore[assignment]
    evidence: str = Field(alias="evidence_text")  # `evidence_text()` is also the parent's method


class SupportViews(_Out):
    items: list[SupportView]
    next: str | None = None


class Faqs(_Out):
    items: list[FaqEntry]


class SupportsOfDossier(_Out):
    items: list[dict[str, Any]]


class UploadSlot(_Out):
    """A presigned POST: post `fields` and the file to `url`."""

    url: str
    fields: dict[str, str]


class ScreenshotUrl(_Out):
    url: str


class RatingStatus(_Out):
    """Whether the dossier can be rated now (once, after the result), and the rating if any."""

    code: str | None
    procedure_code: str
    procedure_name: str
    status: StatusView
    can_rate: bool
    rated: bool
    rating: dict[str, Any] | None
    criteria: list[dict[str, Any]]


class LeaderNotifications(_Out):
    items: list[dict[str, Any]]


class FaceInfo(_Out):
    """Is lookup by face available here, and the consent text a citizen accepts to enrol."""

    available: bool
    consent_version: str
    consent_text_vi: str
    consent_text_en: str


class MyFace(FaceInfo):
    registered: bool
    registered_at: str | None
    registered_consent_version: str | None


class FaceWithdrawn(_Out):
    registered: bool
    faces_deleted: int


class FaceRegistered(_Out):
    registered: bool
    registered_at: str
    consent_version: str


class FaceMatches(_Out):
    """Lookup by face: the matched citizen's open dossiers, as the public lookup shows them."""

    matched: bool
    dossiers: list[PublicLookup]


class RatingView(Rating):
    """A rating as answered (the receipt link's holder does not get the dossier id)."""

    model_config = ConfigDict(extra="allow")

    dossier_id: str | None = None  # type: ignore[assignment]


# ---- the account, personal data ------------------------------------------------------------------
class Profile(Me):  # the account after a profile change: the same fields as `/api/me`
    pass


class Compromised(_Out):
    username: str
    locked: bool
    at: str
    report_id: str


class AccountStatus(_Out):
    username: str
    sub: str
    enabled: bool


class Consent(_Out):
    kind: str
    given: bool
    at: str | None
    recorded_text_version: str | None
    channel: str | None
    text_version: str
    text_sha256: str
    text_vi: str
    text_en: str


class Consents(_Out):
    items: list[Consent]
    history: list[dict[str, Any]]


class Export(_Out):
    """A time-limited link to the ZIP of everything the system holds about the citizen."""

    export_id: str
    url: str
    expires_in: int
    size: int
    dossiers: int
    files: int


class Erasure(_Out):
    deleted: dict[str, Any]
    kept: dict[str, Any]


class Breach(_Out):
    id: str
    state: str
    description: str
    detected_at: str
    recorded_at: str
    deadline_at: str
    deadline_state: str
    notification_list_url: str | None
    report_url: str | None
    version: int


class Breaches(_Out):
    items: list[Breach]
    next: str | None = None


class AuditChainCheck(_Out):
    ok: bool
    checked: int


class AuditPeriodCheck(_Out):
    """Every stream a period touched, verified (`GET /api/admin/audit/verify?from=&to=`)."""

    date_from: str = Field(alias="from", description="First day YYYY-MM-DD (Vietnam).")
    to: str
    ok: bool
    streams_checked: int
    events_in_period: int
    events_checked: int
    first_broken: dict[str, Any] | None = Field(description="The first break, in touched order.")
    broken: list[dict[str, Any]]


# ---- procedures: changes and versions ------------------------------------------------------------
class ProcedureChanges(_Out):
    items: list[ProcedureChange]
    next: str | None = None


class ProcedureVersions(_Out):
    code: str
    items: list[dict[str, Any]]


# ---- reports, dashboard, transparency, ops -------------------------------------------------------
class ReportView(StoredReport):
    """A stored report (its storage keys are never shown) with its download paths."""

    model_config = ConfigDict(extra="allow")

    keys: dict[str, str] | None = None  # type: ignore[assignment]  # never shown
    downloads: dict[str, str]


class Reports(_Out):
    items: list[ReportView]
    next: str | None = None


class Dashboard(_Out):
    month: str
    months: list[str]
    indicators: list[dict[str, Any]]
    agencies: list[dict[str, Any]]


class TransparencyTotals(_Out):
    received: int
    finished_on_time: int
    finished_late: int
    in_progress: int


class Transparency(_Out):
    """The public monthly results (Đ4.4): per agency and in total; no personal data."""

    month: str
    province_name: str
    generated_at: str
    agencies: list[dict[str, Any]]
    total: TransparencyTotals


class SyncCounts(_Out):
    pending: int
    failed: int
    synced_today: int


class SyncFailure(_Out):
    dossier_id: str
    code: str
    agency: str
    procedure: str
    state: str
    version: int
    synced_version: int
    attempts: int
    last_error: str
    updated_at: str


class PortalSync(_Out):
    counts: SyncCounts
    failed: list[SyncFailure]
    next: str | None


class Redriven(_Out):
    moved_from_dlq: int
    requeued: int
    total: int


class OpenApiDocument(_Out):
    """This document (`GET /openapi.json`)."""

    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
    components: dict[str, Any]
