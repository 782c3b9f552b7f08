"""Query strings of the dossier routes (people, lifecycle, payments)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.api.schemas.base import QueryModel


class WorkQuery(QueryModel):
    """One page of a work list (dossiers, tasks): free text, cursor, size."""

    q: str | None = Field(
        None, description="Free text: dossier code, procedure code or name, feedback subject."
    )
    cursor: str | None = Field(None, description="Opaque cursor from the previous page's `next`.")
    limit: str | None = Field(None, description="Page size 1-100 (default 50).")

    def params(self) -> dict[str, str]:
        """As the paging service takes them (only what was sent)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


class MonthQuery(QueryModel):
    month: str | None = Field(None, description="YYYY-MM.")


class MailboxQuery(QueryModel):
    to: str | None = Field(None, description="An e-mail address or a username.")
