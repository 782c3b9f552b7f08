"""The daily reconciliation with the national portal (Cổng DVCQG), and its report for ops.

`reconcile(deps)` (an EventBridge schedule, `portal-reconcile`): the dossiers synced in the last
`portal_reconcile_days` Vietnam days (GSI2's per-day partitions: a Query each, never a Scan) are
looked up on the portal (TraCuuHoSo, in batches); each one missing there, older there or with
another status is re-opened and its latest packet queued again (exactly once still holds: the
portal keeps one record per (dossier, version)). A dossier with a newer packet on its way is left
to the queue. The report (counts and every difference) is stored per day, shown at
`GET /api/ops/portal-sync/reconciliation`, and a non-empty difference raises an alert.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain import lien_thong
from chalicelib.domain import portal_reconcile as rules
from chalicelib.domain.errors import NotFound
from chalicelib.integrations.national_portal import SyncError
from chalicelib.store.portal_sync import VN, synced_day_key

if TYPE_CHECKING:
    from chalicelib.integrations.national_portal import NationalPortal
    from chalicelib.services.deps import Deps

log = logging.getLogger(__name__)
BATCH = 50


def _ours(deps: Deps, now: datetime) -> list[rules.Ours]:
    from chalicelib.services.portal.portal_sync import sync_store

    store = sync_store(deps)
    external = lien_thong.systems_of(deps.store.list_units())
    seen: set[str] = set()
    out: list[rules.Ours] = []
    for back in range(deps.settings.portal_reconcile_days):
        for st in store.synced_on(synced_day_key(now - timedelta(days=back))):
            if st.dossier_id in seen or st.latest_version > st.synced_version:
                continue  # a newer packet is on its way: the queue's business
            seen.add(st.dossier_id)
            try:
                d = deps.store.get_dossier(st.dossier_id)
            except NotFound:
                continue
            if d.status is None or d.version != st.synced_version:
                continue
            status = lien_thong.portal_status(d.status, d.handovers, external)
            out.append(rules.Ours(d.id, d.code or d.id, d.version, status))
    return out


def reconcile(
    deps: Deps, now: datetime | None = None, client: NationalPortal | None = None
) -> dict[str, Any]:
    """Compare, re-send what differs, store and return the report."""
    from chalicelib.services.portal.portal_sync import packet_for, portal, send_to_queue, sync_store

    at = now or deps.clock()
    day = at.astimezone(VN).strftime("%Y-%m-%d")
    ours = _ours(deps, at)
    sender = client or portal(deps)
    theirs: dict[str, tuple[int | None, int | None]] = {}
    error = None
    try:
        for i in range(0, len(ours), BATCH):
            theirs.update(rules.portal_view(sender.lookup([o.code for o in ours[i : i + BATCH]])))
    except SyncError as exc:
        error = exc.message_vi  # compare nothing on a partial view: tomorrow's run will
        log.warning("portal reconciliation %s: lookup failed: %s", day, exc)
    diffs = [] if error else rules.differences(ours, theirs)
    store = sync_store(deps)
    resent = 0
    for diff in diffs:
        if not diff.resend or not store.reopen(diff.dossier_id, diff.ours_version, at):
            continue
        try:
            send_to_queue(deps, _message(deps, diff.dossier_id, packet_for))
            resent += 1
        except Exception:
            log.exception("portal reconciliation: %s not queued (the sweep will)", diff.code)
    report = {
        "day": day,
        "at": at.isoformat(),
        "checked": len(ours) if not error else 0,
        "matched": len(ours) - len(diffs) if not error else 0,
        "differ": [d.to_dict() for d in diffs],
        "resent": resent,
        "error": error,
    }
    store.put_report(day, report)
    if diffs or error:
        from chalicelib.services.care.alerts import record_alert

        record_alert(deps, "DVCQG", "portal_reconcile_differs", day, day, None, at)
    log.info(
        "portal reconciliation %s: %d checked, %d differ, %d re-sent",
        day,
        report["checked"],
        len(diffs),
        resent,
    )
    return report


def _message(deps: Deps, dossier_id: str, packet_for: Any) -> dict[str, Any]:
    from chalicelib.services.portal.portal_sync import message_for

    return message_for(packet_for(deps, deps.store.get_dossier(dossier_id)))


def latest_report(deps: Deps) -> dict[str, Any]:
    from chalicelib.services.portal.portal_sync import sync_store

    report = sync_store(deps).latest_report()
    if report is None:
        raise NotFound("Chưa có báo cáo đối soát với Cổng DVCQG.", "No reconciliation report yet.")
    return report
