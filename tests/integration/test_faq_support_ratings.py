"""FAQ (Đ10.4), technical support requests (Đ15.8) and the dossier satisfaction rating, through the
real app over in-process moto.

The blueprint `chalicelib.api.routes.care` is registered on the test app here when app.py does not
register it yet (and removed again afterwards), before the test client is built.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.client import ApiClient, deliver_workflow, upload_file
from tests.support.journeys import (
    received_online,
    return_when_ready,
)
from tests.support.samples import minimal_pdf, minimal_png

pytestmark = pytest.mark.integration

PROC = "2.001610"  # one step at the Department of Planning and Investment (H33.03)


def _returned(api: ApiClient, cloud: Any) -> dict[str, Any]:
    """Submit, accept, approve the one step, hand the result over online: status 10."""
    d = received_online(api)
    agency = api.as_user("sokhdt")
    tasks: list[dict[str, Any]] = []
    for _ in range(60):
        deliver_workflow(api, cloud)
        tasks = [
            t for t in agency.get("/api/agency/tasks").json()["items"] if t["dossier_id"] == d["id"]
        ]
        if tasks:
            break
    assert tasks, "the agency never got the task"
    done = agency.post(
        f"/api/agency/dossiers/{d['id']}/steps/{tasks[0]['step_id']}/complete",
        {"outcome": "approve", "note": "Đủ điều kiện."},
    )
    assert done.status_code == 200, done.text
    r = return_when_ready(api, cloud, d["id"])
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 10
    return d


SCORES = {
    "overall": "satisfied",
    "time": "satisfied",
    "staff_attitude": "satisfied",
    "publicity": "neutral",
    "trips": 0,
    "online_service": "satisfied",
}


# ---- FAQ ----------------------------------------------------------------------------
def test_demo_faq_is_published_searchable_and_loaded_once(api: ApiClient) -> None:
    """The demo loader publishes the office's first questions, Vietnamese with English, found
    without accents; loading again adds no copy and keeps the office's edits."""
    import json

    from infra.demo import DEFAULT_DATA, load_faq

    public = api.anonymous()
    demo = json.loads((DEFAULT_DATA / "faq.json").read_text(encoding="utf-8"))
    listed = public.get("/api/faq").json()
    assert {d["id"] for d in demo} <= {f["id"] for f in listed["items"]}
    assert {"Tài khoản", "Nhận kết quả", "Phí, lệ phí"} <= set(listed["fields"])
    post_id = "demo-nhan-qua-buu-dien"
    assert _public_ids(public, "buu dien")[0] == post_id  # typed without diacritics
    assert _public_ids(public, "quen mat khau")[0] == "demo-quen-mat-khau"
    one = public.get(f"/api/faq/{post_id}").json()
    assert one["question_en"] == "Can I receive the result by post?" and one["answer_en"]

    office = api.as_user("vanphong")
    edited = office.post(f"/api/province/faq/{post_id}", {"answer": "Có, qua bưu điện."})
    assert edited.status_code == 200, edited.text
    from chalicelib.services.deps import get_deps

    assert load_faq(get_deps().store) == len(demo)
    again = public.get("/api/faq").json()["items"]
    assert len([f for f in again if f["id"] == post_id]) == 1
    assert public.get(f"/api/faq/{post_id}").json()["answer"] == "Có, qua bưu điện."


def _public_ids(public: Any, q: str) -> list[str]:
    return [f["id"] for f in public.get(f"/api/faq?q={q}").json()["items"]]


