"""Routes for feedback (phản ánh, kiến nghị, Đ18-19) and the public Q&A page.

Public: send a feedback (anonymous allowed; a bearer token links it to the citizen), the sender's
view by code and token, the sender's extra information, the Q&A. Citizen: their list, rating,
reopening. Staff: entry from other channels, the queue, the handling steps, routing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.api.context import body, caller, deps, query, request
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor

svc = LazyModule("chalicelib.services.care.feedback")

bp = Blueprint(__name__)

STAFF_ENTRY = ("desk", "agency", "leader", "province", "admin")
STAFF_READ = ("desk", "agency", "leader", "province", "admin")
HANDLERS = ("desk", "agency", "leader", "province", "admin")


def _role(*roles: str) -> Actor:
    from chalicelib.api.auth import require_role

    return require_role(caller(), *roles)


def _optional_caller() -> Actor | None:
    """The signed-in caller when a token is sent (an invalid token is 401), else None."""
    if not request().headers.get("authorization"):
        return None
    return caller()


def _created(fb: object, slots: list[dict[str, object]]) -> Response:
    view = svc.sender_view(fb)
    view["token"] = fb.lookup_token  # type: ignore[attr-defined]
    view["uploads"] = slots
    return json_response(view, status=201)


# ---- public --------------------------------------------------------------------------------------
@bp.route("/api/feedback", methods=["POST"])
def submit_feedback() -> Response:
    actor = _optional_caller()
    fb, slots = svc.submit_online(deps(), actor, body(svc.FeedbackIn))
    return _created(fb, slots)


@bp.route("/api/feedback/{code}", methods=["GET"])
def sender_feedback(code: str) -> Response:
    return json_response(svc.get_for_sender(deps(), code, query().get("token"), _optional_caller()))


@bp.route("/api/feedback/{code}/info", methods=["POST"])
def provide_info(code: str) -> Response:
    fb = svc.provide_info(deps(), _optional_caller(), code, body(svc.InfoIn))
    return json_response(svc.sender_view(fb))


@bp.route("/api/qa", methods=["GET"])
def qa() -> Response:
    q = (query().get("q") or "")[:200]
    return json_response({"items": svc.qa(deps(), q)})


# ---- the citizen ---------------------------------------------------------------------------------
@bp.route("/api/my/feedback", methods=["GET"])
def my_feedback() -> Response:
    return json_response({"items": svc.list_mine(deps(), _role("citizen"))})


@bp.route("/api/my/feedback/{feedback_id}/rating", methods=["POST"])
def my_feedback_rating(feedback_id: str) -> Response:
    fb = svc.rate(deps(), _role("citizen"), feedback_id, body(svc.RatingIn))
    return json_response(svc.sender_view(fb))


@bp.route("/api/my/feedback/{feedback_id}/reopen", methods=["POST"])
def my_reopen(feedback_id: str) -> Response:
    fb = svc.reopen(deps(), _role("citizen"), feedback_id, body(svc.FeedbackReasonIn))
    return json_response(svc.sender_view(fb))


# ---- staff ---------------------------------------------------------------------------------------
@bp.route("/api/staff/feedback", methods=["POST"])
def staff_entry() -> Response:
    actor = _role(*STAFF_ENTRY)
    fb, slots = svc.submit_by_staff(deps(), actor, body(svc.StaffFeedbackIn))
    return _created(fb, slots)


@bp.route("/api/staff/feedback", methods=["GET"])
def staff_queue() -> Response:
    """Open feedback, soonest due first, one page (`limit`, `cursor`; `q`: code or subject)."""
    from chalicelib.services.paging import feedback_queue_page

    return json_response(feedback_queue_page(deps(), _role(*STAFF_READ), query()))


@bp.route("/api/staff/feedback/{feedback_id}", methods=["GET"])
def staff_detail(feedback_id: str) -> Response:
    return json_response(svc.get_for_staff(deps(), _role(*STAFF_READ), feedback_id))


def _staff(fb: object) -> Response:
    return json_response(svc.staff_view(fb))


@bp.route("/api/staff/feedback/{feedback_id}/accept", methods=["POST"])
def staff_accept(feedback_id: str) -> Response:
    return _staff(svc.accept(deps(), _role(*HANDLERS), feedback_id, body(svc.NoteIn)))


@bp.route("/api/staff/feedback/{feedback_id}/refuse", methods=["POST"])
def staff_refuse(feedback_id: str) -> Response:
    return _staff(svc.refuse(deps(), _role(*HANDLERS), feedback_id, body(svc.FeedbackReasonIn)))


@bp.route("/api/staff/feedback/{feedback_id}/request-info", methods=["POST"])
def staff_request_info(feedback_id: str) -> Response:
    return _staff(svc.request_info(deps(), _role(*HANDLERS), feedback_id, body(svc.QuestionIn)))


@bp.route("/api/staff/feedback/{feedback_id}/answer", methods=["POST"])
def staff_answer(feedback_id: str) -> Response:
    return _staff(svc.answer(deps(), _role(*HANDLERS), feedback_id, body(svc.AnswerIn)))


@bp.route("/api/staff/feedback/{feedback_id}/publish", methods=["POST"])
def staff_publish(feedback_id: str) -> Response:
    return _staff(svc.publish(deps(), _role(*HANDLERS), feedback_id))


@bp.route("/api/staff/feedback/{feedback_id}/route", methods=["POST"])
def staff_route(feedback_id: str) -> Response:
    return _staff(svc.route(deps(), _role("province", "admin"), feedback_id, body(svc.RouteIn)))
