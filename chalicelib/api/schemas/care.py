"""Query strings of the care routes (chalicelib/api/routes/care.py)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.api.schemas.base import QueryModel


class FaqSearchQuery(QueryModel):
    q: str | None = Field(None, description="Words, accents optional.")
    field: str | None = Field(None, description="Field (lĩnh vực).")
    procedure: str | None = Field(None, description="Procedure code.")


class FaqStateQuery(QueryModel):
    state: str | None = Field(None, description="draft | published | retired.")


class SupportStateQuery(QueryModel):
    state: str | None = Field(None, description="open | triaged | answered | closed.")


class SupportQueueQuery(QueryModel):
    state: str | None = Field(None, description="open | triaged | answered | closed.")
    q: str | None = Field(
        None, description="Free text (id, dossier code, unit, raised by, error text)."
    )
    cursor: str | None = Field(None, description="Opaque cursor from the previous page's `next`.")
    limit: str | None = Field(None, description="Page size 1-100 (default 20).")


class RatingLinkQuery(QueryModel):
    token: str | None = Field(
        None, description="The QR token printed on the receipt; when it matches, more is shown."
    )


class FaceConsentQuery(QueryModel):
    consent: str | None = Field(
        None, description="`accepted`: the citizen accepted the consent text."
    )
    consent_version: str | None = Field(None, description="The version of the consent text shown.")
