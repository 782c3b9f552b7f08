"""The spine end to end, in process: moto (with Step Functions execution) and the real app.

GIVEN the demo catalogue and accounts WHEN a citizen submits online with an attachment, the desk
accepts it, the agency approves its step THEN the result is ready (status 9), the receipt carries
the code, the execution has ended and the public lookup shows the status with a masked name.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
import requests

from tests.support.client import ApiClient, deliver_workflow
from tests.support.journeys import (
    FEE_PAID_AT_DESK,
    return_when_ready,
    submit_online,
)
from tests.support.samples import FORM_EXAMPLES, minimal_pdf

pytestmark = pytest.mark.integration


def test_online_dossier_travels_from_submission_to_result(api: ApiClient, cloud: Any) -> None:
    # GIVEN a full-online, one-step procedure of the Department of Planning and Investment
    dossier = submit_online(api, "2.001610")

    # WHEN the desk sees it in its inbox and accepts it
    desk = api.as_user("motcua")
    inbox = desk.get("/api/desk/inbox").json()["items"]
    assert dossier["id"] in [d["id"] for d in inbox]
    accepted = desk.post(f"/api/desk/dossiers/{dossier['id']}/accept", FEE_PAID_AT_DESK)
    assert accepted.status_code == 200, accepted.text
    body = accepted.json()
    code = body["code"]
    assert body["status"]["code"] == 2
    assert code.startswith("H33.50-") and code.endswith("-0001")
    assert body["appointment_at"] > body["received_at"]
    assert dossier["id"] not in [d["id"] for d in desk.get("/api/desk/inbox").json()["items"]]

    # THEN the receipt (form 01) is a PDF carrying the code and the applicant's name
    pdf = desk.get(
        f"/api/desk/dossiers/{dossier['id']}/receipt.pdf", headers={"Accept": "application/pdf"}
    )
    assert pdf.status_code == 200
    assert pdf.headers["Content-Type"] == "application/pdf"
    from pypdf import PdfReader

    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body)).pages)
    assert code in text
    assert "Nguyễn Văn An" in text
    # signed by the receiving clerk's full name (data/demo/accounts.json), never the login name
    assert "Lê Thị Mai" in text
    assert "motcua" not in text
    # while the history keeps the username for accountability, with the name beside it
    staff_view = desk.get(f"/api/desk/dossiers/{dossier['id']}").json()
    received = next(h for h in staff_view["history"] if h["action"] == "received")
    assert received["actor_name"] == "Lê Thị Mai"
    from chalicelib.services.deps import get_deps

    logged = next(e for e in get_deps().store.history(dossier["id"]) if e.action == "received")
    assert (logged.actor, logged.actor_name) == ("motcua", "Lê Thị Mai")
    assert staff_view["received_by"] == "motcua"
    assert staff_view["people"] == {"motcua": "Lê Thị Mai"}

    # WHEN Step Functions hands the dossier to the agency
    agency = api.as_user("sokhdt")
    tasks: list[dict[str, Any]] = []
    for _ in range(50):
        deliver_workflow(api, cloud)
        tasks = agency.get("/api/agency/tasks").json()["items"]
        if tasks:
            break
    assert [t["code"] for t in tasks] == [code]
    mine = api.as_user("congdan").get(f"/api/my/dossiers/{dossier['id']}").json()
    assert mine["status"]["code"] == 4  # handed over: processing

    # AND another agency sees nothing of it
    assert api.as_user("sotuphap").get("/api/agency/tasks").json()["items"] == []
    other = api.as_user("sotuphap").get(f"/api/agency/dossiers/{dossier['id']}")
    assert other.status_code == 404

    # WHEN the agency approves its (only) step
    done = agency.post(
        f"/api/agency/dossiers/{dossier['id']}/steps/{tasks[0]['step_id']}/complete",
        {"outcome": "approve", "note": "Đủ điều kiện cấp."},
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"]["code"] == 9

    # THEN the execution ends, and the public lookup shows the result ready with a masked name
    status = ""
    for _ in range(50):
        deliver_workflow(api, cloud)
        status = cloud.sfn.describe_execution(executionArn=cloud.execution_arn(code))["status"]
        if status != "RUNNING":
            break
    assert status == "SUCCEEDED"
    public = api.get(f"/api/lookup/{code}").json()
    assert public["status"]["code"] == 9
    assert public["status"]["label_vi"] == "Đã xử lý xong"
    assert "Nguyễn Văn An" not in json.dumps(public, ensure_ascii=False)
    assert public["applicant_masked"].startswith("Nguyễn")
    assert "history" not in public
    token = mine["lookup_url"].split("token=")[1]
    verified = api.get(f"/api/lookup/{code}?token={token}").json()
    assert verified["verified"] is True
    # the last status change; the result's signing may be recorded after it or before it
    actions = [h["action"] for h in verified["history"]]
    assert [a for a in actions if a != "result_signed"][-1] == "processed", actions
    # the control slip (form 06) names who handed over and who handled the step
    slip = api.as_user("motcua").get(f"/api/staff/dossiers/{dossier['id']}/forms/06.html")
    assert slip.status_code == 200, slip.text
    page = slip.body.decode("utf-8")
    assert "Giao: Lê Thị Mai" in page and "Xử lý: Võ Thanh Hà" in page
    assert "motcua" not in page and "sokhdt" not in page

    # AND the desk hands over the signed result at the desk: 9 -> 10
    returned = return_when_ready(
        api,
        cloud,
        dossier["id"],
        body={
            "channel": "desk",
            "recipient_name": "Nguyễn Văn An",
            "recipient_id_number": "093090001234",
        },
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["status"]["code"] == 10
    assert returned.json()["returned"]["channel"] == "desk"


def test_codes_follow_a_daily_sequence_per_unit(api: ApiClient, cloud: Any) -> None:
    first = submit_online(api, "2.001610")
    second = submit_online(api, "1.002804")
    desk = api.as_user("motcua")
    c1 = desk.post(f"/api/desk/dossiers/{first['id']}/accept", FEE_PAID_AT_DESK).json()["code"]
    c2 = desk.post(f"/api/desk/dossiers/{second['id']}/accept", FEE_PAID_AT_DESK).json()["code"]
    assert c1[:-4] == c2[:-4]
    assert int(c2[-4:]) == int(c1[-4:]) + 1


def test_accept_twice_does_not_start_a_second_execution(api: ApiClient, cloud: Any) -> None:
    d = submit_online(api, "2.001610")
    desk = api.as_user("motcua")
    code = desk.post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK).json()["code"]
    again = desk.post(f"/api/desk/dossiers/{d['id']}/accept", FEE_PAID_AT_DESK)
    assert again.status_code == 200
    assert again.json()["code"] == code
    execs = cloud.sfn.list_executions(stateMachineArn=cloud.outputs.state_machine_arn)["executions"]
    from chalicelib.workflow.executions import execution_name

    assert [e["name"] for e in execs].count(execution_name(code)) == 1


def test_presigned_post_is_usable_by_a_browser(api: ApiClient, cloud: Any) -> None:
    """The upload slot is a real S3 POST policy a browser form can use."""
    citizen = api.as_user("congdan")
    d = citizen.post(
        "/api/my/dossiers",
        {
            "procedure_code": "2.001610",
            "applicant": {"name": "Nguyễn Văn An"},
            "form_data": FORM_EXAMPLES["2.001610"],
        },
    ).json()
    proc = api.get("/api/procedures/2.001610").json()
    slot = citizen.post(
        f"/api/my/dossiers/{d['id']}/uploads",
        {
            "document_id": proc["documents"][0]["id"],
            "filename": "Tờ khai.pdf",
            "content_type": "application/pdf",
            "size": 100,
        },
    ).json()
    assert slot["fields"]["Content-Type"] == "application/pdf"
    assert "policy" in {k.lower() for k in slot["fields"]}
    resp = requests.post(
        slot["url"], data=slot["fields"], files={"file": ("a.pdf", minimal_pdf())}, timeout=10
    )
    assert resp.status_code in (200, 204)
