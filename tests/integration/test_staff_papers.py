"""Staff open the citizen's papers, and the agency's own document is the result (issue 25).

GIVEN a citizen's dossier filed online with a PDF and a photo (real bytes, a Vietnamese file name)
WHEN the desk of the receiving unit, the agency with a step, a leader, the province office and an
administrator ask for a paper THEN each gets a short-lived link whose GET answers exactly the
uploaded bytes, inline, with the real name and type; another unit's staff and another citizen get
the same 404 as for a dossier that does not exist; a draft's papers are refused to every staff
role; every staff opening is audited and shows in the owner's data tracker with the paper's name.
AND when the lead agency attaches its own PDF before the last approval, that PDF (not the generic
notice) is what the citizen and the desk download as the result.
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import requests

from tests.support.client import ApiClient, deliver_workflow, upload_file
from tests.support.journeys import FEE_PAID_AT_DESK, return_when_ready, wait_for_task
from tests.support.samples import FORM_EXAMPLES, minimal_pdf, minimal_png, pdf_text, text_pdf

pytestmark = pytest.mark.integration

PROCEDURE = "2.001610"  # desk H33.50 (motcua), one step at H33.03 (sokhdt, leader lanhdaosokhdt)
APPLICANT = {
    "name": "Nguyễn Văn An",
    "id_number": "093090001234",
    "address": "Phường V, TP Vị Thanh",
    "phone": "0901234567",
}
PDF_NAME = "Giấy đề nghị đăng ký.pdf"
PNG_NAME = "Ảnh CCCD chủ DN.png"
PDF_TYPE = {"Accept": "application/pdf"}


def _link_path(role: str, dossier_id: str, attachment_id: str) -> str:
    scope = "my" if role == "citizen" else "staff"
    return f"/api/{scope}/dossiers/{dossier_id}/attachments/{attachment_id}/link"


def _paper(citizen: ApiClient, base: str, doc: str, name: str, data: bytes, ctype: str) -> str:
    slot = citizen.post(
        f"{base}/uploads",
        {"document_id": doc, "filename": name, "content_type": ctype, "size": len(data)},
    )
    assert slot.status_code == 201, slot.text
    upload_file(slot.json(), data, ctype)
    att = citizen.post(f"{base}/attachments/{slot.json()['attachment_id']}/finalize")
    assert att.status_code == 200 and att.json()["state"] == "accepted", att.text
    return str(att.json()["id"])


def _draft(api: ApiClient) -> tuple[dict[str, Any], dict[str, str]]:
    """congdan's draft with both required papers: (dossier, {"pdf": id, "png": id})."""
    citizen = api.as_user("congdan")
    d = citizen.post(
        "/api/my/dossiers",
        {
            "procedure_code": PROCEDURE,
            "applicant": APPLICANT,
            "form_data": FORM_EXAMPLES[PROCEDURE],
        },
    )
    assert d.status_code == 201, d.text
    base = f"/api/my/dossiers/{d.json()['id']}"
    ids = {
        "pdf": _paper(citizen, base, "giay-de-nghi", PDF_NAME, minimal_pdf(), "application/pdf"),
        "png": _paper(citizen, base, "cccd-chu-dn", PNG_NAME, minimal_png(), "image/png"),
    }
    return d.json(), ids


def _submitted(api: ApiClient) -> tuple[dict[str, Any], dict[str, str]]:
    d, ids = _draft(api)
    sent = api.as_user("congdan").post(f"/api/my/dossiers/{d['id']}/submit")
    assert sent.status_code == 200, sent.text
    return d, ids


def _open(api: ApiClient, who: str, role: str, dossier_id: str, att: str) -> Any:
    return api.as_user(who).get(_link_path(role, dossier_id, att))


def _fetch(link: dict[str, Any], key: str = "url") -> requests.Response:
    """What the browser's iframe/img does with the link."""
    r = requests.get(link[key], timeout=10)
    assert r.status_code == 200, r.text[:200]
    return r


