"""Query strings of the administrators' audit routes (api/routes/audit.py)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from chalicelib.api.schemas.base import QueryModel


class AuditPeriodQuery(QueryModel):
    """The days to verify; both required, checked by the route (400 `invalid_date`, `field`)."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    date_from: str | None = Field(None, alias="from", description="First day YYYY-MM-DD (Vietnam).")
    date_to: str | None = Field(None, alias="to", description="Last day YYYY-MM-DD.")
