"""The administrator's console through the real app: units, staff accounts, the calendar and the
procedure editor's API. Who may call, what is refused (4xx with a Vietnamese message and the
field), paging (limit + cursor, nothing twice), and the audit trail."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.support.client import ApiClient

pytestmark = pytest.mark.integration

VN = ZoneInfo("Asia/Ho_Chi_Minh")
DETAIL_EXTRAS = ("lead_agency_name", "fee_total_vnd", "is_online", "repealed")


def _audit(stream: str) -> list[Any]:
    from chalicelib.services.deps import get_deps
    from chalicelib.store.audit import AuditStore

    deps = get_deps()
    events, _ = AuditStore(deps.store.client, deps.store.table).read_stream(stream)
    return events


def _all_pages(client: ApiClient, path: str, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Every item of a paged list, following `next`; also how many pages it took."""
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    pages = 0
    sep = "&" if "?" in path else "?"
    while True:
        url = f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        r = client.get(url)
        assert r.status_code == 200, r.text
        body = r.json()
        assert len(body["items"]) <= limit
        items.extend(body["items"])
        pages += 1
        cursor = body["next"]
        if not cursor:
            return items, pages
        assert pages < 100


def _vietnamese_error(r: Any, status: int, field: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    err: dict[str, Any] = r.json()
    assert err["field"] == field, err
    assert err["message"] and err["message"] != err["message_en"], err
    return err


# ---- who may call -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/api/admin/units",
        "/api/admin/users",
        "/api/admin/calendar",
        "/api/admin/procedures",
    ],
)
def test_only_the_administrator_reads_the_console(api: ApiClient, path: str) -> None:
    assert api.anonymous().get(path).status_code == 401
    for username in ("motcua", "sotuphap", "congdan"):
        r = api.as_user(username).get(path)
        assert r.status_code == 403, (username, r.text)
        assert r.json()["code"] == "forbidden_role"
    assert api.as_user("quantri").get(path).status_code == 200
    # the province office reads procedures (it publishes), nothing else of the console
    expected = 200 if path == "/api/admin/procedures" else 403
    assert api.as_user("vanphong").get(path).status_code == expected


def test_changes_need_an_administrator(api: ApiClient) -> None:
    desk = api.as_user("motcua")
    bodies = {
        "/api/admin/units": {"code": "H33.99", "name": "Đơn vị thử", "parent": "H33"},
        "/api/admin/users": {
            "username": "thu1",
            "name": "Cán bộ thử",
            "email": "thu1@example.vn",
            "role": "admin",
        },
        "/api/admin/calendar": {
            "action": "add",
            "kind": "holiday",
            "date": date.today().isoformat(),
            "reason": "Thử",
        },
    }
    for path, payload in bodies.items():
        assert desk.post(path, payload).status_code == 403, path
    assert (
        api.as_user("vanphong").post("/api/admin/units", bodies["/api/admin/units"]).status_code
        == 403
    )


# ---- units --------------------------------------------------------------------------------------
def test_units_page_without_duplicates_and_filter(api: ApiClient) -> None:
    from chalicelib.services.deps import get_deps

    admin = api.as_user("quantri")
    every = {u.code for u in get_deps().store.list_units()}
    items, pages = _all_pages(admin, "/api/admin/units", 4)
    codes = [u["code"] for u in items]
    assert len(codes) == len(set(codes))  # no duplicates across pages
    assert set(codes) == every
    assert pages > 1
    # children of one node (GSI1), filtered by kind and by text
    children, _ = _all_pages(admin, "/api/admin/units?parent=H33", 3)
    assert children and all(u["parent"] == "H33" for u in children)
    deps_only, _ = _all_pages(admin, "/api/admin/units?kind=desk", 2)
    assert deps_only and all(u["kind"] == "desk" for u in deps_only)
    found = admin.get("/api/admin/units?q=tu%20phap").json()["items"]
    assert "H33.02" in [u["code"] for u in found]
    bad = admin.get("/api/admin/units?limit=0")
    _vietnamese_error(bad, 400, "limit")
    bad = admin.get("/api/admin/units?cursor=not-a-cursor")
    _vietnamese_error(bad, 400, "cursor")