def _lifetime(url: str) -> float:
    """Seconds the presigned link is good for (SigV4 `X-Amz-Expires`, or SigV2's `Expires`)."""
    q = parse_qs(urlparse(url).query)
    if "X-Amz-Expires" in q:
        return float(q["X-Amz-Expires"][0])
    return float(q["Expires"][0]) - time.time()


def _assert_opens(link: dict[str, Any], data: bytes, ctype: str, name: str) -> None:
    assert link["filename"] == name and link["content_type"] == ctype and link["inline"] is True
    assert link["size"] == len(data)
    assert link["expires_in"] == 300
    assert 290 <= _lifetime(link["url"]) <= 300  # a few minutes
    shown = _fetch(link)
    assert shown.content == data  # the uploaded bytes, not a copy or a preview
    assert shown.headers["Content-Type"] == ctype
    disposition = shown.headers["Content-Disposition"]
    assert disposition.startswith("inline;")
    assert unquote(disposition.split("filename*=UTF-8''", 1)[1]) == name
    saved = _fetch(link, "download_url")
    assert saved.content == data and saved.headers["Content-Disposition"].startswith("attachment;")


def test_those_who_may_read_the_dossier_open_its_papers(api: ApiClient, cloud: Any) -> None:
    # GIVEN a dossier awaiting receipt at the H33.50 desk
    d, ids = _submitted(api)
    did = d["id"]
    # WHEN the desk checks the papers before receiving it THEN both open, inline, as uploaded
    desk = _open(api, "motcua", "desk", did, ids["pdf"])
    assert desk.status_code == 200, desk.text
    assert desk.headers["Cache-Control"] == "private, no-store"
    _assert_opens(desk.json(), minimal_pdf(), "application/pdf", PDF_NAME)
    photo = _open(api, "motcua", "desk", did, ids["png"])
    _assert_opens(photo.json(), minimal_png(), "image/png", PNG_NAME)
    # AND the owner opens their own the same way
    own = _open(api, "congdan", "citizen", did, ids["pdf"])
    assert own.status_code == 200, own.text
    _assert_opens(own.json(), minimal_pdf(), "application/pdf", PDF_NAME)

    # WHEN the dossier is received and its step opens at the agency
    assert (
        api.as_user("motcua").post(f"/api/desk/dossiers/{did}/accept", FEE_PAID_AT_DESK).status_code
        == 200
    )
    wait_for_task(api, cloud, "sokhdt", did)
    # THEN the agency's officer and leader, the province office and an administrator open it
    for who, role in (
        ("sokhdt", "agency"),
        ("lanhdaosokhdt", "leader"),
        ("vanphong", "province"),
        ("quantri", "admin"),
    ):
        r = _open(api, who, role, did, ids["pdf"])
        assert r.status_code == 200, (who, r.text)
        _assert_opens(r.json(), minimal_pdf(), "application/pdf", PDF_NAME)

    # AND another unit's desk, an agency without a step and another citizen get the 404 of a
    # dossier that does not exist (its existence is not disclosed), and no link
    ghost = _open(api, "motcuavithanh", "desk", "0" * 32, ids["pdf"])
    assert ghost.status_code == 404
    for who, role in (("motcuavithanh", "desk"), ("sotuphap", "agency"), ("congdan2", "citizen")):
        r = _open(api, who, role, did, ids["pdf"])
        assert (r.status_code, r.body) == (404, ghost.body), (who, r.text)
    # AND staff routes are not the citizen's, nor the citizen's route staff's
    assert api.as_user("congdan").get(_link_path("desk", did, ids["pdf"])).status_code == 403
    assert api.as_user("motcua").get(_link_path("citizen", did, ids["pdf"])).status_code == 403
    # AND an id that is not one of its papers is 404
    missing = _open(api, "motcua", "desk", did, "khongco")
    assert missing.status_code == 404 and missing.json()["field"] == "attachment_id"


