"""Reminders to citizens (services/care/reminders.py) on moto: found with bounded Queries, written
to the outbox once, honouring the account's preferences and the province's holidays.

December 2026: Wed 9, Thu 10, Fri 11, Mon 14. Dossiers are written straight into the table in the
status under test; the clock is the instant passed to the run (no sleeping).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.dossier import Applicant, Dossier, FeeDue, Pause
from chalicelib.domain.statuses import DossierStatus as S
from tests.support.client import ApiClient

pytestmark = pytest.mark.integration

AGENCY = "H33.03"  # Sở Kế hoạch và Đầu tư (demo)


def vn(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A 2026 wall time in Vietnam (UTC+7) as a UTC instant."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


RUN_WED = vn(12, 9, 8, 30)


@pytest.fixture
def deps(demo_accounts: dict[str, dict[str, Any]]) -> Iterator[Any]:
    from chalicelib.services.deps import get_deps, set_deps

    set_deps(None)
    yield get_deps()
    set_deps(None)


@pytest.fixture
def owner(demo_accounts: dict[str, dict[str, Any]]) -> str:
    sub: str = demo_accounts["congdan"]["sub"]
    return sub


def put(deps: Any, owner: str, n: int, status: S, **fields: Any) -> Dossier:
    d = Dossier(
        id=f"rem-{n}",
        code=f"H33.50-261201-{n:04d}",
        procedure_code="2.001610",
        procedure_version=1,
        owner=owner,
        applicant=Applicant(name="Nguyễn Văn An"),
        status=status,
        receiving_unit="H33.50",
        lead_agency=AGENCY,
        created_at=vn(12, 1, 8),
        received_at=vn(12, 1, 9),
        **fields,
    )
    deps.store.create_dossier(d)
    return d


def waiting(deps: Any, owner: str, n: int, status: S, due: datetime) -> Dossier:
    kind = "fee" if status is S.AWAITING_FEE else "supplement"
    fee = None
    if status is S.AWAITING_FEE:
        fee = FeeDue(
            amount_vnd=100000,
            reason="Lệ phí",
            requested_at=vn(12, 1, 9),
            requested_by="motcua",
            due_at=due,
        )
    return put(
        deps,
        owner,
        n,
        status,
        appointment_at=vn(12, 4, 17),  # stale while paused: must not give a reminder
        supplement_due_at=due,
        pauses=[Pause(start=vn(12, 1, 9), reason="chờ", kind=kind)],
        fee=fee,
    )


def outbox(deps: Any, owner: str) -> list[dict[str, Any]]:
    resp = deps.store.client.query(
        TableName=deps.store.table,
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": f"NOTIFY#{owner}"}},
    )
    return [json.loads(i["data"]["S"]) for i in resp["Items"]]


@contextmanager
def recorded_calls(client: Any) -> Iterator[list[str]]:
    calls: list[str] = []

    def hook(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append(model.name)

    handler: Callable[..., None] = hook
    client.meta.events.register("before-parameter-build.dynamodb", handler)
    try:
        yield calls
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb", handler)


def test_an_appointment_reminder_is_written_once_however_often_the_job_runs(
    deps: Any, owner: str
) -> None:
    from chalicelib.services.care.reminders import run_reminders

    d = put(deps, owner, 1, S.PROCESSING, appointment_at=vn(12, 10, 10))
    put(deps, owner, 2, S.PROCESSING, appointment_at=vn(12, 16, 10))  # next week: not yet
    with recorded_calls(deps.store.client) as calls:
        first = run_reminders(deps, RUN_WED)
    assert "Scan" not in calls and "Query" in calls
    assert first.written == 1 and first.keys == [f"reminder#{d.id}#appointment#20261210T030000Z"]

    again = run_reminders(deps, vn(12, 9, 15))  # the same day, later
    thursday = run_reminders(deps, vn(12, 10, 8))  # the next day, before the appointment
    assert (again.written, again.already) == (0, 1)
    assert (thursday.written, thursday.already) == (0, 1)

    [item] = outbox(deps, owner)
    assert item["kind"] == "reminder_appointment" and item["dossier_id"] == d.id
    assert (
        item["subject_vi"]
        == f"Nhắc lịch: hồ sơ {d.code} có hẹn trả kết quả 10 giờ 00 phút, ngày 10/12/2026"
    )
    assert "Đang xử lý" in item["message_vi"] and "#/profile" in item["message_vi"]


def test_supplement_and_fee_deadlines_are_found_on_the_applicant_due_index(
    deps: Any, owner: str
) -> None:
    from chalicelib.services.care.reminders import run_reminders

    sup = waiting(deps, owner, 3, S.SUPPLEMENT_REQUESTED, vn(12, 11, 16))  # Fri: remind Wed
    fee = waiting(deps, owner, 4, S.AWAITING_FEE, vn(12, 11, 17))
    waiting(deps, owner, 5, S.SUPPLEMENT_REQUESTED, vn(12, 25, 16))  # far: nothing yet
    raw = deps.store.client.get_item(
        TableName=deps.store.table, Key={"PK": {"S": f"DOSSIER#{sup.id}"}, "SK": {"S": "DOSSIER"}}
    )["Item"]
    assert raw["GSI3PK"]["S"] == "APPLICANTDUE"

    assert run_reminders(deps, vn(12, 8, 8, 30)).written == 0  # Tue: three working days before
    run = run_reminders(deps, RUN_WED)
    assert sorted(run.keys) == sorted(
        [
            f"reminder#{sup.id}#supplement#20261211T090000Z",
            f"reminder#{fee.id}#fee#20261211T100000Z",
        ]
    )
    kinds = {i["dossier_id"]: i for i in outbox(deps, owner)}
    assert kinds[sup.id]["kind"] == "reminder_supplement"
    assert "Hạn bổ sung: 16 giờ 00 phút, ngày 11/12/2026" in kinds[sup.id]["message_vi"]
    assert kinds[fee.id]["kind"] == "reminder_fee"
    assert "100.000" in kinds[fee.id]["message_vi"]


def test_a_kind_the_citizen_turned_off_is_not_sent(deps: Any, owner: str) -> None:
    from chalicelib.services.care.models_care import ReminderPreferencesIn
    from chalicelib.services.care.reminders import put_preferences, run_reminders
    from tests.support.service_journeys import Person

    sup = waiting(deps, owner, 6, S.SUPPLEMENT_REQUESTED, vn(12, 11, 16))
    waiting(deps, owner, 7, S.AWAITING_FEE, vn(12, 11, 17))
    me = Person(owner, "congdan", "citizen")
    put_preferences(deps, me, ReminderPreferencesIn(fee=False))

    run = run_reminders(deps, RUN_WED)
    assert (run.written, run.turned_off) == (1, 1)
    assert [i["dossier_id"] for i in outbox(deps, owner)] == [sup.id]


def test_a_dossier_no_longer_waiting_gets_no_reminder(deps: Any, owner: str) -> None:
    from chalicelib.services.care.reminders import run_reminders

    d = waiting(deps, owner, 8, S.SUPPLEMENT_REQUESTED, vn(12, 11, 16))
    # The applicant completed it: processing again, its appointment far away.
    resumed = d.model_copy(
        update={"status": S.PROCESSING, "supplement_due_at": None, "appointment_at": vn(12, 28, 10)}
    )
    deps.store.save_dossier(resumed, expected_version=d.version)
    raw = deps.store.client.get_item(
        TableName=deps.store.table, Key={"PK": {"S": f"DOSSIER#{d.id}"}, "SK": {"S": "DOSSIER"}}
    )["Item"]
    assert "GSI3PK" not in raw

    run = run_reminders(deps, RUN_WED)
    assert run.written == 0 and run.candidates == 0
    assert outbox(deps, owner) == []


def test_a_holiday_moves_the_reminder_one_working_day_earlier(deps: Any, owner: str) -> None:
    from chalicelib.domain.calendar import WorkingCalendar
    from chalicelib.services.care.reminders import run_reminders

    d = put(deps, owner, 9, S.RECEIVED, appointment_at=vn(12, 14, 10))  # Monday
    thursday = vn(12, 10, 8, 30)
    assert run_reminders(deps, thursday).written == 0  # normally Friday's reminder

    deps.use_calendar(WorkingCalendar(extra_holidays=frozenset({date(2026, 12, 11)})))
    run = run_reminders(deps, thursday)
    assert run.keys == [f"reminder#{d.id}#appointment#20261214T030000Z"]


def test_sms_too_only_with_the_account_s_consent(deps: Any, owner: str) -> None:
    from chalicelib.domain.consents import TEXTS
    from chalicelib.services.care.reminders import run_reminders
    from chalicelib.services.privacy import privacy_rights
    from tests.support.service_journeys import Person

    put(deps, owner, 10, S.PROCESSING, appointment_at=vn(12, 10, 10))
    d = put(deps, owner, 11, S.PROCESSING, appointment_at=vn(12, 10, 11))
    deps.store.save_dossier(
        d.model_copy(update={"applicant": Applicant(name="Nguyễn Văn An", phone="0901234567")}),
        expected_version=d.version,
    )
    # without consent: e-mail only
    run_reminders(deps, RUN_WED)
    assert sorted(i["channel"] for i in outbox(deps, owner)) == ["email", "email"]

    me = Person(owner, "congdan", "citizen")
    privacy_rights.set_consent(
        deps, me, "sms_notifications", True, TEXTS["sms_notifications"].version
    )
    d2 = put(deps, owner, 12, S.PROCESSING, appointment_at=vn(12, 10, 12))
    deps.store.save_dossier(
        d2.model_copy(update={"applicant": Applicant(name="Nguyễn Văn An", phone="0901234567")}),
        expected_version=d2.version,
    )
    run_reminders(deps, RUN_WED)
    mine = [i["channel"] for i in outbox(deps, owner) if i["dossier_id"] == d2.id]
    assert sorted(mine) == ["email", "sms"]


def test_the_preferences_routes(api: ApiClient) -> None:
    citizen = api.as_user("congdan")
    r = citizen.get("/api/me/reminder-preferences")
    assert r.status_code == 200, r.text
    assert r.json() == {"appointment": True, "supplement": True, "fee": True, "expiry": True}

    r = citizen.put("/api/me/reminder-preferences", {"fee": False})
    assert r.status_code == 200, r.text
    assert r.json() == {"appointment": True, "supplement": True, "fee": False, "expiry": True}
    r = citizen.put("/api/me/reminder-preferences", {"appointment": False})
    assert r.json() == {"appointment": False, "supplement": True, "fee": False, "expiry": True}
    assert citizen.get("/api/me/reminder-preferences").json()["fee"] is False

    bad = citizen.put("/api/me/reminder-preferences", {"birthday": False})
    assert bad.status_code == 400 and bad.json()["field"] == "birthday"
    assert api.as_user("motcua").get("/api/me/reminder-preferences").status_code == 403
    assert api.anonymous().get("/api/me/reminder-preferences").status_code == 401


def test_a_licence_with_a_validity_is_reminded_with_the_renewal_procedure(
    deps: Any, owner: str
) -> None:
    from chalicelib.domain.dossier import ResultDocument
    from chalicelib.services.care.reminders import run_reminders

    result = ResultDocument(
        id="r-licence",
        key="results/rem-13/r/gp.pdf",
        filename="giay-phep.pdf",
        sha256="0" * 64,
        valid_until=vn(12, 30, 17),  # Wed: 20 working days before is Wed 2/12
    )
    d = put(deps, owner, 13, S.RETURNED, result=result, finished_at=vn(6, 1, 9))
    raw = deps.store.client.get_item(
        TableName=deps.store.table, Key={"PK": {"S": f"DOSSIER#{d.id}"}, "SK": {"S": "DOSSIER"}}
    )["Item"]
    assert raw["GSI4PK"]["S"] == "VALIDUNTIL"

    assert run_reminders(deps, vn(12, 1, 8, 30)).written == 0
    run = run_reminders(deps, vn(12, 2, 8, 30))
    assert run.keys == [f"reminder#{d.id}#expiry#20261230T100000Z"]
    [item] = outbox(deps, owner)
    assert item["kind"] == "reminder_expiry"
    assert item["subject_vi"].startswith(f"Nhắc gia hạn: kết quả của hồ sơ {d.code} hết hiệu lực")
    assert "/#/procedures/2.001610" in item["message_vi"]


def test_a_validity_in_the_past_is_refused_when_the_result_is_attached(api: ApiClient) -> None:
    r = api.as_user("sokhdt").post(
        "/api/agency/dossiers/nope/result/finalize",
        {"key": "uploads/results/x.pdf", "valid_until": "2020-01-01T00:00:00+07:00"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "valid_until"


def test_a_fee_awaited_at_receipt_is_reminded_through_the_real_write_path(
    api: ApiClient,
) -> None:
    """The desk receives without collecting the fee (status 6): the receipt's own write puts the
    dossier on the applicant-due index, and the reminder comes two working days before."""
    from zoneinfo import ZoneInfo

    from chalicelib.domain.reminders import remind_on
    from chalicelib.services.care.reminders import run_reminders
    from chalicelib.services.deps import get_deps
    from tests.support.journeys import submit_online

    d = submit_online(api, "2.001610")
    r = api.as_user("motcua").post(f"/api/desk/dossiers/{d['id']}/accept", {})
    assert r.status_code == 200, r.text
    deps = get_deps()
    dossier = deps.store.get_dossier(d["id"])
    assert dossier.status is S.AWAITING_FEE and dossier.supplement_due_at is not None
    due = dossier.supplement_due_at

    day = remind_on(deps.calendar, due, 2)
    at = datetime.combine(day, datetime.min.time(), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    assert run_reminders(deps, at - timedelta(minutes=1)).written == 0
    run = run_reminders(deps, at + timedelta(hours=8, minutes=30))
    assert run.keys == [f"reminder#{dossier.id}#fee#{due.astimezone(UTC):%Y%m%dT%H%M%SZ}"]