def test_unit_create_rename_move_and_delete(api: ApiClient) -> None:
    admin = api.as_user("quantri")
    bad = admin.post("/api/admin/units", {"code": "h33 99", "name": "X", "parent": "H33"})
    assert bad.status_code == 400 and bad.json()["field"] in {"code", "name"}
    missing = admin.post(
        "/api/admin/units", {"code": "H33.98", "name": "Phòng thử", "parent": "H99"}
    )
    _vietnamese_error(missing, 404, "parent")

    made = admin.post(
        "/api/admin/units",
        {"code": "H33.98", "name": "Trung tâm thử nghiệm", "parent": "H33", "kind": "department"},
    )
    assert made.status_code == 201, made.text
    unit = made.json()
    assert unit["version"] == 1
    again = admin.post("/api/admin/units", {"code": "H33.98", "name": "Trùng", "parent": "H33"})
    assert (again.status_code, again.json()["code"]) == (409, "unit_exists")

    child = admin.post(
        "/api/admin/units",
        {"code": "H33.98.50", "name": "Bộ phận một cửa thử", "parent": "H33.98", "kind": "desk"},
    ).json()
    # rename with the version read; a stale version is refused
    renamed = admin.post("/api/admin/units/H33.98", {"version": 1, "name": "Trung tâm mới"})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["name"], renamed.json()["version"]) == ("Trung tâm mới", 2)
    stale = admin.post("/api/admin/units/H33.98", {"version": 1, "name": "Tên khác"})
    assert (stale.status_code, stale.json()["code"]) == (409, "version_conflict")
    # a move under its own child is a cycle
    cycle = admin.post("/api/admin/units/H33.98", {"version": 2, "parent": "H33.98.50"})
    assert (cycle.status_code, cycle.json()["code"]) == (409, "unit_cycle")
    moved = admin.post(
        "/api/admin/units/H33.98.50", {"version": child["version"], "parent": "H33.02"}
    )
    assert moved.status_code == 200 and moved.json()["parent"] == "H33.02"
    under = admin.get("/api/admin/units?parent=H33.02&limit=50").json()["items"]
    assert "H33.98.50" in [u["code"] for u in under]

    # a unit with staff and procedures stays; an unused one goes
    used = admin.post("/api/admin/units/H33.02/delete", {"version": 1})
    err = _vietnamese_error(used, 409, "code")
    assert err["code"] == "unit_in_use"
    gone = admin.post("/api/admin/units/H33.98/delete", {"version": 2})
    assert gone.status_code == 200, gone.text
    assert admin.get("/api/admin/units?q=H33.98&limit=50").json()["items"] == [{**moved.json()}]
    actions = [e.action for e in _audit("UNIT#H33.98")]
    assert actions == ["unit_created", "unit_updated", "unit_deleted"]


# ---- staff accounts -----------------------------------------------------------------------------
def test_staff_accounts_are_created_changed_disabled_and_audited(api: ApiClient) -> None:
    admin = api.as_user("quantri")
    no_unit = admin.post(
        "/api/admin/users",
        {
            "username": "motcua2",
            "name": "Cán bộ một cửa",
            "email": "mc2@example.vn",
            "role": "desk",
        },
    )
    assert _vietnamese_error(no_unit, 400, "unit")["code"] == "unit_required"
    taken = admin.post(
        "/api/admin/users",
        {"username": "motcua", "name": "Trùng", "email": "x@example.vn", "role": "admin"},
    )
    assert (taken.status_code, taken.json()["code"]) == (409, "username_taken")

    made = admin.post(
        "/api/admin/users",
        {
            "username": "chuyenvien.tp",
            "name": "Lê Văn Chuyên",
            "title": "Chuyên viên",
            "email": "chuyenvien.tp@example.vn",
            "role": "agency",
            "unit": "H33.02",
        },
    )
    assert made.status_code == 201, made.text
    user = made.json()
    password = user.pop("temporary_password")
    assert len(password) >= 12
    assert user == {
        "username": "chuyenvien.tp",
        "name": "Lê Văn Chuyên",
        "title": "Chuyên viên",
        "email": "chuyenvien.tp@example.vn",
        "role": "agency",
        "unit": "H33.02",
        "enabled": True,
        "locked_reason": None,
    }
    # the new account signs in with the one-time password and works in its unit
    api.accounts["chuyenvien.tp"] = {"password": password}
    staff = api.as_user("chuyenvien.tp")
    assert staff.get("/api/agency/tasks").status_code == 200

    in_unit = admin.get("/api/admin/users?unit=H33.02&role=agency&limit=50").json()["items"]
    assert "chuyenvien.tp" in [u["username"] for u in in_unit]
    assert all(u["unit"] == "H33.02" and u["role"] == "agency" for u in in_unit)
    by_text = admin.get("/api/admin/users?q=chuyen").json()["items"]
    assert [u["username"] for u in by_text] == ["chuyenvien.tp"]

    # promote to leader: the profile and the Cognito group follow; the title is edited with it
    promoted = admin.post(
        "/api/admin/users/chuyenvien.tp", {"role": "leader", "title": "Phó Giám đốc Sở"}
    )
    assert promoted.status_code == 200 and promoted.json()["role"] == "leader"
    assert promoted.json()["title"] == "Phó Giám đốc Sở"
    too_long = admin.post("/api/admin/users/chuyenvien.tp", {"title": "x" * 121})
    assert _vietnamese_error(too_long, 400, "title")["code"]
    leaders = admin.get("/api/admin/users?role=leader&limit=50").json()["items"]
    assert "chuyenvien.tp" in [u["username"] for u in leaders]
    api._tokens.pop("chuyenvien.tp", None)
    assert api.as_user("chuyenvien.tp").get("/api/leader/pending").status_code == 200
    myself = admin.post("/api/admin/users/quantri", {"role": "desk", "unit": "H33.50"})
    assert _vietnamese_error(myself, 403, "username")["code"] == "self_change"

    # disable: sign-in refused; enable (the existing route): back
    off = admin.post("/api/admin/users/chuyenvien.tp/disable")
    assert off.status_code == 200 and off.json()["enabled"] is False
    assert api.sign_in("chuyenvien.tp").json()["code"] == "account_locked"
    assert admin.post("/api/admin/accounts/chuyenvien.tp/enable").status_code == 200
    assert api.sign_in("chuyenvien.tp").status_code == 200
    assert admin.post("/api/admin/users/nobody-here/disable").status_code == 404

    sub = api.as_user("chuyenvien.tp").get("/api/me").json()["sub"]
    actions = [e.action for e in _audit(f"ACCOUNT#{sub}")]
    assert actions[:3] == [
        "staff_account_created",
        "staff_account_updated",
        "staff_account_disabled",
    ]


