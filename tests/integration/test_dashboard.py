"""Dashboard numbers from the counters, the drill-down paged through the register, and the public
transparency page without personal data. Scenario as tests/integration/test_report.py."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.client import ApiClient
from tests.support.reports import SCENARIO_AT, SCENARIO_MONTH, pin_clock, report_scenario

pytestmark = pytest.mark.integration
AGENCY = "H33.03"


def test_dashboard_drill_and_transparency(api: ApiClient, cloud: Any) -> None:
    from chalicelib.services.deps import get_deps

    report_scenario(api, cloud)
    month = SCENARIO_MONTH
    province = api.as_user("vanphong")

    r = province.get(f"/api/dashboard?month={month}")
    assert r.status_code == 200, r.text
    board = r.json()
    row = next(a for a in board["agencies"] if a["code"] == AGENCY)
    assert row["totals"]["received"] == 2 and row["totals"]["on_time"] == 2
    assert row["totals"]["refused"] == 1 and row["score"] is not None
    assert row["no_data"] is False
    assert {g["id"] for g in row["groups"]} >= {"progress", "online"}
    # an agency with no dossier in the month has no data: no score, not 100, ranked after every
    # agency with a score (H33.12 leads a procedure, H33.15 leads none; issue 25)
    ranked = [a["code"] for a in board["agencies"]]
    for idle in ("H33.12", "H33.15"):
        quiet = next(a for a in board["agencies"] if a["code"] == idle)
        assert (quiet["no_data"], quiet["score"], quiet["totals"]["received"]) == (True, None, 0)
        assert all(g["score"] is None for g in quiet["groups"])
        assert ranked.index(idle) > ranked.index(AGENCY)
    scored = [a for a in board["agencies"] if a["score"] is not None]
    assert scored and all(not a["no_data"] for a in scored)
    assert ranked[: len(scored)] == [a["code"] for a in scored]
    assert board["overall"]["totals"]["received"] == 2
    assert len(board["trend"]) == 6 and board["trend"][-1]["received"] == 2
    # counters only: one Query per agency-month, never a dossier
    assert board["reads"]["queries"] == 6 * len(board["agencies"])

    # the agency sees only its own unit
    own = api.as_user("sokhdt").get(f"/api/dashboard?month={month}")
    assert own.status_code == 200 and [a["code"] for a in own.json()["agencies"]] == [AGENCY]
    assert api.as_user("sokhdt").get("/api/dashboard?agency=H33.05").status_code == 403
    assert api.as_user("congdan").get("/api/dashboard").status_code == 403

    # drill-down behind the on-time numerator, one dossier per page
    seen: list[str] = []
    cursor = ""
    for _ in range(50):
        q = f"/api/dashboard/drill?indicator=on_time&part=numerator&agency={AGENCY}"
        q += f"&month={month}&limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = province.get(q)
        assert page.status_code == 200, page.text
        body = page.json()
        seen += [i["code"] for i in body["items"]]
        assert body["read"] <= 1
        cursor = body["next"] or ""
        if not cursor:
            break
    assert len(seen) == 2 and len(set(seen)) == 2
    online = province.get(
        f"/api/dashboard/drill?indicator=online_dossiers&part=denominator&agency={AGENCY}"
        f"&month={month}&limit=50"
    ).json()
    assert len(online["items"]) == 2  # the refused one was never received

    # public transparency: numbers only, no personal data (asked at the scenario's legal time, so
    # its month is the current one and has the open-dossier figure)
    pin_clock(SCENARIO_AT)
    try:
        pub = api.anonymous().get(f"/api/transparency?month={month}")
    finally:
        pin_clock(None)
    assert pub.status_code == 200, pub.text
    data = pub.json()
    row = next(a for a in data["agencies"] if a["agency"] == AGENCY)
    assert (row["received"], row["finished_on_time"], row["finished_late"]) == (2, 2, 0)
    assert row["in_progress"] == 0 and row["score"] is not None
    quiet = next(a for a in data["agencies"] if a["agency"] == "H33.15")
    assert (quiet["received"], quiet["score"], quiet["no_data"]) == (0, None, True)
    text = json.dumps(data, ensure_ascii=False)
    store = get_deps().store
    for d in store.list_owner_dossiers(api.as_user("congdan").get("/api/me").json()["sub"]):
        assert d.applicant.name not in text
        if d.applicant.id_number:
            assert d.applicant.id_number not in text
        if d.code:
            assert d.code not in text


def test_alerts_are_listed_for_the_agency_only(api: ApiClient) -> None:
    from datetime import UTC, datetime

    from chalicelib.services.care.alerts import record_alert
    from chalicelib.services.deps import get_deps

    at = datetime(2026, 11, 12, 1, 0, tzinfo=UTC)
    for i in range(3):
        record_alert(get_deps(), AGENCY, "step_overdue", f"d{i}", f"C-{i}", "xu-ly", at)
    record_alert(get_deps(), AGENCY, "step_overdue", "d0", "C-0", "xu-ly", at)  # retried: same
    first = api.as_user("sokhdt").get("/api/agency/alerts?limit=2").json()
    assert len(first["items"]) == 2 and first["next"]
    rest = api.as_user("lanhdaosokhdt").get(f"/api/agency/alerts?cursor={first['next']}").json()
    assert len(first["items"]) + len(rest["items"]) == 3
    assert api.as_user("sokhdt").get("/api/agency/alerts?agency=H33.05").status_code == 403
    assert api.as_user("congdan").get("/api/agency/alerts").status_code == 403


def test_demo_statistics_give_the_dashboard_non_trivial_numbers(aws: Any) -> None:
    """`make run` seeds six past months of synthetic counters (data/demo/stats.json)."""
    from datetime import UTC, datetime

    from chalicelib.services.deps import get_deps
    from chalicelib.services.reporting.dashboard import dashboard
    from infra.demo import DEFAULT_DATA, load_catalogue, seed_statistics

    deps = get_deps()
    load_catalogue(deps.store, DEFAULT_DATA)
    now = datetime(2026, 11, 30, tzinfo=UTC)
    procedures = json.loads((DEFAULT_DATA / "procedures.json").read_text("utf-8"))
    assert seed_statistics(deps.store, DEFAULT_DATA, now=now) == 6 * len(procedures)
    again = seed_statistics(deps.store, DEFAULT_DATA, now=now)  # idempotent: SET, not ADD
    assert again == 6 * len(procedures)
    board = dashboard(deps, "2026-10")
    overall = board["overall"]
    assert overall["score"] is not None and 0 < overall["score"] < 100, overall
    assert sum(a["totals"]["received"] for a in board["agencies"]) >= len(procedures) * 8
    assert [t["month"] for t in board["trend"]][-1] == "2026-10"
    assert all(t["score"] is not None for t in board["trend"])  # six months, all seeded
    assert dashboard(deps, "2026-11")["overall"]["totals"]["received"] == 0  # real month
