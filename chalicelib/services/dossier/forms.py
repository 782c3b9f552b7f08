"""Printable forms 02-07 for the API: load what a form prints, check who may print it, render.

Forms 02-06 follow the dossier's own visibility (`load_for`: another person's dossier is 404). The
register (07) lists every dossier a unit received in a month with names and addresses, so only
that unit's staff (or an administrator) may print it.
"""

from __future__ import annotations

import re
from typing import Literal

from chalicelib.domain.actors import STAFF_ROLES, Actor, actor_name
from chalicelib.domain.dossier import Dossier, person_name
from chalicelib.domain.errors import Forbidden, InvalidInput
from chalicelib.domain.procedure import Procedure, Unit
from chalicelib.domain.signatures import form_is_signed
from chalicelib.services.container import Deps
from chalicelib.services.dossier.access import load_for
from chalicelib.services.dossier.views import lookup_url, people_names

Format = Literal["pdf", "html"]

PDF = "application/pdf"
HTML = "text/html; charset=utf-8"

# Staff who keep or read the register of their own unit.
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


def _check_format(fmt: str) -> None:
    if fmt not in ("pdf", "html"):
        raise InvalidInput(
            "Định dạng phải là pdf hoặc html.", "Format must be pdf or html.", field="format"
        )


def _issuing_unit(form_no: str, d: Dossier) -> str:
    """The unit whose name heads the form: the desk, or the agency that is late or stops."""
    if form_no == "04" and d.extension:
        return d.extension.agency
    if form_no == "05" and d.stop:
        return d.stop.agency or d.lead_agency
    return d.receiving_unit


def _authority(units: dict[str, Unit], code: str) -> str:
    """The governing body printed above the issuing unit (its parent), as on form 01."""
    unit = units.get(code)
    parent = units.get(unit.parent) if unit and unit.parent else None
    return parent.name if parent else ""


def _staff_name(actor: Actor, d: Dossier, people: dict[str, str]) -> str:
    """Who signs as the officer, by full name: the staff member printing it; for a citizen's copy,
    the clerk who received the dossier (a citizen's own name must not appear as the officer)."""
    if actor.role in STAFF_ROLES:
        return actor_name(actor) or person_name(actor.username, people)
    return person_name(d.received_by, people)


def form_document(
    deps: Deps, actor: Actor, dossier_id: str, form_no: str, fmt: Format
) -> tuple[bytes, str]:
    """Form `form_no` ("02".."06") of one dossier as (body, content type); a PDF of a form that
    leaves the office (02-05) carries the issuing agency's PAdES signature."""
    from chalicelib.documents.forms import (
        FORM_NUMBERS,
        FormContext,
        render_html,
        render_pdf,
    )

    _check_format(fmt)
    if form_no not in FORM_NUMBERS:
        raise InvalidInput(
            f"Không có mẫu số {form_no}; các mẫu: {', '.join(FORM_NUMBERS)}.",
            f"No form {form_no}; forms: {', '.join(FORM_NUMBERS)}.",
            code="unknown_form",
            field="form_no",
        )
    d = load_for(deps, dossier_id, actor)
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    units = {u.code: u for u in deps.store.list_units()}
    people = people_names(deps, d)
    ctx = FormContext(
        dossier=d,
        procedure=proc,
        unit_names={code: u.name for code, u in units.items()},
        lookup_url=lookup_url(deps, d) if d.code and d.lookup_token else "",
        staff_name=_staff_name(actor, d, people),
        people=people,
        issued_at=deps.clock(),
        authority_name=_authority(units, _issuing_unit(form_no, d)),
        place_name=deps.settings.province_name,
    )
    if fmt == "pdf":
        pdf = render_pdf(form_no, ctx)
        if form_is_signed(form_no):  # it leaves the office: the issuing agency signs it
            from chalicelib.services.dossier import signing

            pdf = signing.sign_issued(deps, pdf, _issuing_unit(form_no, d))
        return pdf, PDF
    return render_html(form_no, ctx).encode("utf-8"), HTML


def may_read_register(actor: Actor, unit: str) -> bool:
    """An administrator, or desk/leader/agency staff of that unit (`dossier.staff.register`)."""
    from chalicelib.domain.permissions import Related, permits

    return permits(actor, "dossier.staff.register", Related.of(units=[unit]))


def register_document(
    deps: Deps, actor: Actor, unit: str, month: str, fmt: Format
) -> tuple[bytes, str]:
    """Form 07 of `unit` for `month` (YYYY-MM) as (body, content type)."""
    from chalicelib.documents.forms import render_register_html, render_register_pdf

    _check_format(fmt)
    if not _MONTH_RE.match(month):
        raise InvalidInput(
            "Tháng phải có dạng YYYY-MM.", "Month must look like YYYY-MM.", field="month"
        )
    if not may_read_register(actor, unit):
        raise Forbidden(
            "Chỉ cán bộ của đơn vị hoặc quản trị viên được xem sổ theo dõi hồ sơ.",
            "Only the unit's staff or an administrator may read its register.",
            field="unit",
        )
    dossiers = deps.store.list_register(unit, month)
    # The name printed is the one the dossier was received under (its pinned version); one read
    # per procedure, not per dossier.
    procedures: dict[str, Procedure | str] = {}
    for d in dossiers:
        if d.procedure_code not in procedures:
            procedures[d.procedure_code] = deps.store.get_procedure(
                d.procedure_code, d.procedure_version
            )
    found = deps.store.get_unit(unit)
    unit_name = found.name if found else unit
    year, mon = month.split("-")
    period = f"Tháng {mon}/{year}"
    if fmt == "pdf":
        return render_register_pdf(unit_name, unit, period, dossiers, procedures), PDF
    html = render_register_html(unit_name, unit, period, dossiers, procedures)
    return html.encode("utf-8"), HTML
