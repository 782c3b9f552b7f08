"""Query strings of reports, the dashboard, transparency and alerts (api/routes/reports.py)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.api.schemas.base import QueryModel

_MONTH = "YYYY-MM."


class ReportsQuery(QueryModel):
    agency: str | None = Field(None, description="Only this agency's reports.")
    period: str | None = Field(
        None, description="Only periods containing this text (e.g. 2026, 2026-H2)."
    )
    cursor: str | None = Field(None, description="Opaque cursor from the previous page's `next`.")
    limit: str | None = Field(None, description="Page size 1-100 (default 50).")


class ReportFileQuery(QueryModel):
    link: str | None = Field(None, description="1: answer a presigned GET URL instead.")


class DashboardQuery(QueryModel):
    month: str | None = Field(None, description=_MONTH)
    agency: str | None = Field(None, description="One agency.")


class DrillQuery(QueryModel):
    indicator: str | None = Field(None, description="Indicator id.")
    part: str | None = Field(None, description="numerator | denominator.")
    agency: str | None = Field(None, description="Agency code.")
    month: str | None = Field(None, description=_MONTH)
    cursor: str | None = Field(None, description="Next page.")
    limit: str | None = Field(None, description="1-100.")


class TransparencyQuery(QueryModel):
    month: str | None = Field(None, description=_MONTH)


class AlertsQuery(QueryModel):
    cursor: str | None = Field(None, description="Next page.")
    limit: str | None = Field(None, description="1-100.")
    agency: str | None = Field(None, description="Admin/province: which agency.")
