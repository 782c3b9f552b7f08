"""The lifecycle's branches end to end, driving the real state machine (moto runs the ASL).

Every test submits online, has the desk accept, then pumps the workflow queue with
`deliver_workflow` in bounded loops until the awaited condition holds, and asserts after the loop.
No test sleeps for a legal deadline: a legal clock in the past (or future) is injected instead.

Covered: sequence + parallel group (1.009994), return to the previous stage, a supplement that
pauses the clock across a weekend and a holiday, the supplement-once rule, a late step blamed on
its agency, apology and extension (form 04), stop (form 05), withdrawal, the fee before
processing, the three return channels, the system-error exemption, and illegal calls.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.client import ApiClient, deliver_workflow
from tests.support.journeys import FEE_PAID_AT_DESK, attach_required_documents, submit_online
from tests.support.samples import FORM_EXAMPLES

pytestmark = pytest.mark.integration

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CONSTRUCTION = "1.009994"  # tham-dinh @H33.30 -> (xd @H33.05 || tnmt @H33.06) -> ky @H33.30
BUSINESS = "2.001610"  # one step @H33.03
DESK = {CONSTRUCTION: "motcuavithanh", BUSINESS: "motcua"}
THAM_DINH, XAY_DUNG, TNMT, KY = "tham-dinh", "y-kien-so-xay-dung", "y-kien-so-tnmt", "ky-giay-phep"


# ---- helpers ---------------------------------------------------------------------------------
def _accept(api: ApiClient, procedure: str, dossier_id: str, fee_collected: bool = True) -> Any:
    fee = FEE_PAID_AT_DESK if fee_collected else {"fee_collected": False}
    r = api.as_user(DESK[procedure]).post(f"/api/desk/dossiers/{dossier_id}/accept", fee)
    assert r.status_code == 200, r.text
    return r.json()


def _pump(api: ApiClient, cloud: Any, probe: Callable[[], Any], rounds: int = 150) -> Any:
    """Deliver workflow messages until `probe()` is truthy (bounded); return its last value."""
    last = probe()
    for _ in range(rounds):
        if last:
            return last
        deliver_workflow(api, cloud)
        last = probe()
    return last


def _tasks(api: ApiClient, user: str, dossier_id: str | None = None) -> list[dict[str, Any]]:
    r = api.as_user(user).get("/api/agency/tasks")
    assert r.status_code == 200, r.text
    items: list[dict[str, Any]] = r.json()["items"]
    return [t for t in items if dossier_id is None or t["dossier_id"] == dossier_id]


def _task(api: ApiClient, user: str, dossier_id: str, step_id: str) -> dict[str, Any] | None:
    return next((t for t in _tasks(api, user, dossier_id) if t["step_id"] == step_id), None)


def _wait_task(
    api: ApiClient, cloud: Any, user: str, dossier_id: str, step_id: str, rounds: int = 150
) -> dict[str, Any]:
    t = _pump(api, cloud, lambda: _task(api, user, dossier_id, step_id), rounds)
    if t is None:
        v = _view(api, dossier_id)
        brief = {k: v[k] for k in ("status", "steps", "pauses")}
        raise AssertionError(f"task {step_id} never opened for {user}: {brief}")
    return t


def _complete(
    api: ApiClient,
    user: str,
    dossier_id: str,
    step_id: str,
    outcome: str = "approve",
    note: str | None = "Đủ điều kiện, đồng ý.",
    **extra: Any,
) -> Any:
    body: dict[str, Any] = {"outcome": outcome, **extra}
    if note is not None:
        body["note"] = note
    return api.as_user(user).post(
        f"/api/agency/dossiers/{dossier_id}/steps/{step_id}/complete", body
    )


def _approve(api: ApiClient, cloud: Any, user: str, dossier_id: str, step_id: str) -> Any:
    _wait_task(api, cloud, user, dossier_id, step_id)
    r = _complete(api, user, dossier_id, step_id)
    assert r.status_code == 200, r.text
    return r.json()


def _view(api: ApiClient, dossier_id: str) -> dict[str, Any]:
    """The administrator's full view (with history) of any dossier."""
    r = api.as_user("quantri").get(f"/api/desk/dossiers/{dossier_id}")
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def _step(view: dict[str, Any], step_id: str) -> dict[str, Any]:
    return next(s for s in view["steps"] if s["step_id"] == step_id)


def _actions(view: dict[str, Any]) -> list[str]:
    return [h["action"] for h in view.get("history", [])]


def _execution_status(api: ApiClient, cloud: Any, code: str, rounds: int = 150) -> str:
    def probe() -> str | None:
        s = cloud.sfn.describe_execution(executionArn=cloud.execution_arn(code))["status"]
        return None if s == "RUNNING" else s

    return _pump(api, cloud, probe, rounds) or "RUNNING"


def _wait_result(api: ApiClient, cloud: Any, dossier_id: str) -> dict[str, Any]:
    view = _pump(api, cloud, lambda: (v := _view(api, dossier_id))["result"] and v)
    assert view and view["result"], f"no result: {_view(api, dossier_id)['status']}"
    return view


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _month() -> str:
    return datetime.now(VN).strftime("%Y-%m")


def _counters(agency: str, procedure: str) -> dict[str, int]:
    from chalicelib.services.deps import get_deps

    return get_deps().store.counters(agency, _month()).get(procedure, {})


