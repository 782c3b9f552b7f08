"""The signed electronic result: public verification, downloads, and the agency's own upload.

- public: `GET /api/verify/{result_id}` (JSON), `POST /api/verify/{result_id}` with a PDF body
  (`Content-Type: application/pdf`) to compare a citizen's own copy (no public download: the
  file holds personal data, and a QR's id may be photographed);
- `GET /api/{my|desk|agency}/dossiers/{dossier_id}/result.pdf` for those who may see the dossier;
- `POST /api/agency/dossiers/{dossier_id}/result/upload` (presigned POST) and
  `POST /api/agency/dossiers/{dossier_id}/result/finalize` {key}.

Each route declares its contract (chalicelib/api/routing.py); its permission is in
chalicelib/domain/permissions.py.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chalice import Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from chalicelib.api.context import deps
from chalicelib.api.routing import Router
from chalicelib.lazy import LazyModule

if TYPE_CHECKING:
    from chalice.app import Request

    from chalicelib.api.auth import Caller

svc = LazyModule("chalicelib.services.dossier.dossiers")
results = LazyModule("chalicelib.services.dossier.results")
views = LazyModule("chalicelib.services.dossier.views")

router = Router(__name__, schemas=("chalicelib.services.models_out",))
bp = router.bp
PDF = "application/pdf"
RESULT_PDF = "Kết quả điện tử đã ký số (PDF)"

MAX_COMPARE_BYTES = 20 * 1024 * 1024  # = services.results.MAX_COMPARE_BYTES
PDF_TYPES = ["application/pdf"]  # must be one of app.api.binary_types (raw bytes)


class ResultUploadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filename: str = Field(default="ket-qua.pdf", min_length=1, max_length=200)


class ResultFinalizeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, max_length=400)
    valid_until: AwareDatetime | None = Field(
        default=None,
        description="Thời hạn hiệu lực của giấy phép, chứng chỉ (nếu có): nhắc công dân gia hạn.",
    )


def _pdf(data: bytes, name: str) -> Response:
    return Response(
        body=data,
        status_code=200,
        headers={
            "Content-Type": PDF,
            "Content-Disposition": f'inline; filename="{name}"',
            "Cache-Control": "private, no-store",
        },
    )


# ---- public ---------------------------------------------------------------------------------
@router.route(
    "/api/verify/{result_id}",
    "GET",
    summary="Kiểm tra kết quả điện tử đã ký số",
    action="result.public.verify",
    out="VerifyAnswer",
)
def verify_result(result_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = results.verify(deps(), result_id)
    return answer


@router.route(
    "/api/verify/{result_id}",
    "POST",
    summary=("So khớp bản PDF người dân đang giữ với kết quả đã ký (gửi tệp PDF làm thân yêu cầu)"),
    action="result.public.verify",
    out="VerifyAnswer",
    upload=tuple(PDF_TYPES),
)
def verify_copy(result_id: str, request: Request) -> dict[str, Any]:
    from chalicelib.domain.errors import InvalidInput

    raw = request.raw_body
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
    answer: dict[str, Any] = results.verify(deps(), result_id, uploaded=data)
    return answer


# ---- downloads ------------------------------------------------------------------------------
def _download(dossier_id: str, who: Caller) -> Response:
    d = svc.load_for(deps(), dossier_id, who)
    from chalicelib.services.admin import audit

    audit.record_staff_read(deps(), who, d, "result_download")
    data, name = results.download(deps(), d)
    return _pdf(data, name)


@router.route(
    "/api/my/dossiers/{dossier_id}/result.pdf",
    "GET",
    summary=RESULT_PDF,
    action="dossier.my.read",
    media=(PDF,),
)
def my_result(dossier_id: str, who: Caller) -> Response:
    return _download(dossier_id, who)


@router.route(
    "/api/desk/dossiers/{dossier_id}/result.pdf",
    "GET",
    summary=RESULT_PDF,
    action="dossier.desk.read",
    media=(PDF,),
)
def desk_result(dossier_id: str, who: Caller) -> Response:
    return _download(dossier_id, who)


@router.route(
    "/api/agency/dossiers/{dossier_id}/result.pdf",
    "GET",
    summary=RESULT_PDF,
    action="result.agency.download",
    media=(PDF,),
)
def agency_result(dossier_id: str, who: Caller) -> Response:
    return _download(dossier_id, who)


# ---- the agency's own result document -------------------------------------------------------
@router.route(
    "/api/agency/dossiers/{dossier_id}/result/upload",
    "POST",
    summary="Xin URL tải lên kết quả do cơ quan lập",
    action="result.agency.attach",
    out="ResultUploadTicket",
    status=201,
)
def agency_result_upload(
    dossier_id: str, who: Caller, req: ResultUploadIn | None
) -> dict[str, Any]:
    assert req is not None  # an empty body is {}: the model's defaults
    ticket: dict[str, Any] = results.open_upload(deps(), who, dossier_id, req.filename)
    return ticket


@router.route(
    "/api/agency/dossiers/{dossier_id}/result/finalize",
    "POST",
    summary="Xác nhận và ký số kết quả đã tải lên",
    action="result.agency.attach",
    out="ResultAttached",
)
def agency_result_finalize(dossier_id: str, who: Caller, req: ResultFinalizeIn) -> dict[str, Any]:
    doc, saved = results.attach_result(deps(), who, dossier_id, req.key, req.valid_until)
    return {"result": doc.model_dump(mode="json"), "dossier": views.dossier_view(deps(), saved)}
