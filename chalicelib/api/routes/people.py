"""Routes for signed-in people: sign-in proxy, the citizen's dossiers, the desk, the agencies.

Each route declares its contract (chalicelib/api/routing.py): the wrapper authenticates and checks
the role from chalicelib/domain/permissions.py, parses the input, and the handler calls one use
case (which checks the scope) and returns the answer its `out` model describes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Response

from chalicelib.api.context import deps
from chalicelib.api.routing import Router
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.api.auth import Caller
    from chalicelib.api.schemas.dossiers import MailboxQuery, WorkQuery
    from chalicelib.services.models import (
        AcceptIn,
        CompleteStepIn,
        ConfirmPasswordResetIn,
        CreateDossierIn,
        PasswordResetIn,
        ReasonIn,
        ReturnIn,
        SignInIn,
        SignUpIn,
        UploadIn,
    )

# Use cases and models load on a route's first call, not when a Lambda imports app.py.
svc = LazyModule("chalicelib.services.dossier.dossiers")
processing = LazyModule("chalicelib.services.dossier.processing")
audit = LazyModule("chalicelib.services.admin.audit")
views = LazyModule("chalicelib.services.dossier.views")
paging = LazyModule("chalicelib.services.paging")
papers = LazyModule("chalicelib.services.dossier.papers")
representation = LazyModule("chalicelib.services.dossier.representation")

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
RECEIPT = "Giấy tiếp nhận hồ sơ và hẹn trả kết quả (PDF)"
UPLOAD = "Xin URL tải lên (presigned POST) cho một giấy tờ"
FINALIZE = "Xác nhận tệp đã tải lên (kiểm tra kích thước, loại, mã độc)"
PAPER_LINK = "Liên kết ngắn hạn để xem hoặc tải một giấy tờ đã nộp (hợp lệ)"
PRIVATE = "private, no-store"


def _channel(name: str) -> Any:
    from chalicelib.domain.dossier import Channel

    return Channel[name]


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        body=data,
        status_code=200,
        headers={
            "Content-Type": PDF,
            "Content-Disposition": f'inline; filename="{name}"',
        },
    )


def _view(d: object, *, with_history: bool = False) -> dict[str, Any]:
    view: dict[str, Any] = views.dossier_view(deps(), d, with_history=with_history)
    return view


# ---- sign-in ------------------------------------------------------------------------------
@router.route(
    "/api/auth/signin",
    "POST",
    summary="Đăng nhập (trả về token)",
    action="auth.account.signin",
    out="Tokens",
    replay=False,  # tokens are never stored for replay
    errors=(401, 429),  # wrong credentials; Cognito throttling the attempts
)
def signin(req: SignInIn) -> dict[str, Any]:
    from chalicelib.services.identity import accounts

    tokens: dict[str, Any] = accounts.sign_in(deps(), req.username, req.password)
    return tokens


@router.route(
    "/api/auth/signup",
    "POST",
    summary="Đăng ký tài khoản công dân",
    action="auth.account.signup",
    out="SignedUp",
    status=201,
)
def signup(req: SignUpIn) -> dict[str, Any]:
    from chalicelib.services.identity import accounts

    out: dict[str, Any] = accounts.sign_up(deps(), req)
    return out


@router.route(
    "/api/auth/forgot-password",
    "POST",
    summary=(
        "Quên mật khẩu: gửi mã xác nhận đến thư điện tử của tài khoản (không cho biết tài "
        "khoản có tồn tại hay không)"
    ),
    action="auth.password.forgot",
    out="PasswordResetSent",
)
def forgot_password(req: PasswordResetIn) -> dict[str, Any]:
    from chalicelib.services.identity import accounts

    out: dict[str, Any] = accounts.request_password_reset(deps(), req)
    return out


@router.route(
    "/api/auth/forgot-password/confirm",
    "POST",
    summary="Đặt mật khẩu mới bằng mã xác nhận đã nhận qua thư điện tử",
    action="auth.password.confirm",
    out="PasswordResetDone",
    replay=False,
)
def confirm_forgot_password(req: ConfirmPasswordResetIn) -> dict[str, Any]:
    from chalicelib.services.identity import accounts

    out: dict[str, Any] = accounts.confirm_password_reset(deps(), req)
    return out


@router.route(
    "/api/local/mailbox",
    "GET",
    summary="Hộp thư thử nghiệm: thư hệ thống đã gửi (chỉ bật ở môi trường chạy thử)",
    action="auth.local.mailbox",
    media=("text/html",),
)
def local_mailbox(params: MailboxQuery) -> Response:
    """The local stack's mailbox (LOCAL_MAIL only; 404 elsewhere): what was e-mailed to `to`."""
    from chalicelib.services.care import local_mail

    page = local_mail.mailbox_page(deps(), params.to or "")
    return Response(
        body=page, status_code=200, headers={"Content-Type": "text/html; charset=utf-8"}
    )