def test_a_rejected_paper_cannot_be_opened(api: ApiClient) -> None:
    # GIVEN a paper that claims to be a PDF but is not: refused after arrival and deleted
    citizen = api.as_user("congdan")
    d, _ = _draft(api)
    base = f"/api/my/dossiers/{d['id']}"
    slot = citizen.post(
        f"{base}/uploads",
        {"document_id": "giay-uy-quyen", "filename": "uy-quyen.pdf",
         "content_type": "application/pdf", "size": 20},
    )  # fmt: skip
    upload_file(slot.json(), b"MZ not a pdf at all", "application/pdf")
    att = citizen.post(f"{base}/attachments/{slot.json()['attachment_id']}/finalize").json()
    assert att["state"] == "rejected"
    # WHEN its owner asks to open it THEN there is nothing to open
    r = _open(api, "congdan", "citizen", d["id"], att["id"])
    assert r.status_code == 404 and r.json()["field"] == "attachment_id"


def test_a_drafts_papers_are_the_citizens_alone(api: ApiClient) -> None:
    # GIVEN an online draft with accepted papers, not yet filed
    d, ids = _draft(api)
    assert _open(api, "congdan", "citizen", d["id"], ids["pdf"]).status_code == 200
    # WHEN any staff role asks for one, the administrator and the province office included
    ghost = _open(api, "quantri", "admin", "0" * 32, ids["pdf"])
    for who, role in (
        ("motcua", "desk"),
        ("sokhdt", "agency"),
        ("vanphong", "province"),
        ("quantri", "admin"),
    ):
        r = _open(api, who, role, d["id"], ids["pdf"])
        # THEN it is refused exactly as a dossier out of reach
        assert (r.status_code, r.body) == (404, ghost.body), (who, r.text)
    # AND each attempt is in the citizen's tracker as a refused access
    entries = api.as_user("congdan").get("/api/my/access-log?limit=100").json()["items"]
    refused = sorted(e["who"]["role"] for e in entries if e["dossier_id"] == d["id"])
    assert refused == ["admin", "agency", "desk", "province"]
    assert all(e["refused"] for e in entries if e["dossier_id"] == d["id"])


def test_each_staff_opening_is_audited_and_shown_to_the_owner(
    api: ApiClient, cloud: Any, demo_accounts: dict[str, dict[str, Any]]
) -> None:
    d, ids = _submitted(api)
    did = d["id"]
    citizen = api.as_user("congdan")
    # WHEN the desk opens the photo, the citizen their own PDF, then (received) the agency the PDF
    assert _open(api, "motcua", "desk", did, ids["png"]).status_code == 200
    assert _open(api, "congdan", "citizen", did, ids["pdf"]).status_code == 200
    assert (
        api.as_user("motcua").post(f"/api/desk/dossiers/{did}/accept", FEE_PAID_AT_DESK).status_code
        == 200
    )
    wait_for_task(api, cloud, "sokhdt", did)
    assert _open(api, "sokhdt", "agency", did, ids["pdf"]).status_code == 200
    # AND another unit's clerk tries
    assert _open(api, "motcuavithanh", "desk", did, ids["pdf"]).status_code == 404

    # THEN the tracker lists the two staff openings, newest first, naming the paper (not the
    # file's own name) and who opened it; the citizen's own opening is not an access
    entries = citizen.get("/api/my/access-log?limit=100").json()["items"]
    opened = [
        (e["who"]["name"], e["who"]["agency"], e["document"])
        for e in entries
        if e["what"] == "attachment"
    ]
    names = {u: a["name"] for u, a in demo_accounts.items()}
    proc = api.get(f"/api/procedures/{PROCEDURE}").json()
    doc_name = {x["id"]: x["name"] for x in proc["documents"]}
    assert opened == [
        (names["sokhdt"], "H33.03", doc_name["giay-de-nghi"]),
        (names["motcua"], "H33.50", doc_name["cccd-chu-dn"]),
    ]
    assert [e["who"]["agency"] for e in entries if e["refused"]] == ["H33.30.50"]
    # AND the audit chain holds them (with the attachment's id, not its file name) and verifies
    admin = api.as_user("quantri")
    audit = admin.get(f"/api/admin/audit/dossiers/{did}").json()["items"]
    reads = [ev for ev in audit if ev["action"] == "staff_attachment"]
    assert [(ev["actor"], ev["detail"]["attachment_id"]) for ev in reads] == [
        ("motcua", ids["png"]),
        ("sokhdt", ids["pdf"]),
    ]
    assert PDF_NAME not in str(audit) and PNG_NAME not in str(audit)
    assert admin.get(f"/api/admin/audit/dossiers/{did}/verify").json()["ok"] is True


