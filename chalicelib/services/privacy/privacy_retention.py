"""The retention job: dossiers past their retention end lose their personal data and files.

`run_retention(deps, now)` Queries GSI3 `EXPIRES#<month>` (chalicelib.store.table `_dossier_item`)
for every month from the job's watermark (or `retention_lookback_months` back on the first run) to
now's month, only entries whose `retention_until` is before now, at most `retention_batch` dossiers
per run. Each one: every version of its attachments and result deleted (Object Lock versions are
listed, not forced), its history notes dropped, and the dossier item replaced by its tombstone
(chalicelib.domain.retention.tombstone: code, procedure, agencies, dates, outcome stay; the
counters are separate items and are not touched, so statistics stay true). Each deletion is audited
on the dossier's stream (`retention_deleted`, actor `system:retention`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from chalicelib.domain import retention as rules
from chalicelib.domain.errors import Conflict
from chalicelib.services.admin import audit
from chalicelib.store.privacy import PrivacyStore
from chalicelib.store.s3_erase import Erased, erase_object

if TYPE_CHECKING:
    from chalicelib.domain.dossier import Dossier
    from chalicelib.services.container import Deps

_VN = ZoneInfo("Asia/Ho_Chi_Minh")
_log = logging.getLogger("tthc.retention")


@dataclass(frozen=True)
class SystemActor:
    sub: str = "system"
    username: str = "system:retention"
    role: str = "system"
    unit: str | None = None


def _iso(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def _drop_history_notes(deps: Deps, d: Dossier) -> int:
    """History items keep action, statuses and times; free-text notes may hold personal data."""
    client, table = deps.store.client, deps.store.table
    n = 0
    for e in deps.store.history(d.id):
        if e.note:
            n += 1
    if not n:
        return 0
    from chalicelib.store.dossier_reads import history_pages

    for page in history_pages(client, table, d.id):
        for it in page:
            data = json.loads(it["data"]["S"])
            if data.get("note"):
                data["note"] = None
                it["data"] = {"S": json.dumps(data, ensure_ascii=False)}
                client.put_item(TableName=table, Item=it)
    return n


def delete_expired(deps: Deps, d: Dossier, now: datetime) -> dict[str, Any] | None:
    """Tombstone one expired dossier; None when it is not (or no longer) expired."""
    if d.tombstoned_at is not None or d.retention_until is None or d.retention_until > now:
        return None
    s3 = deps.files.client
    erased = Erased()
    for a in d.attachments:
        erased.add(erase_object(s3, deps.files.bucket, a.key))
    if d.result is not None:
        erased.add(erase_object(s3, deps.settings.results_bucket, d.result.key))
    notes = _drop_history_notes(deps, d)
    stone = rules.tombstone(d, now)
    deps.store.save_dossier(stone, d.version)
    summary = rules.tombstone_summary(d)
    audit.record(
        deps,
        SystemActor(),
        "retention_deleted",
        dossier_id=d.id,
        detail={
            **summary,
            "object_versions_deleted": erased.deleted,
            "locked_objects": [f"{x['bucket']}/{x['key']}" for x in erased.locked],
            "history_notes_dropped": notes,
        },
    )
    return {**summary, "object_versions_deleted": erased.deleted, "locked": erased.locked}


def run_retention(deps: Deps, now: datetime | None = None) -> dict[str, Any]:
    now = now or deps.clock()
    store = PrivacyStore(deps.store.client, deps.store.table)
    this_month = now.astimezone(_VN).strftime("%Y-%m")
    start = store.retention_state() or rules.month_minus(
        this_month, deps.settings.retention_lookback_months
    )
    budget = deps.settings.retention_batch
    done: list[dict[str, Any]] = []
    watermark = start
    complete = True
    for month in rules.months_between(start, this_month):
        remaining = budget - len(done)
        ids = store.expiring(month, _iso(now), remaining + 1)
        for dossier_id in ids[:remaining]:
            try:
                d = deps.store.get_dossier(dossier_id)
                out = delete_expired(deps, d, now)
            except Conflict:
                complete = False
                _log.warning("retention: dossier changed meanwhile; next run", exc_info=True)
                continue
            if out:
                done.append(out)
        if len(ids) > remaining:
            complete = False
        if not complete:
            break
        if month < this_month:
            watermark = rules.months_between(month, this_month)[1]
    if watermark != start:
        store.set_retention_state(watermark)
    return {"deleted": len(done), "dossiers": done, "complete": complete, "from": start}
