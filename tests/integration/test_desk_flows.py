"""The one-stop desk's other branches: paper dossiers, refusal, supplement before receipt; and an
agency returning its step. Each branch runs through the real app and the real state machine."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.client import ApiClient, deliver_workflow, upload_file
from tests.support.journeys import FEE_PAID_AT_DESK, attach_required_documents, submit_online
from tests.support.samples import FORM_EXAMPLES, sample_file

pytestmark = pytest.mark.integration


def _wait_task(api: ApiClient, cloud: Any, user: str, dossier_id: str) -> dict[str, Any]:
    agency = api.as_user(user)
    for _ in range(60):
        deliver_workflow(api, cloud)
        items = [t for t in agency.get("/api/agency/tasks").json()["items"]]
        mine = [t for t in items if t["dossier_id"] == dossier_id]
        if mine:
            return mine[0]
    raise AssertionError("the agency task never appeared")


def test_paper_dossier_entered_at_the_desk_is_received_on_channel_1(
    api: ApiClient, cloud: Any
) -> None:
    # GIVEN a walk-in applicant for a procedure that is not offered online
    desk = api.as_user("motcua")
    proc = api.get("/api/procedures/2.000908").json()
    assert proc["level"] == "not_online"
    created = desk.post(
        "/api/desk/dossiers",
        {
            "procedure_code": "2.000908",
            "applicant": {"name": "Lê Thị Hoa", "id_number": "093195004567"},
            "form_data": FORM_EXAMPLES["2.000908"],
            "receiving_unit": None,
        },
    )
    # The ward's procedure is received at the desk where the clerk works (any centre may receive).
    assert created.status_code == 201, created.text
    d = created.json()
    assert d["channel"] == 1
    assert d["owner"] is None
    assert d["receiving_unit"] == "H33.50"

    # WHEN the clerk scans each required paper and accepts
    attach_required_documents(desk, f"/api/desk/dossiers/{d['id']}", proc)
    accepted = desk.post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK)

    # THEN it is registered with a code and its history shows both the entry and the receipt
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    assert body["status"]["code"] == 2
    assert body["code"].startswith("H33.50-")
    history = desk.get(f"/api/desk/dossiers/{d['id']}").json()["history"]
    assert [h["action"] for h in history][:2] == ["entered_at_desk", "received"]


def test_desk_refuses_with_a_reason(api: ApiClient) -> None:
    d = submit_online(api, "2.001610")
    desk = api.as_user("motcua")
    short = desk.post(f"/api/desk/dossiers/{d['id']}/refuse", {"reason": "x"})
    assert short.status_code == 400
    assert short.json()["field"] == "reason"
    r = desk.post(
        f"/api/desk/dossiers/{d['id']}/refuse",
        {"reason": "Ngành nghề đăng ký thuộc danh mục cấm kinh doanh."},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 3
    assert r.json()["refusal_reason"].startswith("Ngành nghề")
    # A refused dossier cannot be accepted afterwards.
    again = desk.post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK)
    assert again.status_code == 409
    assert again.json()["code"] == "illegal_transition"
    mine = api.as_user("congdan").get(f"/api/my/dossiers/{d['id']}").json()
    assert mine["status"]["label_vi"] == "Từ chối tiếp nhận"


def test_supplement_before_receipt_then_resubmit(api: ApiClient) -> None:
    d = submit_online(api, "2.001610")
    desk = api.as_user("motcua")
    r = desk.post(
        f"/api/desk/dossiers/{d['id']}/supplement",
        {"reason": "Bổ sung bản sao giấy tờ pháp lý của chủ doanh nghiệp."},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 5
    assert d["id"] not in [x["id"] for x in desk.get("/api/desk/inbox").json()["items"]]
    # The citizen may add a document again, then resubmit: back in the inbox as status 1.
    citizen = api.as_user("congdan")
    content, ctype, ext = sample_file(["application/pdf"])
    slot = citizen.post(
        f"/api/my/dossiers/{d['id']}/uploads",
        {
            "document_id": "cccd-chu-dn",
            "filename": f"bo-sung.{ext}",
            "content_type": ctype,
            "size": len(content),
        },
    )
    assert slot.status_code == 201, slot.text
    upload_file(slot.json(), content, ctype)
    citizen.post(f"/api/my/dossiers/{d['id']}/attachments/{slot.json()['attachment_id']}/finalize")
    again = citizen.post(f"/api/my/dossiers/{d['id']}/submit")
    assert again.status_code == 200, again.text
    assert again.json()["status"]["code"] == 1
    assert d["id"] in [x["id"] for x in desk.get("/api/desk/inbox").json()["items"]]
    actions = [h["action"] for h in citizen.get(f"/api/my/dossiers/{d['id']}").json()["history"]]
    assert actions == ["submitted", "supplement_requested", "supplemented"]


def test_the_first_stage_cannot_return_and_a_refusal_changes_nothing(
    api: ApiClient, cloud: Any
) -> None:
    """A return goes back one stage; the first stage has none (see test_lifecycle_paths)."""
    d = submit_online(api, "2.001610")
    api.as_user("motcua").post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK)
    task = _wait_task(api, cloud, "sokhdt", d["id"])
    agency = api.as_user("sokhdt")
    before = agency.get(f"/api/agency/dossiers/{d['id']}").json()
    r = agency.post(
        f"/api/agency/dossiers/{d['id']}/steps/{task['step_id']}/complete",
        {"outcome": "return", "note": "Chuyên viên xem lại ngành nghề."},
    )
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "cannot_return"
    after = agency.get(f"/api/agency/dossiers/{d['id']}").json()
    assert (after["status"], after["steps"]) == (before["status"], before["steps"])
    done = agency.post(
        f"/api/agency/dossiers/{d['id']}/steps/{task['step_id']}/complete",
        {"outcome": "approve"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"]["code"] == 9


def test_public_qr_images_encode_the_lookup(api: ApiClient) -> None:
    d = submit_online(api, "2.001610")
    code = (
        api.as_user("motcua")
        .post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK)
        .json()["code"]
    )
    png = api.get(f"/api/lookup/{code}/qr.png", headers={"Accept": "image/png"})
    assert png.status_code == 200
    assert png.body.startswith(b"\x89PNG")
    svg = api.get(f"/api/lookup/{code}/qr.svg")
    assert svg.status_code == 200
    assert "<svg" in svg.text
    missing = api.get("/api/lookup/H33.50-000101-9999")
    assert missing.status_code == 404
    assert missing.json()["field"] == "code"