@router.route(
    "/api/me",
    "GET",
    summary="Người dùng hiện tại và hồ sơ cá nhân",
    action="auth.me.read",
    out="Me",
)
def me(who: Caller) -> dict[str, Any]:
    out = who.model_dump(mode="json")
    profile = deps().store.get_profile(who.sub) or {}
    for key in ("phone", "id_number", "address"):  # prefill for e-forms
        out[key] = profile.get(key)
    return out


# ---- citizen ------------------------------------------------------------------------------
@router.route(
    "/api/my/dossiers",
    "POST",
    summary="Tạo hồ sơ nháp",
    action="dossier.my.create",
    out="DossierView",
    status=201,
)
def create_my_dossier(who: Caller, req: CreateDossierIn) -> dict[str, Any]:
    return _view(svc.create_draft(deps(), who, req, _channel("ONLINE")))


def _summaries(raw: list[dict[str, Any]], nxt: str | None, names: Any) -> dict[str, Any]:
    items = [deps().store._dossier_from(i) for i in raw]
    return {"items": [views.summary_view(deps(), d, names) for d in items], "next": nxt}


@router.route(
    "/api/my/dossiers",
    "GET",
    summary="Hồ sơ của tôi",
    action="dossier.my.list",
    out="DossierSummaries",
)
def list_my_dossiers(who: Caller, params: WorkQuery) -> dict[str, Any]:
    names = views.procedure_names(deps())
    raw, nxt = paging.my_dossiers_page(deps(), who, params.params(), names)
    return _summaries(raw, nxt, names)


@router.route(
    "/api/my/dossiers/{dossier_id}",
    "GET",
    summary="Chi tiết hồ sơ của tôi",
    action="dossier.my.read",
    out="DossierView",
)
def get_my_dossier(dossier_id: str, who: Caller) -> dict[str, Any]:
    return _view(svc.load_for(deps(), dossier_id, who), with_history=True)


@router.route(
    "/api/my/followed-dossiers",
    "GET",
    summary=(
        "Hồ sơ tôi theo dõi: tôi nộp, hoặc tôi là người đại diện hay người được đại diện "
        "(theo số định danh VNeID đã xác thực)"
    ),
    action="dossier.party.list",
    out="DossierSummaries",
)
def list_followed_dossiers(who: Caller) -> dict[str, Any]:
    names = views.procedure_names(deps())
    found = representation.followed(deps(), who)
    return {"items": [views.summary_view(deps(), d, names) for d in found], "next": None}


@router.route(
    "/api/my/followed-dossiers/{dossier_id}",
    "GET",
    summary="Theo dõi một hồ sơ (chỉ xem): của tôi, hoặc tôi là một bên của việc đại diện",
    action="dossier.party.read",
    out="DossierView",
)
def get_followed_dossier(dossier_id: str, who: Caller) -> dict[str, Any]:
    return _view(representation.load_followed(deps(), who, dossier_id), with_history=True)


@router.route(
    "/api/my/dossiers/{dossier_id}",
    "POST",
    summary="Sửa thông tin hồ sơ nháp (người nộp, tờ khai, nơi nộp)",
    action="dossier.my.edit",
    out="DossierView",
)
def update_my_draft(dossier_id: str, who: Caller, req: CreateDossierIn) -> dict[str, Any]:
    """Step 1 of the wizard again (Back, or a draft resumed): applicant, e-form, desk."""
    return _view(svc.update_draft(deps(), who, dossier_id, req))


@router.route(
    "/api/my/dossiers/{dossier_id}",
    "DELETE",
    summary="Xóa hồ sơ nháp chưa nộp (cùng các tệp đính kèm)",
    action="dossier.my.edit",
    out="DraftDeleted",
)
def delete_my_draft(dossier_id: str, who: Caller) -> dict[str, Any]:
    out: dict[str, Any] = svc.delete_draft(deps(), who, dossier_id)
    return out


def _upload(who: Caller, dossier_id: str, req: UploadIn) -> dict[str, Any]:
    att, post = svc.request_upload(deps(), who, dossier_id, req)
    return {
        "attachment_id": att.id,
        "attachment": att.model_dump(mode="json"),
        "url": post["url"],
        "fields": post["fields"],
    }


def _finalize(who: Caller, dossier_id: str, attachment_id: str) -> dict[str, Any]:
    att = svc.finalize_attachment(deps(), who, dossier_id, attachment_id)
    out: dict[str, Any] = att.model_dump(mode="json")
    return out


@router.route(
    "/api/my/dossiers/{dossier_id}/uploads",
    "POST",
    summary=UPLOAD,
    action="dossier.my.edit",
    out="UploadTicket",
    status=201,
)
def my_upload(dossier_id: str, who: Caller, req: UploadIn) -> dict[str, Any]:
    return _upload(who, dossier_id, req)