def test_staff_list_pages_without_duplicates(api: ApiClient, demo_accounts: dict[str, Any]) -> None:
    admin = api.as_user("quantri")
    items, pages = _all_pages(admin, "/api/admin/users", 5)
    names = [u["username"] for u in items]
    assert len(names) == len(set(names))
    staff = {n for n, a in demo_accounts.items() if a["role"] != "citizen"}
    assert staff <= set(names)
    assert "congdan" not in names
    assert pages >= len(staff) // 5
    agency, _ = _all_pages(admin, "/api/admin/users?role=agency", 3)
    assert {u["username"] for u in agency} == {
        n for n, a in demo_accounts.items() if a["role"] == "agency"
    }


# ---- calendar -----------------------------------------------------------------------------------
def _next_year() -> int:
    return datetime.now(UTC).astimezone(VN).year + 1


def _first(year: int, weekday_ok: Any) -> date:
    from chalicelib.domain.calendar import default_calendar

    d = date(year, 3, 2)
    while not weekday_ok(d, default_calendar().is_working_day(d)):
        d += timedelta(days=1)
    return d


def test_calendar_entries_are_validated_take_effect_and_are_audited(api: ApiClient) -> None:
    from chalicelib.services.deps import get_deps

    admin = api.as_user("quantri")
    year = _next_year()
    weekday = _first(year, lambda d, working: working and d.weekday() == 2)
    saturday = _first(year, lambda d, working: d.weekday() == 5 and not working)
    url = "/api/admin/calendar"

    no_reason = admin.post(url, {"action": "add", "kind": "holiday", "date": weekday.isoformat()})
    assert _vietnamese_error(no_reason, 400, "reason")["code"] == "reason_required"
    not_weekend = admin.post(
        url,
        {"action": "add", "kind": "swap_workday", "date": weekday.isoformat(), "reason": "Làm bù"},
    )
    assert _vietnamese_error(not_weekend, 400, "date")["code"] == "swap_not_weekend"
    far = admin.post(
        url,
        {"action": "add", "kind": "holiday", "date": f"{year + 5}-01-05", "reason": "Quá xa"},
    )
    assert _vietnamese_error(far, 400, "date")["code"] == "date_out_of_range"
    backwards = admin.post(
        url,
        {
            "action": "add",
            "kind": "closure",
            "date": weekday.isoformat(),
            "until": (weekday - timedelta(days=1)).isoformat(),
            "reason": "Bão số 3",
        },
    )
    _vietnamese_error(backwards, 400, "until")

    assert get_deps().calendar.is_working_day(weekday)  # cached before the change
    added = admin.post(
        url,
        {"action": "add", "kind": "holiday", "date": weekday.isoformat(), "reason": "Lễ hội tỉnh"},
    )
    assert added.status_code == 200, added.text
    day = next(d for d in added.json()["days"] if d["date"] == weekday.isoformat())
    assert (day["working"], day["kind"], day["label"]) == (False, "holiday", "Lễ hội tỉnh")
    assert not get_deps().calendar.is_working_day(weekday)  # the cache was dropped
    dup = admin.post(
        url, {"action": "add", "kind": "holiday", "date": weekday.isoformat(), "reason": "Lại"}
    )
    assert (dup.status_code, dup.json()["code"]) == (409, "calendar_entry_exists")

    swap = admin.post(
        url,
        {"action": "add", "kind": "swap_workday", "date": saturday.isoformat(), "reason": "Làm bù"},
    )
    assert swap.status_code == 200, swap.text
    assert get_deps().calendar.is_working_day(saturday)
    closure = admin.post(
        url,
        {
            "action": "add",
            "kind": "closure",
            "date": (weekday + timedelta(days=7)).isoformat(),
            "until": (weekday + timedelta(days=8)).isoformat(),
            "reason": "Bão số 3",
        },
    )
    assert closure.status_code == 200, closure.text
    shown = admin.get(f"{url}?year={year}").json()
    closed = [d["date"] for d in shown["days"] if d["kind"] == "closure"]
    assert closed == [(weekday + timedelta(days=n)).isoformat() for n in (7, 8)]
    assert len(shown["days"]) in (365, 366)
    assert any(d["kind"] == "national" and not d["working"] for d in shown["days"])
    stale = admin.post(
        url,
        {
            "action": "remove",
            "kind": "holiday",
            "date": weekday.isoformat(),
            "version": shown["version"] - 1,
        },
    )
    assert (stale.status_code, stale.json()["code"]) == (409, "version_conflict")
    removed = admin.post(
        url,
        {
            "action": "remove",
            "kind": "holiday",
            "date": weekday.isoformat(),
            "version": shown["version"],
        },
    )
    assert removed.status_code == 200, removed.text
    assert get_deps().calendar.is_working_day(weekday)
    again = admin.post(url, {"action": "remove", "kind": "holiday", "date": weekday.isoformat()})
    assert again.status_code == 404

    actions = [(e.action, e.detail["kind"]) for e in _audit("CONFIG#CALENDAR")]
    assert actions == [
        ("calendar_add", "holiday"),
        ("calendar_add", "swap_workday"),
        ("calendar_add", "closure"),
        ("calendar_remove", "holiday"),
    ]


