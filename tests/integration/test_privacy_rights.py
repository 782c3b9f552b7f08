"""Consent and rights, retention and breach handling (issue 10), through the real app over moto."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from tests.support.client import ApiClient
from tests.support.journeys import FEE_PAID_AT_DESK, attach_required_documents
from tests.support.samples import FORM_EXAMPLES

pytestmark = pytest.mark.integration

PROC = "2.001610"
APPLICANTS = {
    "congdan": {
        "name": "Nguyễn Văn An",
        "id_number": "093090001234",
        "address": "Phường V, TP Vị Thanh",
        "phone": "0901234567",
        "email": "an@example.com",
    },
    "congdan2": {
        "name": "Trần Thị Bích",
        "id_number": "093195004567",
        "address": "Số 40 Nguyễn Trãi",
        "phone": "0939123456",
        "email": "bich@example.com",
    },
}


def _submit(api: ApiClient, user: str) -> dict[str, Any]:
    citizen = api.as_user(user)
    proc = api.get(f"/api/procedures/{PROC}").json()
    draft = citizen.post(
        "/api/my/dossiers",
        {"procedure_code": PROC, "applicant": APPLICANTS[user], "form_data": FORM_EXAMPLES[PROC]},
    )
    assert draft.status_code == 201, draft.text
    did = draft.json()["id"]
    attach_required_documents(citizen, f"/api/my/dossiers/{did}", proc)
    sub = citizen.post(f"/api/my/dossiers/{did}/submit")
    assert sub.status_code == 200, sub.text
    body: dict[str, Any] = sub.json()
    return body


def _refuse(api: ApiClient, did: str) -> None:
    r = api.as_user("motcua").post(
        f"/api/desk/dossiers/{did}/refuse", {"reason": "Không thuộc thẩm quyền tiếp nhận"}
    )
    assert r.status_code == 200, r.text


def _deps() -> Any:
    from chalicelib.services.deps import get_deps

    return get_deps()


def _sub(demo_accounts: dict[str, dict[str, Any]], user: str) -> str:
    return str(demo_accounts[user]["sub"])


def test_consents_give_and_withdraw_at_once(api: ApiClient) -> None:
    citizen = api.as_user("congdan")
    items = {c["kind"]: c for c in citizen.get("/api/my/consents").json()["items"]}
    assert set(items) == {"share_with_related_services", "face_registration", "sms_notifications"}
    assert not items["sms_notifications"]["given"]
    version = items["sms_notifications"]["text_version"]
    # a stale text version is refused
    stale = citizen.post(
        "/api/my/consents", {"kind": "sms_notifications", "given": True, "text_version": "old"}
    )
    assert stale.status_code == 400 and stale.json()["code"] == "stale_consent_text"
    r = citizen.post(
        "/api/my/consents", {"kind": "sms_notifications", "given": True, "text_version": version}
    )
    assert r.status_code == 200, r.text
    state = {c["kind"]: c for c in r.json()["items"]}
    assert state["sms_notifications"]["given"] and state["sms_notifications"]["channel"] == "web"
    from chalicelib.services.privacy.privacy_rights import has_consent

    sub = citizen.get("/api/my/consents").json()["history"][-1]
    assert sub["text_sha256"] == items["sms_notifications"]["text_sha256"]
    # WHEN withdrawn, the very next read says no
    r = citizen.post(
        "/api/my/consents", {"kind": "sms_notifications", "given": False, "text_version": version}
    )
    assert r.status_code == 200
    assert not {c["kind"]: c for c in r.json()["items"]}["sms_notifications"]["given"]
    profile_sub = _deps().store.find_profile_by_username("congdan")
    assert profile_sub is not None
    # another citizen's consents are separate
    other = api.as_user("congdan2").get("/api/my/consents").json()
    assert other["history"] == []
    assert not has_consent(_deps(), "nobody", "sms_notifications")


def test_export_has_everything_of_the_citizen_and_nothing_of_another(api: ApiClient) -> None:
    mine = _submit(api, "congdan")
    theirs = _submit(api, "congdan2")
    citizen = api.as_user("congdan")
    version = {c["kind"]: c for c in citizen.get("/api/my/consents").json()["items"]}[
        "share_with_related_services"
    ]["text_version"]
    citizen.post(
        "/api/my/consents",
        {"kind": "share_with_related_services", "given": True, "text_version": version},
    )
    api.as_user("motcua").get(f"/api/desk/dossiers/{mine['id']}")  # a staff read, in the log
    r = citizen.post("/api/my/export")
    assert r.status_code == 200, r.text
    link = r.json()
    assert link["expires_in"] == 900 and "Expires=" in link["url"]
    blob = requests.get(link["url"], timeout=10).content
    z = zipfile.ZipFile(io.BytesIO(blob))
    data = json.loads(z.read("data.json"))
    assert [d["id"] for d in data["dossiers"]] == [mine["id"]]
    assert data["profile"]["id_number"] == "093090001234"  # decrypted for its owner
    assert data["dossiers"][0]["history"]
    assert data["consents"][-1]["kind"] == "share_with_related_services"
    assert any(e["what"] == "read" for e in data["access_log"])
    attachments = [n for n in z.namelist() if "/attachments/" in n]
    assert len(attachments) == len(data["dossiers"][0]["attachments"]) >= 1
    assert z.read(attachments[0]).startswith(b"%PDF")
    everything = b"".join(z.read(n) for n in z.namelist())
    for secret in ("093195004567", "Trần Thị Bích", theirs["id"], "0939123456"):
        assert secret.encode() not in everything


def test_erasure_deletes_what_it_should_and_keeps_what_retention_requires(
    api: ApiClient, demo_accounts: dict[str, dict[str, Any]]
) -> None:
    from chalicelib.store.faces import FaceStore
    from chalicelib.store.privacy import PrivacyStore

    deps = _deps()
    sub = _sub(demo_accounts, "congdan")
    refused = _submit(api, "congdan")
    _refuse(api, refused["id"])
    pending = _submit(api, "congdan")
    draft = api.as_user("congdan").post(
        "/api/my/dossiers",
        {
            "procedure_code": PROC,
            "applicant": APPLICANTS["congdan"],
            "form_data": FORM_EXAMPLES[PROC],
        },
    )
    assert draft.status_code == 201
    # a face registration, a consent and a my-documents copy with two S3 versions
    faces = FaceStore(deps.store.client, deps.store.table)
    faces.record_consent(sub, {"action": "given", "at": "2026-01-01T00:00:00+00:00"})
    faces.put_mapping(sub, {"face_ids": [], "registered_at": "2026-01-01T00:00:00+00:00"})
    s3, bucket = deps.files.client, deps.settings.results_bucket
    key = f"my-documents/{sub}/copy.pdf"
    s3.put_object(Bucket=bucket, Key=key, Body=b"%PDF-1 v1")
    s3.put_object(Bucket=bucket, Key=key, Body=b"%PDF-1 v2")
    deps.store.client.put_item(
        TableName=deps.store.table,
        Item={
            "PK": {"S": f"USER#{sub}"},
            "SK": {"S": "DOC#copy1"},
            "data": {"S": json.dumps({"id": "copy1", "key": key, "filename": "copy.pdf"})},
        },
    )
    citizen = api.as_user("congdan")
    items = {c["kind"]: c for c in citizen.get("/api/my/consents").json()["items"]}
    assert items["face_registration"]["given"]
    citizen.post(
        "/api/my/consents",
        {
            "kind": "sms_notifications",
            "given": True,
            "text_version": items["sms_notifications"]["text_version"],
        },
    )
    # the confirmation is required
    assert citizen.post("/api/my/erasure", {}).status_code == 400
    r = citizen.post("/api/my/erasure", {"confirm": True})
    assert r.status_code == 200, r.text
    answer = r.json()
    assert set(answer["deleted"]["profile_fields"]) == {"address", "phone", "id_number", "email"}
    assert answer["deleted"]["face_data"] and answer["deleted"]["drafts"] == 1
    assert answer["deleted"]["object_versions"] >= 2
    profile = deps.store.get_profile(sub)
    assert profile is not None and profile["username"] == "congdan"
    assert not any(profile.get(k) for k in ("address", "phone", "id_number", "email"))
    assert faces.get_mapping(sub) is None
    assert PrivacyStore(deps.store.client, deps.store.table).my_documents(sub) == []
    versions = s3.list_object_versions(Bucket=bucket, Prefix=key)
    assert not versions.get("Versions") and not versions.get("DeleteMarkers")
    state = {c["kind"]: c for c in citizen.get("/api/my/consents").json()["items"]}
    assert not any(c["given"] for c in state.values())
    kept = {d["id"]: d for d in answer["kept"]["dossiers"]}
    assert set(kept) == {refused["id"], pending["id"]}
    assert kept[refused["id"]]["retention_until"]  # final: kept until then
    assert kept[pending["id"]]["retention_until"] is None  # still being handled
    stored = deps.store.get_dossier(refused["id"])
    assert stored.restricted and stored.retention_until is not None
    assert stored.retention_until.year == datetime.now(UTC).year + 5  # refused: 5 years (cfg)
    actions = [e["action"] for e in _account_audit(sub)]
    assert "erasure_request" in actions


def _account_audit(sub: str) -> list[dict[str, Any]]:
    deps = _deps()
    resp = deps.store.client.query(
        TableName=deps.store.table,
        KeyConditionExpression="PK = :pk AND begins_with(SK, :e)",
        ExpressionAttributeValues={":pk": {"S": f"AUDIT#ACCOUNT#{sub}"}, ":e": {"S": "E#"}},
    )
    return [json.loads(i["data"]["S"]) for i in resp["Items"]]


def test_retention_job_with_a_past_clock_leaves_a_tombstone(api: ApiClient) -> None:
    from chalicelib.services.deps import any_deps, set_deps
    from chalicelib.services.privacy.privacy_retention import run_retention

    past = datetime.now(UTC) - timedelta(days=6 * 366)
    set_deps(any_deps(clock=lambda: past))
    try:
        d = _submit(api, "congdan")
        _refuse(api, d["id"])
    finally:
        set_deps(any_deps(clock=lambda: datetime.now(UTC)))
    deps = _deps()
    before = deps.store.get_dossier(d["id"])
    assert before.retention_until is not None and before.retention_until < datetime.now(UTC)
    month = before.created_at.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).strftime("%Y-%m")
    counters_before = (
        deps.store.counters(before.lead_agency, month),
        deps.store.counters(before.receiving_unit, month),
    )
    keys = [a.key for a in before.attachments]
    assert keys
    out = run_retention(deps, datetime.now(UTC))
    assert d["id"] in [x["id"] for x in out["dossiers"]]
    after = deps.store.get_dossier(d["id"])
    assert after.tombstoned_at is not None and after.owner is None
    assert after.applicant.id_number == "" and after.attachments == []
    assert after.code == before.code and after.status == before.status
    assert after.procedure_code == before.procedure_code
    assert after.received_at == before.received_at
    for k in keys:
        v = deps.files.client.list_object_versions(Bucket=deps.files.bucket, Prefix=k)
        assert not v.get("Versions")
    assert (
        deps.store.counters(before.lead_agency, month),
        deps.store.counters(before.receiving_unit, month),
    ) == counters_before
    from chalicelib.services.admin.audit import list_dossier_audit

    events = list_dossier_audit(deps, d["id"])
    assert any(e["action"] == "retention_deleted" for e in events)
    # the owner no longer sees it; a second run deletes nothing more
    mine = api.as_user("congdan").get("/api/my/dossiers").json()["items"]
    assert d["id"] not in [x["id"] for x in mine]
    assert run_retention(deps, datetime.now(UTC))["deleted"] == 0


def test_breach_workflow_deadlines(api: ApiClient) -> None:
    from chalicelib.services.privacy.privacy_breach import check_breach_deadlines

    d = _submit(api, "congdan")
    accepted = api.as_user("motcua").post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK)
    assert accepted.status_code == 200
    # The register's day: a receipt after office hours counts on the next working day.
    from zoneinfo import ZoneInfo

    received = datetime.fromisoformat(accepted.json()["received_at"].replace("Z", "+00:00"))
    today = received.astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).date().isoformat()
    admin = api.as_user("quantri")
    detected = datetime.now(UTC) - timedelta(hours=1)
    assert api.as_user("congdan").post("/api/admin/breaches", {}).status_code in (403, 404)
    r = admin.post(
        "/api/admin/breaches",
        {
            "scope": "Lộ bản sao hồ sơ đăng ký doanh nghiệp",
            "detected_at": detected.isoformat(),
            "categories": ["identity", "contact"],
            "procedure_code": PROC,
            "date_from": today,
            "date_to": today,
        },
    )
    assert r.status_code == 201, r.text
    b = r.json()
    assert b["affected"] >= 1 and b["deadline_state"] == "open"
    assert "093090001234" not in json.dumps(b, ensure_ascii=False)  # masked in the answer
    people = requests.get(b["notification_list_url"], timeout=10).json()
    assert any(p["sub"] and d["code"] in p["dossier_codes"] for p in people) or any(
        p["name"] == "Nguyễn Văn An" for p in people
    )
    report = requests.get(b["report_url"], timeout=10).json()
    assert report["data_subjects"] == b["affected"] and "A05" in report["to"]
    deadline = datetime.fromisoformat(b["deadline_at"].replace("Z", "+00:00"))
    assert deadline - detected == timedelta(hours=72)
    deps = _deps()
    assert check_breach_deadlines(deps, detected + timedelta(hours=2))["sent"] == []
    soon = check_breach_deadlines(deps, deadline - timedelta(hours=3))["sent"]
    assert {"breach_id": b["id"], "kind": "due_soon"} in soon
    assert check_breach_deadlines(deps, deadline - timedelta(hours=2))["sent"] == []  # once
    late = check_breach_deadlines(deps, deadline + timedelta(minutes=1))["sent"]
    assert {"breach_id": b["id"], "kind": "overdue"} in late
    outbox = deps.store.client.query(
        TableName=deps.store.table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "NOTIFY#ROLE#admin"}},
    )["Items"]
    kinds = {json.loads(i["data"]["S"])["kind"] for i in outbox}
    assert {"breach_due_soon", "breach_overdue"} <= kinds
    done = admin.post(f"/api/admin/breaches/{b['id']}/reported", {"reference": "CV 12/A05"})
    assert done.status_code == 200 and done.json()["deadline_state"] == "reported"
    assert check_breach_deadlines(deps, deadline + timedelta(days=1))["sent"] == []
    listed = admin.get("/api/admin/breaches").json()["items"]
    assert b["id"] in [x["id"] for x in listed]
