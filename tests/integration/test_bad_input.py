"""Bad input gets a clear 4xx with a Vietnamese message and loses nothing; never a 500."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.support.client import ApiClient, upload_file
from tests.support.samples import FORM_EXAMPLES, minimal_pdf, minimal_png

pytestmark = pytest.mark.integration

APPLICANT = {"name": "Nguyễn Văn An", "id_number": "093090001234", "phone": "0901234567"}


def _draft(api: ApiClient, user: str = "congdan", **form_overrides: Any) -> dict[str, Any]:
    form = {**FORM_EXAMPLES["2.001610"], **form_overrides}
    r = api.as_user(user).post(
        "/api/my/dossiers",
        {"procedure_code": "2.001610", "applicant": APPLICANT, "form_data": form},
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def _slot(api: ApiClient, dossier_id: str, document_id: str, ctype: str, size: int) -> Any:
    return api.as_user("congdan").post(
        f"/api/my/dossiers/{dossier_id}/uploads",
        {"document_id": document_id, "filename": "f.bin", "content_type": ctype, "size": size},
    )


def test_wrong_eform_field_names_the_field(api: ApiClient) -> None:
    r = api.as_user("congdan").post(
        "/api/my/dossiers",
        {
            "procedure_code": "2.001610",
            "applicant": APPLICANT,
            "form_data": {**FORM_EXAMPLES["2.001610"], "dien_thoai": "12"},
        },
    )
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "invalid_form"
    assert body["field"] == "form_data.dien_thoai"
    assert "Số điện thoại" in body["message"]


def test_missing_required_eform_field(api: ApiClient) -> None:
    form = dict(FORM_EXAMPLES["2.001610"])
    form.pop("ten_doanh_nghiep")
    r = api.as_user("congdan").post(
        "/api/my/dossiers",
        {"procedure_code": "2.001610", "applicant": APPLICANT, "form_data": form},
    )
    assert r.status_code == 400
    assert r.json()["field"] == "form_data.ten_doanh_nghiep"
    assert "bắt buộc" in r.json()["message"]


def test_bad_applicant_phone_is_a_pydantic_400_with_field(api: ApiClient) -> None:
    r = api.as_user("congdan").post(
        "/api/my/dossiers",
        {
            "procedure_code": "2.001610",
            "applicant": {**APPLICANT, "phone": "abc"},
            "form_data": FORM_EXAMPLES["2.001610"],
        },
    )
    assert r.status_code == 400
    assert r.json()["field"] == "applicant.phone"


def test_malformed_json_is_400(api: ApiClient) -> None:
    citizen = api.as_user("congdan")
    r = citizen.client.http.post(
        "/api/my/dossiers",
        headers={
            "Authorization": f"Bearer {citizen.token}",
            "Content-Type": "application/json",
            "Idempotency-Key": "k-malformed",
        },
        body=b"{not json",
    )
    assert r.status_code == 400
    assert r.json_body["code"] == "invalid_json"


def test_unknown_procedure_is_404(api: ApiClient) -> None:
    r = api.as_user("congdan").post(
        "/api/my/dossiers",
        {"procedure_code": "9.999999", "applicant": APPLICANT, "form_data": {}},
    )
    assert r.status_code == 404


def test_not_online_procedure_cannot_be_submitted_online(api: ApiClient) -> None:
    r = api.as_user("congdan").post(
        "/api/my/dossiers",
        {
            "procedure_code": "2.000908",
            "applicant": APPLICANT,
            "form_data": FORM_EXAMPLES["2.000908"],
        },
    )
    assert r.status_code == 400
    assert r.json()["code"] == "not_online"


def test_declared_wrong_type_and_oversize_are_refused_before_upload(api: ApiClient) -> None:
    d = _draft(api)
    wrong = _slot(api, d["id"], "giay-de-nghi", "image/png", 100)
    assert wrong.status_code == 400
    assert wrong.json()["code"] == "file_type"
    big = _slot(api, d["id"], "giay-de-nghi", "application/pdf", 50 * 1024 * 1024)
    assert big.status_code == 400
    assert big.json()["code"] == "file_too_large"
    assert big.json()["field"] == "size"


def test_upload_whose_content_lies_is_rejected_and_deleted(api: ApiClient, cloud: Any) -> None:
    """moto does not enforce the POST policy, so the real bytes are re-checked after arrival."""
    d = _draft(api)
    slot = _slot(api, d["id"], "giay-de-nghi", "application/pdf", 100).json()
    upload_file(slot, minimal_png(), "application/pdf")  # a PNG dressed up as a PDF
    fin = api.as_user("congdan").post(
        f"/api/my/dossiers/{d['id']}/attachments/{slot['attachment_id']}/finalize"
    )
    assert fin.status_code == 200
    assert fin.json()["state"] == "rejected"
    assert "không" in fin.json()["reason"]
    import boto3

    s3 = boto3.client("s3", region_name=cloud.outputs.region)
    listed = s3.list_objects_v2(
        Bucket=cloud.outputs.attachments_bucket, Prefix=f"dossiers/{d['id']}/"
    )
    assert listed.get("KeyCount", 0) == 0


def test_oversize_upload_is_rejected_after_arrival(api: ApiClient) -> None:
    d = _draft(api)
    slot = _slot(api, d["id"], "giay-de-nghi", "application/pdf", 100).json()
    upload_file(slot, minimal_pdf() + b"0" * (5 * 1024 * 1024 + 1), "application/pdf")
    fin = api.as_user("congdan").post(
        f"/api/my/dossiers/{d['id']}/attachments/{slot['attachment_id']}/finalize"
    )
    assert fin.json()["state"] == "rejected"
    assert "quá lớn" in fin.json()["reason"]


def test_upload_event_finalizes_without_the_explicit_call(api: ApiClient, cloud: Any) -> None:
    from tests.support.client import deliver_workflow

    d = _draft(api)
    slot = _slot(api, d["id"], "giay-de-nghi", "application/pdf", 100).json()
    upload_file(slot, minimal_pdf(), "application/pdf")
    state = "pending"
    for _ in range(30):
        deliver_workflow(api, cloud)
        got = api.as_user("congdan").get(f"/api/my/dossiers/{d['id']}").json()
        state = next(a["state"] for a in got["attachments"] if a["id"] == slot["attachment_id"])
        if state != "pending":
            break
    assert state == "accepted"


def test_submit_without_required_documents_is_refused(api: ApiClient) -> None:
    d = _draft(api)
    r = api.as_user("congdan").post(f"/api/my/dossiers/{d['id']}/submit")
    assert r.status_code == 400
    assert r.json()["code"] == "missing_document"
    still = api.as_user("congdan").get(f"/api/my/dossiers/{d['id']}").json()
    assert still["status"]["code"] == 0  # nothing changed


def test_illegal_transition_is_409_and_changes_nothing(api: ApiClient) -> None:
    d = _draft(api)
    # A draft cannot be returned to the citizen as a result.
    r = api.as_user("motcua").post(f"/api/desk/dossiers/{d['id']}/return")
    assert r.status_code in (404, 409)
    assert api.as_user("congdan").get(f"/api/my/dossiers/{d['id']}").json()["status"]["code"] == 0


def test_missing_and_forged_jwt_are_401(api: ApiClient) -> None:
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    anon = api.anonymous()
    r = anon.get("/api/my/dossiers")
    assert r.status_code == 401
    assert r.json()["code"] == "token_missing"

    real = api.as_user("congdan").token
    assert real
    header = jwt.get_unverified_header(real)
    claims = jwt.decode(real, options={"verify_signature": False})
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(
        {**claims, "exp": int(time.time()) + 600}, key, algorithm="RS256", headers=header
    )
    r = anon.get("/api/my/dossiers", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401
    assert r.json()["code"] == "token_invalid"
    assert forged not in r.text


def test_another_citizens_dossier_is_404(api: ApiClient) -> None:
    d = _draft(api, "congdan")
    other = api.as_user("congdan2")
    assert other.get(f"/api/my/dossiers/{d['id']}").status_code == 404
    r = other.post(
        f"/api/my/dossiers/{d['id']}/uploads",
        {
            "document_id": "giay-de-nghi",
            "filename": "x.pdf",
            "content_type": "application/pdf",
            "size": 10,
        },
    )
    assert r.status_code == 404
    assert d["id"] not in [x["id"] for x in other.get("/api/my/dossiers").json()["items"]]


def test_staff_routes_refuse_citizens(api: ApiClient) -> None:
    r = api.as_user("congdan").get("/api/desk/inbox")
    assert r.status_code == 403
    assert r.json()["code"] == "forbidden_role"


def test_post_without_idempotency_key_is_400(api: ApiClient) -> None:
    r = api.as_user("congdan").post(
        "/api/my/dossiers",
        {"procedure_code": "2.001610", "applicant": APPLICANT, "form_data": {}},
        idempotency_key=None,
    )
    assert r.status_code == 400
    assert r.json()["code"] == "missing_idempotency_key"


def test_repeated_idempotency_key_creates_one_dossier(api: ApiClient) -> None:
    citizen = api.as_user("congdan")
    payload = {
        "procedure_code": "2.001610",
        "applicant": APPLICANT,
        "form_data": FORM_EXAMPLES["2.001610"],
    }
    before = len(citizen.get("/api/my/dossiers").json()["items"])
    first = citizen.post("/api/my/dossiers", payload, idempotency_key="create-once-1")
    second = citizen.post("/api/my/dossiers", payload, idempotency_key="create-once-1")
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert len(citizen.get("/api/my/dossiers").json()["items"]) == before + 1
    changed = citizen.post(
        "/api/my/dossiers",
        {**payload, "form_data": {**payload["form_data"], "so_lao_dong": 9}},
        idempotency_key="create-once-1",
    )
    assert changed.status_code == 422