# ---- procedures ---------------------------------------------------------------------------------
def _draft_from(detail: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy({k: v for k, v in detail.items() if k not in DETAIL_EXTRAS})
    for key in ("version", "published_at", "effective_date", "state"):
        out.pop(key, None)
    return out


def test_procedure_list_pages_and_filters(api: ApiClient) -> None:
    admin = api.as_user("quantri")
    items, pages = _all_pages(admin, "/api/admin/procedures", 5)
    codes = [p["code"] for p in items]
    assert len(codes) == len(set(codes)) and pages > 1
    justice, _ = _all_pages(admin, "/api/admin/procedures?agency=H33.02", 2)
    assert justice and all(p["lead_agency"] == "H33.02" for p in justice)
    assert {p["code"] for p in justice} == {
        p["code"] for p in items if p["lead_agency"] == "H33.02"
    }
    one_field = items[0]["field"]
    same, _ = _all_pages(admin, f"/api/admin/procedures?field={one_field}", 50)
    assert same and all(p["field"] == one_field for p in same)


def test_admin_files_a_parallel_step_and_the_province_publishes_it(api: ApiClient) -> None:
    code = "2.000488"
    admin = api.as_user("quantri")
    draft = _draft_from(admin.get(f"/api/procedures/{code}").json())
    draft["steps"][1]["stage"] = 2
    parallel = {
        "id": "xac-minh-cu-tru",
        "name": "Xác minh nơi cư trú",
        "agency": "H33.20",
        "role": "specialist",
        "allowance": {"amount": 7, "unit": "working_days"},
        "stage": 2,
        "may_return": True,
    }
    draft["steps"].insert(2, parallel)
    effective = (datetime.now(UTC).astimezone(VN).date() + timedelta(days=1)).isoformat()
    payload = {
        "kind": "amended",
        "procedure_code": code,
        "legal_basis": "Quyết định số 2150/QĐ-UBND ngày 25/11/2026",
        "effective_date": effective,
        "draft": draft,
    }
    # 2 + max(6, 7) + 2 = 11 working days > 10: the domain's rule, every problem listed
    too_long = admin.post("/api/admin/procedure-changes", payload)
    assert too_long.status_code == 422, too_long.text
    assert too_long.json()["code"] == "procedure_incomplete"
    assert "steps" in [p["field"] for p in too_long.json()["problems"]]

    parallel["allowance"] = {"amount": 5, "unit": "working_days"}
    filed = admin.post("/api/admin/procedure-changes", payload)
    assert filed.status_code == 201, filed.text
    change = filed.json()
    assert (change["lead_agency"], change["proposed_by"], change["state"]) == (
        "H33.02",
        "quantri",
        "proposed",
    )
    assert api.as_user("sotuphap").post("/api/admin/procedure-changes", payload).status_code == 403

    province = api.as_user("vanphong")
    listed = province.get(f"/api/admin/procedures/{code}/changes").json()["items"]
    assert change["id"] in [c["id"] for c in listed]
    published = province.post(f"/api/province/procedure-changes/{change['id']}/publish")
    assert published.status_code == 200, published.text
    versions = admin.get(f"/api/procedures/{code}/versions").json()["items"]
    assert [v["version"] for v in versions] == [1, 2]
    steps = admin.get(f"/api/procedures/{code}").json()["steps"]
    assert [s["stage"] for s in steps if s["id"] in {"xac-minh-an-tich", "xac-minh-cu-tru"}] == [
        2,
        2,
    ]


# ---- the console's work lists page and filter on the server -------------------------------------
def test_desk_inbox_and_my_dossiers_page_and_filter(api: ApiClient) -> None:
    from tests.support.journeys import attach_required_documents
    from tests.support.samples import FORM_EXAMPLES

    code = "2.000488"
    citizen = api.as_user("congdan")
    proc = citizen.get(f"/api/procedures/{code}").json()
    submitted: list[dict[str, Any]] = []
    for _ in range(3):
        made = citizen.post(
            "/api/my/dossiers",
            {
                "procedure_code": code,
                "applicant": {"name": "Nguyễn Văn An", "id_number": "093090001234"},
                "form_data": FORM_EXAMPLES[code],
            },
        )
        assert made.status_code == 201, made.text
        path = f"/api/my/dossiers/{made.json()['id']}"
        attach_required_documents(citizen, path, proc)
        sent = citizen.post(f"{path}/submit")
        assert sent.status_code == 200, sent.text
        submitted.append(sent.json())
    ids = {d["id"] for d in submitted}

    mine, pages = _all_pages(citizen, "/api/my/dossiers", 2)
    assert [d["id"] for d in mine] == [d["id"] for d in reversed(submitted)]  # newest first
    assert pages == 2
    desk_unit = submitted[0]["receiving_unit"]
    desk = next(
        u for u, a in api.accounts.items() if a.get("role") == "desk" and a.get("unit") == desk_unit
    )
    inbox, _ = _all_pages(api.as_user(desk), "/api/desk/inbox", 2)
    listed = [d["id"] for d in inbox]
    assert len(listed) == len(set(listed)) and ids <= set(listed)
    # the filter runs on the server: the procedure's name matches, another word does not
    desk_client = api.as_user(desk)
    found = desk_client.get("/api/desk/inbox?q=ly%20lich%20tu%20phap&limit=100").json()["items"]
    assert ids <= {d["id"] for d in found}
    assert all(d["procedure_code"] == code for d in found)
    assert desk_client.get("/api/desk/inbox?q=khong-co-ho-so-nay").json()["items"] == []
    by_name = citizen.get("/api/my/dossiers?q=ly%20lich%20tu%20phap").json()["items"]
    assert {d["id"] for d in by_name} == ids
    assert citizen.get("/api/my/dossiers?q=khong-co-ho-so-nay").json() == {
        "items": [],
        "next": None,
    }
    _vietnamese_error(api.as_user("sotuphap").get("/api/agency/tasks?limit=500"), 400, "limit")
    assert "next" in api.as_user("sotuphap").get("/api/agency/tasks?limit=5").json()
    _vietnamese_error(api.as_user("sotuphap").get("/api/staff/feedback?limit=0"), 400, "limit")
    assert "next" in api.as_user("vanphong").get("/api/staff/feedback?limit=5").json()
