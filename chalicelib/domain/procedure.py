"""A procedure (thủ tục hành chính) as published in the catalogue.

A procedure is versioned: a dossier pins the version it started under, so a later amendment never
changes the rules of a dossier already running.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator


class ServiceLevel(StrEnum):
    """How far the procedure is offered online (regulation Đ3.4-5, NĐ 42/2022)."""

    FULL_ONLINE = "full_online"
    PARTIAL_ONLINE = "partial_online"
    NOT_ONLINE = "not_online"


class TimeUnit(StrEnum):
    WORKING_DAYS = "working_days"
    WORKING_HOURS = "working_hours"


class Duration(BaseModel):
    """A legal time allowance, always counted in working time."""

    model_config = ConfigDict(frozen=True)

    amount: int = Field(gt=0)
    unit: TimeUnit = TimeUnit.WORKING_DAYS


class DocumentRequirement(BaseModel):
    """One component of the dossier (thành phần hồ sơ)."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    name: str
    form: Literal["original", "copy", "certified_copy", "electronic"] = "copy"
    count: int = Field(default=1, ge=1)
    required: bool = True
    accepted_types: tuple[str, ...] = ("application/pdf", "image/jpeg", "image/png")
    max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)


class Fee(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    amount_vnd: int = Field(ge=0)


class ProcessStep(BaseModel):
    """One step of the electronic process: who does it and how long they have."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    name: str
    agency: str  # unit code of the agency that owns the step
    role: str = "specialist"
    allowance: Duration
    # Steps sharing a stage number run in parallel (liên thông); None = a stage of its own.
    stage: int | None = None
    may_return: bool = True  # may hand the dossier back to the previous stage with a note


def group_stages(steps: Iterable[ProcessStep]) -> list[list[ProcessStep]]:
    """Steps in stages: one step, or a parallel group of the steps sharing a `stage` number.

    A group keeps the position of its first step, so data reads top to bottom. The one rule for
    the workflow's stages and the deadline plan, so both always agree on what runs together.
    """
    out: list[list[ProcessStep]] = []
    by_number: dict[int, list[ProcessStep]] = {}
    for s in steps:
        if s.stage is None:
            out.append([s])
        elif s.stage in by_number:
            by_number[s.stage].append(s)
        else:
            by_number[s.stage] = [s]
            out.append(by_number[s.stage])
    return out


class Procedure(BaseModel):
    """A published procedure at one version."""

    model_config = ConfigDict(frozen=True)

    code: str = Field(min_length=1, max_length=40)
    version: int = Field(default=1, ge=1)
    name: str
    field: str  # lĩnh vực
    level: ServiceLevel
    lead_agency: str  # unit code
    documents: tuple[DocumentRequirement, ...] = ()
    form_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    fees: tuple[Fee, ...] = ()
    processing_time: Duration
    steps: tuple[ProcessStep, ...] = Field(min_length=1)
    result_delivery: tuple[Literal["desk", "online", "post"], ...] = ("desk",)
    sample: bool = False  # demo data taken from the national database as remembered
    # Publication (Đ10.3, Đ14.5): when the legal act takes effect and when it was published here.
    effective_date: date | None = None
    published_at: AwareDatetime | None = None
    state: Literal["published", "repealed"] = "published"
    # The electronic-identity level an online applicant needs (NĐ 69/2024; domain.assurance):
    # 0 any account, 1 VNeID level 1 or 2, 2 VNeID level 2.
    assurance_level: Literal[0, 1, 2] = 0
    # The procedure that renews this one's result (a licence with a validity period): the
    # expiry reminder links to it. None: the result does not expire or is not renewed here.
    renewal_procedure: str | None = Field(default=None, max_length=40)
    # Whether someone may file it for another (a parent, a legal representative, an authorised
    # person; domain.mandates). False: the person must file it themselves.
    representation_allowed: bool = True

    @model_validator(mode="after")
    def _steps_fit(self) -> Procedure:
        ids = [s.id for s in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError("step ids must be unique")
        doc_ids = [d.id for d in self.documents]
        if len(set(doc_ids)) != len(doc_ids):
            raise ValueError("document ids must be unique")
        return self

    @property
    def stages(self) -> list[list[ProcessStep]]:
        """Ordered stages; a stage is one step or a parallel group (same `stage` number)."""
        return group_stages(self.steps)

    def step(self, step_id: str) -> ProcessStep | None:
        return next((s for s in self.steps if s.id == step_id), None)

    @property
    def is_online(self) -> bool:
        return self.level is not ServiceLevel.NOT_ONLINE

    @property
    def total_fee_vnd(self) -> int:
        return sum(f.amount_vnd for f in self.fees)

    def document(self, document_id: str) -> DocumentRequirement | None:
        return next((d for d in self.documents if d.id == document_id), None)


class Unit(BaseModel):
    """An organisational unit: province office, department, commune, one-stop desk.

    Units form a tree of any depth; codes follow QCVN 102:2016 and are data, not code.
    """

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    parent: str | None = None
    kind: Literal["province", "department", "district", "commune", "desk", "other"] = "department"
    # Liên thông: the code of the other system this unit processes its steps in (a ministry's or
    # sector's system); None when it works in ours (domain.lien_thong).
    external_system: str | None = None
