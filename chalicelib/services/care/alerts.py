"""Alerts visible in the console: one item per due-soon / overdue alarm, under the agency.

`ALERTS#<agency>` / `<at>#<dossier_id>#<step_id>#<kind>`, TTL `expiration` 90 days. The key is
deterministic, so a retried alarm delivery overwrites its own alert instead of adding another.
The agency's staff and leader list them newest first with one Query (paged by a cursor), and get
each by e-mail through the notification outbox (`AGENCY#<agency>`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.services.container import Deps
from chalicelib.store.alerts import alerts_page, put_alert
from chalicelib.store.outbox import agency_recipient

TTL_DAYS = 90
KIND_TEXT = {
    "step_due_soon": ("Bước xử lý sắp đến hạn", "Step due soon"),
    "step_overdue": ("Bước xử lý quá hạn", "Step overdue"),
    "dossier_due_soon": ("Hồ sơ sắp đến hạn trả kết quả", "Dossier due soon"),
    "dossier_overdue": ("Hồ sơ quá hạn trả kết quả", "Dossier overdue"),
    "repeat": ("Nhắc lại: bước xử lý vẫn quá hạn", "Reminder: step still overdue"),
    "portal_intake_rejected": (
        "Hồ sơ từ Cổng DVCQG bị từ chối tiếp nhận tự động",
        "A dossier from the national portal was refused at intake",
    ),
    "portal_reconcile_differs": (
        "Đối soát với Cổng DVCQG: có hồ sơ lệch, đã gửi lại",
        "National portal reconciliation: dossiers differed and were re-sent",
    ),
    "workflow_failed": (
        "Quy trình xử lý hồ sơ bị lỗi hệ thống, cần quản trị viên xử lý",
        "The dossier's workflow failed; an administrator must act",
    ),
    "signing_failed": (
        "Chưa ký số được kết quả (chứng thư số, khóa ký hoặc dịch vụ dấu thời gian); hệ thống "
        "sẽ thử lại, kết quả chưa được phát hành",
        "The result could not be signed (certificate, key or timestamp service); retrying, "
        "nothing was released",
    ),
}


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def record_alert(
    deps: Deps,
    agency: str,
    kind: str,
    dossier_id: str,
    dossier_code: str,
    step_id: str | None,
    at: datetime,
) -> dict[str, Any]:
    """Write one alert for `agency` (idempotent for the same alarm and instant)."""
    vi, en = KIND_TEXT.get(kind, (kind, kind))
    data = {
        "agency": agency,
        "kind": kind,
        "text": vi,
        "text_en": en,
        "dossier_id": dossier_id,
        "dossier_code": dossier_code,
        "step_id": step_id or "",
        "at": _iso(at),
    }
    expiration = int((at + timedelta(days=TTL_DAYS)).timestamp())
    _email_staff(deps, data, at)
    sort_key = f"{_iso(at)}#{dossier_id}#{step_id or '-'}#{kind}"
    put_alert(deps.store.client, deps.store.table, agency, sort_key, data, expiration)
    return data


def _email_staff(deps: Deps, alert: dict[str, Any], at: datetime) -> None:
    """The agency's staff and leader get the alert by e-mail too (the outbox sends it; the
    deterministic ref keeps a redelivered alarm from mailing twice)."""
    from chalicelib.documents.vn_format import format_vn_datetime
    from chalicelib.services.care.notifications import enqueue

    base = deps.settings.public_base_url.rstrip("/")
    step = f"?step={alert['step_id']}" if alert["step_id"] else ""
    enqueue(
        deps,
        agency_recipient(alert["agency"]),
        "staff_alert",
        {
            "agency": alert["agency"],
            "alert": alert["text"],
            "code": alert["dossier_code"],
            "dossier_id": alert["dossier_id"],
            "step": alert["step_id"] or "—",
            "at": format_vn_datetime(at),
            "link": f"{base}/#/agency/{alert['dossier_id']}{step}",
        },
        ref=f"{alert['dossier_id']}#{alert['step_id'] or '-'}#{alert['kind']}",
        at=at,
    )


def list_alerts(
    deps: Deps, agency: str, limit: int = 50, cursor: str | None = None
) -> dict[str, Any]:
    """The agency's alerts, newest first, one page (one Query). Expired items are skipped
    (DynamoDB's TTL deletes them lazily, so the filter keeps the 90 days honest)."""
    items, nxt = alerts_page(
        deps.store.client,
        deps.store.table,
        agency,
        now=int(deps.clock().timestamp()),
        limit=max(1, min(limit, 200)),
        cursor=cursor,
        settings=deps.settings,
    )
    return {"items": items, "next": nxt}
