"""Satisfaction rating of a dossier: once, after status 10, by the signed-in owner or through the
receipt's link (the dossier's `lookup_token` is the proof, as for `GET /api/lookup/{code}?token=`).

A rating, its counters (`rated`, `rated_dissatisfied` on the lead agency's monthly counter item)
and, when dissatisfied, a notification for the lead agency's leader are one transaction; the
rating is then audited on the dossier's stream.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any, Literal

from chalicelib.domain import ratings as rules
from chalicelib.domain.actors import Actor
from chalicelib.domain.dossier import Dossier
from chalicelib.domain.errors import Forbidden, NotFound
from chalicelib.domain.history import month_key
from chalicelib.domain.permissions import Related, require, require_role
from chalicelib.domain.ratings import Rating
from chalicelib.services.care.models_care import DossierRatingIn
from chalicelib.services.container import Deps
from chalicelib.services.dossier.access import load_for
from chalicelib.store.ratings import RatingStore


@dataclass(frozen=True)
class LinkActor:
    """Whoever holds the receipt's link (the applicant, or someone they gave the receipt to)."""

    sub: str = "receipt-link"
    username: str = "receipt-link"
    role: str = "citizen"
    unit: str | None = None


def _store(deps: Deps) -> RatingStore:
    return RatingStore(deps.store.client, deps.store.table)


def _link_not_found() -> NotFound:
    return NotFound(
        "Đường dẫn đánh giá không đúng hoặc đã hết hiệu lực.",
        "The rating link is wrong or no longer valid.",
        field="token",
    )


def by_token(deps: Deps, code: str, token: str | None) -> Dossier:
    d = deps.store.find_dossier_by_code(code.strip())
    if d is None or not token or not d.lookup_token:
        raise _link_not_found()
    if not hmac.compare_digest(token.encode(), d.lookup_token.encode()):  # bytes: any token
        raise _link_not_found()
    return d


def status(deps: Deps, d: Dossier) -> dict[str, Any]:
    """What the rating page needs: may it rate, and the rating if already given."""
    from chalicelib.domain.statuses import DossierStatus
    from chalicelib.services.dossier.views import status_view

    existing = _store(deps).get(d.id)
    proc_name = None
    try:
        proc_name = deps.store.get_procedure(d.procedure_code, d.procedure_version).name
    except NotFound:
        pass
    return {
        "dossier_id": d.id,
        "code": d.code,
        "procedure_code": d.procedure_code,
        "procedure_name": proc_name,
        "status": status_view(d.status),
        "can_rate": d.status is DossierStatus.RETURNED and existing is None,
        "rated": existing is not None,
        "rating": existing.model_dump(mode="json") if existing else None,
        "criteria": [
            {"id": c, "label_vi": rules.LABELS[c][0], "label_en": rules.LABELS[c][1]}
            for c in rules.CRITERIA
        ],
    }


def my_status(deps: Deps, actor: Actor, dossier_id: str) -> dict[str, Any]:
    return status(deps, _own(deps, actor, dossier_id))


def link_status(deps: Deps, code: str, token: str | None) -> dict[str, Any]:
    out = status(deps, by_token(deps, code, token))
    out.pop("dossier_id")  # the link holder gets the code only
    return out


def _own(deps: Deps, actor: Actor, dossier_id: str) -> Dossier:
    require_role(actor, "care.rating.own")  # refused before the dossier is read
    d = load_for(deps, dossier_id, actor)  # the dossier's own visibility: another's is 404
    require(actor, "care.rating.own", Related.seen())
    return d


def rate_as_owner(deps: Deps, actor: Actor, dossier_id: str, req: DossierRatingIn) -> Rating:
    return _rate(deps, actor, _own(deps, actor, dossier_id), req, "account")


def rate_by_link(deps: Deps, code: str, token: str | None, req: DossierRatingIn) -> Rating:
    return _rate(deps, LinkActor(), by_token(deps, code, token), req, "receipt_link")


def _rate(
    deps: Deps,
    actor: Actor,
    d: Dossier,
    req: DossierRatingIn,
    via: Literal["account", "receipt_link"],
) -> Rating:
    store = _store(deps)
    rules.check_can_rate(d, store.get(d.id) is not None)
    now = deps.clock()
    rating = Rating(
        dossier_id=d.id,
        dossier_code=d.code or "",
        procedure_code=d.procedure_code,
        lead_agency=d.lead_agency,
        scores=req.scores,
        comment=req.comment or None,
        via=via,
        rated_at=now,
    )
    notification = None
    notification_id = secrets.token_hex(6)
    if rating.dissatisfied:
        notification = {
            "id": notification_id,
            "kind": "rating_dissatisfied",
            "agency": d.lead_agency,
            "dossier_id": d.id,
            "dossier_code": d.code,
            "procedure_code": d.procedure_code,
            "scores": req.scores.model_dump(),
            "comment": rating.comment,
            "at": now.isoformat(),
        }
    store.commit(
        rating,
        month=month_key(now),
        metrics=rules.counter_metrics(req.scores),
        notification=notification,
        notification_id=notification_id,
    )
    from chalicelib.services.admin import audit

    audit.record(
        deps,
        actor,
        "dossier_rated_dissatisfied" if rating.dissatisfied else "dossier_rated",
        dossier_id=d.id,
        detail={"via": via, "overall": req.scores.overall, "agency": d.lead_agency},
    )
    return rating


def leader_notifications(deps: Deps, actor: Actor) -> list[dict[str, Any]]:
    require(actor, "care.rating.notifications")
    if not actor.unit:
        raise Forbidden("Chỉ lãnh đạo cơ quan.", "Agency leaders only.")
    return _store(deps).notifications(actor.unit)
