"""Liên thông: a dossier forwarded to another system reports status 0 while it is there. Pure.

REGULATION.md (DVCQG interface): "status 0 = liên thông (being processed in another system)".
Some steps are handled by an agency that works in its own system (a ministry's or a sector's
specialised system, reached through the agency API or an LGSP connector): while the dossier sits
only at such agencies, the national portal must see 0, not 4 (processing here); when it comes
back (the step ends, or a step here opens) it reports the status it has here again.

Decisions:
- A unit is "in another system" when its `Unit.external_system` names one (DATA: the admin sets
  it; None means it works in ours). The rule takes the set of such unit codes.
- "Elsewhere" is judged from the handovers: those open at the instant (sent by then, not finished
  by then). Elsewhere = at least one open handover and every open one is to a unit in another
  system. With parallel steps (same stage) of which one is here, the dossier is still being
  processed here: 4.
- Only a dossier in processing (4) is ever reported 0: a supplement request, a fee, a stop or a
  result is our decision and keeps its own code even if a handover to another system is open.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from chalicelib.domain.statuses import DossierStatus

if TYPE_CHECKING:
    from chalicelib.domain.dossier import Handover
    from chalicelib.domain.procedure import Unit

LIEN_THONG = 0  # the national code: being processed in another system


def open_handovers(handovers: Iterable[Handover], at: datetime | None = None) -> list[Handover]:
    """The handovers open at `at` (sent by then and not finished by then); `at` None: now, i.e.
    those not finished at all."""
    if at is None:
        return [h for h in handovers if h.finished_at is None]
    return [
        h for h in handovers if h.sent_at <= at and (h.finished_at is None or h.finished_at > at)
    ]


def elsewhere(
    handovers: Iterable[Handover], external_units: Collection[str], at: datetime | None = None
) -> bool:
    """True when, at `at`, the dossier is only at units that work in another system."""
    if not external_units:
        return False
    current = open_handovers(handovers, at)
    return bool(current) and all(h.to_agency in external_units for h in current)


def portal_status(
    status: DossierStatus,
    handovers: Iterable[Handover],
    external_units: Collection[str],
    at: datetime | None = None,
) -> int:
    """The national status code to report: 0 while a dossier in processing is elsewhere, else
    the status's own code (1-10)."""
    if status is DossierStatus.PROCESSING and elsewhere(handovers, external_units, at):
        return LIEN_THONG
    return int(status)


def systems_of(units: Iterable[Unit]) -> dict[str, str]:
    """unit code -> the other system's code, for the units that work in one."""
    return {u.code: u.external_system for u in units if u.external_system}
