"""The signed electronic result: public verification, downloads, and the agency's own upload.

- public: `GET /api/verify/{result_id}` (JSON), `POST /api/verify/{result_id}` with a PDF body
  (`Content-Type: application/pdf`) to compare a citizen's own copy;
- `GET /api/{my|desk|agency}/dossiers/{dossier_id}/result.pdf` for those who may see the dossier;
- `POST /api/agency/dossiers/{dossier_id}/result/upload` (presigned POST) and
  `POST /api/agency/dossiers/{dossier_id}/result/finalize` {key}.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalice import Blueprint, Response
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.context import body, caller, deps, request
from chalicelib.api.http import json_response
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalicelib.domain.actors import Actor

svc = LazyModule("chalicelib.services.dossiers")
results = LazyModule("chalicelib.services.results")
views = LazyModule("chalicelib.services.views")

bp = Blueprint(__name__)

MAX_COMPARE_BYTES = 20 * 1024 * 1024  # = services.results.MAX_COMPARE_BYTES
PDF_TYPES = ["application/pdf"]  # must be one of app.api.binary_types (raw bytes)


class ResultUploadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(default="ket-qua.pdf", min_length=1, max_length=200)


class ResultFinalizeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=400)


def _role(*roles: str) -> Actor:
    from chalicelib.api.auth import require_role

    return require_role(caller(), *roles)


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        body=data,
        status_code=200,
        headers={
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


# ---- public ---------------------------------------------------------------------------------
@bp.route("/api/verify/{result_id}", methods=["GET"])
def verify_result(result_id: str) -> Response:
    return json_response(results.verify(deps(), result_id))


@bp.route("/api/verify/{result_id}", methods=["POST"], content_types=PDF_TYPES)
def verify_copy(result_id: str) -> Response:
    from chalicelib.domain.errors import InvalidInput

    raw = request().raw_body
    data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw or b"")
    if not data:
        raise InvalidInput(
            "Hãy chọn tệp PDF cần kiểm tra.", "Send the PDF to compare.", code="empty_body"
        )
    if len(data) > MAX_COMPARE_BYTES:
        raise InvalidInput(
            f"Tệp quá lớn. Dung lượng tối đa {MAX_COMPARE_BYTES // (1024 * 1024)} MB.",
            f"File too large. Maximum {MAX_COMPARE_BYTES // (1024 * 1024)} MB.",
            code="file_too_large",
        )
    return json_response(results.verify(deps(), result_id, uploaded=data))


# ---- downloads ------------------------------------------------------------------------------
def _download(dossier_id: str, who: Actor) -> Response:
    d = svc.load_for(deps(), dossier_id, who)
    from chalicelib.services import audit

    audit.record_staff_read(deps(), who, d, "result_download")
    data, name = results.download(deps(), d)
    return _pdf(data, name)


@bp.route("/api/my/dossiers/{dossier_id}/result.pdf", methods=["GET"])
def my_result(dossier_id: str) -> Response:
    return _download(dossier_id, _role("citizen"))


@bp.route("/api/desk/dossiers/{dossier_id}/result.pdf", methods=["GET"])
def desk_result(dossier_id: str) -> Response:
    return _download(dossier_id, _role("desk", "admin"))


@bp.route("/api/agency/dossiers/{dossier_id}/result.pdf", methods=["GET"])
def agency_result(dossier_id: str) -> Response:
    return _download(dossier_id, _role("agency", "admin"))


# ---- the agency's own result document -------------------------------------------------------
@bp.route("/api/agency/dossiers/{dossier_id}/result/upload", methods=["POST"])
def agency_result_upload(dossier_id: str) -> Response:
    who = _role("agency", "admin")
    req = body(ResultUploadIn) if request().raw_body else ResultUploadIn()
    return json_response(results.open_upload(deps(), who, dossier_id, req.filename), status=201)


@bp.route("/api/agency/dossiers/{dossier_id}/result/finalize", methods=["POST"])
def agency_result_finalize(dossier_id: str) -> Response:
    who = _role("agency", "admin")
    doc, saved = results.attach_result(deps(), who, dossier_id, body(ResultFinalizeIn).key)
    return json_response(
        {"result": doc.model_dump(mode="json"), "dossier": views.dossier_view(deps(), saved)}
    )
