"""The administrator's console: units, staff accounts, the province calendar, the procedure list.

Every list is one page of a Query (never a Scan) with an opaque cursor: the last item the page
used, so a filter applied here never skips or repeats an item across pages. Every change is
audited (`services.audit.record`) on the subject's stream: `UNIT#<code>`, `ACCOUNT#<sub>`,
`CONFIG#CALENDAR`.
"""

from __future__ import annotations

import json
import secrets
import string
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.domain.actors import STAFF_ROLES
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from chalicelib.domain.procedure import Unit
from chalicelib.services.paging import PAGE_DEFAULT, query_page
from chalicelib.store import lists
from chalicelib.store.audit import CALENDAR_STREAM, account_stream, unit_stream

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor
    from chalicelib.services.container import Deps

UNIT_ROLES = frozenset({"desk", "agency", "leader"})  # these roles need a unit
UnitKind = Literal["province", "department", "district", "commune", "desk", "other"]
StaffRole = Literal["desk", "agency", "leader", "province", "admin"]
CalendarKind = Literal["holiday", "closure", "swap_workday", "swap_day_off"]
MAX_CLOSURE_DAYS = 31
_UNIT_CODE = r"^[A-Z0-9]{1,6}(\.[A-Z0-9]{1,6}){0,5}$"  # QCVN 102:2016 style, e.g. H33.30.01


# ---- input models ---------------------------------------------------------------------------
class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UnitIn(_In):
    """A new unit. `code` follows QCVN 102:2016 (e.g. `H33.30.01`); `parent` must exist."""

    code: str = Field(pattern=_UNIT_CODE, max_length=40)
    name: str = Field(min_length=2, max_length=200)
    parent: str | None = Field(default=None, max_length=40)
    kind: UnitKind = "department"


class UnitUpdateIn(_In):
    """Rename, re-kind or move (new `parent`); `version` is the one read (optimistic lock)."""

    version: int = Field(ge=0)
    name: str | None = Field(default=None, min_length=2, max_length=200)
    parent: str | None = Field(default=None, max_length=40)
    kind: UnitKind | None = None


class UnitDeleteIn(_In):
    version: int = Field(ge=0)


class StaffIn(_In):
    """A staff account. desk, agency and leader need a unit. `title` is the official's chức danh
    (e.g. "Chuyên viên", "Phó Trưởng phòng"), reported to the national portal as ChucDanh."""

    username: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{2,39}$")
    name: str = Field(min_length=2, max_length=200)
    title: str = Field(default="", max_length=120)
    email: str = Field(max_length=254, pattern=r"^[^\s@]+@[^\s@]+\.[^\s@]+$")
    role: StaffRole
    unit: str | None = Field(default=None, max_length=40)


class StaffUpdateIn(_In):
    """Change role, unit, name, title or e-mail; absent fields stay ("" clears the title)."""

    role: StaffRole | None = None
    unit: str | None = Field(default=None, max_length=40)
    name: str | None = Field(default=None, min_length=2, max_length=200)
    title: str | None = Field(default=None, max_length=120)
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^\s@]+@[^\s@]+\.[^\s@]+$")


_Date = date  # the model below has a field named `date`


class CalendarChangeIn(_In):
    """Add or remove one entry. A closure may span days (`until`); the others are one day."""

    action: Literal["add", "remove"]
    kind: CalendarKind
    date: _Date
    until: _Date | None = None
    reason: str = Field(default="", max_length=300)
    version: int | None = Field(default=None, ge=0)


def _data(item: dict[str, Any]) -> Any:
    return json.loads(item["data"]["S"])


def fold(text: str) -> str:
    from chalicelib.services.catalogue.catalogue import fold as catalogue_fold

    return catalogue_fold(text)


def _matches(words: list[str], *parts: Any) -> bool:
    hay = fold(" ".join(str(p or "") for p in parts))
    return all(w in hay for w in words)


def _words(q: str | None) -> list[str]:
    return fold(q).split() if q else []


