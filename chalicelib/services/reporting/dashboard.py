"""The province's dashboard, the drill-down behind an indicator, and the public transparency page.

* `dashboard`: the province and each agency's QĐ 766 score with its groups for one month, plus a
  6-month trend. Reads only the monthly counters (`CNT#<agency>#<YYYY-MM>`: one Query per
  agency-month), the catalogue and the units, like `services.indicators`; never a dossier.
* `drill`: the dossiers behind an indicator's numerator or denominator for an agency and a month,
  paged through the register (`REG#<desk>#<YYYY-MM>`, one partition per receiving desk and
  month, written in the receipt transaction). Honest limits, also in the answer's `basis`:
  - the register is by *receipt* month: a dossier received earlier and finished this month is in
    this month's `processed_*` counters but not in this drill-down (it is in its receipt month's);
  - the register partition holds every lead agency's dossiers received at that desk, so a page
    reads up to `limit` register lines (and those dossiers) and keeps the agency's matching ones:
    a page may hold fewer than `limit` rows while `next` is set (like a DynamoDB filter);
  - catalogue indicators (procedures offered online) and metrics not collected yet (synced,
    paid online, ...) have no dossiers to list.
* `transparency` (Đ4.4, public, no personal data): per agency, received, finished on time, late,
  in progress, and the 766 score. "In progress" is the open count now (a COUNT Query on the sparse
  open index GSI4), so it is given for the current month only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.domain import indicators as rules
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.statuses import DossierStatus
from chalicelib.services.container import Deps
from chalicelib.services.reporting.indicators import agency_units, catalogue_metrics, load_config
from chalicelib.store import dossier_reads, lists
from chalicelib.store.cursor import cursors, invalid_cursor, key_scope

VN = ZoneInfo("Asia/Ho_Chi_Minh")
TREND_MONTHS = 6

TOTALS = {
    "received": "received",
    "received_online": "received_channel_2",
    "processed": "processed",
    "on_time": "processed_on_time",
    "late": "processed_late",
    "refused": "refused",
    "returned": "returned",
    "supplement_requested": "supplement_requested",
}


def current_month(deps: Deps) -> str:
    return deps.clock().astimezone(VN).strftime("%Y-%m")


def check_month(text: str | None, deps: Deps) -> str:
    month = (text or "").strip() or current_month(deps)
    rules.month_range(month, month)  # ValueError on a bad month
    return month


def months_ending(month: str, n: int = TREND_MONTHS) -> list[str]:
    y, m = int(month[:4]), int(month[5:7])
    out = []
    for _ in range(n):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def _totals(metrics: Mapping[str, int]) -> dict[str, int]:
    return {name: int(metrics.get(metric, 0)) for name, metric in TOTALS.items()}


def _scorecard(report: rules.IndicatorReport, metrics: Mapping[str, int]) -> dict[str, Any]:
    data = report.model_dump(mode="json")
    data["totals"] = _totals(metrics)
    return data


class _Reads:
    """Counts the Queries and items read, so the answer can show it is bounded."""

    def __init__(self) -> None:
        self.queries = 0
        self.items = 0

    def counters(self, deps: Deps, agency: str, month: str) -> dict[str, dict[str, int]]:
        rows = deps.store.counters(agency, month)
        self.queries += 1
        self.items += len(rows)
        return rows


def dashboard(deps: Deps, month: str, agency: str | None = None) -> dict[str, Any]:
    """Scores for `month` (province + agencies, or one agency) and the 6-month trend."""
    cfg = load_config()
    months = months_ending(month)
    units = {u.code: u.name for u in deps.store.list_units()}
    catalogue = deps.store.list_procedures()
    codes = [agency] if agency else agency_units(deps)
    reads = _Reads()
    # (agency, month) -> counter metrics summed over procedures
    per: dict[tuple[str, str], dict[str, int]] = {}
    for code in codes:
        for m in months:
            per[(code, m)] = rules.counter_metrics(reads.counters(deps, code, m).values())
    cat_of = {
        code: catalogue_metrics(r for r in catalogue if r.get("lead_agency") == code)
        for code in codes
    }
    cat_all = catalogue_metrics(catalogue) if not agency else cat_of[agency]

    def evaluate(
        metrics: Mapping[str, int], cat: Mapping[str, int], scope: str, ms: list[str]
    ) -> rules.IndicatorReport:
        return rules.evaluate(cfg, rules.sum_metrics([metrics, cat]), scope=scope, months=ms)

    agencies = []
    for code in codes:
        metrics = per[(code, month)]
        report = evaluate(metrics, cat_of[code], f"agency:{code}", [month])
        agencies.append(
            {"code": code, "name": units.get(code, code), **_scorecard(report, metrics)}
        )
    # Agencies with a score first, best first; "no data" (no dossiers in the month) never ranks
    # above an agency that did work.
    agencies.sort(key=lambda a: (a["score"] is None, -(a["score"] or 0), a["code"]))
    scope = f"agency:{agency}" if agency else "province"
    trend = []
    for m in months:
        metrics = rules.sum_metrics(per[(c, m)] for c in codes)
        report = evaluate(metrics, cat_all, scope, [m])
        trend.append(
            {
                "month": m,
                "score": report.score,
                "complete": report.complete,
                "no_data": report.no_data,
                **_totals(metrics),
            }
        )
    overall_metrics = rules.sum_metrics(per[(c, month)] for c in codes)
    overall = evaluate(overall_metrics, cat_all, scope, [month])
    return {
        "month": month,
        "months": months,
        "scope": scope,
        "province_name": deps.settings.province_name,
        "overall": {
            "code": agency or "",
            "name": units.get(agency, agency) if agency else f"Tỉnh {deps.settings.province_name}",
            **_scorecard(overall, overall_metrics),
        },
        "agencies": agencies,
        "trend": trend,
        "indicators": [
            {"id": i.id, "name_vi": i.name_vi, "name_en": i.name_en, "group": g.id}
            for g in cfg.groups
            for i in g.indicators
        ],
        "reads": {"queries": reads.queries, "counter_items": reads.items},
    }


# --------------------------------------------------------------------------------- drill-down


def dossier_metrics(d: Dossier, now: datetime) -> set[str]:
    """The counter metrics this dossier contributes, as far as the dossier itself shows."""
    from chalicelib.domain import extensions

    out = {"received"} if d.received_at is not None else set()
    out.add(f"received_channel_{int(d.channel)}")
    if d.status is DossierStatus.REFUSED:
        out.add("refused")
    if d.processing_supplements or d.status is DossierStatus.SUPPLEMENT_REQUESTED:
        out.add("supplement_requested")
    if d.finished_at is not None:
        out.add("processed")
        late = extensions.counts_as_late(d, d.finished_at)
        out.add("processed_late" if late else "processed_on_time")
    elif d.status is not None and d.status.is_open and d.status is not DossierStatus.NEW:
        due = d.appointment_at
        out.add("in_progress_late" if due is not None and now > due else "in_progress_on_time")
    if d.returned_at is not None:
        out.add("returned")
    return out


def _scope(indicator: str, agency: str, month: str, part: str) -> str:
    return key_scope("drill", extra=f"{indicator}|{agency}|{month}|{part}")


def _decode(deps: Deps, cursor: str | None, scope: str) -> dict[str, Any]:
    state = cursors(deps.settings).decode(cursor, scope)
    if state is None:
        return {"d": 0, "k": None}
    if not isinstance(state, dict) or not isinstance(state.get("d"), int):
        raise invalid_cursor()
    return state


def drill(
    deps: Deps,
    indicator: str,
    agency: str,
    month: str,
    part: str = "denominator",
    cursor: str | None = None,
    limit: int = 20,
) -> dict[str, Any]:
    """One page of the dossiers behind `indicator`'s `part` for `agency` in `month`."""
    cfg = load_config()
    spec = cfg.indicator(indicator)  # KeyError: unknown indicator
    if part not in ("numerator", "denominator"):
        raise ValueError("part is numerator or denominator")
    terms = spec.numerator if part == "numerator" else spec.denominator
    wanted = {t.metric for t in terms if t.sign == 1}
    dossier_based = {*rules.COUNTER_METRICS, "in_progress_on_time", "in_progress_late"}
    basis = (
        "Sổ theo dõi (REG#<bộ phận một cửa>#<tháng>): hồ sơ tiếp nhận trong tháng; hồ sơ nhận "
        "tháng trước, giải quyết tháng này nằm ở tháng tiếp nhận của nó."
    )
    base = {"indicator": indicator, "part": part, "agency": agency, "month": month}
    if not wanted & dossier_based:
        return {**base, "items": [], "next": None, "read": 0, "basis": basis, "metrics": []}
    limit = max(1, min(limit, 100))
    desks = sorted(u.code for u in deps.store.list_units() if u.kind == "desk")
    scope = _scope(indicator, agency, month, part)
    state = _decode(deps, cursor, scope)
    now = deps.clock()
    client, table = deps.store.client, deps.store.table
    rows: list[dict[str, Any]] = []
    read = 0
    d_idx, start = int(state["d"]), state.get("k")
    while d_idx < len(desks) and read < limit:
        lines, last = dossier_reads.register_page(
            client, table, desks[d_idx], month, limit - read, start
        )
        read += len(lines)
        ids = [it["dossier_id"]["S"] for it in lines]
        for d in _batch_dossiers(deps, ids):
            if d.lead_agency != agency:
                continue
            hits = dossier_metrics(d, now) & wanted
            if hits:
                rows.append(_row(d, hits))
        start = last
        if not start:
            d_idx, start = d_idx + 1, None
    rows.sort(key=lambda r: r["received_at"] or "")
    more = d_idx < len(desks)
    nxt = cursors(deps.settings).encode({"d": d_idx, "k": start}, scope) if more else None
    return {
        **base,
        "items": rows,
        "next": nxt,
        "read": read,
        "basis": basis,
        "metrics": sorted(wanted & dossier_based),
    }


