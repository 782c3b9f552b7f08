"""Feedback (phản ánh, kiến nghị, Đ18-19) through the real app: each intake channel, routing by a
dossier code, the handling steps with their deadlines and late alerts (a past legal clock), the
public Q&A with personal data removed, rating and reopening once, and unit scope."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.client import ApiClient, upload_file
from tests.support.samples import minimal_pdf

pytestmark = pytest.mark.integration

KHDT, TUPHAP = "H33.03", "H33.02"


@contextmanager
def legal_time(at: datetime) -> Iterator[None]:
    from chalicelib.services.deps import any_deps, set_deps

    set_deps(any_deps(clock=lambda: at))
    try:
        yield
    finally:
        set_deps(any_deps(clock=lambda: datetime.now(UTC)))


def _deps() -> Any:
    from chalicelib.services.deps import get_deps

    return get_deps()


def _outbox(recipient: str) -> list[dict[str, Any]]:
    from chalicelib.store.feedback import FeedbackStore

    d = _deps()
    return FeedbackStore(d.store.client, d.store.table).list_outbox(recipient)


def _audit_actions(feedback_id: str) -> list[str]:
    from chalicelib.store.audit import AuditStore

    d = _deps()
    events, _ = AuditStore(d.store.client, d.store.table).read_stream(f"FEEDBACK#{feedback_id}")
    return [e.action for e in events]


def _counters(agency: str, at: datetime) -> dict[str, int]:
    d = _deps()
    month = d.calendar.local_date(at).strftime("%Y-%m")
    return d.store.counters(agency, month).get("FEEDBACK", {})


def _dossier_with_code(lead_agency: str = KHDT) -> str:
    """A received dossier (written directly: routing only needs its code and lead agency)."""
    from chalicelib.domain.dossier import Applicant, Dossier
    from chalicelib.domain.statuses import DossierStatus

    now = datetime.now(UTC)
    code = f"H33.50-{now:%y%m%d}-{uuid.uuid4().int % 10000:04d}"
    _deps().store.create_dossier(
        Dossier(
            id=uuid.uuid4().hex,
            code=code,
            procedure_code="2.001610",
            procedure_version=1,
            applicant=Applicant(name="Nguyễn Văn An"),
            status=DossierStatus.RECEIVED,
            receiving_unit="H33.50",
            lead_agency=lead_agency,
            created_at=now,
            received_at=now,
            appointment_at=now + timedelta(days=10),
        )
    )
    return code


def _send(client: ApiClient, **body: Any) -> dict[str, Any]:
    payload = {
        "subject": "Hồ sơ đăng ký kinh doanh chậm",
        "content": "Hồ sơ của tôi đã quá hạn hẹn trả mà chưa có kết quả.",
        **body,
    }
    r = client.post("/api/feedback", payload)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def _staff(client: ApiClient, fid: str, action: str, body: Any = None, status: int = 200) -> Any:
    r = client.post(f"/api/staff/feedback/{fid}/{action}", body)
    assert r.status_code == status, r.text
    return r.json()


# ---- intake --------------------------------------------------------------------------------------
def test_every_intake_channel_and_routing(api: ApiClient) -> None:
    """One moto account for the intake checks (each fresh account costs seconds)."""
    _online_by_a_citizen_routes_by_dossier_code_with_an_attachment(api)
    _anonymous_with_and_without_contact(api)
    _staff_enter_each_other_channel(api)
    _province_routes_and_refusal(api)


def _online_by_a_citizen_routes_by_dossier_code_with_an_attachment(api: ApiClient) -> None:
    code = _dossier_with_code(KHDT)
    citizen = api.as_user("congdan")
    fb = _send(
        citizen,
        dossier_code=code,
        publish_consent=True,
        attachments=[{"filename": "ảnh chụp.pdf", "content_type": "application/pdf", "size": 300}],
    )
    assert fb["agency"] == KHDT and fb["category"] == "dossier" and fb["channel"] == "online"
    assert fb["code"].startswith("PA-") and fb["state"] == "received" and fb["due_at"]
    slot = fb["uploads"][0]
    assert slot["key"].startswith(f"feedback/{fb['id']}/")
    upload_file(slot, minimal_pdf(), "application/pdf")

    mine = citizen.get("/api/my/feedback").json()["items"]
    assert [m["code"] for m in mine] == [fb["code"]]
    assert api.as_user("congdan2").get("/api/my/feedback").json()["items"] == []
    anon = api.anonymous()
    assert anon.get(f"/api/feedback/{fb['code']}?token={fb['token']}").status_code == 200
    assert anon.get(f"/api/feedback/{fb['code']}?token=wrong").status_code == 404
    assert _outbox(citizen_sub(api, "congdan"))[0]["kind"] == "feedback_received"
    assert _counters(KHDT, datetime.now(UTC)).get("feedback_about_dossier") == 1
    assert "feedback_received" in _audit_actions(fb["id"])
    queue = api.as_user("sokhdt").get("/api/staff/feedback").json()["items"]
    assert fb["code"] in [q["code"] for q in queue]

    bad = citizen.post(
        "/api/feedback",
        {
            "subject": "Sai mã",
            "content": "Mã hồ sơ không có thật.",
            "dossier_code": "H33.50-000000-0000",
        },
    )
    assert bad.status_code == 400 and bad.json()["code"] == "dossier_not_found"


def citizen_sub(api: ApiClient, username: str) -> str:
    sub: str = api.as_user(username).get("/api/me").json()["sub"]
    return sub


def _anonymous_with_and_without_contact(api: ApiClient) -> None:
    anon = api.anonymous()
    silent = _send(anon, agency=KHDT, anonymous=True, category="procedure")
    assert silent["anonymous"] is True and silent["agency"] == KHDT
    mine = api.as_user("congdan").get("/api/my/feedback").json()["items"]
    assert silent["code"] not in [m["code"] for m in mine]
    reachable = _send(anon, agency=KHDT, contact="nguoigui@example.vn")
    assert _outbox("nguoigui@example.vn")[0]["feedback_code"] == reachable["code"]
    # a signed-in citizen choosing anonymity is not linked to the feedback
    _send(api.as_user("congdan2"), agency=KHDT, anonymous=True)
    assert api.as_user("congdan2").get("/api/my/feedback").json()["items"] == []
    no_agency = anon.post(
        "/api/feedback", {"subject": "Thiếu", "content": "Không chọn cơ quan nào."}
    )
    assert no_agency.status_code == 400 and no_agency.json()["code"] == "agency_required"


def _staff_enter_each_other_channel(api: ApiClient) -> None:
    desk = api.as_user("motcua")
    for channel in ("phone", "zalo", "mobile_app", "letter"):
        r = desk.post(
            "/api/staff/feedback",
            {
                "channel": channel,
                "subject": f"Phản ánh qua {channel}",
                "content": "Người dân phản ánh thái độ phục vụ tại bộ phận một cửa.",
                "category": "staff_conduct",
                "agency": KHDT,
                "name": "Trần Thị Bình",
                "contact": "0912345678",
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["channel"] == channel
        detail = api.as_user("sokhdt").get(f"/api/staff/feedback/{r.json()['id']}").json()
        assert detail["entered_by"] == "motcua" and detail["sender_name"] == "Trần Thị Bình"
    wrong = desk.post(
        "/api/staff/feedback",
        {
            "channel": "online",
            "subject": "Kênh sai",
            "content": "Kênh trực tuyến không hợp lệ ở đây.",
            "agency": KHDT,
        },
    )
    assert wrong.status_code == 400
    citizen = api.as_user("congdan").post(
        "/api/staff/feedback",
        {
            "channel": "phone",
            "subject": "Không được",
            "content": "Người dân không nhập thay cán bộ.",
            "agency": KHDT,
        },
    )
    assert citizen.status_code == 403


# ---- handling, Q&A, rating, reopening ------------------------------------------------------------
def test_handle_publish_rate_and_reopen(api: ApiClient) -> None:
    citizen = api.as_user("congdan")
    fb = _send(
        citizen,
        agency=KHDT,
        publish_consent=True,
        subject="Thủ tục thành lập doanh nghiệp tư nhân",
        content="Tôi là Nguyễn Văn An, điện thoại 0912 345 678, hỏi về vốn điều lệ tối thiểu.",
        name="Nguyễn Văn An",
    )
    fid = fb["id"]
    agency = api.as_user("sokhdt")
    other = api.as_user("sotuphap")
    assert other.post(f"/api/staff/feedback/{fid}/accept").status_code == 404
    assert other.get(f"/api/staff/feedback/{fid}").status_code == 404
    assert citizen.post(f"/api/my/feedback/{fid}/rating", {"satisfied": True}).status_code == 409

    _staff(agency, fid, "accept", {"note": "Thụ lý"})
    _staff(agency, fid, "request-info", {"question": "Xin cho biết loại hình doanh nghiệp."})
    assert citizen.get(f"/api/feedback/{fb['code']}").json()["info_request"]
    wrong = api.anonymous().post(
        f"/api/feedback/{fb['code']}/info", {"content": "Tư nhân", "token": "sai"}
    )
    assert wrong.status_code == 404
    r = api.anonymous().post(
        f"/api/feedback/{fb['code']}/info",
        {"content": "Doanh nghiệp tư nhân", "token": fb["token"]},
    )
    assert r.status_code == 200 and r.json()["state"] == "info_provided"
    # the leader of the same agency may act too
    _staff(
        api.as_user("lanhdaosokhdt"),
        fid,
        "answer",
        {"answer": "Chào ông Nguyễn Văn An: doanh nghiệp tư nhân không yêu cầu vốn tối thiểu."},
    )
    assert api.anonymous().get("/api/qa?q=vốn").json()["items"] == []
    _staff(agency, fid, "publish")
    assert _staff(agency, fid, "publish", status=409)["code"] == "illegal_transition"

    items = api.anonymous().get("/api/qa?q=von dieu le").json()["items"]
    entry = next(i for i in items if i["code"] == fb["code"])
    assert "0912 345 678" not in entry["question"] and "Văn An" not in entry["question"]
    assert "Văn An" not in entry["answer"] and "Nguyễn V** A*" in entry["answer"]
    assert "contact" not in entry and "sender_name" not in entry
    assert fb["code"] not in [
        i["code"] for i in api.anonymous().get("/api/qa?q=hộ tịch").json()["items"]
    ]

    kinds = [n["kind"] for n in _outbox(citizen_sub(api, "congdan"))]  # newest first
    assert kinds[:5] == [
        "feedback_published",
        "feedback_answered",
        "feedback_info_requested",
        "feedback_accepted",
        "feedback_received",
    ]
    rated = citizen.post(f"/api/my/feedback/{fid}/rating", {"satisfied": False})
    assert rated.status_code == 200 and rated.json()["rating"] is False
    again = citizen.post(f"/api/my/feedback/{fid}/rating", {"satisfied": True})
    assert again.status_code == 409 and again.json()["code"] == "already_rated"
    assert (
        api.as_user("congdan2")
        .post(f"/api/my/feedback/{fid}/rating", {"satisfied": True})
        .status_code
        == 404
    )

    reopened = citizen.post(f"/api/my/feedback/{fid}/reopen", {"reason": "Chưa trả lời về thuế."})
    assert reopened.status_code == 200 and reopened.json()["state"] == "accepted"
    assert fb["code"] not in [i["code"] for i in api.anonymous().get("/api/qa").json()["items"]]
    _staff(agency, fid, "answer", {"answer": "Về thuế: doanh nghiệp kê khai theo quý tại Chi cục."})
    second = citizen.post(f"/api/my/feedback/{fid}/reopen", {"reason": "Vẫn chưa rõ ràng."})
    assert second.status_code == 409 and second.json()["code"] == "reopen_once"

    counters = _counters(KHDT, datetime.now(UTC))
    assert counters.get("feedback_handled") == 1  # the published cycle; cycle 2 awaits publication
    assert counters.get("feedback_handled_on_time") == 1
    assert counters.get("feedback_rated") == 1 and "feedback_satisfied" not in counters
    actions = _audit_actions(fid)
    for action in (
        "feedback_accepted",
        "feedback_info_requested",
        "feedback_info_provided",
        "feedback_answered",
        "feedback_published",
        "feedback_rated",
        "feedback_reopened",
    ):
        assert action in actions


def _province_routes_and_refusal(api: ApiClient) -> None:
    fb = _send(api.anonymous(), agency=KHDT, category="system")
    fid = fb["id"]
    assert _staff(api.as_user("sokhdt"), fid, "route", {"agency": TUPHAP}, status=403)
    province = api.as_user("vanphong")
    assert fb["code"] in [i["code"] for i in province.get("/api/staff/feedback").json()["items"]]
    assert _staff(province, fid, "accept", status=403)["code"] == "forbidden_role"
    assert (
        _staff(province, fid, "route", {"agency": "H99.99"}, status=400)["code"] == "unknown_agency"
    )
    moved = _staff(province, fid, "route", {"agency": TUPHAP, "category": "procedure"})
    assert moved["agency"] == TUPHAP and moved["category"] == "procedure"
    assert api.as_user("sokhdt").post(f"/api/staff/feedback/{fid}/accept").status_code == 404
    refused = _staff(api.as_user("sotuphap"), fid, "refuse", {"reason": "Nội dung không rõ ràng."})
    assert refused["state"] == "refused"
    assert fb["code"] not in [
        i["code"] for i in api.as_user("sotuphap").get("/api/staff/feedback").json()["items"]
    ]
    assert _counters(TUPHAP, datetime.now(UTC)).get("feedback_handled_on_time") == 1


# ---- deadlines and late alerts (a past legal clock) ----------------------------------------------
def test_each_deadline_raises_late_alerts_once(api: ApiClient) -> None:
    from chalicelib.services.care.feedback import check_feedback_deadlines

    cal = _deps().calendar
    received = cal.next_working_instant(datetime.now(UTC) - timedelta(days=90))
    with legal_time(received):
        fb = _send(api.anonymous(), agency=KHDT, publish_consent=True, contact="0987654321")
    fid, code = fb["id"], fb["code"]

    def alerts(now: datetime) -> list[tuple[str, str | None]]:
        return [
            (a["kind"], a["step"])
            for a in check_feedback_deadlines(_deps(), now)
            if a["code"] == code
        ]

    day = cal.day_seconds
    accept_due = cal.add_working_days(received, 2)
    assert alerts(cal.subtract_working_seconds(accept_due, day // 2)) == [("due_soon", "accept")]
    assert alerts(cal.add_working_seconds(accept_due, 60)) == [("overdue", "accept")]
    assert alerts(cal.add_working_seconds(accept_due, 120)) == []  # once per step

    agency = api.as_user("sokhdt")
    t_accept = cal.add_working_days(received, 3)
    with legal_time(t_accept):
        _staff(agency, fid, "accept")
    t_ask = cal.add_working_days(t_accept, 6)  # the 5-day request window has passed
    with legal_time(t_ask):
        _staff(agency, fid, "request-info", {"question": "Cho biết thêm thời gian xảy ra."})
    assert alerts(cal.add_working_days(t_ask, 30)) == []  # paused: waiting for the sender
    with legal_time(t_ask):
        api.anonymous().post(
            f"/api/feedback/{code}/info", {"content": "Tháng trước", "token": fb["token"]}
        )
    answer_due = cal.add_working_days(t_accept, 15)
    assert alerts(cal.add_working_seconds(answer_due, 60)) == [("overdue", "answer")]
    t_answer = cal.add_working_days(t_accept, 16)
    with legal_time(t_answer):
        _staff(agency, fid, "answer", {"answer": "Cơ quan đã kiểm tra và khắc phục sự việc."})
    publish_due = cal.add_working_days(t_answer, 2)
    assert alerts(cal.add_working_seconds(publish_due, 60)) == [("overdue", "publish")]
    t_publish = cal.add_working_days(t_answer, 3)
    with legal_time(t_publish):
        view = _staff(agency, fid, "publish")
    assert view["late_steps"] == ["1:accept", "1:request_info", "1:answer", "1:publish"]
    assert alerts(cal.add_working_days(t_publish, 30)) == []  # closed

    actions = _audit_actions(fid)
    assert actions.count("feedback_overdue") == 3 and actions.count("feedback_due_soon") == 1
    kinds = [n["kind"] for n in _outbox(f"AGENCY#{KHDT}")]
    assert kinds.count("feedback_overdue") == 3
    counters = _counters(KHDT, t_publish)
    assert counters.get("feedback_handled") == 1 and "feedback_handled_on_time" not in counters
