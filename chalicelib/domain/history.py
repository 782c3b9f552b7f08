"""A dossier's history events and the month its counters fall in (pure)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from chalicelib.domain.actors import Actor, actor_name, actor_title, actor_unit
from chalicelib.domain.dossier import HistoryEvent
from chalicelib.domain.statuses import DossierStatus

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def month_key(at: datetime) -> str:
    """The report month an instant counts in: `YYYY-MM` in Vietnam's time."""
    return at.astimezone(VN).strftime("%Y-%m")


def new_event(
    actor: Actor,
    action: str,
    frm: DossierStatus | None,
    to: DossierStatus | None,
    note: str | None = None,
    agency: str | None = None,
    *,
    at: datetime,
) -> HistoryEvent:
    """One history event, naming the actor (and an official's full name, title and unit as they
    are now: papers and the national portal report them as they were at the time)."""
    return HistoryEvent(
        at=at,
        actor=actor.username,
        actor_role=actor.role,
        actor_name=actor_name(actor),
        actor_title=actor_title(actor),
        actor_unit=actor_unit(actor),
        action=action,
        from_status=frm,
        to_status=to,
        note=note,
        agency=agency,
    )
