"""Inputs of the use cases, validated at the edge (strict: unknown fields are refused)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.dossier import Applicant


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ApplicantIn(Applicant):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CreateDossierIn(_In):
    procedure_code: str = Field(min_length=1, max_length=40)
    applicant: ApplicantIn
    form_data: dict[str, Any] = Field(default_factory=dict)
    receiving_unit: str | None = Field(default=None, max_length=40)


class UploadIn(_In):
    document_id: str = Field(min_length=1, max_length=40)
    filename: str = Field(min_length=1, max_length=200)
    content_type: str = Field(min_length=3, max_length=100)
    size: int = Field(gt=0)


class ReasonIn(_In):
    reason: str = Field(min_length=5, max_length=2000)


class CompleteStepIn(_In):
    outcome: Literal["approve", "return"]
    note: str | None = Field(default=None, max_length=2000)


class SignInIn(_In):
    username: str = Field(min_length=1, max_length=128)
    password: str = Field(min_length=1, max_length=256)


class SignUpIn(_In):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    password: str = Field(min_length=8, max_length=256)
    email: str = Field(min_length=3, max_length=200)
    name: str = Field(min_length=1, max_length=200)