def _to_parallel_stage(api: ApiClient, cloud: Any) -> tuple[str, str]:
    """A construction permit accepted and past its first stage: both opinions are open."""
    d = submit_online(api, CONSTRUCTION)
    code = _accept(api, CONSTRUCTION, d["id"])["code"]
    _approve(api, cloud, "ubndvithanh", d["id"], THAM_DINH)
    _wait_task(api, cloud, "soxaydung", d["id"], XAY_DUNG)
    _wait_task(api, cloud, "sotnmt", d["id"], TNMT)
    return d["id"], code


def _finish_construction_from_parallel(api: ApiClient, cloud: Any, dossier_id: str) -> Any:
    _approve(api, cloud, "soxaydung", dossier_id, XAY_DUNG)
    _approve(api, cloud, "sotnmt", dossier_id, TNMT)
    return _approve(api, cloud, "ubndvithanh", dossier_id, KY)


def _received_in_the_past(api: ApiClient, cloud: Any, procedure: str, days: int = 21) -> Any:
    """Accept with the legal clock `days` ago, keep it there until the first step is active (so
    its allowance ran out long ago), then give the legal clock back to the wall."""
    from chalicelib.services.deps import any_deps, set_deps

    d = submit_online(api, procedure)
    past = datetime.now(UTC) - timedelta(days=days)
    set_deps(any_deps(clock=lambda: past))
    try:
        accepted = _accept(api, procedure, d["id"])
        view = _pump(
            api,
            cloud,
            lambda: (v := _view(api, d["id"]))["steps"][0]["state"] == "active" and v,
        )
        assert view, _view(api, d["id"])
        assert view["status"]["code"] == 4
    finally:
        set_deps(any_deps(clock=lambda: datetime.now(UTC)))
    return d["id"], accepted


# ---- 1. sequence, then a parallel group ----------------------------------------------------------
def test_two_stages_in_sequence_then_a_parallel_group(api: ApiClient, cloud: Any) -> None:
    d = submit_online(api, CONSTRUCTION)
    accepted = _accept(api, CONSTRUCTION, d["id"])
    code = accepted["code"]
    assert accepted["lead_agency"] == "H33.30"

    # The plan made at receipt runs the two departments side by side, so no step is planned
    # after the appointment the citizen was given (10 + 3 + 2 of 15 working days; issue 25).
    appointment = _dt(accepted["appointment_at"])
    planned = {s["step_id"]: _dt(s["due_at"]) for s in accepted["steps"]}
    assert set(planned) == {THAM_DINH, XAY_DUNG, TNMT, KY}
    assert all(due <= appointment for due in planned.values()), (planned, appointment)
    assert planned[XAY_DUNG] == planned[TNMT]
    assert planned[KY] == appointment

    # Stage 0: only the lead agency has work; the departments wait.
    _wait_task(api, cloud, "ubndvithanh", d["id"], THAM_DINH)
    assert _tasks(api, "soxaydung", d["id"]) == []
    assert _tasks(api, "sotnmt", d["id"]) == []
    r = _complete(api, "ubndvithanh", d["id"], THAM_DINH)
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 4

    # Stage 1: both departments hold a task at the same time, before either answers.
    _wait_task(api, cloud, "soxaydung", d["id"], XAY_DUNG)
    _wait_task(api, cloud, "sotnmt", d["id"], TNMT)
    assert _task(api, "soxaydung", d["id"], XAY_DUNG) is not None
    assert _task(api, "sotnmt", d["id"], TNMT) is not None
    view = _view(api, d["id"])
    assert view["current_agencies"] == ["H33.05", "H33.06"]
    assert {s["step_id"]: s["state"] for s in view["steps"]} == {
        THAM_DINH: "done",
        XAY_DUNG: "active",
        TNMT: "active",
        KY: "waiting",
    }

    # One opinion is not enough for the group to end.
    r = _complete(api, "soxaydung", d["id"], XAY_DUNG)
    assert r.status_code == 200, r.text
    for _ in range(10):
        deliver_workflow(api, cloud)
    assert _step(_view(api, d["id"]), KY)["state"] == "waiting"
    assert _task(api, "ubndvithanh", d["id"], KY) is None
    assert _task(api, "sotnmt", d["id"], TNMT) is not None

    r = _complete(api, "sotnmt", d["id"], TNMT)
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 4
    done = _approve(api, cloud, "ubndvithanh", d["id"], KY)
    assert done["status"]["code"] == 9

    assert _execution_status(api, cloud, code) == "SUCCEEDED"
    hand = _view(api, d["id"])["handovers"]
    assert len(hand) == 4, hand
    assert [(h["step_id"], h["to_agency"]) for h in (hand[0], hand[3])] == [
        (THAM_DINH, "H33.30"),
        (KY, "H33.30"),
    ]
    assert {(h["step_id"], h["to_agency"]) for h in hand[1:3]} == {
        (XAY_DUNG, "H33.05"),
        (TNMT, "H33.06"),
    }
    assert hand[0]["from_unit"] == "H33.30.50"
    assert {h["from_unit"] for h in hand[1:3]} == {"H33.30"}
    assert set(hand[3]["from_unit"].split(", ")) == {"H33.05", "H33.06"}
    for h in hand:
        assert h["sent_at"] and h["finished_at"], h
        assert _dt(h["finished_at"]) >= _dt(h["sent_at"])
        assert h["outcome"] == "approve"
        assert h["late"] is False


