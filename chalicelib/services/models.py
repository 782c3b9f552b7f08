"""Inputs of the use cases, validated at the edge (strict: unknown fields are refused)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.domain.dossier import Applicant
from chalicelib.domain.mandates import MandateKind, Party


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ApplicantIn(Applicant):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class RepresentationIn(_In):
    """Filing for another: whom, on what basis (the representative is the signed-in caller)."""

    kind: MandateKind
    represented: Party
    basis: str = Field(min_length=1, max_length=40)
    basis_ref: str = Field(default="", max_length=100)
    valid_from: date | None = None
    valid_until: date | None = None
    procedures: list[str] = Field(default_factory=list, max_length=50)
    certified: bool = False


class CreateDossierIn(_In):
    procedure_code: str = Field(min_length=1, max_length=40)
    applicant: ApplicantIn
    form_data: dict[str, Any] = Field(default_factory=dict)
    receiving_unit: str | None = Field(default=None, max_length=40)
    # Filing for another (domain.mandates); the applicant is then the represented party. A draft
    # keeps the representation it was created with.
    representation: RepresentationIn | None = None


class UploadIn(_In):
    document_id: str = Field(min_length=1, max_length=40)
    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(min_length=3, max_length=100)
    size: int = Field(gt=0)


class ReasonIn(_In):
    reason: str = Field(min_length=5, max_length=2000)


class CompleteStepIn(_In):
    """approve → next stage; return → previous stage (note required); supplement → the applicant
    completes the dossier (once; note = reasons); fee → a financial obligation (amount); stop →
    propose to stop processing (note = reason; the lead agency's leader decides)."""

    outcome: Literal["approve", "return", "supplement", "fee", "stop"]
    note: str | None = Field(default=None, max_length=2000)
    amount_vnd: int | None = Field(default=None, gt=0, le=100_000_000_000)


class AcceptIn(_In):
    """A fee is recorded as collected at receipt only when the desk says so, with the biên lai
    number and how it was paid; otherwise a fee-bearing dossier awaits it (status 6), to be paid
    online or at the desk."""

    # Not collected unless said: a default of "collected" once recorded unpaid fees in one click.
    fee_collected: bool = False
    fee_method: Literal["cash", "transfer"] = "cash"
    receipt_no: str | None = Field(default=None, max_length=40)


class PaymentIn(_In):
    method: Literal["cash", "transfer"] = "cash"
    receipt_no: str = Field(min_length=1, max_length=40)
    amount_vnd: int = Field(gt=0, le=100_000_000_000)


class WithdrawIn(_In):
    reason: str | None = Field(default=None, max_length=2000)


class ExtensionIn(_In):
    reason: str = Field(min_length=5, max_length=2000)
    new_appointment_at: AwareDatetime


class DecisionIn(_In):
    approve: bool
    note: str | None = Field(default=None, max_length=2000)


class ExemptionIn(_In):
    step_id: str | None = Field(default=None, max_length=40)
    reason: str = Field(min_length=5, max_length=2000)
    evidence: str = Field(min_length=5, max_length=4000)


class ReturnIn(_In):
    channel: Literal["desk", "post", "online"] = "desk"
    recipient_name: str | None = Field(default=None, max_length=200)
    recipient_id_number: str | None = Field(default=None, max_length=20)
    tracking_number: str | None = Field(default=None, max_length=60)


class SignInIn(_In):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=256)


class SignUpIn(_In):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    password: str = Field(min_length=8, max_length=256)
    email: str = Field(min_length=3, max_length=200)
    name: str = Field(min_length=1, max_length=200)


class PasswordResetIn(_In):
    username: str = Field(min_length=1, max_length=128)


class ConfirmPasswordResetIn(_In):
    username: str = Field(min_length=1, max_length=128)
    code: str = Field(min_length=1, max_length=32, description="The 6-digit e-mailed code.")
    password: str = Field(min_length=1, max_length=256, description="The new password.")


class ReuseIn(_In):
    my_document_id: str = Field(min_length=1, max_length=40)
    document_id: str = Field(min_length=1, max_length=40)
