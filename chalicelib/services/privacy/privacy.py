"""Personal data use cases: the citizen's data tracker, refused staff reads, search by ID number.

The data tracker ("Ai đã xem dữ liệu của tôi") lists every access by staff or an agency's system to
the citizen's dossiers and profile, newest first: who (name from the account profile, agency, role),
when, what, and which dossier. It is built from the audit streams (`AUDIT#DOSSIER#<id>` of each
dossier the owner index GSI2 lists, and `AUDIT#ACCOUNT#<sub>` for the profile): Queries only.

Paging merges the streams by time. The cursor is, per stream, the sequence number below which the
next page continues (a stream not named starts at its newest event), signed for the caller
(chalicelib.store.cursor): another citizen's cursor, or an edited one, is refused.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from chalicelib.domain.actors import STAFF_ROLES
from chalicelib.domain.errors import InvalidInput
from chalicelib.domain.masking import mask_id_number
from chalicelib.services.admin.audit import record, record_staff_read
from chalicelib.services.paging import page_limit
from chalicelib.store.access_log import AccessLogStore
from chalicelib.store.audit import account_stream, dossier_stream
from chalicelib.store.cursor import cursors, invalid_cursor, key_scope

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor
    from chalicelib.domain.audit import AuditEvent
    from chalicelib.domain.dossier import Dossier
    from chalicelib.services.container import Deps

_log = logging.getLogger("tthc.privacy")

DEFAULT_PAGE = 20
MAX_PAGE = 100
REFUSED = "read_refused"
# Audit action -> what the citizen is told happened.
WHAT = {
    "staff_read": "read",
    "staff_receipt": "receipt",
    "staff_result_download": "result_download",
    "staff_attachment": "attachment",
    "staff_search": "search",
    REFUSED: "refused",
}


# ---- refused reads ---------------------------------------------------------------------------
def record_refused_read(deps: Deps, actor: Actor, dossier: Dossier) -> None:
    """Staff (or an agency key) tried to open a dossier without a relation to it: the answer stays
    404, and the attempt is audited on the dossier's stream so its owner sees it. Never raises."""
    if actor.role not in STAFF_ROLES:
        return
    try:
        record(
            deps,
            actor,
            REFUSED,
            dossier_id=dossier.id,
            detail={"code": dossier.code, "reason": "no_relation"},
        )
    except Exception:  # the refusal must not turn into a 500 (nor reveal anything)
        _log.warning("refused read not audited", exc_info=True)


# ---- the data tracker --------------------------------------------------------------------------
def _is_staff_access(owner_username: str) -> Any:
    def keep(ev: AuditEvent) -> bool:
        return ev.actor_role in STAFF_ROLES and ev.actor != owner_username

    return keep


def _scope(actor: Actor) -> str:
    return key_scope("access-log", extra=actor.sub)


def _decode_cursor(deps: Deps, actor: Actor, cursor: str | None) -> dict[str, int]:
    state = cursors(deps.settings).decode(cursor, _scope(actor))
    if state is None:
        return {}
    try:
        return {str(k): int(v) for k, v in state["p"].items() if int(v) >= 1}
    except (ValueError, KeyError, TypeError, AttributeError):
        raise invalid_cursor() from None


def _encode_cursor(deps: Deps, actor: Actor, positions: dict[str, int]) -> str:
    return cursors(deps.settings).encode({"p": positions}, _scope(actor))


