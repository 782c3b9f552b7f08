"""Routes for signed-in people: sign-in proxy, the citizen's dossiers, the desk, the agencies.

Each handler parses, authorizes (through the service's scope checks), calls one use case, returns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Blueprint, Response

from chalicelib.api.context import body, caller, deps, query
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor

# Use cases and models load on a route's first call, not when a Lambda imports app.py.
svc = LazyModule("chalicelib.services.dossiers")
processing = LazyModule("chalicelib.services.processing")
audit = LazyModule("chalicelib.services.audit")
views = LazyModule("chalicelib.services.views")
models = LazyModule("chalicelib.services.models")
paging = LazyModule("chalicelib.services.paging")
papers = LazyModule("chalicelib.services.papers")

bp = Blueprint(__name__)


def _channel(name: str) -> Any:
    from chalicelib.domain.dossier import Channel

    return Channel[name]


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        body=data,
        status_code=200,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="{name}"',
        },
    )


def _role(*roles: str) -> Actor:
    from chalicelib.api.auth import require_role

    return require_role(caller(), *roles)


# ---- sign-in ------------------------------------------------------------------------------
@bp.route("/api/auth/signin", methods=["POST"])
def signin() -> Response:
    from chalicelib.services import accounts

    req = body(models.SignInIn)
    return json_response(accounts.sign_in(deps(), req.username, req.password))


@bp.route("/api/auth/signup", methods=["POST"])
def signup() -> Response:
    from chalicelib.services import accounts

    return json_response(accounts.sign_up(deps(), body(models.SignUpIn)), status=201)


@bp.route("/api/auth/forgot-password", methods=["POST"])
def forgot_password() -> Response:
    from chalicelib.services import accounts

    return json_response(accounts.request_password_reset(deps(), body(models.PasswordResetIn)))


@bp.route("/api/auth/forgot-password/confirm", methods=["POST"])
def confirm_forgot_password() -> Response:
    from chalicelib.services import accounts

    req = body(models.ConfirmPasswordResetIn)
    return json_response(accounts.confirm_password_reset(deps(), req))


@bp.route("/api/local/mailbox", methods=["GET"])
def local_mailbox() -> Response:
    """The local stack's mailbox (LOCAL_MAIL only; 404 elsewhere): what was e-mailed to `to`."""
    from chalicelib.services import local_mail

    page = local_mail.mailbox_page(deps(), query().get("to") or "")
    return Response(
        body=page, status_code=200, headers={"Content-Type": "text/html; charset=utf-8"}
    )


@bp.route("/api/me", methods=["GET"])
def me() -> Response:
    who = caller()
    out = who.model_dump(mode="json")
    profile = deps().store.get_profile(who.sub) or {}
    for key in ("phone", "id_number", "address"):  # prefill for e-forms
        out[key] = profile.get(key)
    return json_response(out)


# ---- citizen ------------------------------------------------------------------------------
@bp.route("/api/my/dossiers", methods=["POST"])
def create_my_dossier() -> Response:
    who = _role("citizen")
    d = svc.create_draft(deps(), who, body(models.CreateDossierIn), _channel("ONLINE"))
    return json_response(views.dossier_view(deps(), d), status=201)


@bp.route("/api/my/dossiers", methods=["GET"])
def list_my_dossiers() -> Response:
    who = _role("citizen")
    names = views.procedure_names(deps())
    raw, nxt = paging.work_page(
        deps(), pk=f"OWNER#{who.sub}", index="GSI2", params=query(), names=names, forward=False
    )
    items = [deps().store._dossier_from(i) for i in raw]  # newest first, one page (?limit&cursor&q)
    summaries = [views.summary_view(deps(), d, names) for d in items]
    return json_response({"items": summaries, "next": nxt})


@bp.route("/api/my/dossiers/{dossier_id}", methods=["GET"])
def get_my_dossier(dossier_id: str) -> Response:
    who = _role("citizen")
    d = svc.load_for(deps(), dossier_id, who)
    return json_response(views.dossier_view(deps(), d, with_history=True))


def _update_draft(who: Actor, dossier_id: str) -> Response:
    d = svc.update_draft(deps(), who, dossier_id, body(models.CreateDossierIn))
    return json_response(views.dossier_view(deps(), d))


