"""Routes for FAQ (Đ10.4), technical support requests (Đ15.8), dossier satisfaction ratings and
lookup by face (Đ8.1c).

- public: `GET /api/faq?q=&field=&procedure=`, `GET /api/faq/{faq_id}`;
  `GET|POST /api/ratings/{code}?token=` (the receipt's link; the token is the dossier's lookup
  token); `GET /api/lookup/face` (is it available here, and the consent text),
  `POST /api/lookup/face` (JPEG/PNG body) → the masked status of the matched citizen's open
  dossiers;
- province office: `GET|POST /api/province/faq`, `POST /api/province/faq/{id}` (edit),
  `POST /api/province/faq/{id}/publish|retire|draft`;
- citizen: `GET|POST /api/my/dossiers/{id}/rating`; `GET /api/my/face`,
  `POST /api/my/face?consent_version=&consent=accepted` (JPEG/PNG body),
  `POST /api/my/face/withdraw` (also `DELETE /api/my/face`);
- staff: `POST|GET /api/staff/support`, `GET /api/staff/support/{id}`,
  `POST /api/staff/support/{id}/screenshot` (presigned POST), `.../screenshot/finalize`,
  `GET .../screenshot` (a short-lived download URL),
  `GET /api/staff/dossiers/{id}/support-requests` (evidence for the lateness exemption);
- IT (admin): `GET /api/admin/support?state=&q=&limit=&cursor=`,
  `POST /api/admin/support/{id}/triage|answer|close`;
- leader: `GET /api/leader/notifications` (dissatisfied ratings of the leader's agency);
- citizen: `GET|PUT /api/me/reminder-preferences` (which reminders the account gets: before an
  appointment, a supplement deadline, a fee deadline; NĐ 224/2026 Đ16).

Each route declares its contract (chalicelib/api/routing.py); who may call it is its action's row
in chalicelib/domain/permissions.py (section `_CARE`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalicelib.api.context import deps
from chalicelib.api.routing import Router
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalice.app import Request

    from chalicelib.api.auth import Caller
    from chalicelib.api.schemas.care import (
        FaceConsentQuery,
        FaqSearchQuery,
        FaqStateQuery,
        RatingLinkQuery,
        SupportQueueQuery,
        SupportStateQuery,
    )
    from chalicelib.services.care.models_care import (
        DossierRatingIn,
        FaqIn,
        FaqUpdateIn,
        ReminderPreferences,
        ReminderPreferencesIn,
        ScreenshotIn,
        SupportAnswerIn,
        SupportCloseIn,
        SupportIn,
        TriageIn,
    )

faq = LazyModule("chalicelib.services.care.faq")
support = LazyModule("chalicelib.services.care.support")
ratings = LazyModule("chalicelib.services.care.ratings")
faces = LazyModule("chalicelib.services.privacy.faces")
reminders = LazyModule("chalicelib.services.care.reminders")

IMAGE_TYPES = ("image/jpeg", "image/png")  # both must be in app.api.binary_types (raw bytes)

router = Router(
    __name__,
    schemas=(
        "chalicelib.api.schemas.care",
        "chalicelib.services.care.models_care",
        "chalicelib.services.models_out",
        "chalicelib.domain.faq",
    ),
)
bp = router.bp


def _client_ip(request: Request) -> str:
    ctx = request.context or {}
    ip = (ctx.get("identity") or {}).get("sourceIp")
    return str(ip or "unknown")


# ---- FAQ ---------------------------------------------------------------------------------------
@router.route(
    "/api/faq",
    "GET",
    summary="Câu hỏi thường gặp (đã công bố), tìm không dấu",
    action="care.faq.read",
    out="FaqSearch",
)
def faq_search(params: FaqSearchQuery) -> dict[str, Any]:
    found: dict[str, Any] = faq.public_search(deps(), params.q, params.field, params.procedure)
    return found


@router.route(
    "/api/faq/{faq_id}",
    "GET",
    summary="Một câu hỏi thường gặp đã công bố",
    action="care.faq.read",
    out="FaqPublic",
)
def faq_get(faq_id: str) -> dict[str, Any]:
    found: dict[str, Any] = faq.public_get(deps(), faq_id)
    return found


@router.route(
    "/api/province/faq",
    "GET",
    summary="Câu hỏi thường gặp (mọi trạng thái)",
    action="care.faq.manage",
    out="Faqs",
)
def faq_office_list(who: Caller, params: FaqStateQuery) -> dict[str, Any]:
    items = faq.list_office(deps(), who, params.state)
    return {"items": [faq.view(e) for e in items]}


@router.route(
    "/api/province/faq",
    "POST",
    summary="Thêm câu hỏi thường gặp (bản nháp)",
    action="care.faq.manage",
    out="FaqEntry",
    status=201,
)
def faq_create(who: Caller, req: FaqIn) -> dict[str, Any]:
    view: dict[str, Any] = faq.view(faq.create(deps(), who, req))
    return view


@router.route(
    "/api/province/faq/{faq_id}",
    "POST",
    summary="Sửa câu hỏi thường gặp",
    action="care.faq.manage",
    out="FaqEntry",
)
def faq_edit(faq_id: str, who: Caller, req: FaqUpdateIn) -> dict[str, Any]:
    view: dict[str, Any] = faq.view(faq.update(deps(), who, faq_id, req))
    return view


def _faq_state(who: Caller, faq_id: str, target: str) -> dict[str, Any]:
    view: dict[str, Any] = faq.view(faq.set_state(deps(), who, faq_id, target))
    return view


@router.route(
    "/api/province/faq/{faq_id}/publish",
    "POST",
    summary="Công bố câu hỏi",
    action="care.faq.manage",
    out="FaqEntry",
)
def faq_publish(faq_id: str, who: Caller) -> dict[str, Any]:
    return _faq_state(who, faq_id, "published")


@router.route(
    "/api/province/faq/{faq_id}/retire",
    "POST",
    summary="Ngừng sử dụng câu hỏi",
    action="care.faq.manage",
    out="FaqEntry",
)
def faq_retire(faq_id: str, who: Caller) -> dict[str, Any]:
    return _faq_state(who, faq_id, "retired")


@router.route(
    "/api/province/faq/{faq_id}/draft",
    "POST",
    summary="Chuyển câu hỏi về bản nháp",
    action="care.faq.manage",
    out="FaqEntry",
)
def faq_redraft(faq_id: str, who: Caller) -> dict[str, Any]:
    return _faq_state(who, faq_id, "draft")


# ---- technical support requests -----------------------------------------------------------------
@router.route(
    "/api/staff/support",
    "POST",
    summary="Gửi yêu cầu hỗ trợ kỹ thuật (Đ15.8)",
    action="care.support.raise",
    out="SupportView",
    status=201,
)
def support_raise(who: Caller, req: SupportIn) -> dict[str, Any]:
    view: dict[str, Any] = support.view(support.raise_request(deps(), who, req))
    return view


@router.route(
    "/api/staff/support",
    "GET",
    summary="Yêu cầu hỗ trợ của đơn vị",
    action="care.support.list",
    out="SupportViews",
)
def support_list_staff(who: Caller, params: SupportStateQuery) -> dict[str, Any]:
    items = support.list_for(deps(), who, params.state)
    return {"items": [support.view(r) for r in items]}


@router.route(
    "/api/staff/support/{request_id}",
    "GET",
    summary="Chi tiết yêu cầu hỗ trợ",
    action="care.support.read",
    out="SupportView",
)
def support_get(request_id: str, who: Caller) -> dict[str, Any]:
    view: dict[str, Any] = support.view(support.load_for_actor(deps(), who, request_id))
    return view


@router.route(
    "/api/staff/support/{request_id}/screenshot",
    "POST",
    summary="Xin URL tải ảnh chụp màn hình (PNG/JPEG)",
    action="care.support.screenshot",
    out="UploadSlot",
    status=201,
)
def support_screenshot(request_id: str, who: Caller, req: ScreenshotIn) -> dict[str, Any]:
    slot: dict[str, Any] = support.screenshot_slot(deps(), who, request_id, req)
    return slot


@router.route(
    "/api/staff/support/{request_id}/screenshot/finalize",
    "POST",
    summary="Xác nhận ảnh đã tải lên (kiểm tra loại thật, kích thước)",
    action="care.support.finalize",
    out="SupportView",
)
def support_screenshot_finalize(request_id: str, who: Caller) -> dict[str, Any]:
    view: dict[str, Any] = support.view(support.finalize_screenshot(deps(), who, request_id))
    return view


@router.route(
    "/api/staff/support/{request_id}/screenshot",
    "GET",
    summary="URL tải ảnh chụp màn hình",
    action="care.support.read",
    out="Url",
)
def support_screenshot_url(request_id: str, who: Caller) -> dict[str, Any]:
    url: dict[str, Any] = support.screenshot_url(deps(), who, request_id)
    return url


@router.route(
    "/api/staff/dossiers/{dossier_id}/support-requests",
    "GET",
    summary="Yêu cầu hỗ trợ gắn với hồ sơ (căn cứ đề nghị không tính trễ hạn)",
    action="care.support.dossier",
    out="Items",
)
def support_for_dossier(dossier_id: str, who: Caller) -> dict[str, Any]:
    return {"items": support.dossier_requests_for(deps(), who, dossier_id)}


@router.route(
    "/api/admin/support",
    "GET",
    summary="Hàng chờ yêu cầu hỗ trợ (CNTT; phân trang, lọc theo trạng thái, từ khóa)",
    action="care.support.handle",
    out="SupportViews",
)
def support_queue(who: Caller, params: SupportQueueQuery) -> dict[str, Any]:
    page: dict[str, Any] = support.queue_page(deps(), who, params.model_dump(exclude_none=True))
    return page


@router.route(
    "/api/admin/support/{request_id}/triage",
    "POST",
    summary="Phân loại, đặt mức ưu tiên",
    action="care.support.handle",
    out="SupportView",
)
def support_triage(request_id: str, who: Caller, req: TriageIn) -> dict[str, Any]:
    view: dict[str, Any] = support.view(support.triage(deps(), who, request_id, req))
    return view


@router.route(
    "/api/admin/support/{request_id}/answer",
    "POST",
    summary="Trả lời yêu cầu hỗ trợ",
    action="care.support.handle",
    out="SupportView",
)
def support_answer(request_id: str, who: Caller, req: SupportAnswerIn) -> dict[str, Any]:
    view: dict[str, Any] = support.view(support.answer(deps(), who, request_id, req))
    return view


@router.route(
    "/api/admin/support/{request_id}/close",
    "POST",
    summary="Đóng yêu cầu hỗ trợ",
    action="care.support.handle",
    out="SupportView",
    body_required=False,
)
def support_close(request_id: str, who: Caller, req: SupportCloseIn) -> dict[str, Any]:
    view: dict[str, Any] = support.view(support.close(deps(), who, request_id, req))
    return view


# ---- satisfaction ratings ---------------------------------------------------------------------
@router.route(
    "/api/my/dossiers/{dossier_id}/rating",
    "GET",
    summary="Trạng thái đánh giá hồ sơ của tôi",
    action="care.rating.own",
    out="RatingStatus",
)
def my_rating(dossier_id: str, who: Caller) -> dict[str, Any]:
    found: dict[str, Any] = ratings.my_status(deps(), who, dossier_id)
    return found


@router.route(
    "/api/my/dossiers/{dossier_id}/rating",
    "POST",
    summary="Đánh giá mức độ hài lòng (sau khi nhận kết quả, một lần)",
    action="care.rating.own",
    out="RatingView",
    status=201,
)
def my_rate(dossier_id: str, who: Caller, req: DossierRatingIn) -> dict[str, Any]:
    rated: dict[str, Any] = ratings.rate_as_owner(deps(), who, dossier_id, req).model_dump(
        mode="json"
    )
    return rated


@router.route(
    "/api/ratings/{code}",
    "GET",
    summary="Trạng thái đánh giá qua đường dẫn trên giấy tiếp nhận",
    action="care.rating.link",
    out="RatingStatus",
)
def link_rating(code: str, params: RatingLinkQuery) -> dict[str, Any]:
    found: dict[str, Any] = ratings.link_status(deps(), code, params.token)
    return found


@router.route(
    "/api/ratings/{code}",
    "POST",
    summary="Đánh giá mức độ hài lòng qua đường dẫn trên giấy tiếp nhận",
    action="care.rating.link",
    out="RatingView",
    status=201,
)
def link_rate(code: str, params: RatingLinkQuery, req: DossierRatingIn) -> dict[str, Any]:
    r = ratings.rate_by_link(deps(), code, params.token, req)
    out: dict[str, Any] = r.model_dump(mode="json", exclude={"dossier_id"})
    return out


@router.route(
    "/api/leader/notifications",
    "GET",
    summary="Thông báo cho lãnh đạo: đánh giá không hài lòng",
    action="care.rating.notifications",
    out="Items",
)
def leader_notifications(who: Caller) -> dict[str, Any]:
    return {"items": ratings.leader_notifications(deps(), who)}


# ---- lookup by face ---------------------------------------------------------------------------
@router.route(
    "/api/lookup/face",
    "GET",
    summary="Tra cứu bằng khuôn mặt có khả dụng không; nội dung chấp thuận",
    action="care.face.lookup",
    out="FaceInfo",
)
def face_available() -> dict[str, Any]:
    info: dict[str, Any] = faces.availability(deps())
    return info


@router.route(
    "/api/lookup/face",
    "POST",
    summary="Tra cứu hồ sơ đang giải quyết bằng ảnh khuôn mặt (thân yêu cầu: ảnh JPEG/PNG)",
    action="care.face.lookup",
    out="FaceMatches",
    upload=IMAGE_TYPES,
)
def face_lookup(raw: bytes, request: Request) -> dict[str, Any]:
    found: dict[str, Any] = faces.lookup(deps(), raw, _client_ip(request))
    return found


@router.route(
    "/api/my/face",
    "GET",
    summary="Đăng ký tra cứu bằng khuôn mặt của tôi",
    action="care.face.own",
    out="MyFace",
)
def my_face(who: Caller) -> dict[str, Any]:
    status: dict[str, Any] = faces.my_status(deps(), who)
    return status


@router.route(
    "/api/my/face",
    "POST",
    summary="Đăng ký khuôn mặt (thân yêu cầu: ảnh JPEG/PNG; cần chấp thuận)",
    action="care.face.own",
    out="FaceRegistered",
    status=201,
    upload=IMAGE_TYPES,
)
def my_face_register(who: Caller, params: FaceConsentQuery, raw: bytes) -> dict[str, Any]:
    out: dict[str, Any] = faces.register(
        deps(),
        who,
        raw,
        consent_version=params.consent_version,
        consent_accepted=params.consent == "accepted",
    )
    return out


@router.route(
    "/api/my/face/withdraw",
    "POST",
    summary="Rút lại chấp thuận, xóa dữ liệu khuôn mặt",
    action="care.face.own",
    out="FaceWithdrawn",
)
def my_face_withdraw(who: Caller) -> dict[str, Any]:
    out: dict[str, Any] = faces.withdraw(deps(), who)
    return out


@router.route(
    "/api/my/face",
    "DELETE",
    summary="Rút lại chấp thuận, xóa dữ liệu khuôn mặt",
    action="care.face.own",
    out="FaceWithdrawn",
)
def my_face_delete(who: Caller) -> dict[str, Any]:
    out: dict[str, Any] = faces.withdraw(deps(), who)
    return out


# ---- reminders (NĐ 224/2026 Đ16) ---------------------------------------------------------------
@router.route(
    "/api/me/reminder-preferences",
    "GET",
    summary="Nhắc việc: các loại nhắc đang bật hoặc tắt",
    action="care.reminders.own",
    cache="private, no-store",
)
def reminder_preferences_get(who: Caller) -> ReminderPreferences:
    prefs: ReminderPreferences = reminders.get_preferences(deps(), who)
    return prefs


@router.route(
    "/api/me/reminder-preferences",
    "PUT",
    summary="Nhắc việc: bật hoặc tắt từng loại nhắc",
    action="care.reminders.own",
)
def reminder_preferences_put(who: Caller, req: ReminderPreferencesIn) -> ReminderPreferences:
    prefs: ReminderPreferences = reminders.put_preferences(deps(), who, req)
    return prefs
