"""Bases of the API's input models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class QueryModel(BaseModel):
    """A query string. Unknown parameters are ignored, as they always were; every field is
    optional with a `description` (the OpenAPI parameter's text, in field order)."""

    model_config = ConfigDict(extra="ignore", frozen=True)
