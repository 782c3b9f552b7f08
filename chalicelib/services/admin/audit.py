"""Audit use cases: record decisions and staff reads, list a dossier's audit trail, verify chains.

Status changes are audited by the store itself (`DynamoStore.apply`/`add_event`, same transaction).
This module records what is not a status change: staff reading personal data, decisions taken
outside a dossier transaction (keys, accounts, catalogue), and answers the verifier's questions.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from chalicelib.domain.actors import STAFF_ROLES
from chalicelib.domain.audit import GENESIS, AuditEvent, ChainReport, verify_chain
from chalicelib.domain.errors import InvalidInput
from chalicelib.store.audit import AuditStore, account_stream, dossier_stream

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor
    from chalicelib.domain.dossier import Dossier
    from chalicelib.services.container import Deps

MAX_PERIOD_DAYS = 92  # a quarter: bounded work per request


def _store(deps: Deps) -> AuditStore:
    return AuditStore(deps.store.client, deps.store.table)


def record(
    deps: Deps,
    actor: Actor,
    action: str,
    *,
    dossier_id: str | None = None,
    stream: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event: to the dossier's stream when about a dossier, else `stream` (e.g.
    `PROC#<code>`, `ACCOUNT#<sub>`), else the actor's account stream."""
    name = stream or (dossier_stream(dossier_id) if dossier_id else account_stream(actor.sub))
    return _store(deps).append(
        name,
        at=deps.clock(),
        actor=actor.username,
        actor_role=actor.role,
        actor_unit=actor.unit,
        action=action,
        dossier_id=dossier_id,
        detail=detail,
    )


def record_staff_read(
    deps: Deps,
    actor: Actor,
    dossier: Dossier,
    what: str = "read",
    extra: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """Staff opening a dossier's personal data is audited; a citizen reading their own is not.
    `extra` names what was opened inside it (an attachment), never its content."""
    if actor.role not in STAFF_ROLES:
        return None
    return record(
        deps,
        actor,
        f"staff_{what}",
        dossier_id=dossier.id,
        detail={
            "code": dossier.code,
            "status": int(dossier.status) if dossier.status is not None else None,
            **(extra or {}),
        },
    )


def _event_view(ev: AuditEvent) -> dict[str, Any]:
    return {**ev.body(), "hash": ev.hash, "intact": ev.intact}


def list_dossier_audit(deps: Deps, dossier_id: str) -> list[dict[str, Any]]:
    events, _ = _store(deps).read_stream(dossier_stream(dossier_id))
    return [_event_view(ev) for ev in events]


def _report(report: ChainReport) -> dict[str, Any]:
    return report.model_dump(mode="json")


def verify_stream(deps: Deps, stream: str, from_seq: int = 1) -> ChainReport:
    """Verify a stream from `from_seq` to its head. From the middle, the first event read is the
    anchor: its content and position are checked, its backward link is trusted."""
    events, head = _store(deps).read_stream(stream, from_seq)
    start_prev = GENESIS if from_seq <= 1 else None
    return verify_chain(
        events, head, stream=stream, start_prev_hash=start_prev, start_seq=max(1, from_seq)
    )


def verify_dossier(deps: Deps, dossier_id: str) -> dict[str, Any]:
    """The whole chain of one dossier, from genesis to the head."""
    stream = dossier_stream(dossier_id)
    return {"stream": stream, **_report(verify_stream(deps, stream))}


def _days(date_from: date, date_to: date) -> Iterator[date]:
    day = date_from
    while day <= date_to:
        yield day
        day += timedelta(days=1)


def verify_period(deps: Deps, date_from: date, date_to: date) -> dict[str, Any]:
    """Every stream touched in [date_from, date_to] (Vietnam days), verified from the event before
    the period's first one to the stream's head. Streams are checked in the order the period first
    touched them; `first_broken` is the first break in that order, `broken` lists them all."""
    if date_to < date_from:
        raise InvalidInput("Khoảng thời gian không hợp lệ.", "`to` is before `from`.", field="to")
    if (date_to - date_from).days >= MAX_PERIOD_DAYS:
        raise InvalidInput(
            f"Khoảng thời gian tối đa {MAX_PERIOD_DAYS} ngày.",
            f"At most {MAX_PERIOD_DAYS} days per request.",
            field="to",
        )
    store = _store(deps)
    first_seq: dict[str, int] = {}  # stream -> lowest seq in the period, in first-touched order
    indexed = 0
    for day in _days(date_from, date_to):
        for row in store.events_on_day(day.isoformat()):
            indexed += 1
            stream, seq = row["stream"], row["seq"]
            first_seq[stream] = min(seq, first_seq.get(stream, seq))
    broken: list[dict[str, Any]] = []
    checked = 0
    for stream, seq in first_seq.items():
        report = verify_stream(deps, stream, from_seq=max(1, seq - 1))
        checked += report.checked
        if report.first_broken is not None:
            broken.append(report.first_broken.model_dump(mode="json"))
    return {
        "from": date_from.isoformat(),
        "to": date_to.isoformat(),
        "ok": not broken,
        "streams_checked": len(first_seq),
        "events_in_period": indexed,
        "events_checked": checked,
        "first_broken": broken[0] if broken else None,
        "broken": broken,
    }