def _batch_dossiers(deps: Deps, ids: list[str]) -> list[Dossier]:
    """The dossiers behind register lines, 100 keys per BatchGetItem (unprocessed retried)."""
    items = dossier_reads.dossier_items(deps.store.client, deps.store.table, ids)
    return [Dossier.model_validate_json(it["data"]["S"]) for it in items]


def _row(d: Dossier, hits: set[str]) -> dict[str, Any]:
    """What staff need to find the dossier; no applicant data."""

    def iso(v: datetime | None) -> str | None:
        return v.isoformat() if v is not None else None

    return {
        "dossier_id": d.id,
        "code": d.code,
        "procedure_code": d.procedure_code,
        "status": int(d.status) if d.status is not None else None,
        "channel": int(d.channel),
        "received_at": iso(d.received_at),
        "appointment_at": iso(d.appointment_at),
        "finished_at": iso(d.finished_at),
        "metrics": sorted(hits),
    }


# ------------------------------------------------------------------------------ transparency


def open_count(deps: Deps, agency: str) -> int:
    """Open dossiers the agency leads now: a COUNT Query on the sparse open index."""
    return lists.count(deps.store.client, deps.store.table, lists.open_dossiers(agency))


def transparency(deps: Deps, month: str) -> dict[str, Any]:
    """Đ4.4: per agency, numbers only (no dossier codes, names, ID numbers or addresses)."""
    cfg = load_config()
    units = {u.code: u.name for u in deps.store.list_units()}
    catalogue = deps.store.list_procedures()
    is_current = month == current_month(deps)
    rows: list[dict[str, Any]] = []
    for code in agency_units(deps):
        metrics = rules.counter_metrics(deps.store.counters(code, month).values())
        cat = catalogue_metrics(r for r in catalogue if r.get("lead_agency") == code)
        report = rules.evaluate(
            cfg, rules.sum_metrics([metrics, cat]), scope=f"agency:{code}", months=[month]
        )
        rows.append(
            {
                "agency": code,
                "name": units.get(code, code),
                "received": metrics["received"],
                "finished_on_time": metrics["processed_on_time"],
                "finished_late": metrics["processed_late"],
                "in_progress": open_count(deps, code) if is_current else None,
                "score": report.score,  # None: "Chưa có dữ liệu" (no dossiers this month)
                "score_complete": report.complete,
                "no_data": report.no_data,
            }
        )
    keys = ("received", "finished_on_time", "finished_late")
    total: dict[str, int | None] = {k: sum(int(r[k]) for r in rows) for k in keys}
    total["in_progress"] = sum(int(r["in_progress"] or 0) for r in rows) if is_current else None
    return {
        "month": month,
        "province_name": deps.settings.province_name,
        "generated_at": deps.clock().isoformat(),
        "agencies": rows,
        "total": total,
        "in_progress_note": "Số hồ sơ đang giải quyết tại thời điểm xem (chỉ tháng hiện tại).",
    }
