"""The procedure catalogue as the public sees it: search, filters, detail.

Repealed procedures (a published version with state "repealed") are not offered by search or in
the field list, so nobody starts a new dossier from them; their detail and version history stay
readable (state "repealed"), because running dossiers and the public record still refer to them.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.procedure import ServiceLevel
from chalicelib.services.container import Deps


def fold(text: str) -> str:
    """Accent-insensitive matching: people type "ly lich" for "lý lịch"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text.lower())
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def search(
    deps: Deps,
    *,
    text: str | None = None,
    field_name: str | None = None,
    level: str | None = None,
    agency: str | None = None,
) -> list[dict[str, Any]]:
    if level is not None and level not in {lv.value for lv in ServiceLevel}:
        raise InvalidInput("Mức độ dịch vụ không hợp lệ.", "Unknown service level.", field="level")
    rows = _offered(deps, deps.store.list_procedures(field_name or None))
    words = fold(text).split() if text else []
    out = []
    for row in rows:
        if level and row["level"] != level:
            continue
        if agency and row["lead_agency"] != agency:
            continue
        hay = fold(f"{row['code']} {row['name']} {row['field']}")
        if all(w in hay for w in words):
            out.append(row)
    return sorted(out, key=lambda r: (r["field"], r["name"]))


def repealed_codes(deps: Deps) -> set[str]:
    """Codes of repealed procedures (one small Query; the catalogue rows carry no state)."""
    from chalicelib.store.procedure_changes import ProcedureChangeStore

    return ProcedureChangeStore(deps.store.client, deps.store.table).repealed_codes()


def _offered(deps: Deps, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of procedures still in force (a row that says its state is trusted too)."""
    hidden = repealed_codes(deps)
    return [r for r in rows if r["code"] not in hidden and r.get("state") != "repealed"]


def fields(deps: Deps) -> list[str]:
    return sorted({row["field"] for row in _offered(deps, deps.store.list_procedures())})


def detail(deps: Deps, code: str) -> dict[str, Any]:
    proc = deps.store.get_procedure(code)
    out: dict[str, Any] = proc.model_dump(mode="json")
    unit = deps.store.get_unit(proc.lead_agency)
    out["lead_agency_name"] = unit.name if unit else proc.lead_agency
    out["fee_total_vnd"] = proc.total_fee_vnd
    out["is_online"] = proc.is_online
    out["repealed"] = proc.state == "repealed"
    return out
