"""The report scenario the semiannual report, its API and the dashboard are checked against.

At Sở Kế hoạch và Đầu tư (H33.03), all submitted online at one legal instant this half year:
A accepted, approved, result returned; B accepted, approved; C refused at the desk.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.support.client import ApiClient
from tests.support.journeys import (
    ONE_STEP_PROC,
    accept_at,
    return_when_ready,
    submit_online,
    wait_for_tasks,
)

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def working_instant() -> datetime:
    """Half an hour into the working time at or after now: never in the wall clock's past (alarms
    would fire at once and race the scenario), and inside office hours, so a receipt, a completion
    and their counters share one month whatever time the tests run (after 17:00 a receipt counts on
    the next working day, which can be next month)."""
    from chalicelib.domain.calendar import default_calendar

    cal = default_calendar()
    return cal.add_working_seconds(cal.next_working_instant(datetime.now(UTC)), 1800)


# The scenario happens at one legal instant.
SCENARIO_AT = working_instant()
SCENARIO_MONTH = SCENARIO_AT.astimezone(VN).strftime("%Y-%m")


def current_half() -> str:
    """The scenario's half year, as the report API names it (`2026-H2`)."""
    at = SCENARIO_AT.astimezone(VN)
    return f"{at.year}-H{1 if at.month <= 6 else 2}"


def pin_clock(at: datetime | None) -> None:
    """The services' legal clock fixed at `at` (None: the real clock again)."""
    from chalicelib.services.deps import any_deps, set_deps

    set_deps(any_deps(clock=(lambda: at) if at else (lambda: datetime.now(UTC))))


def report_scenario(api: ApiClient, cloud: Any) -> None:
    """Dossiers A, B and C as the module docstring says; the real clock afterwards."""
    try:
        _scenario_at(api, cloud)
    finally:
        pin_clock(None)


def _scenario_at(api: ApiClient, cloud: Any) -> None:
    a = accept_at(api, cloud, SCENARIO_AT)
    b = accept_at(api, cloud, SCENARIO_AT)
    pin_clock(SCENARIO_AT)  # accept_and_start restores the real clock
    tasks = {t.dossier_id: t for t in wait_for_tasks(api, cloud, 2)}
    agency = api.as_user("sokhdt")
    for dossier in (a, b):
        step = tasks[dossier["id"]].step_id
        r = agency.post(
            f"/api/agency/dossiers/{dossier['id']}/steps/{step}/complete",
            {"outcome": "approve", "note": "Đủ điều kiện."},
        )
        assert r.status_code == 200, r.text
    r = return_when_ready(api, cloud, a["id"])
    assert r.status_code == 200, r.text
    c = submit_online(api, ONE_STEP_PROC)
    r = api.as_user("motcua").post(
        f"/api/desk/dossiers/{c['id']}/refuse", {"reason": "Hồ sơ không thuộc thẩm quyền."}
    )
    assert r.status_code == 200, r.text