def test_faq_lifecycle_and_public_search(api: ApiClient) -> None:
    office = api.as_user("vanphong")
    public = api.anonymous()
    created = office.post(
        "/api/province/faq",
        {
            "question": "Lệ phí đăng ký thành lập doanh nghiệp là bao nhiêu?",
            "answer": "Theo biểu phí hiện hành; nộp trực tuyến được miễn lệ phí.",
            "field": "Thành lập và hoạt động doanh nghiệp",
            "procedure_code": PROC,
        },
    )
    assert created.status_code == 201, created.text
    faq = created.json()
    assert faq["state"] == "draft"
    assert faq["id"] not in _public_ids(public, "")  # drafts are not public (the demo's are)
    assert public.get(f"/api/faq/{faq['id']}").status_code == 404

    # only the province office (or an administrator) manages questions
    assert api.as_user("congdan").post("/api/province/faq", {}).status_code == 403
    assert api.as_user("sokhdt").get("/api/province/faq").status_code == 403
    bad = office.post(
        "/api/province/faq",
        {
            "question": "Câu hỏi thử?",
            "answer": "Trả lời thử.",
            "field": "X",
            "procedure_code": "9.999",
        },
    )
    assert bad.status_code == 400 and bad.json()["field"] == "procedure_code"

    edited = office.post(
        f"/api/province/faq/{faq['id']}", {"answer": "Miễn lệ phí khi nộp trực tuyến."}
    )
    assert edited.status_code == 200, edited.text
    assert edited.json()["answer"] == "Miễn lệ phí khi nộp trực tuyến."
    pub = office.post(f"/api/province/faq/{faq['id']}/publish")
    assert pub.status_code == 200 and pub.json()["state"] == "published"

    # public search: accent-insensitive, by field and by procedure
    for q in ("lệ phí doanh nghiệp", "le phi doanh nghiep"):
        assert _public_ids(public, q) == [faq["id"]], q
    assert _public_ids(public, "LE PHI")[0] == faq["id"]  # in the question: ranked first
    assert faq["id"] not in _public_ids(public, "xây dựng")
    by_proc = public.get(f"/api/faq?procedure={PROC}").json()
    assert [f["id"] for f in by_proc["items"]] == [faq["id"]]
    assert "Thành lập và hoạt động doanh nghiệp" in by_proc["fields"]
    assert public.get("/api/faq?procedure=1.009994").json()["items"] == []
    assert public.get(f"/api/faq/{faq['id']}").json()["question"].startswith("Lệ phí")

    # retire: gone from the public page; a second retire is illegal; back to draft to rework
    assert office.post(f"/api/province/faq/{faq['id']}/retire").json()["state"] == "retired"
    assert faq["id"] not in _public_ids(public, "")
    assert office.post(f"/api/province/faq/{faq['id']}/retire").status_code == 409
    assert (
        office.post(f"/api/province/faq/{faq['id']}", {"answer": "Sửa khi đã ngừng."}).status_code
        == 409
    )
    assert office.post(f"/api/province/faq/{faq['id']}/draft").json()["state"] == "draft"
    states = {e["id"]: e["state"] for e in office.get("/api/province/faq").json()["items"]}
    assert states[faq["id"]] == "draft"


