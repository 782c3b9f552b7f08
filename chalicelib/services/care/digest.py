"""The daily overdue digest: per agency, open dossiers and steps due today, due soon and overdue.

Runs at 07:00 Vietnam time on weekdays (`cron(0 0 ? * MON-FRI *)` in UTC) and sends nothing on a
weekday that is a holiday, because the working calendar, not the cron, decides what a working day
is. Per agency it makes exactly two Queries, both on sparse indexes sorted by due time and bounded
by the end of the due-soon horizon, so the items read are the ones it reports (plus open dossiers
whose paused clock moved them later), never the whole table:

* GSI4 `OPEN#<agency>` / `<appointment_at>#<id>`: dossiers the agency leads that are still open;
* GSI3 `AGENCY#<agency>` / `<due_at>#<id>`: the agency's open step tasks.

Buckets, in the calendar's zone (one item is in one bucket):

* overdue: due at or before now, with how late in working days;
* due today: due later today;
* due soon: due on one of the next `warn_before_working_days` working days (default 1: tomorrow's
  working day), the same setting that places the execution's due-soon alarm.

Delivery: one e-mail per agency with something to report, to its staff and leader, through the
notification outbox (`AGENCY#<agency>`, template `agency_digest`); one summary log line per agency.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, Field

from chalicelib.domain.calendar import WorkingCalendar
from chalicelib.domain.dossier import Dossier
from chalicelib.services.container import Deps
from chalicelib.store import lists, outbox

# Records propagate to the Powertools logger (service "tthc"), see api/http.get_logger.
logger = logging.getLogger("tthc.digest")

Bucket = Literal["overdue", "due_today", "due_soon"]


class DigestItem(BaseModel):
    """One dossier (its appointment) or one step (its due time) that needs attention."""

    kind: Literal["dossier", "step"]
    dossier_id: str
    dossier_code: str
    procedure_code: str
    step_id: str | None = None
    step_name: str | None = None
    due_at: AwareDatetime
    bucket: Bucket
    late_working_days: float = 0.0  # working time since the due instant, in working days
    late_days: int = 0  # working days begun since the due date, today included


class AgencyDigest(BaseModel):
    agency: str
    agency_name: str = ""
    day: date
    generated_at: AwareDatetime
    overdue: list[DigestItem] = Field(default_factory=list)
    due_today: list[DigestItem] = Field(default_factory=list)
    due_soon: list[DigestItem] = Field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (self.overdue or self.due_today or self.due_soon)

    def summary(self) -> str:
        return (
            f"digest {self.day.isoformat()} {self.agency}: overdue={len(self.overdue)} "
            f"due_today={len(self.due_today)} due_soon={len(self.due_soon)}"
        )


# ------------------------------------------------------------------------------ time rules


def horizon(cal: WorkingCalendar, now: datetime, warn_days: float) -> datetime:
    """End (local midnight) of the `ceil(warn_days)`-th working day after today."""
    day = cal.local_date(now)
    remaining = int(-(-warn_days // 1)) if warn_days > 0 else 0
    while remaining > 0:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            remaining -= 1
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=cal.tz)


def late_days(cal: WorkingCalendar, due_at: datetime, now: datetime) -> int:
    """Working days d with due date < d <= today: due yesterday is 1 day late this morning."""
    return sum(
        1
        for _ in cal.working_days_in(
            cal.local_date(due_at) + timedelta(days=1), cal.local_date(now) + timedelta(days=1)
        )
    )


def classify(
    cal: WorkingCalendar, due_at: datetime, now: datetime, until: datetime
) -> Bucket | None:
    """Which bucket a due instant falls in at `now`, or None when it is not due yet."""
    if due_at <= now:
        return "overdue"
    if cal.local_date(due_at) == cal.local_date(now):
        return "due_today"
    if due_at < until:
        return "due_soon"
    return None


# --------------------------------------------------------------------------------- queries


def _bound(until: datetime) -> str:
    """A sort-key upper bound that includes every `<iso instant>#<id>` due before `until`.

    Index sort keys start with an ISO instant in UTC (`...Z` or `...+00:00`); cutting at the second
    and appending `~` (after every ISO and id character) keeps the bound format-agnostic.
    """
    return until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + "~"


def query_index(deps: Deps, key: lists.ListKey, upper: str) -> list[dict[str, Any]]:
    """One Query (all its pages) on a sparse index's list, sort key <= `upper`."""
    return lists.items_up_to(deps.store.client, deps.store.table, key, upper)


def _dossier_due(deps: Deps, d: Dossier, now: datetime) -> datetime | None:
    """The appointment, moved later by supplement pauses (the legal clock stood still)."""
    if d.appointment_at is None:
        return None
    if not d.pauses:
        return d.appointment_at
    from chalicelib.domain.deadlines import shift_for_pauses

    return shift_for_pauses(d.appointment_at, d.pauses, deps.calendar, now)