# ---- 2. return to the previous stage -----------------------------------------------------------
def test_return_reopens_the_previous_stage_and_first_stage_cannot_return(
    api: ApiClient, cloud: Any
) -> None:
    d = submit_online(api, CONSTRUCTION)
    code = _accept(api, CONSTRUCTION, d["id"])["code"]
    _wait_task(api, cloud, "ubndvithanh", d["id"], THAM_DINH)

    # The first stage (may_return false) cannot send the dossier back: nothing changes.
    before = _view(api, d["id"])
    r = _complete(api, "ubndvithanh", d["id"], THAM_DINH, "return", "Trả lại cho bộ phận một cửa.")
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "cannot_return"
    after = _view(api, d["id"])
    for key in ("status", "steps", "handovers", "appointment_at"):
        assert after[key] == before[key], key
    assert "step_returned" not in _actions(after)
    assert _task(api, "ubndvithanh", d["id"], THAM_DINH) is not None

    _approve(api, cloud, "ubndvithanh", d["id"], THAM_DINH)
    _wait_task(api, cloud, "soxaydung", d["id"], XAY_DUNG)
    _wait_task(api, cloud, "sotnmt", d["id"], TNMT)

    # A return without a note is refused.
    r = _complete(api, "soxaydung", d["id"], XAY_DUNG, "return", None)
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "note"

    # H33.05 returns; the group still waits for H33.06 before stepping back.
    note = "Vị trí xây dựng chưa phù hợp quy hoạch, đề nghị thẩm định lại."
    r = _complete(api, "soxaydung", d["id"], XAY_DUNG, "return", note)
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 4
    for _ in range(10):
        deliver_workflow(api, cloud)
    assert _task(api, "ubndvithanh", d["id"], THAM_DINH) is None
    r = _complete(api, "sotnmt", d["id"], TNMT)
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 4  # not processed: the first stage runs again

    _wait_task(api, cloud, "ubndvithanh", d["id"], THAM_DINH)
    view = _view(api, d["id"])
    assert _step(view, THAM_DINH)["state"] == "active"
    assert _step(view, THAM_DINH)["rounds"] == 2
    assert "step_returned" in _actions(view)
    returned = [h for h in view["handovers"] if h["outcome"] == "return"]
    assert [(h["step_id"], h["to_agency"], h["note"]) for h in returned] == [
        (XAY_DUNG, "H33.05", note)
    ]

    r = _complete(api, "ubndvithanh", d["id"], THAM_DINH, note="Đã thẩm định lại.")
    assert r.status_code == 200, r.text
    done = _finish_construction_from_parallel(api, cloud, d["id"])
    assert done["status"]["code"] == 9
    assert _execution_status(api, cloud, code) == "SUCCEEDED"
    final = _view(api, d["id"])
    assert _step(final, XAY_DUNG)["rounds"] == 2
    assert [h["step_id"] for h in final["handovers"]].count(THAM_DINH) == 2
    assert final["handovers"][-1]["step_id"] == KY