@bp.route("/api/my/dossiers/{dossier_id}", methods=["POST"])
def update_my_draft(dossier_id: str) -> Response:
    """Step 1 of the wizard again (Back, or a draft resumed): applicant, e-form, desk."""
    return _update_draft(_role("citizen"), dossier_id)


@bp.route("/api/my/dossiers/{dossier_id}", methods=["DELETE"])
def delete_my_draft(dossier_id: str) -> Response:
    return json_response(svc.delete_draft(deps(), _role("citizen"), dossier_id))


def _upload(who: Actor, dossier_id: str) -> Response:
    att, post = svc.request_upload(deps(), who, dossier_id, body(models.UploadIn))
    return json_response(
        {
            "attachment_id": att.id,
            "attachment": att.model_dump(mode="json"),
            "url": post["url"],
            "fields": post["fields"],
        },
        status=201,
    )


def _finalize(who: Actor, dossier_id: str, attachment_id: str) -> Response:
    att = svc.finalize_attachment(deps(), who, dossier_id, attachment_id)
    return json_response(att.model_dump(mode="json"))


@bp.route("/api/my/dossiers/{dossier_id}/uploads", methods=["POST"])
def my_upload(dossier_id: str) -> Response:
    return _upload(_role("citizen"), dossier_id)


@bp.route("/api/my/dossiers/{dossier_id}/attachments/{attachment_id}/finalize", methods=["POST"])
def my_finalize(dossier_id: str, attachment_id: str) -> Response:
    return _finalize(_role("citizen"), dossier_id, attachment_id)


def _paper_link(who: Actor, dossier_id: str, attachment_id: str) -> Response:
    link = papers.attachment_link(deps(), who, dossier_id, attachment_id)
    return json_response(link, headers={"Cache-Control": "private, no-store"})


@bp.route("/api/my/dossiers/{dossier_id}/attachments/{attachment_id}/link", methods=["GET"])
def my_attachment_link(dossier_id: str, attachment_id: str) -> Response:
    """A short-lived link to open one of my own accepted papers."""
    return _paper_link(_role("citizen"), dossier_id, attachment_id)


@bp.route("/api/my/dossiers/{dossier_id}/submit", methods=["POST"])
def my_submit(dossier_id: str) -> Response:
    d = svc.submit(deps(), _role("citizen"), dossier_id)
    return json_response(views.dossier_view(deps(), d))


@bp.route("/api/my/dossiers/{dossier_id}/receipt.pdf", methods=["GET"])
def my_receipt(dossier_id: str) -> Response:
    d = svc.load_for(deps(), dossier_id, _role("citizen"))
    return _pdf(views.receipt_pdf(deps(), d), f"{d.code}.pdf")


# ---- desk -----------------------------------------------------------------------------------
@bp.route("/api/desk/inbox", methods=["GET"])
def desk_inbox() -> Response:
    who = _role("desk")
    assert who.unit
    names = views.procedure_names(deps())
    raw, nxt = paging.work_page(
        deps(), pk=f"DESK#{who.unit}", index="GSI3", params=query(), names=names
    )
    items = [deps().store._dossier_from(i) for i in raw]  # oldest first, one page (?limit&cursor&q)
    summaries = [views.summary_view(deps(), d, names) for d in items]
    return json_response({"items": summaries, "next": nxt})


@bp.route("/api/desk/dossiers", methods=["POST"])
def desk_create() -> Response:
    """A paper dossier entered on behalf of a walk-in applicant (channel 1)."""
    d = svc.create_draft(deps(), _role("desk"), body(models.CreateDossierIn), _channel("DESK"))
    return json_response(views.dossier_view(deps(), d), status=201)


@bp.route("/api/desk/dossiers/{dossier_id}", methods=["GET"])
def desk_get(dossier_id: str) -> Response:
    who = _role("desk", "admin")
    d = svc.load_for(deps(), dossier_id, who)
    audit.record_staff_read(deps(), who, d)
    return json_response(views.dossier_view(deps(), d, with_history=True))


@bp.route("/api/desk/dossiers/{dossier_id}", methods=["POST"])
def desk_update_draft(dossier_id: str) -> Response:
    """Step 1 of a walk-in paper dossier again, before it is received."""
    return _update_draft(_role("desk"), dossier_id)


