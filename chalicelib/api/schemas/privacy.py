"""Input models of the personal-data routes (api/routes/privacy.py): bodies and query strings."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.api.schemas.base import QueryModel

_CURSOR = "Opaque cursor from the previous page's `next`."


class IdNumberSearchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    id_number: str = Field(min_length=1, max_length=20)


ConsentKindIn = Literal["share_with_related_services", "face_registration", "sms_notifications"]
BreachCategory = Literal[
    "identity", "contact", "birth_date", "documents", "results", "sensitive", "face"
]


class ConsentIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: ConsentKindIn
    given: bool
    text_version: str = Field(min_length=1, max_length=40)


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    confirm: Literal[True]  # the page's explicit confirmation


class BreachIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    scope: str = Field(min_length=3, max_length=500)
    description: str = Field(default="", max_length=4000)
    consequences: str = Field(default="", max_length=2000)
    measures: str = Field(default="", max_length=2000)
    contact: str = Field(default="", max_length=300)
    detected_at: AwareDatetime | None = None
    categories: list[BreachCategory] = Field(min_length=1, max_length=7)
    procedure_code: str | None = Field(default=None, max_length=40)
    # real dates (a pattern let 2026-02-31 through to a 500): YYYY-MM-DD
    date_from: date | None = None
    date_to: date | None = None
    units: list[str] = Field(default_factory=list, max_length=200)
    dossier_codes: list[str] = Field(default_factory=list, max_length=1000)


class BreachReportedIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    reference: str = Field(min_length=1, max_length=200)


class AccessLogQuery(QueryModel):
    cursor: str | None = Field(None, description=_CURSOR)
    limit: str | None = Field(None, description="Page size 1-100 (default 20).")


class BreachesQuery(QueryModel):
    state: str | None = Field(None, description="open | reported.")
    q: str | None = Field(
        None, description="Free text (id, scope, description, categories, reference)."
    )
    cursor: str | None = Field(None, description=_CURSOR)
    limit: str | None = Field(None, description="Page size 1-100 (default 20).")

    def params(self) -> dict[str, str]:
        """As the breach service takes them (only what was sent)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}
