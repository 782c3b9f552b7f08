"""The daily overdue digest and the QĐ 766 indicators over real dossiers, in process on moto.

Dossiers go through the real API; the legal clock is injected so that they were received on known
past days. The digest then runs at 07:00 Vietnam time of a known working day (Thu 2026-11-12):

| dossier | received (VN)     | 3 working days later (due) | at Thu 12/11 07:00 |
|---------|-------------------|----------------------------|--------------------|
| A       | Thu 22/10 07:30   | Mon 26/10 17:00            | overdue, 12.0 wd   |
| C       | Mon 09/11 10:00   | Thu 12/11 10:00            | due today          |
| D       | Tue 10/11 10:00   | Fri 13/11 10:00            | due soon (1 wd)    |
| B       | Wed 11/11 10:00   | Mon 16/11 10:00            | not listed         |

Each dossier shows twice: as the lead agency's open dossier (GSI4) and as its one step (GSI3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.client import ApiClient
from tests.support.journeys import accept_at, wait_for_tasks

pytestmark = pytest.mark.integration

PROC = "2.001610"  # one step of 3 working days at H33.03 (Sở Kế hoạch và Đầu tư)
AGENCY = "H33.03"
DIGEST_AT = datetime(2026, 11, 12, 0, 0, tzinfo=UTC)  # Thu 07:00 Vietnam time
VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A 2026 wall time in Vietnam (UTC+7, no DST) as a UTC instant."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=7)


@contextmanager
def recorded_calls(client: Any) -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """Record every DynamoDB operation (name and parameters) the client makes."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def hook(params: dict[str, Any], model: Any, **_: Any) -> None:
        calls.append((model.name, dict(params)))

    handler: Callable[..., None] = hook
    client.meta.events.register("before-parameter-build.dynamodb", handler)
    try:
        yield calls
    finally:
        client.meta.events.unregister("before-parameter-build.dynamodb", handler)


@pytest.fixture
def digest_log() -> Iterator[list[str]]:
    """Messages logged on the digest's logger (the app's logger may not propagate to root)."""
    import logging

    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    log = logging.getLogger("tthc.digest")
    handler, level = Keep(), log.level
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield lines
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


def test_daily_digest_buckets_and_lateness_per_agency(api: ApiClient, cloud: Any) -> None:
    from chalicelib.services.care.digest import run_daily_digest
    from chalicelib.services.deps import get_deps

    # GIVEN four dossiers of one agency received on known days (see the module table)
    a = accept_at(api, cloud, vn(10, 22, 7))  # before opening: received at 07:30
    c = accept_at(api, cloud, vn(11, 9, 10))
    d = accept_at(api, cloud, vn(11, 10, 10))
    b = accept_at(api, cloud, vn(11, 11, 10))
    assert a["appointment_at"].startswith("2026-10-26T10:00")  # Mon 17:00 Vietnam
    wait_for_tasks(api, cloud, 4)

    # WHEN the digest runs at 07:00 on Thursday 12/11
    deps = get_deps()
    with recorded_calls(deps.store.client) as calls:
        digests = run_daily_digest(deps, DIGEST_AT)

    # THEN only the agency with work is listed, with each dossier and step in the right bucket
    assert [g.agency for g in digests] == [AGENCY]
    g = digests[0]
    assert g.day.isoformat() == "2026-11-12"
    assert g.agency_name.startswith("Sở Kế hoạch")
    bucket_codes = {
        name: sorted((i.kind, i.dossier_code) for i in getattr(g, name))
        for name in ("overdue", "due_today", "due_soon")
    }
    assert bucket_codes == {
        "overdue": [("dossier", a["code"]), ("step", a["code"])],
        "due_today": [("dossier", c["code"]), ("step", c["code"])],
        "due_soon": [("dossier", d["code"]), ("step", d["code"])],
    }
    listed = {i.dossier_code for i in [*g.overdue, *g.due_today, *g.due_soon]}
    assert b["code"] not in listed  # due Monday: beyond the one-working-day warning

    # AND lateness is counted in working days (weekends do not count)
    for item in g.overdue:
        assert item.due_at == vn(10, 26, 17)
        assert item.late_working_days == 12.0  # 27/10..11/11 has 12 working days
        assert item.late_days == 13  # Thursday 12/11 is the 13th working day it is late
    assert all(i.late_working_days == 0 and i.late_days == 0 for i in g.due_today + g.due_soon)
    assert g.due_today[0].due_at == vn(11, 12, 10)
    step = next(i for i in g.overdue if i.kind == "step")
    assert step.step_id and step.procedure_code == PROC

    # AND it read through two Queries per agency on the sparse indexes, never a Scan
    ops = [name for name, _ in calls]
    assert "Scan" not in ops
    assert set(ops) <= {"Query", "GetItem", "PutItem"}
    assert ops.count("PutItem") == 1  # the one e-mail of the one agency with work
    units = [u for u in deps.store.list_units() if u.kind != "desk"]
    index_queries = [p for name, p in calls if name == "Query" and p.get("IndexName")]
    assert len(index_queries) == 2 * len(units)
    agency_queries = [
        p["IndexName"]
        for p in index_queries
        if p["ExpressionAttributeValues"][":pk"]["S"] in (f"OPEN#{AGENCY}", f"AGENCY#{AGENCY}")
    ]
    assert sorted(agency_queries) == ["GSI3", "GSI4"]

    # AND the agency's staff and leader get it by e-mail, once, with each item and its lateness
    from chalicelib.integrations.notify import MemoryNotifier
    from chalicelib.services.care.notifications import send_pending

    run_daily_digest(deps, DIGEST_AT)  # a retried schedule does not mail twice
    sink = MemoryNotifier()
    stats = send_pending(deps, datetime.now(UTC) + timedelta(seconds=1), sink)
    mails = [m for m in sink.sent if "12/11/2026" in m.subject]
    assert len(mails) == 1, (stats, [m.subject for m in sink.sent])
    (mail,) = mails
    assert mail.to == "lanhdaosokhdt@haugiang.example.com, sokhdt@haugiang.example.com"
    assert mail.subject.startswith("[H33.03]") and "2 quá hạn" in mail.subject
    assert f"- {a['code']} (hồ sơ): hạn 17 giờ 00 phút, ngày 26/10/2026, chậm 13" in mail.text
    assert c["code"] in mail.text and d["code"] in mail.text and b["code"] not in mail.text


