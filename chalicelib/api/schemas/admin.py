"""Query strings of the administrator's console and procedure publication
(chalicelib/api/routes/admin.py, chalicelib/api/routes/procedures_admin.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.api.schemas.base import QueryModel

_CURSOR = "Opaque cursor from the previous page's `next`."
_LIMIT = "Page size 1-100 (default 20)."


class ChangeStateQuery(QueryModel):
    state: str | None = Field(None, description="proposed | published | rejected.")


class ProvinceChangesQuery(QueryModel):
    state: str | None = Field(None, description="proposed | published | rejected.")
    q: str | None = Field(
        None, description="Free text (id, procedure code or name, unit, proposer, legal basis)."
    )
    cursor: str | None = Field(None, description=_CURSOR)
    limit: str | None = Field(None, description=_LIMIT)


class UnitsQuery(QueryModel):
    kind: str | None = Field(
        None, description="province | department | district | commune | desk | other."
    )
    parent: str | None = Field(None, description="Children of this unit code (`-`: the roots).")
    q: str | None = Field(None, description="Free text (code or name).")
    cursor: str | None = Field(None, description=_CURSOR)
    limit: str | None = Field(None, description=_LIMIT)


class StaffQuery(QueryModel):
    role: str | None = Field(None, description="desk | agency | leader | province | admin.")
    unit: str | None = Field(None, description="Unit code.")
    q: str | None = Field(None, description="Free text (name, username, e-mail).")
    cursor: str | None = Field(None, description=_CURSOR)
    limit: str | None = Field(None, description=_LIMIT)


class CalendarQuery(QueryModel):
    year: str | None = Field(None, description="YYYY (default: this year).")


class AdminProceduresQuery(QueryModel):
    field: str | None = Field(None, description="Field (lĩnh vực).")
    agency: str | None = Field(None, description="Lead agency (unit code).")
    q: str | None = Field(None, description="Free text (code or name).")
    cursor: str | None = Field(None, description=_CURSOR)
    limit: str | None = Field(None, description=_LIMIT)


class AgencyKeysQuery(QueryModel):
    agency: str | None = Field(None, description="Only this agency's keys.")


def as_params(model: QueryModel) -> dict[str, str]:
    """The parameters that were sent, as the services' `params` dicts take them."""
    return {k: v for k, v in model.model_dump(by_alias=True).items() if v is not None}


class CertificatesQuery(QueryModel):
    kind: Literal["agency", "official"] | None = Field(
        None, description="agency (organisation certificates) | official."
    )
