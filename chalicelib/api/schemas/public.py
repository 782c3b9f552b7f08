"""Query strings of the public routes (chalicelib/api/routes/public.py)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.api.schemas.base import QueryModel


class ProcedureSearchQuery(QueryModel):
    q: str | None = Field(None, description="Free text (name or code).")
    field: str | None = Field(None, description="Field (lĩnh vực).")
    level: str | None = Field(None, description="Online service level.")
    agency: str | None = Field(None, description="Lead agency (unit id).")


class LookupQuery(QueryModel):
    token: str | None = Field(
        None, description="The QR token printed on the receipt; when it matches, more is shown."
    )
