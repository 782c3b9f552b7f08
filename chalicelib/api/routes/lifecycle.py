"""Routes for the lifecycle's branches: withdrawal, fees, extension, stop, the lateness exemption,
printable forms 02-07 and the citizen's documents.

Each route declares its contract (chalicelib/api/routing.py): the wrapper authenticates and checks
the role from chalicelib/domain/permissions.py; the service checks the scope, then acts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.api.context import deps
from chalicelib.api.routing import Router
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.api.auth import Caller
    from chalicelib.api.schemas.dossiers import MonthQuery, WorkQuery
    from chalicelib.services.models import (
        DecisionIn,
        ExemptionIn,
        ExtensionIn,
        PaymentIn,
        ReuseIn,
        WithdrawIn,
    )

decisions = LazyModule("chalicelib.services.dossier.decisions")
views = LazyModule("chalicelib.services.dossier.views")

router = Router(
    __name__,
    schemas=(
        "chalicelib.api.schemas.dossiers",
        "chalicelib.services.models",
        "chalicelib.services.models_out",
    ),
)
bp = router.bp

PDF = "application/pdf"
HTML = "text/html"
FORMS = "Biểu mẫu 02-06 (PDF hoặc trang in HTML): `{name}` = `<số mẫu>.pdf|html`"


def _view(d: object) -> dict[str, Any]:
    view: dict[str, Any] = views.dossier_view(deps(), d)
    return view


# ---- withdrawal ------------------------------------------------------------------------------
@router.route(
    "/api/my/dossiers/{dossier_id}/withdraw",
    "POST",
    summary="Rút hồ sơ",
    action="dossier.my.withdraw",
    out="DossierView",
)
def my_withdraw(dossier_id: str, who: Caller, req: WithdrawIn | None) -> dict[str, Any]:
    assert req is not None  # an empty body is {}: the model's defaults
    return _view(decisions.withdraw(deps(), who, dossier_id, req))


@router.route(
    "/api/desk/dossiers/{dossier_id}/withdraw",
    "POST",
    summary="Rút hồ sơ thay người nộp",
    action="dossier.desk.handle",
    out="DossierView",
)
def desk_withdraw(dossier_id: str, who: Caller, req: WithdrawIn | None) -> dict[str, Any]:
    assert req is not None  # an empty body is {}: the model's defaults
    return _view(decisions.withdraw(deps(), who, dossier_id, req))


# ---- fees ------------------------------------------------------------------------------------
@router.route(
    "/api/desk/dossiers/{dossier_id}/payments",
    "POST",
    summary="Ghi nhận nộp phí, lệ phí, nghĩa vụ tài chính",
    action="dossier.desk.handle",
    out="DossierView",
)
def desk_payment(dossier_id: str, who: Caller, req: PaymentIn) -> dict[str, Any]:
    return _view(decisions.record_payment(deps(), who, dossier_id, req))


# ---- extension (form 04) and stop (form 05) ------------------------------------------------------
@router.route(
    "/api/agency/dossiers/{dossier_id}/extension",
    "POST",
    summary="Đề nghị xin lỗi và hẹn lại ngày trả kết quả (mẫu 04)",
    action="dossier.agency.extension",
    out="DossierView",
)
def propose_extension(dossier_id: str, who: Caller, req: ExtensionIn) -> dict[str, Any]:
    return _view(decisions.propose_extension(deps(), who, dossier_id, req))


@router.route(
    "/api/leader/dossiers/{dossier_id}/extension/decision",
    "POST",
    summary="Duyệt hoặc không duyệt gia hạn",
    action="dossier.leader.decide",
    out="DossierView",
)
def decide_extension(dossier_id: str, who: Caller, req: DecisionIn) -> dict[str, Any]:
    return _view(decisions.decide_extension(deps(), who, dossier_id, req))


@router.route(
    "/api/leader/dossiers/{dossier_id}/stop/decision",
    "POST",
    summary="Duyệt hoặc không duyệt dừng xử lý (mẫu 05)",
    action="dossier.leader.decide",
    out="DossierView",
)
def decide_stop(dossier_id: str, who: Caller, req: DecisionIn) -> dict[str, Any]:
    return _view(decisions.decide_stop(deps(), who, dossier_id, req))


@router.route(
    "/api/leader/pending",
    "GET",
    summary="Đề nghị gia hạn, dừng xử lý chờ lãnh đạo duyệt",
    action="dossier.leader.pending",
    out="DossierViews",
)
def leader_pending(who: Caller, params: WorkQuery) -> dict[str, Any]:
    """Open dossiers of the leader's agency with an extension or stop awaiting a decision."""
    from chalicelib.services.paging import leader_pending_page

    raw, nxt = leader_pending_page(deps(), who, params.params())
    items = [views.dossier_view(deps(), deps().store._dossier_from(i)) for i in raw]
    return {"items": items, "next": nxt}


