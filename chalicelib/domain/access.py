"""Who may see which dossier (pure): the rule every read of a dossier applies first."""

from __future__ import annotations

from chalicelib.domain.actors import Actor
from chalicelib.domain.dossier import Channel, Dossier
from chalicelib.domain.mandates import is_party


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


def followed_by(d: Dossier, actor: Actor, verified_id: str | None) -> bool:
    """Who may follow a dossier (read it, not change it): its owner, who filed it, and the two
    parties of its representation (domain.mandates): the representative and the represented
    person or organisation, recognised by the identity number VNeID vouched for (`verified_id`;
    a number typed into a password account's profile never counts). An unsubmitted draft is only
    its owner's."""
    if actor.role != "citizen":
        return False
    if d.owner is not None and d.owner == actor.sub:
        return True
    return d.status is not None and is_party(d.representation, verified_id)
