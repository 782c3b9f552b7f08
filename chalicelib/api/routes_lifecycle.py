"""Routes for the lifecycle's branches: withdrawal, fees, extension, stop, the lateness exemption,
printable forms 02-07 and the citizen's documents.

Each handler parses, authorizes (role here, scope in the service), calls one use case, returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.api.context import body, caller, deps, query
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor

decisions = LazyModule("chalicelib.services.decisions")
views = LazyModule("chalicelib.services.views")
models = LazyModule("chalicelib.services.models")

bp = Blueprint(__name__)

STAFF = ("desk", "agency", "leader", "province", "admin")


def _role(*roles: str) -> Actor:
    from chalicelib.api.auth import require_role

    return require_role(caller(), *roles)


def _view(d: object) -> Response:
    return json_response(views.dossier_view(deps(), d))


# ---- withdrawal ------------------------------------------------------------------------------
@bp.route("/api/my/dossiers/{dossier_id}/withdraw", methods=["POST"])
def my_withdraw(dossier_id: str) -> Response:
    return _view(decisions.withdraw(deps(), _role("citizen"), dossier_id, body(models.WithdrawIn)))


@bp.route("/api/desk/dossiers/{dossier_id}/withdraw", methods=["POST"])
def desk_withdraw(dossier_id: str) -> Response:
    return _view(decisions.withdraw(deps(), _role("desk"), dossier_id, body(models.WithdrawIn)))


# ---- fees ------------------------------------------------------------------------------------
@bp.route("/api/desk/dossiers/{dossier_id}/payments", methods=["POST"])
def desk_payment(dossier_id: str) -> Response:
    d = decisions.record_payment(deps(), _role("desk"), dossier_id, body(models.PaymentIn))
    return _view(d)


# ---- extension (form 04) and stop (form 05) ------------------------------------------------------
@bp.route("/api/agency/dossiers/{dossier_id}/extension", methods=["POST"])
def propose_extension(dossier_id: str) -> Response:
    actor = _role("agency", "leader")
    return _view(decisions.propose_extension(deps(), actor, dossier_id, body(models.ExtensionIn)))


@bp.route("/api/leader/dossiers/{dossier_id}/extension/decision", methods=["POST"])
def decide_extension(dossier_id: str) -> Response:
    actor = _role("leader", "admin")
    return _view(decisions.decide_extension(deps(), actor, dossier_id, body(models.DecisionIn)))


@bp.route("/api/leader/dossiers/{dossier_id}/stop/decision", methods=["POST"])
def decide_stop(dossier_id: str) -> Response:
    actor = _role("leader", "admin")
    return _view(decisions.decide_stop(deps(), actor, dossier_id, body(models.DecisionIn)))


@bp.route("/api/leader/pending", methods=["GET"])
def leader_pending() -> Response:
    """Open dossiers of the leader's agency with an extension or stop awaiting a decision."""
    from chalicelib.services.paging import awaits_leader, work_page

    actor = _role("leader", "admin")
    raw, nxt = work_page(  # one page of the open dossiers (?limit&cursor&q), filtered on the server
        deps(), pk=f"OPEN#{actor.unit or ''}", index="GSI4", params=query(), where=awaits_leader
    )
    items = [views.dossier_view(deps(), deps().store._dossier_from(i)) for i in raw]
    return json_response({"items": items, "next": nxt})


# ---- late because of a system error (Đ15.7) ----------------------------------------------------
@bp.route("/api/staff/dossiers/{dossier_id}/exemptions", methods=["POST"])
def request_exemption(dossier_id: str) -> Response:
    actor = _role("desk", "agency", "leader")
    d = decisions.request_exemption(deps(), actor, dossier_id, body(models.ExemptionIn))
    return json_response(views.dossier_view(deps(), d), status=201)


@bp.route("/api/admin/dossiers/{dossier_id}/exemptions/{exemption_id}/decision", methods=["POST"])
def decide_exemption(dossier_id: str, exemption_id: str) -> Response:
    actor = _role("admin")
    d = decisions.decide_exemption(deps(), actor, dossier_id, exemption_id, body(models.DecisionIn))
    return _view(d)


# ---- forms 02-07 -------------------------------------------------------------------------------
def _form(actor: Actor, dossier_id: str, form_no: str, fmt: str) -> Response:
    from chalicelib.services import forms

    data, ctype = forms.form_document(deps(), actor, dossier_id, form_no, fmt)  # type: ignore[arg-type]
    return Response(
        body=_text_or_bytes(data, ctype),
        status_code=200,
        headers={
            "Content-Type": ctype,
            "Content-Disposition": f'inline; filename="mau-{form_no}.{fmt}"',
        },
    )


def _fmt(name: str) -> tuple[str, str]:
    from chalicelib.domain.errors import NotFound

    form_no, _, fmt = name.partition(".")
    if form_no not in ("02", "03", "04", "05", "06") or fmt not in ("pdf", "html"):
        raise NotFound("Không có biểu mẫu này.", "No such form.", field="form")
    return form_no, fmt


@bp.route("/api/my/dossiers/{dossier_id}/forms/{name}", methods=["GET"])
def my_form(dossier_id: str, name: str) -> Response:
    return _form(_role("citizen"), dossier_id, *_fmt(name))


@bp.route("/api/staff/dossiers/{dossier_id}/forms/{name}", methods=["GET"])
def staff_form(dossier_id: str, name: str) -> Response:
    return _form(_role(*STAFF), dossier_id, *_fmt(name))


@bp.route("/api/staff/register/{unit}/{name}", methods=["GET"])
def register(unit: str, name: str) -> Response:
    """Form 07 for a unit and month: `?month=YYYY-MM`, name `register.pdf` or `register.html`."""
    from chalicelib.domain.errors import InvalidInput, NotFound
    from chalicelib.services import forms

    actor = _role(*STAFF)
    stem, _, fmt = name.partition(".")
    if stem != "register" or fmt not in ("pdf", "html"):
        raise NotFound("Không có biểu mẫu này.", "No such form.", field="form")
    month = query().get("month") or ""
    import re

    if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", month):
        raise InvalidInput("Tháng không hợp lệ (YYYY-MM).", "Invalid month.", field="month")
    data, ctype = forms.register_document(deps(), actor, unit, month, fmt)  # type: ignore[arg-type]
    return Response(
        body=_text_or_bytes(data, ctype), status_code=200, headers={"Content-Type": ctype}
    )


def _text_or_bytes(data: bytes, ctype: str) -> bytes | str:
    """HTML travels as text (API Gateway base64-encodes only binary media types)."""
    return data.decode("utf-8") if ctype.startswith("text/") else data


# ---- my documents ------------------------------------------------------------------------------
@bp.route("/api/my/documents", methods=["GET"])
def my_documents() -> Response:
    from chalicelib.services import my_documents as docs

    return json_response({"items": docs.list_documents(deps(), _role("citizen"))})


@bp.route("/api/my/dossiers/{dossier_id}/reuse", methods=["POST"])
def my_reuse(dossier_id: str) -> Response:
    from chalicelib.services import my_documents as docs

    req = body(models.ReuseIn)
    att = docs.reuse(deps(), _role("citizen"), dossier_id, req.my_document_id, req.document_id)
    return json_response(att.model_dump(mode="json", exclude={"key"}), status=201)
