"""Cursor paging and filters of the support queue, the breach list, the report list and the
province's procedure change requests (issue 4: no list loads a whole table).

Records are written straight through the stores (the routes under test only read them), with
distinct timestamps so the expected order is known; each list is then read two rows at a time.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.client import ApiClient

pytestmark = pytest.mark.integration

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


def _pages(client: ApiClient, path: str, limit: int = 2) -> list[str]:
    """Every id of a list read `limit` rows at a time, following `next` until it is null."""
    ids: list[str] = []
    cursor: str | None = None
    for _ in range(20):
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}limit={limit}" + (f"&cursor={quote(cursor, safe='')}" if cursor else "")
        r = client.get(url)
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        assert len(body["items"]) <= limit
        ids += [i["id"] for i in body["items"]]
        cursor = body["next"]
        if cursor is None:
            return ids
    raise AssertionError(f"{path} never ended")


def _bad_cursor(client: ApiClient, path: str, cursor: str) -> None:
    sep = "&" if "?" in path else "?"
    r = client.get(f"{path}{sep}limit=2&cursor={quote(cursor, safe='')}")
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "cursor"


def _first_cursor(client: ApiClient, path: str) -> str:
    sep = "&" if "?" in path else "?"
    nxt: str = client.get(f"{path}{sep}limit=1").json()["next"]
    assert nxt
    return nxt


def test_support_queue_pages_by_state_and_filters(api: ApiClient) -> None:
    from chalicelib.domain.support import SupportRequest
    from chalicelib.services.deps import get_deps
    from chalicelib.store.support import SupportStore

    deps = get_deps()
    store = SupportStore(deps.store.client, deps.store.table)
    states = ["open", "open", "triaged", "open", "closed", "answered"]
    for n, state in enumerate(states):
        store.save(
            SupportRequest(
                id=f"HT-{n}",
                agency="H33.03",
                error_seen=("Máy in không chạy" if n == 3 else f"Lỗi số {n} khi lưu hồ sơ"),
                state=state,  # type: ignore[arg-type]
                raised_by="sokhdt",
                raised_by_sub="sub",
                raised_by_role="agency",
                raised_at=T0 + timedelta(minutes=n),
            ),
            None,
        )
    it = api.as_user("quantri")
    path = "/api/admin/support"
    # no state: open (newest first), then triaged, then answered; never closed
    assert _pages(it, path) == ["HT-3", "HT-1", "HT-0", "HT-2", "HT-5"]
    assert _pages(it, path, limit=1) == ["HT-3", "HT-1", "HT-0", "HT-2", "HT-5"]
    assert _pages(it, f"{path}?state=open") == ["HT-3", "HT-1", "HT-0"]
    assert _pages(it, f"{path}?state=closed") == ["HT-4"]
    assert _pages(it, f"{path}?q={quote('may in')}") == ["HT-3"]
    assert _pages(it, f"{path}?state=triaged&q={quote('may in')}") == []
    # the answer keeps `items` as before
    assert it.get(path).json()["items"][0]["evidence_text"].startswith("Yêu cầu hỗ trợ")
    _bad_cursor(it, path, "rác")
    _bad_cursor(it, path, "9~")
    # a cursor is bound to the list it came from
    _bad_cursor(it, f"{path}?state=triaged", _first_cursor(it, f"{path}?state=open"))
    assert it.get(f"{path}?state=nope").json()["field"] == "state"
    assert it.get(f"{path}?limit=0").json()["field"] == "limit"
    assert api.as_user("sokhdt").get(path).status_code == 403


def test_breach_list_pages_and_filters(api: ApiClient) -> None:
    from chalicelib.services.deps import get_deps
    from chalicelib.store.privacy import PrivacyStore

    deps = get_deps()
    store = PrivacyStore(deps.store.client, deps.store.table)
    for n in range(5):
        detected = T0 + timedelta(hours=n)
        store.put_breach(
            {
                "id": f"br{n}",
                "scope": "Hệ thống một cửa",
                "description": "Lộ danh sách qua thư điện tử" if n == 2 else f"Sự cố {n}",
                "categories": ["basic"],
                "detected_at": detected.isoformat(),
                "recorded_at": detected.isoformat(),
                "deadline_at": (detected + timedelta(hours=72)).isoformat(),
                "state": "reported" if n == 1 else "open",
                "list_key": f"breaches/br{n}/notification-list.json",
                "report_key": f"breaches/br{n}/report.json",
            },
            None,
        )
    admin = api.as_user("quantri")
    path = "/api/admin/breaches"
    assert _pages(admin, path) == ["br4", "br3", "br2", "br1", "br0"]
    assert _pages(admin, f"{path}?state=open") == ["br4", "br3", "br2", "br0"]
    assert _pages(admin, f"{path}?state=reported") == ["br1"]
    assert _pages(admin, f"{path}?q={quote('thư điện tử')}") == ["br2"]
    first = admin.get(f"{path}?limit=2").json()
    assert first["items"][0]["report_url"].startswith("http") and first["next"]
    _bad_cursor(admin, path, "not-a-cursor")
    assert admin.get(f"{path}?state=late").json()["field"] == "state"


def test_report_list_pages_filters_by_period_and_keeps_the_agency_scope(api: ApiClient) -> None:
    from chalicelib.services.deps import get_deps
    from chalicelib.services.reporting import report

    deps = get_deps()
    periods = ["2025-H2", "2026-H1", "2025-H2", "2026-H1", "2026-H1"]
    for n, period in enumerate(periods):
        report._put(
            deps,
            report.StoredReport(
                id=f"rp{n}",
                period=period,
                months=[],
                agency="H33.03" if n == 3 else None,
                number=f"{n}/BC",
                created_at=(T0 + timedelta(minutes=n)).isoformat(),
                created_by="quantri",
                trigger="on_demand",
                keys={},
                sizes={},
            ),
        )
    admin = api.as_user("quantri")
    assert _pages(admin, "/api/reports") == ["rp4", "rp3", "rp2", "rp1", "rp0"]
    assert _pages(admin, "/api/reports?period=2025") == ["rp2", "rp0"]
    assert _pages(admin, "/api/reports?period=2026-h1") == ["rp4", "rp3", "rp1"]
    assert _pages(admin, "/api/reports?agency=H33.03") == ["rp3"]
    assert _pages(admin, "/api/reports?agency=H33.03&period=2025") == []
    # without `limit`, one page as before
    whole = admin.get("/api/reports").json()
    assert [r["id"] for r in whole["items"]] == ["rp4", "rp3", "rp2", "rp1", "rp0"]
    assert whole["next"] is None
    _bad_cursor(admin, "/api/reports", "%%%")
    # the agency scope still holds: a leader reads their own agency's list only
    leader = api.as_user("lanhdaosokhdt")  # H33.03
    assert _pages(leader, "/api/reports") == ["rp3"]
    assert _pages(leader, "/api/reports?period=2026") == ["rp3"]
    assert leader.get("/api/reports?agency=H33.05").status_code == 403
    _bad_cursor(leader, "/api/reports", _first_cursor(admin, "/api/reports"))  # not their list


def test_province_change_requests_page_by_state_and_filter(api: ApiClient) -> None:
    from chalicelib.domain.procedure_publication import ProcedureChange
    from chalicelib.services.deps import get_deps
    from chalicelib.store.procedure_changes import ProcedureChangeStore

    deps = get_deps()
    store = ProcedureChangeStore(deps.store.client, deps.store.table)
    states = ["proposed", "rejected", "proposed", "published", "proposed"]
    for n, state in enumerate(states):
        store.create(
            ProcedureChange(
                id=f"ch{n}",
                kind="repealed",
                procedure_code=f"1.00{n}",
                legal_basis="Quyết định số 1/2026/QĐ-UBND",
                effective_date=date(2026, 6, 1),
                lead_agency="H33.05",
                state=state,  # type: ignore[arg-type]
                proposed_by="sotuphap",
                proposed_at=T0 + timedelta(minutes=n),
            )
        )
    province = api.as_user("quantri")
    path = "/api/province/procedure-changes"
    # no state: proposed (newest first), then published, then rejected
    assert _pages(province, path) == ["ch4", "ch2", "ch0", "ch3", "ch1"]
    assert _pages(province, f"{path}?state=proposed") == ["ch4", "ch2", "ch0"]
    assert _pages(province, f"{path}?q=1.002") == ["ch2"]
    assert _pages(province, f"{path}?state=rejected&q=1.002") == []
    _bad_cursor(province, path, "1~garbage")
    _bad_cursor(
        province, f"{path}?state=rejected", _first_cursor(province, f"{path}?state=proposed")
    )
    assert province.get(f"{path}?state=nope").json()["field"] == "state"
    assert api.as_user("sokhdt").get(path).status_code == 403