def test_digest_sends_nothing_on_a_weekday_holiday_or_a_weekend(
    api: ApiClient, cloud: Any, digest_log: list[str]
) -> None:
    from chalicelib.services.care.digest import run_daily_digest, run_scheduled_digest
    from chalicelib.services.deps import get_deps

    # GIVEN an overdue dossier, so a working day's digest is not empty
    accept_at(api, cloud, vn(8, 3, 10))
    wait_for_tasks(api, cloud, 1)
    deps = get_deps()
    assert [g.agency for g in run_daily_digest(deps, vn(9, 3, 7))] == [AGENCY]  # Thursday
    assert any(line.startswith(f"digest 2026-09-03 {AGENCY}: overdue=2 ") for line in digest_log)
    # the schedule handler's entry point takes the day from the event's time
    scheduled = run_scheduled_digest(deps, "2026-09-03T00:00:00Z")
    assert [(g.agency, g.day.isoformat(), len(g.overdue)) for g in scheduled] == [
        (AGENCY, "2026-09-03", 2)
    ]

    # WHEN the schedule fires on National Day (Wednesday 2/9) or a Saturday THEN nothing is sent
    with recorded_calls(deps.store.client) as calls:
        assert run_daily_digest(deps, vn(9, 2, 7)) == []
        assert run_daily_digest(deps, vn(9, 5, 7)) == []
        assert run_scheduled_digest(deps, "2026-09-02T00:00:00Z") == []
    assert [name for name, _ in calls if name == "Query"] == []


def test_digest_time_rules() -> None:
    from chalicelib.domain.calendar import default_calendar
    from chalicelib.services.care.digest import classify, horizon, late_days

    cal = default_calendar()
    friday = vn(11, 13, 7)
    # one working day ahead of Friday is Monday: the horizon ends at Monday midnight
    assert horizon(cal, friday, 1) == vn(11, 17, 0)
    assert horizon(cal, friday, 0) == vn(11, 14, 0)
    until = horizon(cal, friday, 1)
    assert classify(cal, vn(11, 13, 7), friday, until) == "overdue"  # due exactly now
    assert classify(cal, vn(11, 13, 16), friday, until) == "due_today"
    assert classify(cal, vn(11, 16, 9), friday, until) == "due_soon"
    assert classify(cal, vn(11, 17, 9), friday, until) is None
    # due Thursday 17:00: on Friday morning it is in its first late working day
    assert late_days(cal, vn(11, 12, 17), friday) == 1
    assert late_days(cal, vn(11, 6, 17), vn(11, 9, 7)) == 1  # the weekend does not count


