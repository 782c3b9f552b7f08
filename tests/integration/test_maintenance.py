"""Planned downtime through the real app (NĐ 224/2026 Đ13): the administrator announces a window
7 working days ahead (or an emergency with its reason), the public banner shows it at once, a
cancelled window leaves it; who may call, what is refused, and the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.client import ApiClient

pytestmark = pytest.mark.integration

VN = ZoneInfo("Asia/Ho_Chi_Minh")
URL = "/api/admin/maintenance"


def _at(t: datetime) -> str:
    return t.astimezone(VN).isoformat(timespec="minutes")


def _window(start: datetime, hours: int = 3, **extra: Any) -> dict[str, Any]:
    return {
        "starts_at": _at(start),
        "ends_at": _at(start + timedelta(hours=hours)),
        "reason": "Nâng cấp cơ sở dữ liệu",
        "reason_en": "Database upgrade",
        **extra,
    }


def _banner(api: ApiClient) -> dict[str, dict[str, Any]]:
    r = api.anonymous().get("/api/maintenance")
    assert r.status_code == 200, r.text
    return {w["id"]: w for w in r.json()["items"]}


def _earliest() -> datetime:
    from chalicelib.domain.maintenance import earliest_planned_start
    from chalicelib.services.deps import get_deps

    deps = get_deps()
    d = earliest_planned_start(deps.calendar, deps.clock())
    return datetime(d.year, d.month, d.day, 22, 0, tzinfo=VN)


def test_a_planned_window_is_shown_from_its_announcement(api: ApiClient) -> None:
    admin = api.as_user("quantri")
    start = _earliest() + timedelta(days=1)
    r = admin.post(URL, _window(start, services="Nộp hồ sơ trực tuyến"))
    assert r.status_code == 201, r.text
    made = r.json()
    assert made["announced_by"] and made["version"] == 1 and not made["emergency"]
    shown = _banner(api)[made["id"]]
    assert shown["starts_at"] == start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (shown["in_progress"], shown["services"]) == (False, "Nộp hồ sơ trực tuyến")
    assert "announced_by" not in shown  # the public banner names no official
    listed = admin.get(URL).json()["items"]
    assert any(w["id"] == made["id"] for w in listed)


def test_too_little_notice_is_refused_with_the_earliest_date_and_nothing_is_kept(
    api: ApiClient,
) -> None:
    admin = api.as_user("quantri")
    before = _banner(api)
    early = _earliest() - timedelta(days=1)
    r = admin.post(URL, _window(early))
    assert r.status_code == 400, r.text
    err = r.json()
    assert (err["code"], err["field"]) == ("maintenance_notice_too_short", "starts_at")
    assert _earliest().strftime("%d/%m/%Y") in err["message"]
    assert "7 ngày làm việc" in err["message"] and err["message_en"] != err["message"]
    assert _banner(api) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"starts_at": "2027-01-20 22:00", "ends_at": "2027-01-21T01:00+07:00"}, "starts_at"),
        ({"starts_at": "20/01/2027", "ends_at": "2027-01-21T01:00+07:00"}, "starts_at"),
        ({"starts_at": "2027-01-20T22:00+07:00", "ends_at": "2027-01-20T21:00+07:00"}, "ends_at"),
        ({"starts_at": "2027-01-20T22:00+07:00", "ends_at": "2027-01-24T22:00+07:00"}, "ends_at"),
    ],
)
def test_bad_times_are_a_clear_400(api: ApiClient, body: dict[str, Any], field: str) -> None:
    r = api.as_user("quantri").post(URL, {**body, "reason": "Bảo trì"})
    assert r.status_code == 400, r.text
    assert r.json()["field"] == field and r.json()["message"]


def test_an_emergency_starts_at_once_with_its_reason_and_can_be_cancelled(
    api: ApiClient,
) -> None:
    from chalicelib.services.deps import get_deps
    from chalicelib.store.audit import AuditStore

    admin = api.as_user("quantri")
    now = datetime.now(UTC)
    no_reason = admin.post(URL, _window(now - timedelta(minutes=1), emergency=True))
    assert (no_reason.status_code, no_reason.json()["field"]) == (400, "emergency_reason")
    r = admin.post(
        URL, _window(now - timedelta(minutes=1), emergency=True, emergency_reason="Vá lỗi bảo mật")
    )
    assert r.status_code == 201, r.text
    made = r.json()
    shown = _banner(api)[made["id"]]
    assert shown["emergency"] and shown["in_progress"]

    stale = admin.post(f"{URL}/{made['id']}/cancel", {"version": made["version"] + 1})
    assert (stale.status_code, stale.json()["code"]) == (409, "version_conflict")
    gone = admin.post(f"{URL}/{made['id']}/cancel", {"version": made["version"]})
    assert gone.status_code == 200, gone.text
    assert gone.json()["cancelled"] and gone.json()["cancelled_by"]
    assert made["id"] not in _banner(api)
    again = admin.post(f"{URL}/{made['id']}/cancel", {"version": gone.json()["version"]})
    assert (again.status_code, again.json()["code"]) == (409, "maintenance_closed")
    missing = admin.post(f"{URL}/nope/cancel", {"version": 1})
    assert missing.status_code == 404

    deps = get_deps()
    events, _ = AuditStore(deps.store.client, deps.store.table).read_stream("MAINTENANCE")
    actions = [e.action for e in events if e.detail.get("id") == made["id"]]
    assert actions == ["maintenance_announced", "maintenance_cancelled"]


def test_only_the_administrator_announces(api: ApiClient) -> None:
    body = _window(_earliest() + timedelta(days=2))
    assert api.anonymous().post(URL, body).status_code == 401
    for username in ("congdan", "motcua", "vanphong"):
        r = api.as_user(username).post(URL, body)
        assert r.status_code == 403, (username, r.text)
    assert api.as_user("congdan").get(URL).status_code == 403