@router.route(
    "/api/my/dossiers/{dossier_id}/attachments/{attachment_id}/finalize",
    "POST",
    summary=FINALIZE,
    action="dossier.my.edit",
    out="Attachment",
)
def my_finalize(dossier_id: str, attachment_id: str, who: Caller) -> dict[str, Any]:
    return _finalize(who, dossier_id, attachment_id)


def _paper_link(who: Caller, dossier_id: str, attachment_id: str) -> dict[str, Any]:
    link: dict[str, Any] = papers.attachment_link(deps(), who, dossier_id, attachment_id)
    return link


@router.route(
    "/api/my/dossiers/{dossier_id}/attachments/{attachment_id}/link",
    "GET",
    summary=PAPER_LINK,
    action="dossier.my.read",
    out="AttachmentLink",
    cache=PRIVATE,
)
def my_attachment_link(dossier_id: str, attachment_id: str, who: Caller) -> dict[str, Any]:
    """A short-lived link to open one of my own accepted papers."""
    return _paper_link(who, dossier_id, attachment_id)


@router.route(
    "/api/my/dossiers/{dossier_id}/submit",
    "POST",
    summary="Nộp hồ sơ (hoặc nộp bổ sung)",
    action="dossier.my.edit",
    out="DossierView",
)
def my_submit(dossier_id: str, who: Caller) -> dict[str, Any]:
    return _view(svc.submit(deps(), who, dossier_id))


@router.route(
    "/api/my/dossiers/{dossier_id}/receipt.pdf",
    "GET",
    summary=RECEIPT,
    action="dossier.my.read",
    media=(PDF,),
)
def my_receipt(dossier_id: str, who: Caller) -> Response:
    d = svc.load_for(deps(), dossier_id, who)
    return _pdf(views.receipt_pdf(deps(), d), f"{d.code}.pdf")


# ---- desk -----------------------------------------------------------------------------------
@router.route(
    "/api/desk/inbox",
    "GET",
    summary="Hồ sơ chờ tiếp nhận tại bộ phận một cửa",
    action="dossier.desk.inbox",
    out="DossierSummaries",
)
def desk_inbox(who: Caller, params: WorkQuery) -> dict[str, Any]:
    assert who.unit
    names = views.procedure_names(deps())
    raw, nxt = paging.desk_inbox_page(deps(), who, params.params(), names)
    return _summaries(raw, nxt, names)


@router.route(
    "/api/desk/dossiers",
    "POST",
    summary="Nhập hồ sơ giấy thay người nộp",
    action="dossier.desk.create",
    out="DossierView",
    status=201,
)
def desk_create(who: Caller, req: CreateDossierIn) -> dict[str, Any]:
    """A paper dossier entered on behalf of a walk-in applicant (channel 1)."""
    return _view(svc.create_draft(deps(), who, req, _channel("DESK")))


@router.route(
    "/api/desk/dossiers/{dossier_id}",
    "GET",
    summary="Chi tiết hồ sơ (một cửa)",
    action="dossier.desk.read",
    out="DossierView",
)
def desk_get(dossier_id: str, who: Caller) -> dict[str, Any]:
    d = svc.load_for(deps(), dossier_id, who)
    audit.record_staff_read(deps(), who, d)
    return _view(d, with_history=True)


@router.route(
    "/api/desk/dossiers/{dossier_id}",
    "POST",
    summary="Sửa thông tin hồ sơ giấy chưa tiếp nhận",
    action="dossier.desk.edit",
    out="DossierView",
)
def desk_update_draft(dossier_id: str, who: Caller, req: CreateDossierIn) -> dict[str, Any]:
    """Step 1 of a walk-in paper dossier again, before it is received."""
    return _view(svc.update_draft(deps(), who, dossier_id, req))


@router.route(
    "/api/staff/dossiers/by-code/{code}",
    "GET",
    summary="Tìm hồ sơ theo mã in trên giấy tiếp nhận (không phân biệt hoa thường)",
    action="dossier.staff.read",
    out="DossierSummary",
)
def staff_find_by_code(code: str, who: Caller) -> dict[str, Any]:
    """The dossier of a receipt's code, for the staff in its scope (the desk that received it)."""
    d = svc.find_by_code(deps(), who, code)
    audit.record_staff_read(deps(), who, d, "search")
    summary: dict[str, Any] = views.summary_view(deps(), d, views.procedure_names(deps()))
    return summary


@router.route(
    "/api/desk/dossiers/{dossier_id}/uploads",
    "POST",
    summary=UPLOAD,
    action="dossier.desk.edit",
    out="UploadTicket",
    status=201,
)
def desk_upload(dossier_id: str, who: Caller, req: UploadIn) -> dict[str, Any]:
    return _upload(who, dossier_id, req)