# ---- support requests ----------------------------------------------------------------------------
def test_support_request_raise_screenshot_triage_answer_close(api: ApiClient) -> None:
    d = received_online(api)
    staff = api.as_user("sokhdt")
    it = api.as_user("quantri")
    raised = staff.post(
        "/api/staff/support",
        {"dossier_code": d["code"], "error_seen": "Nút Hoàn thành báo lỗi 500, không chuyển bước."},
    )
    assert raised.status_code == 201, raised.text
    req = raised.json()
    assert req["state"] == "open" and req["agency"] == "H33.03"
    assert req["dossier_code"] == d["code"] and req["id"].startswith("HT-")
    assert "raised_by_sub" not in req

    # who may raise, and what must be true
    assert (
        api.as_user("congdan")
        .post("/api/staff/support", {"error_seen": "lỗi hệ thống"})
        .status_code
        == 403
    )
    unknown = staff.post(
        "/api/staff/support", {"dossier_code": "H33.50-000000-9999", "error_seen": "Lỗi gì đó."}
    )
    assert unknown.status_code == 400 and unknown.json()["field"] == "dossier_code"

    # screenshot: a presigned POST under support/<id>/, re-checked after arrival
    assert (
        staff.post(
            f"/api/staff/support/{req['id']}/screenshot",
            {"filename": "loi.pdf", "content_type": "application/pdf", "size": 100},
        ).status_code
        == 400
    )
    png = minimal_png()
    slot = staff.post(
        f"/api/staff/support/{req['id']}/screenshot",
        {"filename": "lỗi màn hình.png", "content_type": "image/png", "size": len(png)},
    )
    assert slot.status_code == 201, slot.text
    assert slot.json()["key"].startswith(f"support/{req['id']}/")
    upload_file(slot.json(), minimal_pdf(), "image/png")  # lies about its type
    refused = staff.post(f"/api/staff/support/{req['id']}/screenshot/finalize")
    assert refused.status_code == 400 and refused.json()["code"] == "unsupported_type"
    from chalicelib.services.deps import get_deps

    assert not get_deps().files.inspect(slot.json()["key"]).exists  # deleted
    slot = staff.post(
        f"/api/staff/support/{req['id']}/screenshot",
        {"filename": "loi.png", "content_type": "image/png", "size": len(png)},
    )
    upload_file(slot.json(), png, "image/png")
    ok = staff.post(f"/api/staff/support/{req['id']}/screenshot/finalize")
    assert ok.status_code == 200, ok.text
    assert ok.json()["screenshot"]["state"] == "accepted"
    assert "key" not in ok.json()["screenshot"]
    assert it.get(f"/api/staff/support/{req['id']}/screenshot").json()["url"].startswith("http")

    # IT's queue, triage, answer, close; staff cannot triage
    assert [r["id"] for r in it.get("/api/admin/support?state=open").json()["items"]] == [req["id"]]
    assert (
        staff.post(f"/api/admin/support/{req['id']}/triage", {"priority": "high"}).status_code
        == 403
    )
    t = it.post(f"/api/admin/support/{req['id']}/triage", {"priority": "high", "note": "Ưu tiên"})
    assert t.status_code == 200 and (t.json()["state"], t.json()["priority"]) == ("triaged", "high")
    a = it.post(
        f"/api/admin/support/{req['id']}/answer", {"answer": "Đã khắc phục, vui lòng thử lại."}
    )
    assert a.status_code == 200 and a.json()["state"] == "answered"
    assert staff.get(f"/api/staff/support/{req['id']}").json()["answer"].startswith("Đã khắc phục")
    c = it.post(f"/api/admin/support/{req['id']}/close", {"note": "Xong"})
    assert c.status_code == 200 and c.json()["state"] == "closed"
    assert it.post(f"/api/admin/support/{req['id']}/close", {}).status_code == 409
    assert [r["id"] for r in staff.get("/api/staff/support").json()["items"]] == [req["id"]]
    # another unit's staff does not see it
    assert api.as_user("motcua").get(f"/api/staff/support/{req['id']}").status_code == 404

    # offered as evidence for the lateness exemption of that dossier
    listed = staff.get(f"/api/staff/dossiers/{d['id']}/support-requests").json()["items"]
    assert [r["id"] for r in listed] == [req["id"]]
    assert req["id"] in listed[0]["evidence_text"]
    assert (
        api.as_user("sotuphap").get(f"/api/staff/dossiers/{d['id']}/support-requests").status_code
        == 404
    )
    from chalicelib.services.care import support

    assert [r.id for r in support.requests_for_dossier(get_deps(), d["id"])] == [req["id"]]
    cited = support.cited_requests(get_deps(), d["id"], f"Lỗi hệ thống, xem {req['id']}.")
    assert [r.id for r in cited] == [req["id"]]
    with pytest.raises(Exception) as exc:
        support.cited_requests(get_deps(), "other-dossier", f"xem {req['id']}")
    assert getattr(exc.value, "code", "") == "support_not_linked"


# ---- ratings ----------------------------------------------------------------------------
def test_rating_refused_before_the_result_then_once_only(api: ApiClient, cloud: Any) -> None:
    early = received_online(api)
    citizen = api.as_user("congdan")
    r = citizen.post(f"/api/my/dossiers/{early['id']}/rating", {"scores": SCORES})
    assert r.status_code == 409 and r.json()["code"] == "not_returned"
    assert citizen.get(f"/api/my/dossiers/{early['id']}/rating").json()["can_rate"] is False

    d = _returned(api, cloud)
    assert (
        api.as_user("congdan2")
        .post(f"/api/my/dossiers/{d['id']}/rating", {"scores": SCORES})
        .status_code
        == 404
    )
    status = citizen.get(f"/api/my/dossiers/{d['id']}/rating").json()
    assert status["can_rate"] is True and len(status["criteria"]) == 6
    first = citizen.post(
        f"/api/my/dossiers/{d['id']}/rating", {"scores": SCORES, "comment": "Nhanh, gọn."}
    )
    assert first.status_code == 201, first.text
    assert first.json()["via"] == "account"
    again = citizen.post(f"/api/my/dossiers/{d['id']}/rating", {"scores": SCORES})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert citizen.get(f"/api/my/dossiers/{d['id']}/rating").json()["rated"] is True
    bad = citizen.post(f"/api/my/dossiers/{d['id']}/rating", {"scores": {**SCORES, "overall": "5"}})
    assert bad.status_code == 400

    from chalicelib.domain.history import month_key as _month
    from chalicelib.services.deps import get_deps

    month = _month(get_deps().clock())
    counters = get_deps().store.counters("H33.03", month)[PROC]
    assert counters["rated"] == 1 and "rated_dissatisfied" not in counters
    # and no notification for a satisfied rating
    assert api.as_user("lanhdaosokhdt").get("/api/leader/notifications").json()["items"] == []