# ---- the agency's own document is the result ------------------------------------------------
def test_the_agencys_attached_document_is_the_result(api: ApiClient, cloud: Any) -> None:
    # GIVEN a dossier being processed at its lead agency
    d, _ = _submitted(api)
    did = d["id"]
    assert (
        api.as_user("motcua").post(f"/api/desk/dossiers/{did}/accept", FEE_PAID_AT_DESK).status_code
        == 200
    )
    task = wait_for_task(api, cloud, "sokhdt", did)
    agency = api.as_user("sokhdt")
    # WHEN its officer attaches the real certificate through the console's routes
    marker = uuid.uuid4().hex[:12]
    licence = text_pdf(f"GIAY CHUNG NHAN DANG KY DOANH NGHIEP {marker}")
    slot = agency.post(f"/api/agency/dossiers/{did}/result/upload", {"filename": "GCN.pdf"})
    assert slot.status_code == 201, slot.text
    upload_file(slot.json(), licence, "application/pdf")
    fin = agency.post(f"/api/agency/dossiers/{did}/result/finalize", {"key": slot.json()["key"]})
    assert fin.status_code == 200, fin.text
    assert fin.json()["dossier"]["result"]["generated"] is False
    # AND then approves the last step
    done = agency.post(
        f"/api/agency/dossiers/{did}/steps/{task['step_id']}/complete",
        {"outcome": "approve", "note": "Cấp giấy chứng nhận."},
    )
    assert done.status_code == 200 and done.json()["status"]["code"] == 9, done.text
    for _ in range(20):  # the processed message finds a result and makes no notice
        if not deliver_workflow(api, cloud):
            break
    # THEN the citizen and the desk download that certificate as the result, byte for byte
    for who, scope in (("congdan", "my"), ("motcua", "desk")):
        r = api.as_user(who).get(f"/api/{scope}/dossiers/{did}/result.pdf", PDF_TYPE)
        assert r.status_code == 200, r.text
        assert r.body == licence and marker in pdf_text(r.body)
    view = api.as_user("congdan").get(f"/api/my/dossiers/{did}").json()
    assert view["result"]["generated"] is False and view["result"]["filename"] == "GCN.pdf"
    signed = [h for h in view["history"] if h["action"] == "result_signed"]
    assert len(signed) == 1 and signed[0]["actor_role"] == "agency"  # no second, generic one
    # AND the desk hands it over online
    assert return_when_ready(api, cloud, did).status_code == 200


def test_the_generic_notice_says_it_is_not_the_licence(api: ApiClient, cloud: Any) -> None:
    # GIVEN a dossier approved without an attached document
    d, _ = _submitted(api)
    did = d["id"]
    assert (
        api.as_user("motcua").post(f"/api/desk/dossiers/{did}/accept", FEE_PAID_AT_DESK).status_code
        == 200
    )
    task = wait_for_task(api, cloud, "sokhdt", did)
    done = api.as_user("sokhdt").post(
        f"/api/agency/dossiers/{did}/steps/{task['step_id']}/complete", {"outcome": "approve"}
    )
    assert done.status_code == 200, done.text
    # WHEN the system makes its notice THEN its name and its text say what it is
    assert return_when_ready(api, cloud, did).status_code == 200
    view = api.as_user("congdan").get(f"/api/my/dossiers/{did}").json()
    assert view["result"]["generated"] is True
    assert view["result"]["filename"].startswith("thong-bao-ket-qua-")
    r = api.as_user("congdan").get(f"/api/my/dossiers/{did}/result.pdf", PDF_TYPE)
    text = " ".join(pdf_text(r.body).split())
    assert "THÔNG BÁO KẾT QUẢ" in text.upper()
    assert "không thay thế" in text
