"""Catalogue sync with the national procedure database (an EventBridge schedule).

`import_catalogue(deps)`: LayDanhMucLinhVuc (field names), LayThuTuc (procedures) and
LayDanhMucCoQuan (agencies). For every national procedure we publish whose national part
(domain.portal_catalogue) differs from our current version, an "amended" change is PROPOSED
through the existing publication flow (services.procedures.propose, on the lead agency's behalf)
with the merged draft: local steps, allowances and e-form kept. The province office publishes or
rejects it; nothing is edited silently. An identical change still waiting is not filed twice. A
national procedure we lack, a merged draft that fails the completeness rules (e.g. a shorter
national time than our steps' allowances), and agencies we lack or name differently are listed
in the report for the office to act on.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from chalicelib.domain import portal_catalogue as rules
from chalicelib.domain.errors import DomainError

if TYPE_CHECKING:
    from chalicelib.integrations.national_portal import NationalPortal
    from chalicelib.services.deps import Deps

log = logging.getLogger(__name__)


class CatalogueActor:
    """The catalogue sync files changes as an administrator would (the office still decides)."""

    sub = "system:dvcqg-catalogue"
    username = "dvcqg-catalogue"
    role = "admin"
    unit: str | None = None


ACTOR = CatalogueActor()


def import_catalogue(deps: Deps, client: NationalPortal | None = None) -> dict[str, Any]:
    from chalicelib.services.catalogue import procedures
    from chalicelib.services.portal.portal_sync import portal

    sender = client or portal(deps)
    fields = rules.field_names(sender.catalogue("fields"))
    national = sender.catalogue("procedures")
    agencies = sender.catalogue("agencies")
    ours = {p["code"]: p for p in deps.store.list_procedures()}
    waiting = {
        c.procedure_code: c
        for c in procedures.changes_store(deps).list_by_state("proposed")
        if c.proposed_by == ACTOR.username
    }
    report: dict[str, Any] = {
        "proposed": [],
        "unchanged": 0,
        "already_waiting": [],
        "not_here": [],
        "incomplete": [],
    }
    today = deps.clock().date()
    for record in national:
        code = str(record.get(rules.PROCEDURE_FIELDS["code"], ""))
        if not code:
            continue
        if code not in ours:
            report["not_here"].append(code)
            continue
        current = deps.store.get_procedure(code)
        if current.state == "repealed":
            continue
        current_json = current.model_dump(mode="json")
        part = rules.national_part(record, fields, current_json)
        changed = rules.changed_keys(current_json, part)
        if not changed:
            report["unchanged"] += 1
            continue
        draft = rules.merged_draft(current_json, part)
        pending = waiting.get(code)
        if pending is not None and pending.draft == draft:
            report["already_waiting"].append(code)
            continue
        try:
            change = procedures.propose(
                deps,
                ACTOR,
                kind="amended",
                procedure_code=code,
                legal_basis=rules.legal_basis(record),
                effective_date=rules.effective_date(record, today),
                draft=draft,
                free=not part.get("fees"),
            )
        except DomainError as exc:
            report["incomplete"].append({"code": code, "changed": changed, "reason": str(exc)})
            continue
        report["proposed"].append({"code": code, "change_id": change.id, "changed": changed})
    units = {u.code: u.name for u in deps.store.list_units()}
    province = next((u.code for u in deps.store.list_units() if u.kind == "province"), "")
    report["agencies"] = rules.agency_differences(agencies, units, province)
    log.info(
        "DVCQG catalogue: %d proposed, %d unchanged, %d not here, %d incomplete",
        len(report["proposed"]),
        report["unchanged"],
        len(report["not_here"]),
        len(report["incomplete"]),
    )
    return report
