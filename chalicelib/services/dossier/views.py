"""What each audience is shown of a dossier. The public view reveals no personal data."""

from __future__ import annotations

import hmac
from typing import Any
from urllib.parse import quote

from chalicelib.domain.dossier import Dossier, HistoryEvent
from chalicelib.domain.errors import NotFound
from chalicelib.domain.procedure import Procedure, TimeUnit
from chalicelib.domain.statuses import DossierStatus
from chalicelib.services.container import Deps


def status_view(status: DossierStatus | None) -> dict[str, Any]:
    if status is None:
        return {"code": 0, "label_vi": "Bản nháp", "label_en": "Draft"}
    return {"code": int(status), "label_vi": status.label_vi, "label_en": status.label_en}


def history_view(events: list[HistoryEvent]) -> list[dict[str, Any]]:
    return [
        {
            "at": e.at.isoformat(),
            "action": e.action,
            "actor_role": e.actor_role,
            "actor_name": e.actor_name,  # an official's full name; the username stays in the log
            "note": e.note,
            "agency": e.agency,
            "from_status": int(e.from_status) if e.from_status else None,
            "to_status": status_view(e.to_status) if e.to_status else None,
        }
        for e in events
    ]


def processing_time_text(proc: Procedure) -> str:
    unit = "ngày làm việc" if proc.processing_time.unit is TimeUnit.WORKING_DAYS else "giờ làm việc"
    return f"{proc.processing_time.amount} {unit}"


def lookup_url(deps: Deps, d: Dossier) -> str:
    """The receipt's QR link: the public lookup with the dossier's unguessable token."""
    base = deps.settings.public_base_url.rstrip("/")
    return f"{base}/#/lookup?code={quote(d.code or '')}&token={quote(d.lookup_token or '')}"


def dossier_view(
    deps: Deps, d: Dossier, *, with_history: bool = False, proc: Procedure | None = None
) -> dict[str, Any]:
    """The full view for the owner and for staff in scope."""
    proc = proc or deps.store.get_procedure(d.procedure_code, d.procedure_version)
    out: dict[str, Any] = d.model_dump(
        mode="json", exclude={"lookup_token": True, "version": True, "result": {"key"}}
    )
    out["status"] = status_view(d.status)
    out["procedure_name"] = proc.name
    out["procedure_level"] = proc.level.value
    out["processing_time_text"] = processing_time_text(proc)
    out["documents"] = [doc.model_dump(mode="json") for doc in proc.documents]
    if d.representation is not None:
        from chalicelib.domain.mandates import describe, needs_attachment
        from chalicelib.services.dossier.representation import AUTHORISATION

        # the written authorisation's own slot, unless the procedure lists that paper itself
        if needs_attachment(d.representation) and proc.document(AUTHORISATION.id) is None:
            out["documents"].append(AUTHORISATION.model_dump(mode="json"))
        out["representation_text"] = describe(d.representation)
    current = d.current_step()
    out["current_agency"] = current.agency if current else None
    out["current_agencies"] = sorted({s.agency for s in d.steps if s.state.value == "active"})
    if d.code and d.lookup_token:
        out["lookup_url"] = lookup_url(deps, d)
    if with_history:
        out["history"] = history_view(deps.store.history(d.id))
    return out


def summary_view(deps: Deps, d: Dossier, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": d.id,
        "code": d.code,
        "procedure_code": d.procedure_code,
        "procedure_name": names.get(d.procedure_code, d.procedure_code),
        "applicant_name": d.applicant.name,
        "channel": int(d.channel),
        "source": d.source,
        "status": status_view(d.status),
        "created_at": d.created_at.isoformat(),
        "submitted_at": d.submitted_at.isoformat() if d.submitted_at else None,
        "appointment_at": d.appointment_at.isoformat() if d.appointment_at else None,
        **(
            {"representative_name": d.representation.representative.name}
            if d.representation
            else {}
        ),
    }


def procedure_names(deps: Deps) -> dict[str, str]:
    return {p["code"]: p["name"] for p in deps.store.list_procedures()}