class _Names:
    """Per-request lookups: staff names from their profiles, agency names from units."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self._people: dict[str, dict[str, Any] | None] = {}
        self._units: dict[str, str] = {}

    def unit(self, code: str | None) -> str | None:
        if not code:
            return None
        if code not in self._units:
            unit = self.deps.store.get_unit(code)
            self._units[code] = unit.name if unit else code
        return self._units[code]

    def person(self, username: str) -> dict[str, Any] | None:
        if username not in self._people:
            try:
                self._people[username] = self.deps.store.find_profile_by_username(username)
            except Exception:
                _log.warning("profile lookup failed", exc_info=True)
                self._people[username] = None
        return self._people[username]


def _entry(ev: AuditEvent, codes: dict[str, str | None], names: _Names) -> dict[str, Any]:
    via_key = ev.actor.startswith("api:")
    agency = ev.actor_unit
    agency_name = names.unit(agency)
    if via_key:
        who = f"Hệ thống phần mềm của {agency_name or agency}"
    else:
        profile = names.person(ev.actor)
        who = (profile or {}).get("name") or ev.actor
    dossier_id = ev.dossier_id
    code = codes.get(dossier_id or "") or (ev.detail or {}).get("code")
    return {
        "at": ev.at,
        "who": {
            "name": who,
            "role": ev.actor_role,
            "agency": agency,
            "agency_name": agency_name,
            "via": "agency_api" if via_key else "staff",
        },
        "what": WHAT.get(ev.action, "edit"),
        "action": ev.action,
        "refused": ev.action == REFUSED,
        "subject": "dossier" if dossier_id else "profile",
        "dossier_id": dossier_id,
        "dossier_code": code,
        "document": (ev.detail or {}).get("document"),  # which paper was opened, if one was
    }


def access_log(
    deps: Deps, actor: Actor, cursor: str | None = None, limit: int | str | None = None
) -> dict[str, Any]:
    """One page of the accesses to `actor`'s dossiers and profile, newest first."""
    size = page_limit(limit, default=DEFAULT_PAGE, maximum=MAX_PAGE)
    positions = _decode_cursor(deps, actor, cursor)
    store = AccessLogStore(deps.store.client, deps.store.table)
    owned = store.owner_dossiers(actor.sub)
    codes = {d["id"]: d["code"] for d in owned}
    streams = [dossier_stream(d["id"]) for d in owned] + [account_stream(actor.sub)]
    keep = _is_staff_access(actor.username)
    candidates: list[AuditEvent] = []
    maybe_more = False
    for stream in streams:
        below = positions.get(stream)
        found, exhausted = store.events_below(stream, below, size, keep)
        candidates.extend(found)
        maybe_more = maybe_more or not exhausted
    candidates.sort(key=lambda e: (e.at, e.stream, e.position), reverse=True)
    page, rest = candidates[:size], candidates[size:]
    for ev in page:
        positions[ev.stream] = min(positions.get(ev.stream, ev.position), ev.position)
    names = _Names(deps)
    more = bool(rest) or maybe_more
    return {
        "items": [_entry(ev, codes, names) for ev in page],
        "next": _encode_cursor(deps, actor, positions) if more and page else None,
    }


# ---- search by ID number -------------------------------------------------------------------
def search_by_id_number(deps: Deps, actor: Actor, id_number: str) -> dict[str, Any]:
    """Dossiers whose applicant has this ID number, found by its keyed hash (nothing decrypted to
    search), limited to what the caller may see. Each dossier shown is a staff access: audited."""
    from chalicelib.domain.access import visible_to

    if not any(ch.isalnum() for ch in id_number or ""):
        raise InvalidInput(
            "Vui lòng nhập số giấy tờ.", "An ID number is required.", field="id_number"
        )
    found = [d for d in deps.store.find_dossiers_by_id_number(id_number) if visible_to(d, actor)]
    items = []
    for d in found:
        record_staff_read(deps, actor, d, "search")
        items.append(
            {
                "id": d.id,
                "code": d.code,
                "procedure_code": d.procedure_code,
                "status": int(d.status) if d.status is not None else None,
                "applicant_name": d.applicant.name,
                "applicant_id_number": mask_id_number(d.applicant.id_number),
                "receiving_unit": d.receiving_unit,
                "created_at": d.created_at.isoformat().replace("+00:00", "Z"),
            }
        )
    return {"items": items}