# ---- 3. supplement: the clock stands still over a weekend and a holiday --------------------------
def test_supplement_shifts_deadlines_by_exactly_the_paused_working_time(
    api: ApiClient, cloud: Any
) -> None:
    from chalicelib.services.deps import any_deps, get_deps, set_deps

    # Hùng Kings' day 2027 is Friday 16 April: Thu 10:00 -> Tue 09:00 spans a holiday + weekend.
    t0 = datetime(2027, 4, 14, 8, 0, tzinfo=VN)  # Wednesday: received, step starts
    t1 = datetime(2027, 4, 15, 10, 0, tzinfo=VN)  # Thursday: supplement requested
    t2 = datetime(2027, 4, 20, 9, 0, tzinfo=VN)  # Tuesday: the applicant resubmits
    legal = {"now": t0}

    d = submit_online(api, BUSINESS)
    set_deps(any_deps(clock=lambda: legal["now"]))
    cal = get_deps().calendar
    assert not cal.is_working_day(date(2027, 4, 16))
    assert [cal.is_working_day(date(2027, 4, x)) for x in (15, 17, 18, 19)] == [
        True,
        False,
        False,
        True,
    ]
    shift = cal.working_seconds_between(t1, t2)
    # Thu 10:00-11:30 + 13:30-17:00 (5 h), Mon 7.5 h, Tue 07:30-09:00 (1.5 h).
    assert shift == 14 * 3600

    accepted = _accept(api, BUSINESS, d["id"])
    assert _dt(accepted["received_at"]) == t0
    task = _wait_task(api, cloud, "sokhdt", d["id"], accepted["steps"][0]["step_id"])
    step_id = task["step_id"]
    before = _view(api, d["id"])
    assert before["status"]["code"] == 4
    old_due = _dt(_step(before, step_id)["due_at"])
    old_warn = _dt(_step(before, step_id)["warn_at"])
    old_appointment = _dt(before["appointment_at"])
    assert _dt(_step(before, step_id)["started_at"]) == t0

    legal["now"] = t1
    reason = "Bổ sung bản sao điều lệ doanh nghiệp có chữ ký."
    r = _complete(api, "sokhdt", d["id"], step_id, "supplement", reason)
    assert r.status_code == 200, r.text
    paused = r.json()
    assert paused["status"]["code"] == 5
    assert [(_dt(p["start"]), p["end"], p["kind"]) for p in paused["pauses"]] == [
        (t1, None, "supplement")
    ]
    assert _task(api, "sokhdt", d["id"], step_id) is None
    for _ in range(15):  # the applicant wait reaches the service and holds its token
        deliver_workflow(api, cloud)
    assert _view(api, d["id"])["status"]["code"] == 5

    # The dossier is editable again in status 5: the citizen uploads again, then resubmits.
    legal["now"] = t2
    citizen = api.as_user("congdan")
    proc = api.get(f"/api/procedures/{BUSINESS}").json()
    attach_required_documents(citizen, f"/api/my/dossiers/{d['id']}", proc)
    r = citizen.post(f"/api/my/dossiers/{d['id']}/submit")
    assert r.status_code == 200, r.text
    resumed = r.json()
    assert resumed["status"]["code"] == 4
    assert [(_dt(p["start"]), _dt(p["end"])) for p in resumed["pauses"]] == [(t1, t2)]
    assert _dt(_step(resumed, step_id)["due_at"]) == cal.add_working_seconds(old_due, shift)
    assert _dt(_step(resumed, step_id)["warn_at"]) == cal.add_working_seconds(old_warn, shift)
    assert _dt(resumed["appointment_at"]) == cal.add_working_seconds(old_appointment, shift)
    assert _dt(resumed["appointment_at"]) > old_appointment
    assert resumed["original_appointment_at"] == before["original_appointment_at"]
    # A new control-slip line: back from the applicant, due at the shifted date.
    assert [h["outcome"] for h in resumed["handovers"]] == ["supplement", None]
    assert resumed["handovers"][1]["from_unit"] == "applicant"
    assert _dt(resumed["handovers"][1]["due_at"]) == _dt(_step(resumed, step_id)["due_at"])

    view = _view(api, d["id"])
    moves = [(h["from_status"], h["to_status"]["code"]) for h in view["history"] if h["to_status"]]
    assert moves[-2:] == [(4, 5), (5, 4)], moves
    actions = _actions(view)
    assert actions.index("supplement_requested") < actions.index("supplemented"), actions

    # The step's agency gets its task back and can approve.
    _wait_task(api, cloud, "sokhdt", d["id"], step_id)
    r = _complete(api, "sokhdt", d["id"], step_id)
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 9


# ---- 4. a second supplement is refused ---------------------------------------------------------
def test_a_second_supplement_request_is_refused(api: ApiClient, cloud: Any) -> None:
    d = submit_online(api, BUSINESS)
    code = _accept(api, BUSINESS, d["id"])["code"]
    step_id = _wait_task(api, cloud, "sokhdt", d["id"], "tham-dinh-cap-gcn")["step_id"]
    r = _complete(api, "sokhdt", d["id"], step_id, "supplement", "Bổ sung giấy tờ lần thứ nhất.")
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 5
    r = api.as_user("congdan").post(f"/api/my/dossiers/{d['id']}/submit")
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 4

    _wait_task(api, cloud, "sokhdt", d["id"], step_id)
    before = _view(api, d["id"])
    r = _complete(api, "sokhdt", d["id"], step_id, "supplement", "Bổ sung giấy tờ lần thứ hai.")
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "supplement_once"
    after = _view(api, d["id"])
    assert after["status"]["code"] == 4
    for key in ("status", "steps", "pauses", "handovers", "appointment_at"):
        assert after[key] == before[key], key
    assert _actions(after).count("supplement_requested") == 1
    assert _task(api, "sokhdt", d["id"], step_id) is not None

    r = _complete(api, "sokhdt", d["id"], step_id)
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 9
    assert _execution_status(api, cloud, code) == "SUCCEEDED"


def test_no_supplement_by_the_applicant_deadline_stops_the_dossier(
    api: ApiClient, cloud: Any
) -> None:
    """The applicant's own deadline passed long ago (legal clock in the past): the execution's
    wait expires, and the system stops the dossier with form 05's reason."""
    from chalicelib.services.deps import any_deps, set_deps

    dossier_id, accepted = _received_in_the_past(api, cloud, BUSINESS, days=60)
    step_id = _wait_task(api, cloud, "sokhdt", dossier_id, "tham-dinh-cap-gcn")["step_id"]
    past = datetime.now(UTC) - timedelta(days=45)  # 15 working days ago is well before now
    set_deps(any_deps(clock=lambda: past))
    try:
        r = _complete(api, "sokhdt", dossier_id, step_id, "supplement", "Thiếu bản vẽ mặt bằng.")
        assert r.status_code == 200, r.text
    finally:
        set_deps(any_deps(clock=lambda: datetime.now(UTC)))
    view = _pump(api, cloud, lambda: (v := _view(api, dossier_id))["status"]["code"] == 8 and v)
    assert view, _view(api, dossier_id)
    assert view["stop"]["state"] == "approved"
    assert view["stop"]["reason"] == "Quá hạn bổ sung hồ sơ theo yêu cầu."
    assert view["pauses"][-1]["end"] is not None  # the pause is closed by the stop
    assert "stopped" in _actions(view)
    assert _execution_status(api, cloud, accepted["code"]) == "SUCCEEDED"
    assert _task(api, "sokhdt", dossier_id, step_id) is None
    form = api.as_user("motcua").get(
        f"/api/staff/dossiers/{dossier_id}/forms/05.pdf", headers={"Accept": "application/pdf"}
    )
    assert form.status_code == 200 and form.body.startswith(b"%PDF")
    # the register (form 07) of the receiving desk for that month lists it, with its outcome
    month = _dt(accepted["received_at"]).astimezone(VN).strftime("%Y-%m")
    reg = api.as_user("motcua").get(f"/api/staff/register/H33.50/register.html?month={month}")
    assert reg.status_code == 200, reg.text
    assert accepted["code"] in reg.text and "Dừng xử lý" in reg.text
    other = api.as_user("motcuavithanh").get(
        f"/api/staff/register/H33.50/register.html?month={month}"
    )
    assert other.status_code == 403


