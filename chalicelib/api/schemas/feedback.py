"""Query strings of the feedback routes (api/routes/feedback.py)."""

from __future__ import annotations

from pydantic import Field

from chalicelib.api.schemas.base import QueryModel


class FeedbackTokenQuery(QueryModel):
    token: str | None = Field(None, description="The token returned when the feedback was sent.")


class QaQuery(QueryModel):
    q: str | None = Field(None, description="Words to find in the subject, question or answer.")
