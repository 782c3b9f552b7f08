"""QĐ 766 indicators for an agency, a procedure field or the province over any period.

Reads only the monthly counter items that status changes maintain (`CNT#<agency>#<YYYY-MM>`, one
item per procedure): one Query per agency-month, plus one Query of the catalogue partition for the
procedure → field map and the procedures-offered-online counts. Never reads dossiers one by one, so
the items read grow with agencies x months x procedures, not with the number of dossiers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from chalicelib.domain import indicators as rules
from chalicelib.services.container import Deps

CONFIG_PATH = Path(__file__).resolve().parents[3] / "data" / "indicators.json"

# Metrics the catalogue gives per procedure (a snapshot, not per month).
CATALOGUE_METRICS = ("procedures_total", "procedures_online")


@lru_cache(maxsize=4)
def load_config(path: str | None = None) -> rules.IndicatorConfig:
    """The weights and thresholds (cfg); cached because every computation needs them."""
    raw: dict[str, Any] = json.loads(Path(path or CONFIG_PATH).read_text(encoding="utf-8"))
    raw.pop("_note", None)
    return rules.IndicatorConfig.model_validate(raw)


class IndicatorOverview(BaseModel):
    """The province, each agency and each procedure field for one period, from one pass."""

    months: list[str]
    province: rules.IndicatorReport
    agencies: dict[str, rules.IndicatorReport]
    fields: dict[str, rules.IndicatorReport]


def agency_units(deps: Deps) -> list[str]:
    """Units that can own counters or tasks: everything but the one-stop desks."""
    return sorted(u.code for u in deps.store.list_units() if u.kind != "desk")


def counter_rows(deps: Deps, agency: str, months: Iterable[str]) -> dict[str, dict[str, int]]:
    """Per procedure, the counters of one agency summed over the months (one Query per month)."""
    out: dict[str, dict[str, int]] = {}
    for month in months:
        for proc, metrics in deps.store.counters(agency, month).items():
            out[proc] = rules.sum_metrics([out.get(proc, {}), metrics])
    return out


def _catalogue(deps: Deps) -> list[dict[str, Any]]:
    return deps.store.list_procedures()


def _catalogue_metrics(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    rows = list(rows)
    return {
        "procedures_total": len(rows),
        "procedures_online": sum(1 for r in rows if r.get("level") != "not_online"),
    }


def _merge(*parts: Mapping[str, int]) -> dict[str, int]:
    return rules.sum_metrics(parts)


def compute_agency(
    deps: Deps,
    agency: str,
    months: list[str],
    extra: Mapping[str, int] | None = None,
    config: rules.IndicatorConfig | None = None,
) -> rules.IndicatorReport:
    """One agency's indicators; `extra` adds counts other modules supply (synced, paid, ...)."""
    cfg = config or load_config()
    counters = rules.counter_metrics(counter_rows(deps, agency, months).values())
    catalogue = _catalogue_metrics(r for r in _catalogue(deps) if r.get("lead_agency") == agency)
    metrics = _merge(counters, catalogue, extra or {})
    return rules.evaluate(cfg, metrics, scope=f"agency:{agency}", months=months)


def compute_overview(
    deps: Deps,
    months: list[str],
    extra: Mapping[str, Mapping[str, int]] | None = None,
    config: rules.IndicatorConfig | None = None,
    agencies: list[str] | None = None,
) -> IndicatorOverview:
    """Province, agencies and fields from one read of every agency-month counter partition.

    `extra` maps a scope (`province`, `agency:<code>`, `field:<name>`) to additional counts.
    """
    cfg = config or load_config()
    extra = extra or {}
    catalogue = _catalogue(deps)
    field_of = {str(r["code"]): str(r.get("field", "")) for r in catalogue}
    codes = agencies if agencies is not None else agency_units(deps)
    per_agency: dict[str, dict[str, int]] = {}
    per_field: dict[str, list[Mapping[str, int]]] = {}
    for agency in codes:
        rows = counter_rows(deps, agency, months)
        per_agency[agency] = rules.counter_metrics(rows.values())
        for proc, metrics in rows.items():
            per_field.setdefault(field_of.get(proc, ""), []).append(metrics)
    agency_reports = {}
    for agency, metrics in per_agency.items():
        cat = _catalogue_metrics(r for r in catalogue if r.get("lead_agency") == agency)
        scope = f"agency:{agency}"
        agency_reports[agency] = rules.evaluate(
            cfg, _merge(metrics, cat, extra.get(scope, {})), scope=scope, months=months
        )
    field_reports = {}
    for name in sorted(set(field_of.values()) | set(per_field)):
        cat = _catalogue_metrics(r for r in catalogue if r.get("field", "") == name)
        scope = f"field:{name}"
        metrics = rules.counter_metrics(per_field.get(name, []))
        field_reports[name] = rules.evaluate(
            cfg, _merge(metrics, cat, extra.get(scope, {})), scope=scope, months=months
        )
    province_metrics = _merge(
        rules.counter_metrics(per_agency.values()),
        _catalogue_metrics(catalogue),
        extra.get("province", {}),
    )
    province = rules.evaluate(cfg, province_metrics, scope="province", months=months)
    return IndicatorOverview(
        months=months, province=province, agencies=agency_reports, fields=field_reports
    )


def compute_province(
    deps: Deps,
    months: list[str],
    extra: Mapping[str, int] | None = None,
    config: rules.IndicatorConfig | None = None,
) -> rules.IndicatorReport:
    """The province's total (the sum of every agency's counters)."""
    overview = compute_overview(deps, months, {"province": extra or {}}, config)
    return overview.province


def compute_trend(
    deps: Deps,
    months: list[str],
    agency: str | None = None,
    config: rules.IndicatorConfig | None = None,
) -> list[rules.IndicatorReport]:
    """One report per month (the dashboard's trend chart), for an agency or the province.

    Reads the same counter partitions as `compute_overview`: one Query per agency-month.
    """
    cfg = config or load_config()
    catalogue = _catalogue(deps)
    codes = [agency] if agency is not None else agency_units(deps)
    scoped = [r for r in catalogue if agency is None or r.get("lead_agency") == agency]
    cat = _catalogue_metrics(scoped)
    scope = f"agency:{agency}" if agency is not None else "province"
    out: list[rules.IndicatorReport] = []
    for month in months:
        rows = [m for code in codes for m in counter_rows(deps, code, [month]).values()]
        metrics = _merge(rules.counter_metrics(rows), cat)
        out.append(rules.evaluate(cfg, metrics, scope=scope, months=[month]))
    return out


def catalogue_metrics(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """`procedures_total` and `procedures_online` of catalogue rows (dashboard, transparency)."""
    return _catalogue_metrics(rows)
