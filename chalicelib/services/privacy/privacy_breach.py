"""Breach handling (NĐ 13/2023 Đ23; issue 10): record a suspected breach, find the affected
citizens by query, produce the notification list and the report to the authority, remind before the
legal deadline (`breach_report_hours`, default 72 h after detection).

Affected citizens are found honestly by what the breach concerns: dossiers received in a date range
(optionally one procedure, optionally some receiving units), read through the register partitions
`REG#<unit>#<YYYY-MM>` (one Query per unit and month, range at most 12 months), plus dossiers named
by code. The notification list (contacts in clear, needed to notify) and the report are JSON files
in the reports bucket under `breaches/<id>/`, handed out by short presigned links; the item and the
API answers hold counts and masked contacts only.

`check_breach_deadlines(deps, now)` (scheduled) reads the sparse GSI4 `BREACHOPEN` list and writes
one outbox item per breach for `due_soon` (within `breach_remind_before_hours`) and `overdue`.
"""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.domain import retention as months
from chalicelib.domain.errors import Forbidden, InvalidInput
from chalicelib.domain.masking import mask_id_number
from chalicelib.domain.permissions import role_permits
from chalicelib.services.admin import audit
from chalicelib.store import outbox
from chalicelib.store.audit import breach_stream
from chalicelib.store.privacy import PrivacyStore

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor
    from chalicelib.domain.dossier import Dossier
    from chalicelib.services.container import Deps

_VN = ZoneInfo("Asia/Ho_Chi_Minh")
CATEGORIES = (
    "identity",  # họ tên, số định danh, CCCD
    "contact",  # địa chỉ, điện thoại, email
    "birth_date",
    "documents",  # giấy tờ đính kèm
    "results",
    "sensitive",  # dữ liệu cá nhân nhạy cảm (NĐ 13 Đ2.4)
    "face",
)
MAX_MONTHS = 12
AUTHORITY = "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao (A05), Bộ Công an"


def _admin(actor: Actor) -> None:
    if not role_permits(actor, "privacy.breach.manage"):
        raise Forbidden("Chỉ quản trị hệ thống.", "Administrators only.")


def _store(deps: Deps) -> PrivacyStore:
    return PrivacyStore(deps.store.client, deps.store.table)


def _iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def _parse(dt: str) -> datetime:
    return datetime.fromisoformat(dt.replace("Z", "+00:00"))


def deadline_state(b: dict[str, Any], now: datetime, remind_hours: int) -> str:
    """reported | overdue | due_soon | open: a pure reading of one breach at `now`."""
    if b.get("state") == "reported":
        return "reported"
    deadline = _parse(b["deadline_at"])
    if now >= deadline:
        return "overdue"
    if now >= deadline - timedelta(hours=remind_hours):
        return "due_soon"
    return "open"


def _affected_dossiers(deps: Deps, q: dict[str, Any]) -> list[Dossier]:
    found: dict[str, Dossier] = {}
    for code in q.get("dossier_codes") or []:
        d = deps.store.find_dossier_by_code(code)
        if d is not None:
            found[d.id] = d
    if q.get("date_from") and q.get("date_to"):
        d_from, d_to = date.fromisoformat(q["date_from"]), date.fromisoformat(q["date_to"])
        if d_to < d_from:
            raise InvalidInput("Khoảng thời gian không hợp lệ.", "Bad date range.", field="date_to")
        month_list = months.months_between(d_from.strftime("%Y-%m"), d_to.strftime("%Y-%m"))
        if len(month_list) > MAX_MONTHS:
            raise InvalidInput(
                f"Khoảng thời gian tối đa {MAX_MONTHS} tháng.",
                f"At most {MAX_MONTHS} months.",
                field="date_from",
            )
        units = q.get("units") or [u.code for u in deps.store.list_units()]
        for unit in units:
            for month in month_list:
                for d in deps.store.list_register(unit, month):
                    if d.received_at is None:
                        continue
                    day = d.received_at.astimezone(_VN).date()
                    if not d_from <= day <= d_to:
                        continue
                    if q.get("procedure_code") and d.procedure_code != q["procedure_code"]:
                        continue
                    found[d.id] = d
    return list(found.values())