@router.route(
    "/api/desk/dossiers/{dossier_id}/attachments/{attachment_id}/finalize",
    "POST",
    summary=FINALIZE,
    action="dossier.desk.edit",
    out="Attachment",
)
def desk_finalize(dossier_id: str, attachment_id: str, who: Caller) -> dict[str, Any]:
    return _finalize(who, dossier_id, attachment_id)


@router.route(
    "/api/desk/dossiers/{dossier_id}/accept",
    "POST",
    summary="Tiếp nhận hồ sơ (đã thu phí hay chờ nộp phí)",
    action="dossier.desk.accept",
    out="DossierView",
)
def desk_accept(dossier_id: str, who: Caller, req: AcceptIn | None) -> dict[str, Any]:
    return _view(svc.accept(deps(), who, dossier_id, req))


@router.route(
    "/api/desk/dossiers/{dossier_id}/refuse",
    "POST",
    summary="Từ chối hồ sơ",
    action="dossier.desk.handle",
    out="DossierView",
)
def desk_refuse(dossier_id: str, who: Caller, req: ReasonIn) -> dict[str, Any]:
    return _view(svc.refuse(deps(), who, dossier_id, req))


@router.route(
    "/api/desk/dossiers/{dossier_id}/supplement",
    "POST",
    summary="Yêu cầu bổ sung hồ sơ",
    action="dossier.desk.handle",
    out="DossierView",
)
def desk_supplement(dossier_id: str, who: Caller, req: ReasonIn) -> dict[str, Any]:
    return _view(svc.request_supplement(deps(), who, dossier_id, req))


@router.route(
    "/api/desk/dossiers/{dossier_id}/return",
    "POST",
    summary="Trả kết quả: tại một cửa, bưu chính hoặc trực tuyến",
    action="dossier.desk.handle",
    out="DossierView",
)
def desk_return(dossier_id: str, who: Caller, req: ReturnIn | None) -> dict[str, Any]:
    return _view(svc.return_result(deps(), who, dossier_id, req))


@router.route(
    "/api/desk/dossiers/{dossier_id}/receipt.pdf",
    "GET",
    summary=RECEIPT,
    action="dossier.desk.read",
    media=(PDF,),
)
def desk_receipt(dossier_id: str, who: Caller) -> Response:
    d = svc.load_for(deps(), dossier_id, who)
    audit.record_staff_read(deps(), who, d, "receipt")
    return _pdf(views.receipt_pdf(deps(), d), f"{d.code}.pdf")


@router.route(
    "/api/staff/dossiers/{dossier_id}/attachments/{attachment_id}/link",
    "GET",
    summary=f"{PAPER_LINK} (cán bộ; mỗi lần mở được ghi nhật ký)",
    action="dossier.staff.read",
    out="AttachmentLink",
    cache=PRIVATE,
)
def staff_attachment_link(dossier_id: str, attachment_id: str, who: Caller) -> dict[str, Any]:
    """The desk, the agencies on the dossier and the administrator open a paper (audited)."""
    return _paper_link(who, dossier_id, attachment_id)


# ---- agencies -------------------------------------------------------------------------------
@router.route(
    "/api/agency/tasks",
    "GET",
    summary="Nhiệm vụ đang mở của cơ quan",
    action="dossier.agency.tasks",
    out="Tasks",
)
def agency_tasks(who: Caller, params: WorkQuery) -> dict[str, Any]:
    if not who.unit:
        processing.list_tasks(deps(), who)  # raises the use case's Forbidden (no unit)
    raw, nxt = paging.agency_tasks_page(deps(), who, params.params())
    tasks = [deps().store._task_from(i) for i in raw]
    return {"items": [t.to_public() for t in tasks], "next": nxt}


@router.route(
    "/api/agency/dossiers/{dossier_id}",
    "GET",
    summary="Chi tiết hồ sơ (cơ quan)",
    action="dossier.agency.read",
    out="DossierView",
)
def agency_get(dossier_id: str, who: Caller) -> dict[str, Any]:
    d = svc.load_for(deps(), dossier_id, who)
    audit.record_staff_read(deps(), who, d)
    return _view(d, with_history=True)


@router.route(
    "/api/agency/dossiers/{dossier_id}/steps/{step_id}/complete",
    "POST",
    summary=("Kết quả một bước: duyệt, trả lại, yêu cầu bổ sung, nghĩa vụ tài chính, đề nghị dừng"),
    action="dossier.agency.complete",
    out="DossierView",
)
def agency_complete(
    dossier_id: str, step_id: str, who: Caller, req: CompleteStepIn
) -> dict[str, Any]:
    return _view(processing.complete_step(deps(), who, dossier_id, step_id, req))