def _parse(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo is not None else None


def _item(
    cal: WorkingCalendar, now: datetime, until: datetime, due: datetime, **fields: Any
) -> DigestItem | None:
    bucket = classify(cal, due, now, until)
    if bucket is None:
        return None
    late = bucket == "overdue"
    return DigestItem(
        due_at=due,
        bucket=bucket,
        late_working_days=round(cal.working_days_between(due, now), 2) if late else 0.0,
        late_days=late_days(cal, due, now) if late else 0,
        **fields,
    )


def agency_digest(deps: Deps, agency: str, now: datetime, agency_name: str = "") -> AgencyDigest:
    """One agency's digest from one Query of its open dossiers and one of its open steps."""
    cal = deps.calendar
    until = horizon(cal, now, deps.settings.warn_before_working_days)
    upper = _bound(until)
    digest = AgencyDigest(
        agency=agency, agency_name=agency_name, day=cal.local_date(now), generated_at=now
    )
    found: list[DigestItem] = []
    for raw in query_index(deps, lists.open_dossiers(agency), upper):
        d = Dossier.model_validate_json(raw["data"]["S"])
        due = _dossier_due(deps, d, now)
        if due is None:
            continue
        item = _item(
            cal,
            now,
            until,
            due,
            kind="dossier",
            dossier_id=d.id,
            dossier_code=d.code or "",
            procedure_code=d.procedure_code,
        )
        if item is not None:
            found.append(item)
    for raw in query_index(deps, lists.agency_tasks(agency), upper):
        task = json.loads(raw["data"]["S"])
        due = _parse(task.get("due_at"))
        if due is None or task.get("state", "open") != "open":
            continue
        item = _item(
            cal,
            now,
            until,
            due,
            kind="step",
            dossier_id=str(task.get("dossier_id", "")),
            dossier_code=str(task.get("dossier_code", "")),
            procedure_code=str(task.get("procedure_code", "")),
            step_id=task.get("step_id"),
            step_name=task.get("step_name"),
        )
        if item is not None:
            found.append(item)
    found.sort(key=lambda i: (i.due_at, i.kind, i.dossier_code))
    for item in found:
        getattr(digest, item.bucket).append(item)
    return digest


def run_daily_digest(
    deps: Deps, now: datetime | None = None, include_empty: bool = False
) -> list[AgencyDigest]:
    """Every agency's digest for today; nothing on a day the calendar says is not a working day."""
    now = now or deps.clock()
    cal = deps.calendar
    if not cal.is_working_day(cal.local_date(now)):
        logger.info("digest skipped: %s is not a working day", cal.local_date(now).isoformat())
        return []
    out: list[AgencyDigest] = []
    for unit in sorted(deps.store.list_units(), key=lambda u: u.code):
        if unit.kind == "desk":
            continue
        digest = agency_digest(deps, unit.code, now, unit.name)
        if digest.is_empty and not include_empty:
            continue
        logger.info(digest.summary())
        if not digest.is_empty:
            mail_digest(deps, digest)
        out.append(digest)
    return out


_BUCKET_TITLES = (
    ("overdue", "QUÁ HẠN"),
    ("due_today", "ĐẾN HẠN HÔM NAY"),
    ("due_soon", "SẮP ĐẾN HẠN"),
)


def mail_digest(deps: Deps, digest: AgencyDigest) -> None:
    """One e-mail per agency and day to its staff and leader (outbox; idempotent per day)."""
    from chalicelib.documents.vn_format import format_vn_datetime
    from chalicelib.services.care.notifications import enqueue

    lines: list[str] = []
    for bucket, title in _BUCKET_TITLES:
        items: list[DigestItem] = getattr(digest, bucket)
        if not items:
            continue
        lines.append(f"{title} ({len(items)}):")
        for it in items:
            what = f"bước {it.step_name or it.step_id}" if it.kind == "step" else "hồ sơ"
            late = f", chậm {it.late_days} ngày làm việc" if bucket == "overdue" else ""
            lines.append(f"- {it.dossier_code} ({what}): hạn {format_vn_datetime(it.due_at)}{late}")
        lines.append("")
    base = deps.settings.public_base_url.rstrip("/")
    enqueue(
        deps,
        outbox.agency_recipient(digest.agency),
        "agency_digest",
        {
            "agency": digest.agency,
            "agency_name": digest.agency_name or digest.agency,
            "day": digest.day.strftime("%d/%m/%Y"),
            "overdue": len(digest.overdue),
            "due_today": len(digest.due_today),
            "due_soon": len(digest.due_soon),
            "lines": "\n".join(lines).strip(),
            "link": f"{base}/#/agency",
        },
        ref=f"digest#{digest.agency}#{digest.day.isoformat()}",
        at=digest.generated_at,  # the schedule's time: a retried run writes the same item
    )


def run_scheduled_digest(deps: Deps, event_time: str | None = None) -> list[AgencyDigest]:
    """The `on_daily_digest` schedule: the day is the event's, so a retried delivery (or one that
    runs a little late) still reports the morning it was scheduled for."""
    now = _parse(event_time) or deps.clock()
    digests = run_daily_digest(deps, now)
    logger.info("digest done: %d agencies with items", len(digests))
    if deps.calendar.is_working_day(deps.calendar.local_date(now)):
        emit_overdue_metric(digests, now)
    return digests


METRIC_NAMESPACE = "tthc"  # infra/resources.py MetricAlarm "OverdueJump" reads OverdueItems here


def emit_overdue_metric(digests: list[AgencyDigest], now: datetime) -> dict[str, Any]:
    """One CloudWatch Embedded Metric Format line: `OverdueItems` (overdue dossiers + steps).

    Lambda ships stdout to CloudWatch Logs, which turns EMF lines into metrics; the ops alarm
    `OverdueJump` (DIFF of the daily maximum) fires when the count jumps. Locally it is a log line.
    """
    total = sum(len(d.overdue) for d in digests)
    record: dict[str, Any] = {
        "_aws": {
            "Timestamp": int(now.timestamp() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": METRIC_NAMESPACE,
                    "Dimensions": [[]],
                    "Metrics": [{"Name": "OverdueItems", "Unit": "Count"}],
                }
            ],
        },
        "OverdueItems": total,
    }
    print(json.dumps(record), flush=True)
    return record
