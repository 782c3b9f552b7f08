"""Personal data at rest: encrypted in the table, searchable by keyed hash, plain to the app."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.resources import Outputs
from tests.support.client import ApiClient
from tests.support.journeys import FEE_PAID_AT_DESK, submit_online

pytestmark = pytest.mark.integration

ID_NUMBER = "093090001234"
PLAINTEXTS = (ID_NUMBER, "0901234567", "0912345678", "912345678", "1990-05-14")


def _raw(aws: Outputs, pk: str, sk: str) -> dict[str, Any]:
    import boto3

    ddb = boto3.client("dynamodb", region_name=aws.region)
    item: dict[str, Any] = ddb.get_item(
        TableName=aws.table_name, Key={"PK": {"S": pk}, "SK": {"S": sk}}
    )["Item"]
    return item


def test_dossier_fields_are_encrypted_at_rest_and_plain_to_the_app(
    api: ApiClient, aws: Outputs
) -> None:
    # GIVEN a dossier with an ID number, a phone and (in the e-form) an owner's birth date and ID
    did = submit_online(api, "2.001610")["id"]
    api.as_user("motcua").post(f"/api/desk/dossiers/{did}/accept", FEE_PAID_AT_DESK)

    # WHEN the raw item is read straight from DynamoDB
    item = _raw(aws, f"DOSSIER#{did}", "DOSSIER")
    text = json.dumps(item, ensure_ascii=False)

    # THEN no ID number, phone or date of birth is there in clear; the envelope is
    for value in PLAINTEXTS:
        assert value not in text, value
    envelope = json.loads(item["pii"]["S"])
    assert set(envelope) == {"v", "k", "edk", "iv", "ct"}
    assert envelope["k"].startswith("arn:aws:kms:")
    assert item["GSI5PK"]["S"].startswith("IDX#") and ID_NUMBER not in item["GSI5PK"]["S"]
    # AND the readable part still has what indexes and lists need
    data = json.loads(item["data"]["S"])
    assert data["applicant"]["name"] == "Nguyễn Văn An" and data["applicant"]["id_number"] == ""
    assert data["form_data"]["chu_doanh_nghiep"]["ho_ten"] == "Nguyễn Văn An"

    # AND the app (the store and the API) sees the values
    from chalicelib.services.deps import get_deps

    d = get_deps().store.get_dossier(did)
    assert d.applicant.id_number == ID_NUMBER and d.applicant.phone == "0901234567"
    assert d.form_data["chu_doanh_nghiep"]["ngay_sinh"] == "1990-05-14"
    assert d.form_data["dien_thoai"] == "0912345678"
    body = api.as_user("motcua").get(f"/api/desk/dossiers/{did}").json()
    assert ID_NUMBER in json.dumps(body)


def test_search_by_id_number_uses_the_keyed_hash(api: ApiClient) -> None:
    from chalicelib.services.deps import get_deps

    # GIVEN two dossiers of the demo citizen and one of another person
    first = submit_online(api, "2.001610")["id"]
    second = submit_online(api, "2.001610")["id"]
    store = get_deps().store

    # WHEN searching by the ID number, however it is typed
    found = store.find_dossiers_by_id_number("093 090 001 234")

    # THEN both dossiers come back (newest first), decrypted; another number finds nothing
    assert [d.id for d in found] == [second, first]
    assert all(d.applicant.id_number == ID_NUMBER for d in found)
    assert store.find_dossiers_by_id_number("093195004567") == []
    assert store.find_dossiers_by_id_number("") == []

    # AND through the API: the receiving desk finds them, masked, and the search is audited
    desk = api.as_user("motcua")
    r = desk.post("/api/staff/search/id-number", {"id_number": ID_NUMBER})
    assert r.status_code == 200, r.text
    items = r.json()["items"]
    assert [x["id"] for x in items] == [second, first]
    assert ID_NUMBER not in r.text and items[0]["applicant_id_number"].endswith("1234")
    admin = api.as_user("quantri")
    audit = admin.get(f"/api/admin/audit/dossiers/{first}").json()["items"]
    assert [e["actor"] for e in audit if e["action"] == "staff_search"] == ["motcua"]
    # AND another unit's desk finds none of them; citizens and agencies may not search
    other_desk = api.as_user("motcuavithanh")
    r2 = other_desk.post("/api/staff/search/id-number", {"id_number": ID_NUMBER})
    assert r2.status_code == 200 and r2.json()["items"] == []
    for user in ("congdan", "sokhdt"):
        r3 = api.as_user(user).post("/api/staff/search/id-number", {"id_number": ID_NUMBER})
        assert r3.status_code == 403


def test_profile_is_encrypted_at_rest(
    api: ApiClient, aws: Outputs, demo_accounts: dict[str, dict[str, Any]]
) -> None:
    sub = demo_accounts["congdan"]["sub"]
    item = _raw(aws, f"USER#{sub}", "PROFILE")
    text = json.dumps(item, ensure_ascii=False)
    assert ID_NUMBER not in text and "912345678" not in text
    assert "pii" in item
    # The app still reads the profile (e-form prefill)
    me = api.as_user("congdan").get("/api/me").json()
    assert me["id_number"] == ID_NUMBER and me["phone"] == "+84912345678"


def test_no_dossier_or_profile_item_holds_plaintext(api: ApiClient, aws: Outputs) -> None:
    """A scan here is a test's whole-table check, never something the app does."""
    import boto3

    submit_online(api, "2.001610")
    ddb = boto3.client("dynamodb", region_name=aws.region)
    leaks = []
    for page in ddb.get_paginator("scan").paginate(TableName=aws.table_name):
        for it in page["Items"]:
            pk, sk = it["PK"]["S"], it["SK"]["S"]
            if not (sk in ("DOSSIER", "PROFILE") or pk.startswith("AUDIT#")):
                continue
            text = json.dumps(it, ensure_ascii=False)
            leaks += [(pk, sk, v) for v in PLAINTEXTS if v in text]
    assert leaks == []


def test_idempotency_records_hold_no_plaintext(api: ApiClient, aws: Outputs) -> None:
    """A stored answer (a draft echoes the applicant) is sealed with the personal-data cipher."""
    import boto3

    submit_online(api, "2.001610")
    ddb = boto3.client("dynamodb", region_name=aws.region)
    leaks, seen = [], 0
    for page in ddb.get_paginator("scan").paginate(TableName=aws.table_name):
        for it in page["Items"]:
            if it["PK"]["S"].startswith("IDEMP#"):
                text = json.dumps(it, ensure_ascii=False)
                leaks += [v for v in PLAINTEXTS if v in text]
                seen += 1
    assert seen > 0 and leaks == []
