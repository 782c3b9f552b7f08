"""An API caller gets the web form's reading of a typed amount: "500.000.000" is stored as the
number 500000000, and a text that could be two numbers is a 400 naming the field, never a guess."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.client import ApiClient
from tests.support.samples import FORM_EXAMPLES

pytestmark = pytest.mark.integration

APPLICANT = {"name": "Nguyễn Văn An", "id_number": "093090001234", "phone": "0901234567"}


def _draft(api: ApiClient, **form: Any) -> Any:
    return api.as_user("congdan").post(
        "/api/my/dossiers",
        {
            "procedure_code": "2.001610",
            "applicant": APPLICANT,
            "form_data": {**FORM_EXAMPLES["2.001610"], **form},
        },
    )


def test_a_vietnamese_amount_is_stored_as_the_number(api: ApiClient) -> None:
    r = _draft(api, von_dau_tu="500.000.000", so_lao_dong="1.200")
    assert r.status_code == 201, r.text
    stored = api.as_user("congdan").get(f"/api/my/dossiers/{r.json()['id']}").json()
    assert stored["form_data"]["von_dau_tu"] == 500_000_000
    assert stored["form_data"]["so_lao_dong"] == 1200


def test_an_ambiguous_amount_is_a_400_naming_the_field(api: ApiClient) -> None:
    r = _draft(api, von_dau_tu="1,500")
    assert r.status_code == 400, r.text
    body = r.json()
    assert body["code"] == "invalid_form"
    assert body["field"] == "form_data.von_dau_tu"
    assert "1.500" in body["message"] and "1,5" in body["message"]
    assert body["message_en"]


def test_an_edited_draft_stores_the_typed_amount_as_the_number(api: ApiClient) -> None:
    # GIVEN a draft, WHEN its step 1 is saved again with an amount typed the Vietnamese way
    r = _draft(api)
    assert r.status_code == 201, r.text
    draft = r.json()
    edited = api.as_user("congdan").post(
        f"/api/my/dossiers/{draft['id']}",
        {
            "procedure_code": "2.001610",
            "applicant": APPLICANT,
            "form_data": {**FORM_EXAMPLES["2.001610"], "von_dau_tu": "750.000.000"},
        },
    )
    # THEN the stored e-form holds the number, not the text
    assert edited.status_code == 200, edited.text
    stored = api.as_user("congdan").get(f"/api/my/dossiers/{draft['id']}").json()
    assert stored["form_data"]["von_dau_tu"] == 750_000_000
