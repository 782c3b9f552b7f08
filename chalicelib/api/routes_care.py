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
- leader: `GET /api/leader/notifications` (dissatisfied ratings of the leader's agency).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response

from chalicelib.api.context import body, caller, deps, query, request
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor

faq = LazyModule("chalicelib.services.faq")
support = LazyModule("chalicelib.services.support")
ratings = LazyModule("chalicelib.services.ratings")
faces = LazyModule("chalicelib.services.faces")
models = LazyModule("chalicelib.services.models_care")

bp = Blueprint(__name__)

IMAGE_TYPES = ["image/jpeg", "image/png"]  # both must be in app.api.binary_types (raw bytes)
STAFF = ("desk", "agency", "leader")


def _role(*roles: str) -> Actor:
    from chalicelib.api.auth import require_role

    return require_role(caller(), *roles)


def _raw_body() -> bytes:
    raw = request().raw_body
    return raw.encode("latin-1") if isinstance(raw, str) else bytes(raw or b"")


def _client_ip() -> str:
    ctx = request().context or {}
    ip = (ctx.get("identity") or {}).get("sourceIp")
    return str(ip or "unknown")


# ---- FAQ ---------------------------------------------------------------------------------------
@bp.route("/api/faq", methods=["GET"])
def faq_search() -> Response:
    q = query()
    return json_response(faq.public_search(deps(), q.get("q"), q.get("field"), q.get("procedure")))


@bp.route("/api/faq/{faq_id}", methods=["GET"])
def faq_get(faq_id: str) -> Response:
    return json_response(faq.public_get(deps(), faq_id))


@bp.route("/api/province/faq", methods=["GET"])
def faq_office_list() -> Response:
    actor = _role("province", "admin")
    items = faq.list_office(deps(), actor, query().get("state"))
    return json_response({"items": [faq.view(e) for e in items]})


@bp.route("/api/province/faq", methods=["POST"])
def faq_create() -> Response:
    actor = _role("province", "admin")
    e = faq.create(deps(), actor, body(models.FaqIn))
    return json_response(faq.view(e), status=201)


@bp.route("/api/province/faq/{faq_id}", methods=["POST"])
def faq_edit(faq_id: str) -> Response:
    actor = _role("province", "admin")
    return json_response(faq.view(faq.update(deps(), actor, faq_id, body(models.FaqUpdateIn))))


def _faq_state(faq_id: str, target: str) -> Response:
    actor = _role("province", "admin")
    return json_response(faq.view(faq.set_state(deps(), actor, faq_id, target)))


@bp.route("/api/province/faq/{faq_id}/publish", methods=["POST"])
def faq_publish(faq_id: str) -> Response:
    return _faq_state(faq_id, "published")


@bp.route("/api/province/faq/{faq_id}/retire", methods=["POST"])
def faq_retire(faq_id: str) -> Response:
    return _faq_state(faq_id, "retired")


@bp.route("/api/province/faq/{faq_id}/draft", methods=["POST"])
def faq_redraft(faq_id: str) -> Response:
    return _faq_state(faq_id, "draft")


# ---- technical support requests -----------------------------------------------------------------
@bp.route("/api/staff/support", methods=["POST"])
def support_raise() -> Response:
    actor = _role(*STAFF)
    r = support.raise_request(deps(), actor, body(models.SupportIn))
    return json_response(support.view(r), status=201)


@bp.route("/api/staff/support", methods=["GET"])
def support_list_staff() -> Response:
    actor = _role(*STAFF, "admin")
    items = support.list_for(deps(), actor, query().get("state"))
    return json_response({"items": [support.view(r) for r in items]})


@bp.route("/api/staff/support/{request_id}", methods=["GET"])
def support_get(request_id: str) -> Response:
    actor = _role(*STAFF, "admin")
    return json_response(support.view(support.load_for_actor(deps(), actor, request_id)))


@bp.route("/api/staff/support/{request_id}/screenshot", methods=["POST"])
def support_screenshot(request_id: str) -> Response:
    actor = _role(*STAFF)
    slot = support.screenshot_slot(deps(), actor, request_id, body(models.ScreenshotIn))
    return json_response(slot, status=201)


@bp.route("/api/staff/support/{request_id}/screenshot/finalize", methods=["POST"])
def support_screenshot_finalize(request_id: str) -> Response:
    actor = _role(*STAFF)
    return json_response(support.view(support.finalize_screenshot(deps(), actor, request_id)))


@bp.route("/api/staff/support/{request_id}/screenshot", methods=["GET"])
def support_screenshot_url(request_id: str) -> Response:
    actor = _role(*STAFF, "admin")
    return json_response(support.screenshot_url(deps(), actor, request_id))


@bp.route("/api/staff/dossiers/{dossier_id}/support-requests", methods=["GET"])
def support_for_dossier(dossier_id: str) -> Response:
    actor = _role(*STAFF, "admin")
    return json_response({"items": support.dossier_requests_for(deps(), actor, dossier_id)})


@bp.route("/api/admin/support", methods=["GET"])
def support_queue() -> Response:
    actor = _role("admin")  # one page: ?state=&q=&limit=&cursor=
    return json_response(support.queue_page(deps(), actor, query()))


@bp.route("/api/admin/support/{request_id}/triage", methods=["POST"])
def support_triage(request_id: str) -> Response:
    actor = _role("admin")
    return json_response(
        support.view(support.triage(deps(), actor, request_id, body(models.TriageIn)))
    )


@bp.route("/api/admin/support/{request_id}/answer", methods=["POST"])
def support_answer(request_id: str) -> Response:
    actor = _role("admin")
    r = support.answer(deps(), actor, request_id, body(models.SupportAnswerIn))
    return json_response(support.view(r))


@bp.route("/api/admin/support/{request_id}/close", methods=["POST"])
def support_close(request_id: str) -> Response:
    actor = _role("admin")
    r = support.close(deps(), actor, request_id, body(models.SupportCloseIn))
    return json_response(support.view(r))


# ---- satisfaction ratings ---------------------------------------------------------------------
@bp.route("/api/my/dossiers/{dossier_id}/rating", methods=["GET"])
def my_rating(dossier_id: str) -> Response:
    return json_response(ratings.my_status(deps(), _role("citizen"), dossier_id))


@bp.route("/api/my/dossiers/{dossier_id}/rating", methods=["POST"])
def my_rate(dossier_id: str) -> Response:
    r = ratings.rate_as_owner(deps(), _role("citizen"), dossier_id, body(models.DossierRatingIn))
    return json_response(r.model_dump(mode="json"), status=201)


@bp.route("/api/ratings/{code}", methods=["GET"])
def link_rating(code: str) -> Response:
    return json_response(ratings.link_status(deps(), code, query().get("token")))


@bp.route("/api/ratings/{code}", methods=["POST"])
def link_rate(code: str) -> Response:
    r = ratings.rate_by_link(deps(), code, query().get("token"), body(models.DossierRatingIn))
    out = r.model_dump(mode="json", exclude={"dossier_id"})
    return json_response(out, status=201)


@bp.route("/api/leader/notifications", methods=["GET"])
def leader_notifications() -> Response:
    actor = _role("leader", "admin")
    return json_response({"items": ratings.leader_notifications(deps(), actor)})


# ---- lookup by face ---------------------------------------------------------------------------
@bp.route("/api/lookup/face", methods=["GET"])
def face_available() -> Response:
    return json_response(faces.availability(deps()))


@bp.route("/api/lookup/face", methods=["POST"], content_types=IMAGE_TYPES)
def face_lookup() -> Response:
    return json_response(faces.lookup(deps(), _raw_body(), _client_ip()))


@bp.route("/api/my/face", methods=["GET"])
def my_face() -> Response:
    return json_response(faces.my_status(deps(), _role("citizen")))


@bp.route("/api/my/face", methods=["POST"], content_types=IMAGE_TYPES)
def my_face_register() -> Response:
    actor = _role("citizen")
    q = query()
    out = faces.register(
        deps(),
        actor,
        _raw_body(),
        consent_version=q.get("consent_version"),
        consent_accepted=q.get("consent") == "accepted",
    )
    return json_response(out, status=201)


@bp.route("/api/my/face/withdraw", methods=["POST"])
def my_face_withdraw() -> Response:
    return json_response(faces.withdraw(deps(), _role("citizen")))


@bp.route("/api/my/face", methods=["DELETE"])
def my_face_delete() -> Response:
    return json_response(faces.withdraw(deps(), _role("citizen")))