@bp.route("/api/staff/dossiers/by-code/{code}", methods=["GET"])
def staff_find_by_code(code: str) -> Response:
    """The dossier of a receipt's code, for the staff in its scope (the desk that received it)."""
    who = _role("desk", "agency", "leader", "province", "admin")
    d = svc.find_by_code(deps(), who, code)
    audit.record_staff_read(deps(), who, d, "search")
    return json_response(views.summary_view(deps(), d, views.procedure_names(deps())))


@bp.route("/api/desk/dossiers/{dossier_id}/uploads", methods=["POST"])
def desk_upload(dossier_id: str) -> Response:
    return _upload(_role("desk"), dossier_id)


@bp.route("/api/desk/dossiers/{dossier_id}/attachments/{attachment_id}/finalize", methods=["POST"])
def desk_finalize(dossier_id: str, attachment_id: str) -> Response:
    return _finalize(_role("desk"), dossier_id, attachment_id)


@bp.route("/api/desk/dossiers/{dossier_id}/accept", methods=["POST"])
def desk_accept(dossier_id: str) -> Response:
    d = svc.accept(deps(), _role("desk"), dossier_id, body(models.AcceptIn))
    return json_response(views.dossier_view(deps(), d))


@bp.route("/api/desk/dossiers/{dossier_id}/refuse", methods=["POST"])
def desk_refuse(dossier_id: str) -> Response:
    d = svc.refuse(deps(), _role("desk"), dossier_id, body(models.ReasonIn))
    return json_response(views.dossier_view(deps(), d))


@bp.route("/api/desk/dossiers/{dossier_id}/supplement", methods=["POST"])
def desk_supplement(dossier_id: str) -> Response:
    d = svc.request_supplement(deps(), _role("desk"), dossier_id, body(models.ReasonIn))
    return json_response(views.dossier_view(deps(), d))


@bp.route("/api/desk/dossiers/{dossier_id}/return", methods=["POST"])
def desk_return(dossier_id: str) -> Response:
    d = svc.return_result(deps(), _role("desk"), dossier_id, body(models.ReturnIn))
    return json_response(views.dossier_view(deps(), d))


@bp.route("/api/desk/dossiers/{dossier_id}/receipt.pdf", methods=["GET"])
def desk_receipt(dossier_id: str) -> Response:
    who = _role("desk", "admin")
    d = svc.load_for(deps(), dossier_id, who)
    audit.record_staff_read(deps(), who, d, "receipt")
    return _pdf(views.receipt_pdf(deps(), d), f"{d.code}.pdf")


@bp.route("/api/staff/dossiers/{dossier_id}/attachments/{attachment_id}/link", methods=["GET"])
def staff_attachment_link(dossier_id: str, attachment_id: str) -> Response:
    """The desk, the agencies on the dossier and the administrator open a paper (audited)."""
    who = _role("desk", "agency", "leader", "province", "admin")
    return _paper_link(who, dossier_id, attachment_id)


# ---- agencies -------------------------------------------------------------------------------
@bp.route("/api/agency/tasks", methods=["GET"])
def agency_tasks() -> Response:
    who = _role("agency", "leader", "admin")
    if not who.unit:
        processing.list_tasks(deps(), who)  # raises the use case's Forbidden (no unit)
    raw, nxt = paging.work_page(deps(), pk=f"AGENCY#{who.unit}", index="GSI3", params=query())
    tasks = [deps().store._task_from(i) for i in raw]  # by due time, one page (?limit&cursor&q)
    return json_response({"items": [t.to_public() for t in tasks], "next": nxt})


@bp.route("/api/agency/dossiers/{dossier_id}", methods=["GET"])
def agency_get(dossier_id: str) -> Response:
    who = _role("agency", "leader", "admin")
    d = svc.load_for(deps(), dossier_id, who)
    audit.record_staff_read(deps(), who, d)
    return json_response(views.dossier_view(deps(), d, with_history=True))


@bp.route("/api/agency/dossiers/{dossier_id}/steps/{step_id}/complete", methods=["POST"])
def agency_complete(dossier_id: str, step_id: str) -> Response:
    d = processing.complete_step(
        deps(), _role("agency", "leader", "admin"), dossier_id, step_id, body(models.CompleteStepIn)
    )
    return json_response(views.dossier_view(deps(), d))