def public_lookup(deps: Deps, code: str, token: str | None) -> dict[str, Any]:
    """Anyone may look up by code: masked name and status. The QR token adds the timeline."""
    from chalicelib.domain.masking import mask_name

    d = deps.store.find_dossier_by_code(code.strip())
    if d is None:
        raise NotFound(
            "Không tìm thấy hồ sơ với mã đã nhập.", "No dossier with that code.", field="code"
        )
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    current = d.current_step()
    out: dict[str, Any] = {
        "code": d.code,
        "procedure_code": d.procedure_code,
        "procedure_name": proc.name,
        "applicant_masked": mask_name(d.applicant.name),
        "status": status_view(d.status),
        "received_at": d.received_at.isoformat() if d.received_at else None,
        "appointment_at": d.appointment_at.isoformat() if d.appointment_at else None,
        "finished_at": d.finished_at.isoformat() if d.finished_at else None,
        "current_agency": current.agency if current else None,
        "steps": [
            {"name": s.name, "agency": s.agency, "state": s.state.value, "late": s.late}
            for s in d.steps
        ],
        "verified": False,
    }
    # bytes: compare_digest refuses str with non-ASCII characters (a TypeError, then a 500)
    if token and d.lookup_token and hmac.compare_digest(token.encode(), d.lookup_token.encode()):
        out["verified"] = True
        out["history"] = [
            {k: v for k, v in h.items() if k in ("at", "action", "to_status", "agency")}
            for h in history_view(deps.store.history(d.id))
        ]
    return out


def people_names(deps: Deps, d: Dossier) -> dict[str, str]:
    """username -> full name of every official the dossier's papers may name.

    The names recorded on the dossier when each person acted (`Dossier.people`); for a dossier
    from before names were recorded, the profile's name now (one lookup per missing person).
    """
    from chalicelib.domain.dossier import named_usernames, person_name

    names = dict(d.people)
    for username in sorted(named_usernames(d) - set(names)):
        if person_name(username, {}) != username:
            continue  # the system, the applicant, an agency's key: named in words
        profile = deps.store.find_profile_by_username(username) or {}
        if profile.get("name"):
            names[username] = str(profile["name"])
    return names


def receipt_pdf(deps: Deps, d: Dossier) -> bytes:
    """Form 01 for a received dossier, signed (PAdES) by the receiving desk's unit: no
    certificate in force for it is a 503 and nothing is handed out."""
    from chalicelib.documents.receipt import ReceiptData, ReceiptDocument, render_receipt
    from chalicelib.domain.dossier import person_name

    if not d.code or not d.received_at or not d.appointment_at:
        raise NotFound(
            "Hồ sơ chưa được tiếp nhận nên chưa có giấy tiếp nhận.",
            "No receipt: the dossier has not been received.",
            code="no_receipt",
        )
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    desk = deps.store.get_unit(d.receiving_unit)
    parent = deps.store.get_unit(desk.parent) if desk and desk.parent else None
    accepted = {a.document_id for a in d.attachments if a.state.value == "accepted"}
    rep = d.representation
    from chalicelib.services.dossier.representation import AUTHORISATION

    papers = list(proc.documents)
    if rep is not None and proc.document(AUTHORISATION.id) is None:
        papers.append(AUTHORISATION)
    data = ReceiptData(
        authority_name=(parent.name if parent else "UBND TỈNH").upper(),
        agency_name=(desk.name if desk else d.receiving_unit).upper(),
        place_name=deps.settings.province_name,
        number=f"{d.register_line or 0}/TNHS",
        dossier_code=d.code,
        applicant_name=d.applicant.name,
        applicant_address=d.applicant.address,
        applicant_phone=d.applicant.phone,
        applicant_email=str(d.applicant.email or ""),
        representative_name=rep.representative.name if rep else "",
        representation_basis=(
            f"{rep.kind_label}; {rep.basis_label}{f' ({rep.basis_ref})' if rep.basis_ref else ''}"
            if rep
            else ""
        ),
        procedure_name=proc.name,
        documents=tuple(
            ReceiptDocument(name=doc.name, form=doc.form, count=doc.count)
            for doc in papers
            if doc.id in accepted
        ),
        processing_time=processing_time_text(proc),
        received_at=d.received_at,
        appointment_at=d.appointment_at,
        result_place=(desk.name if desk else d.receiving_unit),
        register_book=f"Sổ theo dõi hồ sơ năm {d.received_at.year}",
        register_line=d.register_line or 1,
        officer_name=person_name(d.received_by, people_names(deps, d)),  # a name, not a login
        fee_total_vnd=proc.total_fee_vnd,
        lookup_url=lookup_url(deps, d),
    )
    from chalicelib.services.dossier import signing

    return signing.sign_issued(deps, render_receipt(data), d.receiving_unit)