# ---- 5. a late step is blamed on its own agency --------------------------------------------------
def test_a_late_step_is_blamed_on_its_agency_and_the_dossier_still_finishes(
    api: ApiClient, cloud: Any
) -> None:
    dossier_id, accepted = _received_in_the_past(api, cloud, CONSTRUCTION)
    code = accepted["code"]

    body = _approve(api, cloud, "ubndvithanh", dossier_id, THAM_DINH)
    assert _step(body, THAM_DINH)["late"] is True
    done = _finish_construction_from_parallel(api, cloud, dossier_id)
    assert done["status"]["code"] == 9
    assert {s["step_id"]: s["late"] for s in done["steps"]} == {
        THAM_DINH: True,
        XAY_DUNG: False,
        TNMT: False,
        KY: False,
    }
    assert _execution_status(api, cloud, code) == "SUCCEEDED"

    lead = _counters("H33.30", CONSTRUCTION)
    assert lead.get("steps_late") == 1, lead
    assert lead.get("steps_done") == 2, lead
    for agency in ("H33.05", "H33.06"):
        c = _counters(agency, CONSTRUCTION)
        assert c.get("steps_done") == 1, (agency, c)
        assert c.get("steps_late") is None, (agency, c)
        assert c.get("steps_overdue") is None, (agency, c)


# ---- 6. apology and extension (form 04) ----------------------------------------------------------
def test_extension_moves_the_appointment_once_and_still_counts_late(
    api: ApiClient, cloud: Any
) -> None:
    d = submit_online(api, CONSTRUCTION)
    code = _accept(api, CONSTRUCTION, d["id"])["code"]
    _wait_task(api, cloud, "ubndvithanh", d["id"], THAM_DINH)
    before = _view(api, d["id"])
    old = _dt(before["appointment_at"])
    new = (old + timedelta(days=7)).astimezone(VN)
    body = {"reason": "Cần kiểm tra thực địa bổ sung.", "new_appointment_at": new.isoformat()}

    # An agency of the dossier without an active step may not propose.
    r = api.as_user("soxaydung").post(f"/api/agency/dossiers/{d['id']}/extension", body)
    assert r.status_code == 403, r.text
    assert _view(api, d["id"])["extension"] is None

    r = api.as_user("ubndvithanh").post(f"/api/agency/dossiers/{d['id']}/extension", body)
    assert r.status_code == 200, r.text
    assert r.json()["extension"]["state"] == "proposed"
    assert _dt(r.json()["appointment_at"]) == old  # nothing moves before the decision

    r = api.as_user("lanhdaovithanh").post(
        f"/api/leader/dossiers/{d['id']}/extension/decision", {"approve": True}
    )
    assert r.status_code == 200, r.text
    decided = r.json()
    assert decided["extension"]["state"] == "approved"
    assert _dt(decided["appointment_at"]) == new
    assert _dt(decided["original_appointment_at"]) == old
    actions = _actions(_view(api, d["id"]))
    assert "extension_proposed" in actions
    assert "extension_approved" in actions
    assert "citizen_notified" in actions
    assert actions.index("extension_approved") < actions.index("citizen_notified")

    r = api.as_user("ubndvithanh").post(
        f"/api/agency/dossiers/{d['id']}/extension",
        {**body, "new_appointment_at": (new + timedelta(days=3)).isoformat()},
    )
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "extension_once"
    assert _dt(_view(api, d["id"])["appointment_at"]) == new

    # The step re-times and is still open; finish everything on time for the new date.
    for _ in range(5):
        deliver_workflow(api, cloud)
    _approve(api, cloud, "ubndvithanh", d["id"], THAM_DINH)
    done = _finish_construction_from_parallel(api, cloud, d["id"])
    assert done["status"]["code"] == 9
    assert _execution_status(api, cloud, code) == "SUCCEEDED"
    lead = _counters("H33.30", CONSTRUCTION)
    assert lead.get("extended") == 1, lead
    assert lead.get("processed_late") == 1, lead
    assert lead.get("processed_on_time") is None, lead