def notification_list(dossiers: list[Dossier]) -> list[dict[str, Any]]:
    """One line per person: by account when the dossier has an owner, else by the applicant."""
    people: dict[str, dict[str, Any]] = {}
    for d in dossiers:
        a = d.applicant
        key = f"sub:{d.owner}" if d.owner else f"applicant:{a.name}|{a.id_number}|{a.phone}"
        entry = people.setdefault(
            key,
            {
                "sub": d.owner,
                "name": a.name,
                "id_number": a.id_number,
                "email": a.email,
                "phone": a.phone,
                "address": a.address,
                "channel": "account" if d.owner else ("email" if a.email else "post"),
                "dossier_codes": [],
            },
        )
        entry["dossier_codes"].append(d.code)
    return sorted(people.values(), key=lambda p: p["name"])


def _masked(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": p["name"],
        "id_number": mask_id_number(p["id_number"] or ""),
        "channel": p["channel"],
        "dossier_codes": p["dossier_codes"],
    }


def _report(b: dict[str, Any], people: list[dict[str, Any]], province: str) -> dict[str, Any]:
    """The notification to the authority (NĐ 13/2023 Đ23.3: what happened, data, number of
    subjects, contact, consequences, measures)."""
    return {
        "to": AUTHORITY,
        "from": f"Cổng dịch vụ công tỉnh {province}",
        "breach_id": b["id"],
        "detected_at": b["detected_at"],
        "deadline_at": b["deadline_at"],
        "description": b["description"],
        "scope": b["scope"],
        "data_categories": b["categories"],
        "data_subjects": len(people),
        "dossiers": sum(len(p["dossier_codes"]) for p in people),
        "query": b["query"],
        "consequences": b.get("consequences", ""),
        "measures": b.get("measures", ""),
        "contact": b.get("contact", ""),
        "recorded_by": b["recorded_by"],
    }


def _put(deps: Deps, key: str, payload: Any) -> None:
    deps.files.client.put_object(
        Bucket=deps.settings.reports_bucket,
        Key=key,
        Body=json.dumps(payload, ensure_ascii=False, indent=2).encode(),
        ContentType="application/json; charset=utf-8",
    )


def record_breach(deps: Deps, actor: Actor, req: dict[str, Any]) -> dict[str, Any]:
    _admin(actor)
    bad = [c for c in req.get("categories", []) if c not in CATEGORIES]
    if bad or not req.get("categories"):
        raise InvalidInput(
            "Loại dữ liệu không hợp lệ.",
            f"Categories must be among {CATEGORIES}.",
            field="categories",
        )
    now = deps.clock()
    detected = _parse(req["detected_at"]) if req.get("detected_at") else now
    if detected.tzinfo is None:
        raise InvalidInput("Thời điểm cần múi giờ.", "A timezone is required.", field="detected_at")
    query = {
        k: req.get(k)
        for k in ("procedure_code", "date_from", "date_to", "units", "dossier_codes")
        if req.get(k)
    }
    if not query:
        raise InvalidInput(
            "Cần điều kiện tìm người bị ảnh hưởng.",
            "A query for the affected citizens is required.",
            field="date_from",
        )
    people = notification_list(_affected_dossiers(deps, query))
    bid = uuid.uuid4().hex[:12]
    b: dict[str, Any] = {
        "id": bid,
        "scope": req["scope"],
        "description": req.get("description", ""),
        "consequences": req.get("consequences", ""),
        "measures": req.get("measures", ""),
        "contact": req.get("contact", ""),
        "categories": list(req["categories"]),
        "query": query,
        "detected_at": _iso(detected),
        "recorded_at": _iso(now),
        "recorded_by": actor.username,
        "deadline_at": _iso(detected + timedelta(hours=deps.settings.breach_report_hours)),
        "state": "open",
        "affected": len(people),
        "reminders": [],
        "list_key": f"breaches/{bid}/notification-list.json",
        "report_key": f"breaches/{bid}/report.json",
    }
    _put(deps, b["list_key"], people)
    _put(deps, b["report_key"], _report(b, people, deps.settings.province_name))
    saved = _store(deps).put_breach(b, None)
    audit.record(
        deps,
        actor,
        "breach_recorded",
        stream=breach_stream(bid),
        detail={"affected": len(people), "categories": b["categories"], "query": query},
    )
    return view(deps, saved, people)