def test_indicators_from_counters_of_real_status_changes(api: ApiClient, cloud: Any) -> None:
    from chalicelib.domain.indicators import month_range
    from chalicelib.services.deps import get_deps
    from chalicelib.services.reporting import indicators

    # GIVEN one dossier received three weeks ago (late) and one received now (on time)
    now = datetime.now(UTC)
    late = accept_at(api, cloud, now - timedelta(days=21))
    on_time = accept_at(api, cloud, now)
    tasks = {t.dossier_id: t for t in wait_for_tasks(api, cloud, 2)}

    # WHEN the agency approves both today
    agency = api.as_user("sokhdt")
    for dossier in (late, on_time):
        r = agency.post(
            f"/api/agency/dossiers/{dossier['id']}/steps/{tasks[dossier['id']].step_id}/complete",
            {"outcome": "approve", "note": "Đủ điều kiện."},
        )
        assert r.status_code == 200, r.text
        assert r.json()["status"]["code"] == 9

    # THEN the indicators, computed from the counters only, show 1 of 2 on time
    months = month_range(
        (now - timedelta(days=22)).strftime("%Y-%m"), (now + timedelta(days=1)).strftime("%Y-%m")
    )
    deps = get_deps()
    with recorded_calls(deps.store.client) as calls:
        overview = indicators.compute_overview(deps, months)
    report = overview.agencies[AGENCY]
    res = {i.id: i for grp in report.groups for i in grp.indicators}
    assert (res["on_time"].numerator, res["on_time"].denominator) == (1, 2)
    assert res["on_time"].points == pytest.approx(10.0)  # 20 x 1/2
    assert res["on_time"].partial == ["in_progress_late", "in_progress_on_time"]
    assert (res["online_dossiers"].numerator, res["online_dossiers"].denominator) == (2, 2)
    assert res["online_dossiers"].points == 6
    assert (res["online_procedures"].numerator, res["online_procedures"].denominator) == (1, 1)
    assert res["synced"].available is False  # not collected yet: not a zero
    assert report.points == pytest.approx(22.0)
    assert report.available_weight == 32
    assert report.score == pytest.approx(68.75)
    assert report.complete is False

    # AND the province sums every agency; a quiet agency (no dossiers) has no data, not full points
    prov = {i.id: i for grp in overview.province.groups for i in grp.indicators}
    assert (prov["on_time"].numerator, prov["on_time"].denominator) == (1, 2)
    # 13 of the 16 demo procedures are online: 81% >= 80%, full points
    assert (prov["online_procedures"].numerator, prov["online_procedures"].denominator) == (13, 16)
    assert prov["online_procedures"].points == 6
    quiet_report = overview.agencies["H33.02"]
    quiet = {i.id: i for grp in quiet_report.groups for i in grp.indicators}
    assert quiet_report.no_data and quiet_report.score is None
    assert quiet["on_time"].zero_denominator and quiet["on_time"].points is None
    field = {
        i.id: i
        for grp in overview.fields["Thành lập và hoạt động doanh nghiệp"].groups
        for i in grp.indicators
    }
    assert field["on_time"].denominator == 2

    # AND the same through the single-agency entry point
    single = indicators.compute_agency(deps, AGENCY, months)
    assert single.points == report.points

    # AND the monthly trend splits the same counters by the month each event happened in
    trend = indicators.compute_trend(deps, months, AGENCY)
    by_month = {
        r.months[0]: next(i for grp in r.groups for i in grp.indicators if i.id == "on_time")
        for r in trend
    }
    assert sum(i.numerator or 0 for i in by_month.values()) == 1
    assert sum(i.denominator or 0 for i in by_month.values()) == 2
    assert by_month[now.astimezone(VN).strftime("%Y-%m")].denominator == 2  # both finished now

    # AND nothing read a dossier: Queries on the counter partitions and the catalogue only
    ops = [name for name, _ in calls]
    assert set(ops) == {"Query"}
    keys = [p["ExpressionAttributeValues"][":pk"]["S"] for _, p in calls]
    assert not any(k.startswith("DOSSIER#") for k in keys)
    n_agencies = len(overview.agencies)
    assert len([k for k in keys if k.startswith("CNT#")]) == n_agencies * len(months)