# ---- 7. stop (form 05) --------------------------------------------------------------------------
def test_stop_proposed_by_an_agency_and_approved_by_the_leader(api: ApiClient, cloud: Any) -> None:
    dossier_id, code = _to_parallel_stage(api, cloud)
    reason = "Khu đất nằm trong quy hoạch giải tỏa, không đủ điều kiện cấp phép."
    r = _complete(api, "soxaydung", dossier_id, XAY_DUNG, "stop", reason)
    assert r.status_code == 200, r.text
    proposed = r.json()
    assert proposed["status"]["code"] == 4
    assert proposed["stop"]["state"] == "proposed"
    assert proposed["stop"]["agency"] == "H33.05"
    assert _step(proposed, XAY_DUNG)["state"] == "active"  # a proposal only
    assert _task(api, "soxaydung", dossier_id, XAY_DUNG) is not None

    # Only the lead agency's leader decides.
    r = api.as_user("lanhdaosokhdt").post(
        f"/api/leader/dossiers/{dossier_id}/stop/decision", {"approve": True}
    )
    assert r.status_code == 404, r.text  # another agency's leader does not even see it
    r = api.as_user("lanhdaovithanh").post(
        f"/api/leader/dossiers/{dossier_id}/stop/decision", {"approve": True}
    )
    assert r.status_code == 200, r.text
    stopped = r.json()
    assert stopped["status"]["code"] == 8
    assert stopped["stop"]["state"] == "approved"
    assert all(s["state"] != "active" for s in stopped["steps"])

    for user in ("soxaydung", "sotnmt", "ubndvithanh"):
        assert _tasks(api, user, dossier_id) == [], user
    assert _execution_status(api, cloud, code) == "SUCCEEDED"
    for user in ("soxaydung", "sotnmt", "ubndvithanh"):
        assert _tasks(api, user, dossier_id) == [], user
    assert "stopped" in _actions(_view(api, dossier_id))

    pdf = api.as_user("motcuavithanh").get(
        f"/api/staff/dossiers/{dossier_id}/forms/05.pdf", headers={"Accept": "application/pdf"}
    )
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.body.startswith(b"%PDF")


# ---- 8. withdrawal during processing ------------------------------------------------------------
def test_citizen_withdraws_during_processing(api: ApiClient, cloud: Any) -> None:
    d = submit_online(api, BUSINESS)
    code = _accept(api, BUSINESS, d["id"])["code"]
    _wait_task(api, cloud, "sokhdt", d["id"], "tham-dinh-cap-gcn")
    citizen = api.as_user("congdan")

    r = citizen.post(f"/api/my/dossiers/{d['id']}/withdraw", {"reason": "Không còn nhu cầu."})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"]["code"] == 7
    assert body["withdrawal_reason"] == "Không còn nhu cầu."
    assert [s["state"] for s in body["steps"]] == ["done"]
    assert [h["outcome"] for h in body["handovers"]] == ["ended"]
    assert _tasks(api, "sokhdt", d["id"]) == []
    assert _execution_status(api, cloud, code) == "SUCCEEDED"
    assert _tasks(api, "sokhdt", d["id"]) == []

    again = citizen.post(f"/api/my/dossiers/{d['id']}/withdraw", {"reason": "Lần nữa."})
    assert again.status_code == 409, again.text
    by_desk = api.as_user("motcua").post(f"/api/desk/dossiers/{d['id']}/withdraw", {})
    assert by_desk.status_code == 409, by_desk.text
    assert _view(api, d["id"])["status"]["code"] == 7


# ---- 9. the fee before processing, then the result -----------------------------------------------
def test_fee_owed_at_receipt_blocks_processing_until_paid(api: ApiClient, cloud: Any) -> None:
    d = submit_online(api, BUSINESS)
    accepted = _accept(api, BUSINESS, d["id"], fee_collected=False)
    code = accepted["code"]
    assert accepted["status"]["code"] == 6
    assert accepted["fee"]["amount_vnd"] == 100_000
    assert accepted["fee"]["paid_at"] is None

    for _ in range(20):
        deliver_workflow(api, cloud)
    assert _tasks(api, "sokhdt", d["id"]) == []
    assert _view(api, d["id"])["status"]["code"] == 6
    assert cloud.sfn.describe_execution(executionArn=cloud.execution_arn(code))["status"] == (
        "RUNNING"
    )

    desk = api.as_user("motcua")
    pay = {"method": "cash", "receipt_no": "BL-0001", "amount_vnd": 75_000}
    wrong = desk.post(f"/api/desk/dossiers/{d['id']}/payments", pay)
    assert wrong.status_code == 400, wrong.text
    assert wrong.json()["field"] == "amount_vnd"
    assert _view(api, d["id"])["status"]["code"] == 6

    paid = desk.post(f"/api/desk/dossiers/{d['id']}/payments", {**pay, "amount_vnd": 100_000})
    assert paid.status_code == 200, paid.text
    assert paid.json()["fee"]["paid_at"] is not None
    assert paid.json()["fee"]["receipt_no"] == "BL-0001"
    assert paid.json()["status"]["code"] in (2, 4)

    task = _wait_task(api, cloud, "sokhdt", d["id"], "tham-dinh-cap-gcn")
    assert _view(api, d["id"])["status"]["code"] == 4
    again = desk.post(f"/api/desk/dossiers/{d['id']}/payments", {**pay, "amount_vnd": 100_000})
    assert again.status_code == 409, again.text
    r = _complete(api, "sokhdt", d["id"], task["step_id"])
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 9
    view = _wait_result(api, cloud, d["id"])
    assert view["result"]["filename"]
    assert _execution_status(api, cloud, code) == "SUCCEEDED"