def _link(deps: Deps, key: str) -> str:
    url: str = deps.files.client.generate_presigned_url(
        "get_object",
        Params={"Bucket": deps.settings.reports_bucket, "Key": key},
        ExpiresIn=deps.settings.report_link_expiry_seconds,
    )
    return url


def view(
    deps: Deps, b: dict[str, Any], people: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    state = deadline_state(b, deps.clock(), deps.settings.breach_remind_before_hours)
    out = {
        **{k: v for k, v in b.items() if k not in ("list_key", "report_key")},
        "deadline_state": state,
        "notification_list_url": _link(deps, b["list_key"]),
        "report_url": _link(deps, b["report_key"]),
    }
    if people is not None:
        out["people"] = [_masked(p) for p in people]
    return out


BREACH_STATES = ("open", "reported")


def list_breaches(deps: Deps, actor: Actor, params: dict[str, str] | None = None) -> dict[str, Any]:
    """Newest first, one page (`?state=open|reported&q=&limit=&cursor=`); `q` matches the id,
    scope, description, categories and the authority's reference."""
    from chalicelib.services.catalogue.catalogue import fold
    from chalicelib.services.paging import page_limit, query_page
    from chalicelib.store import lists

    _admin(actor)
    params = params or {}
    state = params.get("state") or None
    if state is not None and state not in BREACH_STATES:
        raise InvalidInput("Trạng thái không hợp lệ.", "Unknown state.", field="state")
    words = fold(params.get("q") or "").split()

    def keep(item: dict[str, Any]) -> bool:
        b = json.loads(item["data"]["S"])
        if state is not None and b.get("state") != state:
            return False
        parts = (b.get("id"), b.get("scope"), b.get("description"), b.get("reference"))
        hay = fold(" ".join(str(p or "") for p in parts) + " " + " ".join(b.get("categories", [])))
        return all(w in hay for w in words)

    raw, nxt = query_page(
        deps,
        lists.breaches(),
        keep=keep,
        limit=page_limit(params.get("limit")),
        cursor=params.get("cursor") or None,
        forward=False,
    )
    return {"items": [view(deps, json.loads(i["data"]["S"])) for i in raw], "next": nxt}


def get_breach(deps: Deps, actor: Actor, breach_id: str) -> dict[str, Any]:
    _admin(actor)
    return view(deps, _store(deps).get_breach(breach_id))


def mark_reported(deps: Deps, actor: Actor, breach_id: str, reference: str) -> dict[str, Any]:
    """The report went to the authority (and the people were notified): the deadline is met."""
    _admin(actor)
    store = _store(deps)
    b = store.get_breach(breach_id)
    if b.get("state") == "reported":
        return view(deps, b)
    now = deps.clock()
    b = {**b, "state": "reported", "reported_at": _iso(now), "reference": reference}
    b["reported_late"] = now > _parse(b["deadline_at"])
    saved = store.put_breach(b, b["version"])
    audit.record(
        deps,
        actor,
        "breach_reported",
        stream=breach_stream(breach_id),
        detail={"reference": reference, "late": b["reported_late"]},
    )
    return view(deps, saved)


def _outbox(deps: Deps, b: dict[str, Any], kind: str, now: datetime) -> None:
    at = _iso(now)
    recipient = outbox.ADMINS
    message = {
        "kind": f"breach_{kind}",
        "breach_id": b["id"],
        "deadline_at": b["deadline_at"],
        "scope": b["scope"],
        "affected": b["affected"],
        "recipient": recipient,
        "at": at,
    }
    deps.store.client.put_item(
        TableName=deps.store.table,
        Item=outbox.pending_item(recipient, at, f"{b['id']}#{kind}", message),
    )


def check_breach_deadlines(deps: Deps, now: datetime | None = None) -> dict[str, Any]:
    """Due-soon and overdue reminders for breaches not yet reported, once each."""
    now = now or deps.clock()
    store = _store(deps)
    sent: list[tuple[str, str]] = []
    for b in store.open_breaches():
        state = deadline_state(b, now, deps.settings.breach_remind_before_hours)
        if state not in ("due_soon", "overdue") or state in b.get("reminders", []):
            continue
        _outbox(deps, b, state, now)
        store.put_breach({**b, "reminders": [*b.get("reminders", []), state]}, b["version"])
        sent.append((b["id"], state))
    return {"sent": [{"breach_id": i, "kind": k} for i, k in sent]}