def test_dissatisfied_rating_through_the_receipt_link_reaches_the_leader(
    api: ApiClient, cloud: Any
) -> None:
    d = _returned(api, cloud)
    mine = api.as_user("congdan").get(f"/api/my/dossiers/{d['id']}").json()
    token = mine["lookup_url"].split("token=")[1]
    code = mine["code"]
    link = api.anonymous()

    assert link.get(f"/api/ratings/{code}?token=wrong").status_code == 404
    assert link.post(f"/api/ratings/{code}", {"scores": SCORES}).status_code == 404
    st = link.get(f"/api/ratings/{code}?token={token}").json()
    assert st["can_rate"] is True and st["code"] == code and "dossier_id" not in st

    unhappy = {**SCORES, "overall": "dissatisfied", "trips": 3}
    r = link.post(
        f"/api/ratings/{code}?token={token}", {"scores": unhappy, "comment": "Phải đi lại ba lần."}
    )
    assert r.status_code == 201, r.text
    assert r.json()["via"] == "receipt_link" and "dossier_id" not in r.json()
    assert link.post(f"/api/ratings/{code}?token={token}", {"scores": SCORES}).status_code == 409
    assert (
        api.as_user("congdan")
        .post(f"/api/my/dossiers/{d['id']}/rating", {"scores": SCORES})
        .status_code
        == 409
    )

    # the lead agency's leader gets an outbox item; another agency's leader does not
    items = api.as_user("lanhdaosokhdt").get("/api/leader/notifications").json()["items"]
    assert [(i["kind"], i["dossier_code"], i["state"]) for i in items] == [
        ("rating_dissatisfied", code, "pending")
    ]
    assert items[0]["comment"] == "Phải đi lại ba lần."
    assert api.as_user("congdan").get("/api/leader/notifications").status_code == 403

    from chalicelib.domain.history import month_key as _month
    from chalicelib.services.deps import get_deps

    counters = get_deps().store.counters("H33.03", _month(get_deps().clock()))[PROC]
    assert (counters["rated"], counters["rated_dissatisfied"]) == (1, 1)

    # audited on the dossier's stream
    trail = api.as_user("quantri").get(f"/api/admin/audit/dossiers/{d['id']}").json()
    events = trail["items"] if isinstance(trail, dict) else trail
    assert "dossier_rated_dissatisfied" in [e["action"] for e in events]


# ---- face lookup through the API (no Rekognition here) -------------------------------------------
def test_face_routes_say_clearly_when_unavailable(api: ApiClient) -> None:
    from tests.support.samples import jpeg

    public = api.anonymous()
    assert public.get("/api/lookup/face").json()["available"] is False
    r = api.client.http.post(
        "/api/lookup/face",
        headers={"Content-Type": "image/jpeg", "Idempotency-Key": "face-1"},
        body=jpeg(),
    )
    assert r.status_code == 503, r.body
    import json

    assert json.loads(r.body)["code"] == "face_lookup_unavailable"
    citizen = api.as_user("congdan")
    assert citizen.get("/api/my/face").json()["registered"] is False
    r = api.client.http.post(
        "/api/my/face?consent=accepted&consent_version=2026-11-v1",
        headers={
            "Content-Type": "image/jpeg",
            "Idempotency-Key": "face-2",
            "Authorization": f"Bearer {citizen.token}",
        },
        body=jpeg(),
    )
    assert r.status_code == 503, r.body
    assert citizen.post("/api/my/face/withdraw").json()["registered"] is False