# ---- 10. the three return channels --------------------------------------------------------------
def test_each_return_channel(api: ApiClient, cloud: Any) -> None:
    ids = [submit_online(api, BUSINESS)["id"] for _ in range(3)]
    codes = [_accept(api, BUSINESS, i)["code"] for i in ids]
    for i in ids:
        _approve(api, cloud, "sokhdt", i, "tham-dinh-cap-gcn")
    for i in ids:
        _wait_result(api, cloud, i)
    at_desk, by_post, online = ids
    desk = api.as_user("motcua")

    # At the desk: a named recipient with an ID number (the desk is always possible).
    r = desk.post(f"/api/desk/dossiers/{at_desk}/return", {"channel": "desk"})
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "recipient_name"
    r = desk.post(
        f"/api/desk/dossiers/{at_desk}/return",
        {"channel": "desk", "recipient_name": "Nguyễn Văn An"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "recipient_id_number"
    assert _view(api, at_desk)["status"]["code"] == 9
    r = desk.post(
        f"/api/desk/dossiers/{at_desk}/return",
        {
            "channel": "desk",
            "recipient_name": "Nguyễn Văn An",
            "recipient_id_number": "093090001234",
        },
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 10
    assert r.json()["returned"]["channel"] == "desk"
    assert r.json()["returned"]["recipient_id_number"] == "093090001234"

    # By post: a tracking number.
    r = desk.post(f"/api/desk/dossiers/{by_post}/return", {"channel": "post"})
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "tracking_number"
    r = desk.post(
        f"/api/desk/dossiers/{by_post}/return", {"channel": "post", "tracking_number": "EB123VN"}
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 10
    assert r.json()["returned"]["tracking_number"] == "EB123VN"

    # Online: the result joins the citizen's documents.
    mine = api.as_user("congdan").get("/api/my/documents").json()["items"]
    assert codes[2] not in [e["dossier_code"] for e in mine]
    r = desk.post(f"/api/desk/dossiers/{online}/return", {"channel": "online"})
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 10
    mine = api.as_user("congdan").get("/api/my/documents").json()["items"]
    kept = [e for e in mine if e["dossier_code"] == codes[2]]
    assert len(kept) == 1, mine
    assert kept[0]["kind"] == "result"
    assert kept[0]["procedure_code"] == BUSINESS
    assert [e["dossier_code"] for e in mine].count(codes[0]) == 0  # desk/post are not kept
    again = desk.post(f"/api/desk/dossiers/{online}/return", {"channel": "online"})
    assert again.status_code == 409, again.text

    # AND a later dossier reuses the kept result as an attachment, marked as reused
    citizen = api.as_user("congdan")
    draft = citizen.post(
        "/api/my/dossiers",
        {
            "procedure_code": BUSINESS,
            "applicant": {"name": "Nguyễn Văn An", "id_number": "093090001234"},
            "form_data": FORM_EXAMPLES[BUSINESS],
        },
    )
    assert draft.status_code == 201, draft.text
    doc_id = next(d["id"] for d in draft.json()["documents"] if d["required"])
    reused = citizen.post(
        f"/api/my/dossiers/{draft.json()['id']}/reuse",
        {"my_document_id": kept[0]["id"], "document_id": doc_id},
    )
    assert reused.status_code == 201, reused.text
    assert reused.json()["state"] == "accepted"
    assert reused.json()["reused_from"] == kept[0]["id"]
    # another person's document cannot be reused
    other = api.as_user("congdan2").post(
        f"/api/my/dossiers/{draft.json()['id']}/reuse",
        {"my_document_id": kept[0]["id"], "document_id": doc_id},
    )
    assert other.status_code == 404


# ---- 11. late because of a system error ----------------------------------------------------------
def test_system_error_exemption_clears_a_late_step(api: ApiClient, cloud: Any) -> None:
    dossier_id, accepted = _received_in_the_past(api, cloud, BUSINESS)
    step_id = accepted["steps"][0]["step_id"]
    task = _pump(
        api, cloud, lambda: (t := _task(api, "sokhdt", dossier_id, step_id)) and t["late"] and t
    )
    assert task and task["late"] is True

    req = {
        "step_id": step_id,
        "reason": "Hệ thống một cửa điện tử gián đoạn.",
        "evidence": "Biên bản sự cố số 12/BB-STTTT ngày 05/11.",
    }
    r = api.as_user("sokhdt").post(f"/api/staff/dossiers/{dossier_id}/exemptions", req)
    assert r.status_code == 201, r.text
    ex = r.json()["exemptions"]
    assert [(e["step_id"], e["state"]) for e in ex] == [(step_id, "proposed")]
    ex_id = ex[0]["id"]

    for who in ("lanhdaosokhdt", "sokhdt", "motcua"):
        r = api.as_user(who).post(
            f"/api/admin/dossiers/{dossier_id}/exemptions/{ex_id}/decision", {"approve": True}
        )
        assert r.status_code == 403, (who, r.text)
    assert _step(_view(api, dossier_id), step_id)["late_exempt"] is False

    r = api.as_user("quantri").post(
        f"/api/admin/dossiers/{dossier_id}/exemptions/{ex_id}/decision", {"approve": True}
    )
    assert r.status_code == 200, r.text
    granted = r.json()
    assert _step(granted, step_id)["late_exempt"] is True
    assert _step(granted, step_id)["late"] is True  # the fact stays; only its counting changes
    assert granted["exemptions"][0]["state"] == "approved"
    actions = _actions(_view(api, dossier_id))
    assert "exemption_requested" in actions and "exemption_granted" in actions
    assert actions.index("exemption_requested") < actions.index("exemption_granted")

    r = _complete(api, "sokhdt", dossier_id, step_id)
    assert r.status_code == 200, r.text
    assert r.json()["status"]["code"] == 9
    c = _counters("H33.03", BUSINESS)
    assert c.get("steps_late_exempted") == 1, c
    assert c.get("steps_late") is None, c

    # A dossier that is on time cannot be exempted.
    fresh = submit_online(api, BUSINESS)
    _accept(api, BUSINESS, fresh["id"])
    _wait_task(api, cloud, "sokhdt", fresh["id"], step_id)
    for sid in (step_id, None):
        r = api.as_user("motcua").post(
            f"/api/staff/dossiers/{fresh['id']}/exemptions", {**req, "step_id": sid}
        )
        assert r.status_code == 400, r.text
        assert r.json()["code"] == "not_overdue"
    assert _view(api, fresh["id"])["exemptions"] == []


# ---- 12. illegal calls change nothing ----------------------------------------------------------
def test_illegal_calls_change_nothing(api: ApiClient, cloud: Any) -> None:
    d = submit_online(api, CONSTRUCTION)
    _accept(api, CONSTRUCTION, d["id"])
    _wait_task(api, cloud, "ubndvithanh", d["id"], THAM_DINH)
    path = f"/api/desk/dossiers/{d['id']}"
    before = _view(api, d["id"])
    assert before["status"]["code"] == 4
    keys = ("status", "steps", "handovers", "appointment_at", "fee", "stop", "extension")

    # Another agency's task, even by an agency that takes part in the dossier.
    r = _complete(api, "soxaydung", d["id"], THAM_DINH)
    assert r.status_code == 404, r.text
    r = _complete(api, "sotuphap", d["id"], THAM_DINH)
    assert r.status_code == 404, r.text
    r = _complete(api, "ubndvithanh", d["id"], XAY_DUNG)
    assert r.status_code == 404, r.text
    # Transitions the status table forbids on a dossier being processed.
    desk = api.as_user("motcuavithanh")
    r = desk.post(
        f"{path}/return",
        {
            "channel": "desk",
            "recipient_name": "Nguyễn Văn An",
            "recipient_id_number": "093090001234",
        },
    )
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "illegal_transition"
    r = desk.post(f"{path}/refuse", {"reason": "Hồ sơ không hợp lệ."})
    assert r.status_code == 409, r.text
    r = desk.post(f"{path}/supplement", {"reason": "Bổ sung giấy tờ."})
    assert r.status_code == 409, r.text
    r = desk.post(f"{path}/payments", {"method": "cash", "receipt_no": "X", "amount_vnd": 75000})
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "no_fee_due"
    r = api.as_user("congdan").post(f"/api/my/dossiers/{d['id']}/submit")
    assert r.status_code == 409, r.text
    r = api.as_user("lanhdaovithanh").post(
        f"/api/leader/dossiers/{d['id']}/stop/decision", {"approve": True}
    )
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "no_pending_stop"

    for _ in range(5):
        deliver_workflow(api, cloud)
    after = _view(api, d["id"])
    for key in keys:
        assert after[key] == before[key], key
    assert _actions(after) == _actions(before)
    assert _task(api, "ubndvithanh", d["id"], THAM_DINH) is not None

    # The step is still the lead agency's to approve.
    r = _complete(api, "ubndvithanh", d["id"], THAM_DINH)
    assert r.status_code == 200, r.text
    assert _step(r.json(), THAM_DINH)["state"] == "done"


# ---- the demo's seeded dossier -------------------------------------------------------------------
def test_the_demo_seed_puts_a_multi_agency_dossier_in_its_desk_inbox(
    api: ApiClient, demo_accounts: dict[str, dict[str, Any]]
) -> None:
    from infra.demo import seed_dossiers

    [seeded] = seed_dossiers(list(demo_accounts.values()))
    inbox = api.as_user("motcuavithanh").get("/api/desk/inbox").json()["items"]
    mine = [d for d in inbox if d["id"] == seeded]
    assert len(mine) == 1, inbox
    assert mine[0]["procedure_code"] == "1.009994"
    assert mine[0]["status"]["code"] == 1
    detail = api.as_user("congdan").get(f"/api/my/dossiers/{seeded}").json()
    assert all(a["state"] == "accepted" for a in detail["attachments"])
    assert any(len(stage) > 1 for stage in _stages(api, "1.009994"))


def _stages(api: ApiClient, code: str) -> list[list[str]]:
    steps = api.get(f"/api/procedures/{code}").json()["steps"]
    out: dict[Any, list[str]] = {}
    for i, s in enumerate(steps):
        out.setdefault(s.get("stage") if s.get("stage") is not None else f"solo{i}", []).append(
            s["id"]
        )
    return list(out.values())
