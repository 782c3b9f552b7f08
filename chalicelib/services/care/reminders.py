"""Reminders to citizens (NĐ 224/2026 Đ16, proactive services level 1), and their preferences.

`run_reminders(deps, now)` is the daily `on_reminders` schedule (08:30 Vietnam time). It finds the
candidates with bounded Queries on sparse indexes, never a Scan:

* per agency, GSI4 `OPEN#<agency>` / `<appointment_at>#<id>` from now to the end of the
  appointment lead's horizon (open dossiers with an appointment soon);
* once, GSI3 `APPLICANTDUE` / `<supplement_due_at>#<id>` from now to the deadline lead's horizon
  (dossiers waiting for the applicant's supplement or fee, statuses 5 and 6 after receipt);
* once, GSI4 `VALIDUNTIL` / `<result.valid_until>#<id>` from now to the expiry lead's horizon
  (results with a validity period, statuses 9 and 10).

For each candidate the rule (`chalicelib.domain.reminders`) says which reminders are due, minus
the kinds the account turned off (`GET|PUT /api/me/reminder-preferences`). Each due reminder is
written to the notification outbox once per reminder key (`notifications.enqueue_once`: a marker
and the items in one transaction), by e-mail, and by SMS only with the account's
`sms_notifications` consent (checked again when sending, as for every outbox item).
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from chalicelib.domain import reminders as rule
from chalicelib.domain.permissions import require
from chalicelib.services.care.models_care import ReminderPreferences, ReminderPreferencesIn

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor
    from chalicelib.domain.dossier import Dossier
    from chalicelib.services.container import Deps

logger = logging.getLogger("tthc.reminders")

TEMPLATES: dict[str, str] = {
    "appointment": "reminder_appointment",
    "supplement": "reminder_supplement",
    "fee": "reminder_fee",
    "expiry": "reminder_expiry",
}
KEEP_MARKER = timedelta(days=60)  # a reminder's marker outlives its deadline by this much


class ReminderRun(BaseModel):
    """What one run did: candidates read, reminders written now, already written, turned off."""

    day: str
    candidates: int = 0
    written: int = 0
    already: int = 0
    turned_off: int = 0
    keys: list[str] = []


# ---- preferences ---------------------------------------------------------------------------------
def get_preferences(deps: Deps, actor: Actor) -> ReminderPreferences:
    require(actor, "care.reminders.own")
    stored = deps.store.get_reminder_preferences(actor.sub) or {}
    return ReminderPreferences(**rule.check_preferences(stored))


def put_preferences(deps: Deps, actor: Actor, req: ReminderPreferencesIn) -> ReminderPreferences:
    require(actor, "care.reminders.own")
    current = deps.store.get_reminder_preferences(actor.sub) or {}
    given = {k: v for k, v in req.model_dump().items() if v is not None}
    prefs = rule.check_preferences({**current, **given})
    deps.store.put_reminder_preferences(
        actor.sub,
        {str(k): v for k, v in prefs.items()},
        deps.clock().isoformat().replace("+00:00", "Z"),
    )
    return ReminderPreferences(**prefs)


# ---- the daily run -------------------------------------------------------------------------------
def leads(deps: Deps) -> dict[rule.ReminderKind, int]:
    s = deps.settings
    return {
        "appointment": s.reminder_appointment_working_days,
        "supplement": s.reminder_deadline_working_days,
        "fee": s.reminder_deadline_working_days,
        "expiry": s.reminder_expiry_working_days,
    }


def horizon(deps: Deps, now: datetime, lead_working_days: int) -> datetime:
    """The end (local midnight) of the `lead`-th working day after today: a deadline before it
    has its reminder day today or earlier."""
    from chalicelib.services.care.digest import horizon as digest_horizon

    return digest_horizon(deps.calendar, now, lead_working_days)


def candidates(deps: Deps, now: datetime) -> list[Dossier]:
    """Dossiers that may have a reminder due: bounded Queries only (see the module docstring)."""
    lead = leads(deps)
    found: dict[str, Dossier] = {}
    until = horizon(deps, now, lead["appointment"])
    for unit in sorted(deps.store.list_units(), key=lambda u: u.code):
        if unit.kind == "desk":
            continue
        for d in deps.store.list_open_by_appointment(unit.code, now, until):
            found[d.id] = d
    until = horizon(deps, now, max(lead["supplement"], lead["fee"]))
    for d in deps.store.list_applicant_due(now, until):
        found[d.id] = d
    for d in deps.store.list_valid_until(now, horizon(deps, now, lead["expiry"])):
        found[d.id] = d
    return list(found.values())


def _data(deps: Deps, d: Dossier, r: rule.Reminder) -> dict[str, Any]:
    from chalicelib.documents.vn_format import format_vn_datetime, format_vnd
    from chalicelib.domain.masking import mask_name

    base = deps.settings.public_base_url.rstrip("/")
    fee = d.fee
    return {
        "dossier_id": d.id,
        "code": d.code or "",
        "name": mask_name(d.applicant.name),
        "procedure": d.procedure_code,
        "status": d.status.label_vi if d.status is not None else "",
        "appointment_at": format_vn_datetime(d.appointment_at) if d.appointment_at else "",
        "deadline": format_vn_datetime(r.deadline),
        "amount": format_vnd(fee.amount_vnd) if fee is not None and fee.paid_at is None else "",
        "link": f"{base}/#/my/{d.id}",
        "settings_link": f"{base}/#/profile",
        "reminder": r.kind,
        "valid_until": format_vn_datetime(r.deadline),
        "renew_link": renew_link(deps, d),
    }


def renew_link(deps: Deps, d: Dossier) -> str:
    """The page of the procedure that renews the result (the procedure's `renewal_procedure`,
    else the procedure itself); "" before an expiry reminder needs one."""
    from chalicelib.domain.errors import NotFound

    base = deps.settings.public_base_url.rstrip("/")
    try:
        proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    except NotFound:
        return f"{base}/#/procedures/{d.procedure_code}"
    return f"{base}/#/procedures/{proc.renewal_procedure or proc.code}"


def remind(deps: Deps, d: Dossier, now: datetime, run: ReminderRun) -> None:
    """Write the reminders of one dossier due at `now` (each once)."""
    from chalicelib.services.care.notifications import dossier_recipient, enqueue_once, sms_allowed

    to = dossier_recipient(d)
    if to is None or d.tombstoned_at is not None or d.restricted:
        return
    prefs = deps.store.get_reminder_preferences(d.owner) if d.owner else None
    off = rule.turned_off(prefs)
    cal = deps.calendar
    every = rule.due_reminders(d, now, cal, lead=leads(deps))
    run.turned_off += sum(1 for r in every if r.kind in off)
    for r in every:
        if r.kind in off:
            continue
        sms = bool(d.owner and d.applicant.phone and sms_allowed(deps, d.owner))
        written = enqueue_once(
            deps,
            r.key,
            to,
            TEMPLATES[r.kind],
            _data(deps, d, r),
            now,
            sms=sms,
            keep_until=r.deadline + KEEP_MARKER,
        )
        if written:
            run.written += 1
            run.keys.append(r.key)
        else:
            run.already += 1


def run_reminders(deps: Deps, now: datetime | None = None) -> ReminderRun:
    """Every reminder due at `now`, each written once; never raises for one dossier."""
    now = now or deps.clock()
    run = ReminderRun(day=deps.calendar.local_date(now).isoformat())
    found = candidates(deps, now)
    run.candidates = len(found)
    for d in sorted(found, key=lambda x: x.id):
        try:
            remind(deps, d, now, run)
        except Exception:  # one dossier's failure must not stop the others' reminders
            logger.exception("reminders of dossier %s not written", d.id)
    logger.info(
        "reminders %s: candidates=%d written=%d already=%d turned_off=%d",
        run.day,
        run.candidates,
        run.written,
        run.already,
        run.turned_off,
    )
    return run


def run_scheduled_reminders(deps: Deps, event_time: str | None = None) -> ReminderRun:
    """The `on_reminders` schedule: the instant is the event's (a retried delivery of the same
    event finds the same reminders, and the markers make it write nothing twice)."""
    now = deps.clock()
    if event_time:
        try:
            now = datetime.fromisoformat(event_time.replace("Z", "+00:00"))
        except ValueError:
            pass
    return run_reminders(deps, now)
