"""Routes for feedback (phản ánh, kiến nghị, Đ18-19) and the public Q&A page.

Public: send a feedback (anonymous allowed; a bearer token links it to the citizen), the sender's
view by code and token, the sender's extra information, the Q&A. Citizen: their list, rating,
reopening. Staff: entry from other channels, the queue, the handling steps, routing.

Each route declares its contract (chalicelib/api/routing.py); who may call it is its action's row
in chalicelib/domain/permissions.py (section `_FEEDBACK`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.api.context import deps
from chalicelib.api.routing import Router
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.api.auth import Caller
    from chalicelib.api.schemas.dossiers import WorkQuery
    from chalicelib.api.schemas.feedback import FeedbackTokenQuery, QaQuery
    from chalicelib.services.care.feedback import (
        AnswerIn,
        FeedbackIn,
        FeedbackReasonIn,
        InfoIn,
        NoteIn,
        QuestionIn,
        RatingIn,
        RouteIn,
        StaffFeedbackIn,
    )

svc = LazyModule("chalicelib.services.care.feedback")

router = Router(
    __name__,
    schemas=(
        "chalicelib.api.schemas.feedback",
        "chalicelib.api.schemas.dossiers",
        "chalicelib.services.care.feedback",
        "chalicelib.services.models_out",
    ),
)
bp = router.bp


def _created(fb: object, slots: list[dict[str, object]]) -> dict[str, Any]:
    view: dict[str, Any] = svc.sender_view(fb)
    view["token"] = fb.lookup_token  # type: ignore[attr-defined]
    view["uploads"] = slots
    return view


# ---- public --------------------------------------------------------------------------------------
@router.route(
    "/api/feedback",
    "POST",
    summary="Gửi phản ánh, kiến nghị (ẩn danh được; có mã đăng nhập thì gắn với công dân)",
    action="feedback.public.send",
    out="FeedbackSent",
    status=201,
)
def submit_feedback(who: Caller | None, req: FeedbackIn) -> dict[str, Any]:
    fb, slots = svc.submit_online(deps(), who, req)
    return _created(fb, slots)


@router.route(
    "/api/feedback/{code}",
    "GET",
    summary="Người gửi xem phản ánh",
    action="feedback.public.read",
    out="FeedbackView",
)
def sender_feedback(code: str, who: Caller | None, params: FeedbackTokenQuery) -> dict[str, Any]:
    view: dict[str, Any] = svc.get_for_sender(deps(), code, params.token, who)
    return view


@router.route(
    "/api/feedback/{code}/info",
    "POST",
    summary="Người gửi bổ sung thông tin",
    action="feedback.public.info",
    out="FeedbackView",
)
def provide_info(code: str, who: Caller | None, req: InfoIn) -> dict[str, Any]:
    view: dict[str, Any] = svc.sender_view(svc.provide_info(deps(), who, code, req))
    return view


@router.route(
    "/api/qa",
    "GET",
    summary="Hỏi đáp: phản ánh đã trả lời và được công khai (đã ẩn thông tin cá nhân)",
    action="feedback.qa.read",
    out="Items",
)
def qa(params: QaQuery) -> dict[str, Any]:
    return {"items": svc.qa(deps(), (params.q or "")[:200])}


# ---- the citizen ---------------------------------------------------------------------------------
@router.route(
    "/api/my/feedback",
    "GET",
    summary="Phản ánh của tôi",
    action="feedback.my.list",
    out="FeedbackList",
)
def my_feedback(who: Caller) -> dict[str, Any]:
    return {"items": svc.list_mine(deps(), who)}


@router.route(
    "/api/my/feedback/{feedback_id}/rating",
    "POST",
    summary="Đánh giá câu trả lời (một lần)",
    action="feedback.my.respond",
    out="FeedbackView",
)
def my_feedback_rating(feedback_id: str, who: Caller, req: RatingIn) -> dict[str, Any]:
    view: dict[str, Any] = svc.sender_view(svc.rate(deps(), who, feedback_id, req))
    return view


@router.route(
    "/api/my/feedback/{feedback_id}/reopen",
    "POST",
    summary="Đề nghị xem xét lại (một lần)",
    action="feedback.my.respond",
    out="FeedbackView",
)
def my_reopen(feedback_id: str, who: Caller, req: FeedbackReasonIn) -> dict[str, Any]:
    view: dict[str, Any] = svc.sender_view(svc.reopen(deps(), who, feedback_id, req))
    return view


# ---- staff ---------------------------------------------------------------------------------------
@router.route(
    "/api/staff/feedback",
    "POST",
    summary="Nhập phản ánh nhận qua điện thoại, Zalo, ứng dụng, thư",
    action="feedback.staff.enter",
    out="FeedbackSent",
    status=201,
)
def staff_entry(who: Caller, req: StaffFeedbackIn) -> dict[str, Any]:
    fb, slots = svc.submit_by_staff(deps(), who, req)
    return _created(fb, slots)


@router.route(
    "/api/staff/feedback",
    "GET",
    summary="Phản ánh đang xử lý của đơn vị",
    action="feedback.staff.list",
    out="FeedbackQueue",
)
def staff_queue(who: Caller, params: WorkQuery) -> dict[str, Any]:
    """Open feedback, soonest due first, one page (`limit`, `cursor`; `q`: code or subject)."""
    from chalicelib.services.paging import feedback_queue_page

    return feedback_queue_page(deps(), who, params.params())


@router.route(
    "/api/staff/feedback/{feedback_id}",
    "GET",
    summary="Chi tiết phản ánh",
    action="feedback.staff.read",
    out="FeedbackStaffView",
)
def staff_detail(feedback_id: str, who: Caller) -> dict[str, Any]:
    view: dict[str, Any] = svc.get_for_staff(deps(), who, feedback_id)
    return view


def _staff(fb: object) -> dict[str, Any]:
    view: dict[str, Any] = svc.staff_view(fb)
    return view


@router.route(
    "/api/staff/feedback/{feedback_id}/accept",
    "POST",
    summary="Thụ lý phản ánh",
    action="feedback.staff.handle",
    out="FeedbackStaffView",
    body_required=False,
)
def staff_accept(feedback_id: str, who: Caller, req: NoteIn) -> dict[str, Any]:
    return _staff(svc.accept(deps(), who, feedback_id, req))


@router.route(
    "/api/staff/feedback/{feedback_id}/refuse",
    "POST",
    summary="Từ chối thụ lý",
    action="feedback.staff.handle",
    out="FeedbackStaffView",
)
def staff_refuse(feedback_id: str, who: Caller, req: FeedbackReasonIn) -> dict[str, Any]:
    return _staff(svc.refuse(deps(), who, feedback_id, req))


@router.route(
    "/api/staff/feedback/{feedback_id}/request-info",
    "POST",
    summary="Đề nghị người gửi bổ sung thông tin",
    action="feedback.staff.handle",
    out="FeedbackStaffView",
)
def staff_request_info(feedback_id: str, who: Caller, req: QuestionIn) -> dict[str, Any]:
    return _staff(svc.request_info(deps(), who, feedback_id, req))


@router.route(
    "/api/staff/feedback/{feedback_id}/answer",
    "POST",
    summary="Trả lời phản ánh",
    action="feedback.staff.handle",
    out="FeedbackStaffView",
)
def staff_answer(feedback_id: str, who: Caller, req: AnswerIn) -> dict[str, Any]:
    return _staff(svc.answer(deps(), who, feedback_id, req))


@router.route(
    "/api/staff/feedback/{feedback_id}/publish",
    "POST",
    summary="Công khai trả lời lên trang Hỏi đáp",
    action="feedback.staff.handle",
    out="FeedbackStaffView",
)
def staff_publish(feedback_id: str, who: Caller) -> dict[str, Any]:
    return _staff(svc.publish(deps(), who, feedback_id))


@router.route(
    "/api/staff/feedback/{feedback_id}/route",
    "POST",
    summary="Điều chuyển phản ánh sang cơ quan khác",
    action="feedback.staff.route",
    out="FeedbackStaffView",
)
def staff_route(feedback_id: str, who: Caller, req: RouteIn) -> dict[str, Any]:
    return _staff(svc.route(deps(), who, feedback_id, req))