# ---- late because of a system error (Đ15.7) ----------------------------------------------------
@router.route(
    "/api/staff/dossiers/{dossier_id}/exemptions",
    "POST",
    summary="Đề nghị không tính trễ hạn do lỗi hệ thống (Đ15.7)",
    action="dossier.staff.exemption",
    out="DossierView",
    status=201,
)
def request_exemption(dossier_id: str, who: Caller, req: ExemptionIn) -> dict[str, Any]:
    return _view(decisions.request_exemption(deps(), who, dossier_id, req))


@router.route(
    "/api/admin/dossiers/{dossier_id}/exemptions/{exemption_id}/decision",
    "POST",
    summary="Quyết định không tính trễ hạn do lỗi hệ thống",
    action="dossier.admin.exemption",
    out="DossierView",
)
def decide_exemption(
    dossier_id: str, exemption_id: str, who: Caller, req: DecisionIn
) -> dict[str, Any]:
    return _view(decisions.decide_exemption(deps(), who, dossier_id, exemption_id, req))


# ---- forms 02-07 -------------------------------------------------------------------------------
def _form(actor: Caller, dossier_id: str, form_no: str, fmt: str) -> Response:
    from chalicelib.services.dossier import forms

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


@router.route(
    "/api/my/dossiers/{dossier_id}/forms/{name}",
    "GET",
    summary=FORMS,
    action="dossier.my.read",
    media=(PDF, HTML),
)
def my_form(dossier_id: str, name: str, who: Caller) -> Response:
    return _form(who, dossier_id, *_fmt(name))


@router.route(
    "/api/staff/dossiers/{dossier_id}/forms/{name}",
    "GET",
    summary=FORMS,
    action="dossier.staff.read",
    media=(PDF, HTML),
)
def staff_form(dossier_id: str, name: str, who: Caller) -> Response:
    return _form(who, dossier_id, *_fmt(name))


@router.route(
    "/api/staff/register/{unit}/{name}",
    "GET",
    summary="Sổ theo dõi hồ sơ (mẫu 07): `{name}` = `register.pdf|html`",
    action="dossier.staff.register",
    media=(PDF, HTML),
)
def register(unit: str, name: str, who: Caller, params: MonthQuery) -> Response:
    """Form 07 for a unit and month: `?month=YYYY-MM`, name `register.pdf` or `register.html`."""
    import re

    from chalicelib.domain.errors import InvalidInput, NotFound
    from chalicelib.services.dossier import forms

    stem, _, fmt = name.partition(".")
    if stem != "register" or fmt not in ("pdf", "html"):
        raise NotFound("Không có biểu mẫu này.", "No such form.", field="form")
    month = params.month or ""
    if not re.fullmatch(r"20\d\d-(0[1-9]|1[0-2])", month):
        raise InvalidInput("Tháng không hợp lệ (YYYY-MM).", "Invalid month.", field="month")
    data, ctype = forms.register_document(deps(), who, unit, month, fmt)  # type: ignore[arg-type]
    return Response(
        body=_text_or_bytes(data, ctype), status_code=200, headers={"Content-Type": ctype}
    )


def _text_or_bytes(data: bytes, ctype: str) -> bytes | str:
    """HTML travels as text (API Gateway base64-encodes only binary media types)."""
    return data.decode("utf-8") if ctype.startswith("text/") else data


# ---- my documents ------------------------------------------------------------------------------
@router.route(
    "/api/my/documents",
    "GET",
    summary="Giấy tờ, kết quả của tôi (dùng lại được)",
    action="dossier.my.documents",
    out="Items",
)
def my_documents(who: Caller) -> dict[str, Any]:
    from chalicelib.services.dossier import my_documents as docs

    return {"items": docs.list_documents(deps(), who)}


@router.route(
    "/api/my/dossiers/{dossier_id}/reuse",
    "POST",
    summary="Dùng lại giấy tờ trong kho dữ liệu của tôi",
    action="dossier.my.edit",
    out="ReusedAttachment",
    status=201,
)
def my_reuse(dossier_id: str, who: Caller, req: ReuseIn) -> dict[str, Any]:
    from chalicelib.services.dossier import my_documents as docs

    att = docs.reuse(deps(), who, dossier_id, req.my_document_id, req.document_id)
    dumped: dict[str, Any] = att.model_dump(mode="json", exclude={"key"})
    return dumped
