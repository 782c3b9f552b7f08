"""Who may see which dossier (pure): the rule every read of a dossier applies first."""

from __future__ import annotations

from chalicelib.domain.actors import Actor
from chalicelib.domain.dossier import Channel, Dossier


def visible_to(d: Dossier, actor: Actor) -> bool:
    """Citizens see their own; desk staff their unit's; agencies dossiers with a step of theirs."""
    if actor.role in ("admin", "province"):
        return True
    if actor.role == "citizen":
        return d.owner is not None and d.owner == actor.sub
    if d.status is None and d.channel is not Channel.DESK:
        # An unsubmitted online draft is the citizen's own workspace (name, ID number, address):
        # no desk or agency sees it before it is filed (authorization matrix, issue 9).
        return actor.role == "system"
    if actor.role == "desk":
        return actor.unit is not None and actor.unit == d.receiving_unit
    if actor.role in ("agency", "leader"):
        return actor.unit is not None and (
            actor.unit == d.lead_agency or any(s.agency == actor.unit for s in d.steps)
        )
    return actor.role == "system"