# ---- units ----------------------------------------------------------------------------------
def _unit_view(unit: Unit, version: int) -> dict[str, Any]:
    return {**unit.model_dump(), "version": version}


def _unit_not_found(code: str, field: str = "code") -> NotFound:
    return NotFound(
        f"Không tìm thấy đơn vị {code}.",
        f"Unit {code} not found.",
        code="unit_not_found",
        field=field,
    )


def _unit_changed() -> Conflict:
    return Conflict(
        "Đơn vị vừa được người khác cập nhật. Vui lòng tải lại và thử lại.",
        "The unit was changed by someone else. Reload and try again.",
        code="version_conflict",
        field="version",
    )


def list_units(
    deps: Deps,
    *,
    kind: str | None = None,
    parent: str | None = None,
    q: str | None = None,
    limit: int = PAGE_DEFAULT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Units in code order. `parent` lists one node's children (`-` = the roots), otherwise
    every unit; `kind` and `q` filter the page."""
    if kind and kind not in UnitKind.__args__:  # type: ignore[attr-defined]
        raise InvalidInput("Loại đơn vị không hợp lệ.", "Unknown unit kind.", field="kind")
    words = _words(q)

    def keep(item: dict[str, Any]) -> bool:
        u = _data(item)
        return (not kind or u.get("kind") == kind) and _matches(words, u["code"], u["name"])

    key = lists.unit_children(parent) if parent else lists.units()
    items, nxt = query_page(deps, key, keep=keep, limit=limit, cursor=cursor)
    rows = [
        _unit_view(Unit.model_validate(_data(i)), int(i.get("version", {"N": "0"})["N"]))
        for i in items
    ]
    return {"items": rows, "next": nxt}


def _require_parent(deps: Deps, parent: str | None, kind: str) -> None:
    if parent is None:
        if kind != "province":
            raise InvalidInput(
                "Cần chọn đơn vị cấp trên (chỉ UBND tỉnh không có cấp trên).",
                "A parent unit is required (only the province has none).",
                field="parent",
            )
        return
    if deps.store.get_unit(parent) is None:
        raise _unit_not_found(parent, "parent")


def create_unit(deps: Deps, actor: Actor, req: UnitIn) -> dict[str, Any]:
    from chalicelib.services.admin import audit

    _require_parent(deps, req.parent, req.kind)
    unit = Unit(code=req.code, name=req.name, parent=req.parent, kind=req.kind)
    try:
        version = deps.store.save_unit(unit, None)
    except Conflict:
        raise Conflict(
            f"Mã đơn vị {req.code} đã tồn tại.",
            f"Unit code {req.code} already exists.",
            code="unit_exists",
            field="code",
        ) from None
    detail = unit.model_dump()
    audit.record(deps, actor, "unit_created", stream=unit_stream(unit.code), detail=detail)
    return _unit_view(unit, version)


def _ancestors(deps: Deps, code: str) -> list[str]:
    """`code` and its ancestors, walking up (bounded: a tree is shallow; a loop stops it)."""
    seen: list[str] = []
    current: str | None = code
    while current and current not in seen and len(seen) < 20:
        seen.append(current)
        found = deps.store.get_unit(current)
        current = found.parent if found else None
    return seen


def update_unit(deps: Deps, actor: Actor, code: str, req: UnitUpdateIn) -> dict[str, Any]:
    """Rename, re-kind or move a unit. A move under itself or its own descendant is refused."""
    from chalicelib.services.admin import audit

    found = deps.store.unit_version(code)
    if found is None:
        raise _unit_not_found(code)
    unit, _stored = found
    changes: dict[str, Any] = {}
    for name in ("name", "kind"):
        value = getattr(req, name)
        if value is not None and value != getattr(unit, name):
            changes[name] = value
    if "parent" in req.model_fields_set and req.parent != unit.parent:
        _require_parent(deps, req.parent, changes.get("kind", unit.kind))
        if req.parent and code in _ancestors(deps, req.parent):
            raise Conflict(
                "Không thể chuyển đơn vị vào chính nó hoặc đơn vị cấp dưới của nó.",
                "A unit cannot move under itself or one of its descendants.",
                code="unit_cycle",
                field="parent",
            )
        changes["parent"] = req.parent
    if not changes:
        return _unit_view(unit, _stored)
    new = unit.model_copy(update=changes)
    try:
        version = deps.store.save_unit(new, req.version)
    except Conflict:
        raise _unit_changed() from None
    audit.record(
        deps,
        actor,
        "unit_updated",
        stream=unit_stream(code),
        detail={k: {"from": getattr(unit, k), "to": v} for k, v in changes.items()},
    )
    return _unit_view(new, version)


def _in_use(deps: Deps, code: str) -> list[tuple[str, str]]:
    """Why a unit cannot be deleted: sub-units, staff, procedures it leads, open dossiers."""
    store = deps.store
    uses = store.unit_uses(code)
    reasons: list[tuple[str, str]] = []
    if uses["sub_units"]:
        reasons.append(("đơn vị cấp dưới", "sub-units"))
    if uses["staff"]:
        reasons.append(("tài khoản cán bộ", "staff accounts"))
    if any(row.get("lead_agency") == code for row in store.list_procedures()):
        reasons.append(("thủ tục do đơn vị chủ trì", "procedures it leads"))
    if uses["open_dossiers"]:
        reasons.append(("hồ sơ đang xử lý", "dossiers in progress"))
    return reasons


def delete_unit(deps: Deps, actor: Actor, code: str, req: UnitDeleteIn) -> dict[str, Any]:
    """Only an unused unit goes (409 `unit_in_use` names what still refers to it)."""
    from chalicelib.services.admin import audit

    found = deps.store.unit_version(code)
    if found is None:
        raise _unit_not_found(code)
    reasons = _in_use(deps, code)
    if reasons:
        raise Conflict(
            f"Không thể xóa đơn vị {code}: còn {', '.join(r[0] for r in reasons)}.",
            f"Unit {code} cannot be deleted: it still has {', '.join(r[1] for r in reasons)}.",
            code="unit_in_use",
            field="code",
        )
    try:
        deps.store.delete_unit(code, req.version)
    except Conflict:
        raise _unit_changed() from None
    audit.record(deps, actor, "unit_deleted", stream=unit_stream(code), detail={"code": code})
    return {"code": code, "deleted": True}


# ---- staff accounts -------------------------------------------------------------------------
def _staff_view(profile: dict[str, Any]) -> dict[str, Any]:
    return {
        "username": profile.get("username"),
        "name": profile.get("name") or "",
        "title": profile.get("title") or "",
        "email": profile.get("email") or "",
        "role": profile.get("role"),
        "unit": profile.get("unit"),
        "enabled": not profile.get("locked_at"),
        "locked_reason": profile.get("locked_reason"),
    }


def list_staff(
    deps: Deps,
    *,
    role: str | None = None,
    unit: str | None = None,
    q: str | None = None,
    limit: int = PAGE_DEFAULT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """Staff accounts by role then username: every unit's, or one unit's; the role narrows the
    key, `q` filters name, username and e-mail."""
    if role and role not in STAFF_ROLES:
        raise InvalidInput("Vai trò không hợp lệ.", "Unknown role.", field="role")
    words = _words(q)

    def keep(item: dict[str, Any]) -> bool:
        p = _data(item)
        return _matches(words, p.get("username"), p.get("name"), p.get("email"))

    key = lists.staff(unit, role)
    items, nxt = query_page(deps, key, keep=keep, limit=limit, cursor=cursor)
    return {"items": [_staff_view(_data(i)) for i in items], "next": nxt}


def _profile_of(deps: Deps, username: str) -> tuple[str, dict[str, Any]]:
    """(sub, profile) of a staff account; 404 for an unknown name or a citizen."""
    sub = deps.store.sub_of_username(username)
    profile = deps.store.get_profile(sub) if sub else None
    if not sub or not profile or profile.get("role") not in STAFF_ROLES:
        raise NotFound(
            "Không tìm thấy tài khoản cán bộ.",
            "Staff account not found.",
            code="account_not_found",
            field="username",
        )
    return sub, profile


def _check_unit_for(deps: Deps, role: str, unit: str | None) -> None:
    if role in UNIT_ROLES and not unit:
        raise InvalidInput(
            "Cán bộ một cửa, chuyên viên và lãnh đạo phải thuộc một đơn vị.",
            "Desk, agency and leader accounts need a unit.",
            code="unit_required",
            field="unit",
        )
    if unit and deps.store.get_unit(unit) is None:
        raise _unit_not_found(unit, "unit")


def temporary_password() -> str:
    """16 characters meeting the pool policy (upper, lower, digit, symbol); shown once."""
    alphabet = string.ascii_letters + string.digits
    body = [secrets.choice(alphabet) for _ in range(12)]
    body += [
        secrets.choice(string.ascii_uppercase),
        secrets.choice(string.ascii_lowercase),
        secrets.choice(string.digits),
        secrets.choice("@#%&*!"),
    ]
    secrets.SystemRandom().shuffle(body)
    return "".join(body)


def _accounts(deps: Deps) -> Any:
    from chalicelib.integrations.cognito import CognitoAccounts

    return CognitoAccounts.from_settings(deps.settings)


def _cognito_code(exc: Exception) -> str:
    response = getattr(exc, "response", None)
    return str(response.get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""


def create_staff(deps: Deps, actor: Actor, req: StaffIn) -> dict[str, Any]:
    """A confirmed Cognito account in the role's group, its profile, and a one-time password."""
    from chalicelib.services.admin import audit

    _check_unit_for(deps, req.role, req.unit)
    accounts = _accounts(deps)
    taken = Conflict(
        "Tên đăng nhập đã được sử dụng.",
        "The username is taken.",
        code="username_taken",
        field="username",
    )
    if deps.store.find_profile_by_username(req.username) is not None:
        raise taken
    try:
        accounts.client.admin_get_user(UserPoolId=accounts.user_pool_id, Username=req.username)
        raise taken
    except Conflict:
        raise
    except Exception as exc:
        if _cognito_code(exc) != "UserNotFoundException":
            raise
    password = temporary_password()
    attrs = {"email": req.email, "email_verified": "true", "name": req.name}
    sub = accounts.admin_create(req.username, password, attrs, groups=[req.role])
    now = deps.clock().isoformat().replace("+00:00", "Z")
    profile = {
        "username": req.username,
        "role": req.role,
        "unit": req.unit,
        "name": req.name,
        "title": req.title,
        "email": req.email,
        "created_at": now,
        "created_by": actor.username,
    }
    deps.store.put_profile(sub, profile)
    audit.record(
        deps,
        actor,
        "staff_account_created",
        stream=account_stream(sub),
        detail={"username": req.username, "role": req.role, "unit": req.unit},
    )
    return {**_staff_view(profile), "temporary_password": password}


def _not_self(actor: Actor, username: str) -> None:
    if actor.username == username:
        raise Forbidden(
            "Không thể tự đổi vai trò, đơn vị hoặc khóa tài khoản của chính mình.",
            "You cannot change the role or unit of, or disable, your own account.",
            code="self_change",
            field="username",
        )


def update_staff(deps: Deps, actor: Actor, username: str, req: StaffUpdateIn) -> dict[str, Any]:
    """Role and unit (Cognito groups follow the role), name, title, e-mail; audited field by
    field. Events already recorded keep the title and unit they were written with."""
    from chalicelib.services.admin import audit

    sub, profile = _profile_of(deps, username)
    changes = {
        k: v
        for k, v in req.model_dump(exclude_unset=True).items()
        if (v is not None or k == "unit") and v != profile.get(k, "" if k == "title" else None)
    }
    if {"role", "unit"} & set(changes):
        _not_self(actor, username)
    role = str(changes.get("role", profile.get("role")))
    unit = changes["unit"] if "unit" in changes else profile.get("unit")
    _check_unit_for(deps, role, unit)
    if not changes:
        return _staff_view(profile)
    accounts = _accounts(deps)
    if "role" in changes:
        accounts.add_to_group(username, role)
        try:
            accounts.client.admin_remove_user_from_group(
                UserPoolId=accounts.user_pool_id, Username=username, GroupName=profile["role"]
            )
        except Exception as exc:
            if _cognito_code(exc) not in {"ResourceNotFoundException", "UserNotFoundException"}:
                raise
    attrs = [{"Name": k, "Value": str(changes[k])} for k in ("name", "email") if k in changes]
    if attrs:
        accounts.client.admin_update_user_attributes(
            UserPoolId=accounts.user_pool_id, Username=username, UserAttributes=attrs
        )
    new = {**profile, **changes, "updated_at": deps.clock().isoformat().replace("+00:00", "Z")}
    deps.store.put_profile(sub, new)
    detail = {k: {"from": profile.get(k), "to": v} for k, v in changes.items() if k != "email"}
    if "email" in changes:
        detail["email"] = {"changed": True}  # no address in the audit chain
    audit.record(deps, actor, "staff_account_updated", stream=account_stream(sub), detail=detail)
    return _staff_view(new)


def disable_staff(deps: Deps, actor: Actor, username: str) -> dict[str, Any]:
    """Disable in Cognito, sign out everywhere, mark the profile; undone by
    `POST /api/admin/accounts/{username}/enable`."""
    from chalicelib.services.admin import audit

    _not_self(actor, username)
    sub, profile = _profile_of(deps, username)
    accounts = _accounts(deps)
    accounts.client.admin_disable_user(UserPoolId=accounts.user_pool_id, Username=username)
    try:
        accounts.client.admin_user_global_sign_out(
            UserPoolId=accounts.user_pool_id, Username=username
        )
    except Exception as exc:
        if _cognito_code(exc) not in {"NotAuthorizedException", "UserNotFoundException"}:
            raise
    at = deps.clock().isoformat().replace("+00:00", "Z")
    new = {**profile, "locked_at": at, "locked_reason": "disabled_by_admin"}
    deps.store.put_profile(sub, new)
    audit.record(
        deps,
        actor,
        "staff_account_disabled",
        stream=account_stream(sub),
        detail={"username": username},
    )
    return _staff_view(new)


# ---- calendar -------------------------------------------------------------------------------
_SETS: dict[str, str] = {
    "holiday": "extra_holidays",
    "closure": "extra_holidays",
    "swap_workday": "swap_workdays",
    "swap_day_off": "swap_days_off",
}


def _year_range(deps: Deps) -> tuple[int, int]:
    """Years the console may edit: last year to two years ahead (Vietnam time)."""
    from chalicelib.domain.calendar import VIETNAM_TZ

    this = deps.clock().astimezone(VIETNAM_TZ).year
    return this - 1, this + 2


def _check_year(deps: Deps, year: int, field: str) -> None:
    low, high = _year_range(deps)
    if not low <= year <= high:
        raise InvalidInput(
            f"Chỉ quản lý lịch từ năm {low} đến năm {high}.",
            f"The calendar can be managed for {low}-{high} only.",
            code="date_out_of_range",
            field=field,
        )


def _days(entry: dict[str, Any]) -> list[date]:
    first = date.fromisoformat(entry["date"])
    last = date.fromisoformat(entry.get("until") or entry["date"])
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _entries_with_legacy(
    data: dict[str, Any], entries: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The stored entries, plus one per date entered before entries existed (no reason)."""
    out = list(entries)
    covered = {(_SETS[e["kind"]], d.isoformat()) for e in entries for d in _days(e)}
    legacy_kind = {
        "extra_holidays": "holiday",
        "swap_workdays": "swap_workday",
        "swap_days_off": "swap_day_off",
    }
    for key, kind in legacy_kind.items():
        for day in data.get(key) or ():
            if (key, day) not in covered:
                out.append({"date": day, "until": None, "kind": kind, "reason": ""})
    return sorted(out, key=lambda e: (e["date"], e["kind"]))


def calendar_year(deps: Deps, year: int) -> dict[str, Any]:
    """One year: the entries and every day's status (working or not, and why) for the grid."""
    from chalicelib.domain.calendar import WorkingCalendar, default_calendar, national_days

    if not 1900 < year < 2200:
        raise InvalidInput("Năm không hợp lệ.", "Invalid year.", field="year")
    data, entries, version = deps.store.get_calendar_record()
    cal = WorkingCalendar.from_dict(data) if data else default_calendar()
    all_entries = _entries_with_legacy(data, entries)
    by_day: dict[date, dict[str, Any]] = {}
    for e in all_entries:
        for d in _days(e):
            by_day[d] = e
    national = national_days(year)
    days = []
    d = date(year, 1, 1)
    while d.year == year:
        entry = by_day.get(d)
        names = national.get(d)
        days.append(
            {
                "date": d.isoformat(),
                "working": cal.is_working_day(d),
                "weekend": d.weekday() >= 5,
                "kind": entry["kind"] if entry else ("national" if names else None),
                "label": entry["reason"] if entry else (names[0] if names else ""),
                "label_en": entry["reason"] if entry else (names[1] if names else ""),
            }
        )
        d += timedelta(days=1)
    in_year = [e for e in all_entries if any(x.year == year for x in _days(e))]
    low, high = _year_range(deps)
    return {
        "year": year,
        "version": version,
        "entries": in_year,
        "days": days,
        "editable_years": [low, high],
    }


def _calendar_error(
    vi: str, en: str, field: str = "date", code: str = "invalid_input"
) -> InvalidInput:
    return InvalidInput(vi, en, code=code, field=field)


def change_calendar(deps: Deps, actor: Actor, req: CalendarChangeIn) -> dict[str, Any]:
    """Add or remove a holiday, closure or swap day; validated, locked, audited, and the cached
    calendar of this process dropped so deadlines use it at once."""
    from chalicelib.domain.calendar import WorkingCalendar
    from chalicelib.services.admin import audit

    _check_year(deps, req.date.year, "date")
    data, entries, version = deps.store.get_calendar_record()
    if req.version is not None and req.version != version:
        raise Conflict(
            "Lịch vừa được người khác cập nhật. Vui lòng tải lại và thử lại.",
            "The calendar was changed by someone else. Reload and try again.",
            code="version_conflict",
        )
    current = WorkingCalendar.from_dict(data) if data else WorkingCalendar()
    base = current.to_dict()
    entries = _entries_with_legacy(data, entries)
    same = [e for e in entries if e["kind"] == req.kind and e["date"] == req.date.isoformat()]
    if req.action == "remove":
        if not same:
            raise NotFound(
                "Không có mục lịch này để xóa.",
                "No such calendar entry.",
                code="calendar_entry_not_found",
                field="date",
            )
        entry = same[0]
        entries = [e for e in entries if e is not entry]
        still = {(_SETS[e["kind"]], d.isoformat()) for e in entries for d in _days(e)}
        key = _SETS[entry["kind"]]
        base[key] = [
            x
            for x in base[key]
            if (key, x) in still or x not in {d.isoformat() for d in _days(entry)}
        ]
    else:
        entry = _new_entry(deps, actor, req, current)
        if same or any(
            _SETS[e["kind"]] == _SETS[req.kind] and set(_days(e)) & set(_days(entry))
            for e in entries
        ):
            raise Conflict(
                "Ngày này đã có trong lịch.",
                "The date is already in the calendar.",
                code="calendar_entry_exists",
                field="date",
            )
        entries.append(entry)
        key = _SETS[req.kind]
        base[key] = sorted(set(base[key]) | {d.isoformat() for d in _days(entry)})
    new_cal = WorkingCalendar.from_dict(base)  # refuses a day both working and off
    stored = [e for e in entries if e.get("reason") or e.get("by")]
    new_version = deps.store.put_calendar(
        new_cal.to_dict(),
        sorted(stored, key=lambda e: e["date"]),
        expected_version=version if data else None,
    )
    deps.use_calendar(new_cal)  # this process at once; other instances within the TTL
    audit.record(
        deps,
        actor,
        f"calendar_{req.action}",
        stream=CALENDAR_STREAM,
        detail={
            "kind": entry["kind"],
            "date": entry["date"],
            "until": entry.get("until"),
            "reason": entry.get("reason", ""),
        },
    )
    result = calendar_year(deps, req.date.year)
    result["version"] = new_version
    return result


def _new_entry(deps: Deps, actor: Actor, req: CalendarChangeIn, cal: Any) -> dict[str, Any]:
    """Check one entry to add: a reason; a closure's end; a swap day's weekday rule."""
    if len(req.reason) < 3:
        raise _calendar_error(
            "Cần nêu lý do (ít nhất 3 ký tự).",
            "A reason is required.",
            field="reason",
            code="reason_required",
        )
    if req.until is not None and req.kind != "closure":
        raise _calendar_error(
            "Chỉ ngày đóng cửa mới có ngày kết thúc.",
            "Only a closure spans several days.",
            field="until",
        )
    if req.until is not None:
        _check_year(deps, req.until.year, "until")
        if req.until < req.date:
            raise _calendar_error(
                "Ngày kết thúc phải sau hoặc bằng ngày bắt đầu.",
                "until must not be before date.",
                field="until",
            )
        if (req.until - req.date).days + 1 > MAX_CLOSURE_DAYS:
            raise _calendar_error(
                f"Một đợt đóng cửa tối đa {MAX_CLOSURE_DAYS} ngày.",
                f"A closure spans at most {MAX_CLOSURE_DAYS} days.",
                field="until",
            )
    weekend = req.date.weekday() >= 5
    if req.kind == "swap_workday" and (not weekend or cal.is_working_day(req.date)):
        raise _calendar_error(
            "Ngày làm việc bù phải là thứ Bảy hoặc Chủ nhật đang là ngày nghỉ.",
            "A swap working day must be a Saturday or Sunday that is a day off.",
            code="swap_not_weekend",
        )
    if req.kind == "swap_day_off" and (weekend or not cal.is_working_day(req.date)):
        raise _calendar_error(
            "Ngày nghỉ bù phải là một ngày làm việc trong tuần.",
            "A swapped day off must be a working weekday.",
            code="swap_not_workday",
        )
    return {
        "date": req.date.isoformat(),
        "until": req.until.isoformat() if req.until else None,
        "kind": req.kind,
        "reason": req.reason,
        "by": actor.username,
        "at": deps.clock().isoformat().replace("+00:00", "Z"),
    }


# ---- procedures -----------------------------------------------------------------------------
def list_procedures(
    deps: Deps,
    *,
    field_name: str | None = None,
    agency: str | None = None,
    q: str | None = None,
    limit: int = PAGE_DEFAULT,
    cursor: str | None = None,
) -> dict[str, Any]:
    """The catalogue (partition `CATALOG`, code order), paged, filtered by field, lead agency
    and text; repealed procedures are listed too (the administrator may need them)."""
    words = _words(q)

    def keep(item: dict[str, Any]) -> bool:
        row = _data(item)
        return (
            (not field_name or row.get("field") == field_name)
            and (not agency or row.get("lead_agency") == agency)
            and _matches(words, row.get("code"), row.get("name"), row.get("field"))
        )

    items, nxt = query_page(deps, lists.catalogue(), keep=keep, limit=limit, cursor=cursor)
    return {"items": [_data(i) for i in items], "next": nxt}


def procedure_changes(deps: Deps, actor: Actor, code: str) -> dict[str, Any]:
    """The change requests of one procedure (its lead agency's list, one Query), newest first."""
    from chalicelib.services.catalogue.procedures import change_view, changes_store

    proc = deps.store.get_procedure(code)
    items = [
        c for c in changes_store(deps).list_by_unit(proc.lead_agency) if c.procedure_code == code
    ]
    return {"code": code, "items": [change_view(c) for c in items]}
