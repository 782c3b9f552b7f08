"""The semiannual report (regulation Đ17), built from the monthly counters only.

Part 1 (operation): dossiers received by channel, processed, on time, late, returned,
supplemented and refused, per agency and for the province. Part 2 (online services): procedures
offered full and partial online per lead agency (from the catalogue), dossiers received online
against all received. Reads one Query per agency-month plus the catalogue and the units, never a
dossier, like `services.indicators`.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from chalicelib.documents.report_common import period_label
from chalicelib.domain import indicators as rules
from chalicelib.domain.report import (
    OnlineRow,
    OperationRow,
    Report,
    operation_row,
    sum_operation,
)
from chalicelib.services.container import Deps
from chalicelib.services.reporting.indicators import agency_units, counter_rows

if TYPE_CHECKING:
    from chalicelib.services.care.mail import Mailer

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def build_semiannual_report(
    deps: Deps, period: str, number: str = "/BC-UBND", agencies: list[str] | None = None
) -> Report:
    """Sum every agency's monthly counters over `period` (e.g. "2026-H1") into both parts.

    `agencies` limits the report to those agencies (an agency leader's own report); the totals
    row is then their sum, named after the agency when there is one.
    """
    months = rules.parse_period(period)
    names = {u.code: u.name for u in deps.store.list_units()}
    catalogue = deps.store.list_procedures()
    operation: list[OperationRow] = []
    online: list[OnlineRow] = []
    for agency in agencies if agencies is not None else agency_units(deps):
        metrics = rules.counter_metrics(counter_rows(deps, agency, months).values())
        row = operation_row(agency, names.get(agency, agency), metrics)
        operation.append(row)
        levels = [str(p.get("level")) for p in catalogue if p.get("lead_agency") == agency]
        online.append(
            OnlineRow(
                agency=agency,
                name=row.name,
                procedures_full_online=levels.count("full_online"),
                procedures_partial_online=levels.count("partial_online"),
                received_online=row.received_online,
                received_total=row.received,
            )
        )
    province = f"Tỉnh {deps.settings.province_name}"
    if agencies is not None and len(agencies) == 1:
        province = names.get(agencies[0], agencies[0])
    online_total = OnlineRow(
        agency="",
        name=province,
        procedures_full_online=sum(r.procedures_full_online for r in online),
        procedures_partial_online=sum(r.procedures_partial_online for r in online),
        received_online=sum(r.received_online for r in online),
        received_total=sum(r.received_total for r in online),
    )
    return Report(
        period=period.strip().upper(),
        months=months,
        province_name=deps.settings.province_name,
        number=number,
        issued_on=deps.clock().astimezone(VN).date(),
        operation=operation,
        operation_total=sum_operation(operation, province),
        online=online,
        online_total=online_total,
    )


# ------------------------------------------------------------------ stored reports (S3 + table)
#
# A built report is two objects in the reports bucket, `reports/<period>/<id>/report.xlsx|.pdf`,
# and one item (chalicelib.store.reports) listed newest first, every report or one agency's.
# The scheduled run (Đ17: before 30/6 and 30/11) uses a fixed id per period so a retried schedule
# neither duplicates the report nor sends the e-mail twice.

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILES = {"report.xlsx": XLSX_TYPE, "report.pdf": "application/pdf"}


class StoredReport(BaseModel):
    id: str
    period: str
    months: list[str]
    agency: str | None = None
    number: str
    created_at: str
    created_by: str  # the username, for accountability
    created_by_name: str = ""  # the person's full name when the report was made, for the list
    trigger: str  # on_demand | schedule
    keys: dict[str, str]
    sizes: dict[str, int]
    received: int = 0
    processed: int = 0
    on_time_share: float | None = None
    emailed_to: list[str] = []
    emailed_at: str | None = None

    def public(self) -> dict[str, Any]:
        base = f"/api/reports/{self.id}"
        data = self.model_dump(exclude={"keys"})
        data["downloads"] = {name: f"{base}/{name}" for name in FILES}
        return data


def resolve_period(period: str | None, start: str | None = None, end: str | None = None) -> str:
    """`2026-H2` (or any `parse_period` text), or a from/to month range; checked, upper-cased."""
    text = (period or "").strip()
    if not text:
        if not (start and end):
            raise ValueError("period or from/to is required")
        text = f"{start.strip()}..{end.strip()}"
    rules.parse_period(text)  # raises ValueError on bad input
    return text.upper()


def _reports_bucket(deps: Deps) -> str:
    return deps.settings.reports_bucket


def generate_and_store(
    deps: Deps,
    period: str,
    *,
    agency: str | None = None,
    created_by: str = "system",
    created_by_name: str = "",
    trigger: str = "on_demand",
    report_id: str | None = None,
    number: str = "/BC-UBND",
) -> StoredReport:
    """Build the report from the counters, render XLSX + PDF, store both and the item."""
    import secrets

    from chalicelib import aws
    from chalicelib.documents.report_pdf import render_pdf
    from chalicelib.documents.report_xlsx import render_xlsx

    report = build_semiannual_report(
        deps, period, number=number, agencies=[agency] if agency else None
    )
    rid = report_id or f"{report.period.replace('..', '_')}-{secrets.token_hex(4)}".lower()
    prefix = f"reports/{report.period.replace('..', '_')}/{rid}"
    bodies = {"report.xlsx": render_xlsx(report), "report.pdf": render_pdf(report)}
    s3 = aws.client("s3")
    keys: dict[str, str] = {}
    for name, data in bodies.items():
        key = f"{prefix}/{name}"
        s3.put_object(Bucket=_reports_bucket(deps), Key=key, Body=data, ContentType=FILES[name])
        keys[name] = key
    total = report.operation_total
    stored = StoredReport(
        id=rid,
        period=report.period,
        months=report.months,
        agency=agency,
        number=number,
        created_at=deps.clock().astimezone(UTC).isoformat().replace("+00:00", "Z"),
        created_by=created_by,
        created_by_name=created_by_name or ("Hệ thống" if created_by == "system" else ""),
        trigger=trigger,
        keys=keys,
        sizes={k: len(v) for k, v in bodies.items()},
        received=total.received,
        processed=total.processed,
        on_time_share=total.on_time_share,
    )
    _put(deps, stored)
    return stored


def _put(deps: Deps, r: StoredReport) -> None:
    from chalicelib.store.reports import put_report

    put_report(
        deps.store.client,
        deps.store.table,
        report_id=r.id,
        agency=r.agency,
        created_at=r.created_at,
        data=r.model_dump_json(),
    )


def get_report(deps: Deps, report_id: str) -> StoredReport | None:
    from chalicelib.store.reports import get_report_data

    data = get_report_data(deps.store.client, deps.store.table, report_id)
    return StoredReport.model_validate_json(data) if data else None


def list_reports(
    deps: Deps,
    agency: str | None = None,
    *,
    period: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> tuple[list[StoredReport], str | None]:
    """Newest first, one page: every report, or one agency's; `period` keeps the
    reports whose period contains it (`2026` matches `2026-H2` and `2026-01..2026-03`)."""
    from chalicelib.services.paging import query_page
    from chalicelib.store import lists

    want = (period or "").strip().upper()

    def keep(item: dict[str, Any]) -> bool:
        return not want or want in str(json.loads(item["data"]["S"]).get("period", "")).upper()

    raw, nxt = query_page(
        deps, lists.reports(agency), keep=keep, limit=limit, cursor=cursor, forward=False
    )
    return [StoredReport.model_validate_json(it["data"]["S"]) for it in raw], nxt


def report_file(deps: Deps, r: StoredReport, name: str) -> bytes:
    from chalicelib import aws

    obj = aws.client("s3").get_object(Bucket=_reports_bucket(deps), Key=r.keys[name])
    data: bytes = obj["Body"].read()
    return data


def presigned_link(deps: Deps, r: StoredReport, name: str) -> str:
    from chalicelib import aws

    url: str = aws.client("s3").generate_presigned_url(
        "get_object",
        Params={
            "Bucket": _reports_bucket(deps),
            "Key": r.keys[name],
            "ResponseContentType": FILES[name],
            "ResponseContentDisposition": f'attachment; filename="bao-cao-{r.id}-{name}"',
        },
        ExpiresIn=deps.settings.report_link_expiry_seconds,
    )
    return url


# ------------------------------------------------------------------------------ the schedule


def scheduled_period(deps: Deps, now: datetime) -> str | None:
    """The period the schedule reports on `now`, or None when today is not the report day.

    The rule fires daily in June and November (`cron(0 1 * 6,11 ? *)` = 08:00 Vietnam time); only
    the REPORT_DAY setting's date (default the 20th, before the 30/6 and 30/11 deadlines) acts:
    June reports the first half year (`YYYY-H1`), November the second (`YYYY-H2`, to date).
    """
    local = now.astimezone(VN).date()
    if local.month not in (6, 11) or local.day != deps.settings.report_day:
        return None
    return f"{local.year}-H{1 if local.month == 6 else 2}"


def run_scheduled_report(
    deps: Deps, event_time: str | None = None, mailer: Mailer | None = None
) -> StoredReport | None:
    """The `on_semiannual_report` schedule: build, store and e-mail the province office."""
    import logging

    from chalicelib.services.care.mail import Attachment, SesMailer

    log = logging.getLogger("tthc.report")
    now = _parse_time(event_time) or deps.clock()
    period = scheduled_period(deps, now)
    if period is None:
        log.info("report schedule: %s is not the report day", now.astimezone(VN).date())
        return None
    rid = f"{period.lower()}-dinh-ky"
    stored = get_report(deps, rid)
    if stored is None:
        stored = generate_and_store(deps, period, trigger="schedule", report_id=rid)
    if stored.emailed_at:
        log.info("report %s already e-mailed", rid)
        return stored
    recipients = [r.strip() for r in deps.settings.report_recipients.split(",") if r.strip()]
    if recipients:
        mailer = mailer or SesMailer()
        label = period_label(build_label_report(stored))
        mailer.send(
            sender=deps.settings.report_sender,
            recipients=recipients,
            subject=f"Báo cáo tình hình giải quyết TTHC {label} — {deps.settings.province_name}",
            text=(
                f"Kính gửi Văn phòng UBND tỉnh,\n\nHệ thống gửi kèm báo cáo {label} (Đ17): "
                f"tổng tiếp nhận {stored.received}, đã giải quyết {stored.processed}.\n"
                f"Tải lại trên hệ thống: {deps.settings.public_base_url.rstrip('/')}"
                f"/#/reports\n"
            ),
            attachments=[
                Attachment(f"bao-cao-{stored.id}-{n}", FILES[n], report_file(deps, stored, n))
                for n in FILES
            ],
        )
        stored = stored.model_copy(
            update={"emailed_to": recipients, "emailed_at": deps.clock().isoformat()}
        )
        _put(deps, stored)
    log.info("report %s stored, e-mailed to %d", rid, len(recipients))
    return stored


def build_label_report(stored: StoredReport) -> Report:
    """A Report shell carrying only the period, for `period_label`."""
    empty = OperationRow(agency="", name="")
    return Report(
        period=stored.period,
        months=stored.months,
        province_name="",
        number=stored.number,
        issued_on=date.today(),
        operation=[],
        operation_total=empty,
        online=[],
        online_total=OnlineRow(agency="", name=""),
    )


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo is not None else None
