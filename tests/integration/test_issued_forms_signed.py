"""What the office hands out in an agency's name carries that agency's PAdES signature (issue 19,
NĐ 30/2020): the receipt (form 01) signed by the receiving desk's unit, forms 02-05 by the unit
that issues each; poppler's `pdfsig` finds each signature valid against the test root and
pyHanko's validator agrees. The control slip (06) stays unsigned. An issuing unit without a
certificate in force gets a 503 in Vietnamese and nothing unsigned is handed out."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from chalicelib.domain.dossier import Applicant, Dossier, Extension, StopRequest
from chalicelib.domain.statuses import DossierStatus
from tests.support.client import ApiClient
from tests.support.pades import pdfsig

pytestmark = pytest.mark.integration

DESK = "H33.50"  # Trung tâm Phục vụ hành chính công tỉnh Hậu Giang (motcua's desk)
LEAD = "H33.03"  # Sở Kế hoạch và Đầu tư (sokhdt)
T0 = datetime(2026, 11, 30, 1, 30, tzinfo=UTC)
PDF = {"Accept": "application/pdf"}


def _dossier() -> Dossier:
    from chalicelib.services.deps import get_deps

    d = Dossier(
        id=uuid.uuid4().hex,
        code=f"{DESK}-261130-{uuid.uuid4().int % 9000 + 1000}",
        procedure_code="2.001610",
        procedure_version=1,
        applicant=Applicant(name="Nguyễn Thị Ánh", address="Số 12, đường Trần Hưng Đạo"),
        status=DossierStatus.PROCESSING,
        receiving_unit=DESK,
        lead_agency=LEAD,
        created_at=T0 - timedelta(hours=2),
        received_at=T0,
        appointment_at=T0 + timedelta(days=3),
        register_line=7,
        lookup_token="tok",
        received_by="motcua",
        supplement_reason="Thiếu bản sao giấy chứng nhận",
        refusal_reason="Không thuộc thẩm quyền",
        extension=Extension(
            agency=LEAD,
            reason="Cần xác minh thực địa",
            previous_appointment_at=T0 + timedelta(days=3),
            new_appointment_at=T0 + timedelta(days=6),
            proposed_by="sokhdt",
            proposed_at=T0 + timedelta(days=2),
            state="approved",
            decided_by="lanhdaosokhdt",
            decided_at=T0 + timedelta(days=2, hours=2),
        ),
        stop=StopRequest(
            reason="Dừng theo đề nghị của người nộp",
            agency=LEAD,
            proposed_by="sokhdt",
            proposed_at=T0 + timedelta(days=2),
            state="approved",
        ),
    )
    get_deps().store.create_dossier(d)
    return d


def _root() -> bytes:
    from infra.local.pki_server import local_pki

    return local_pki().pki.root_pem()


def _papers(api: ApiClient, d: Dossier) -> dict[str, Any]:
    desk = api.as_user("motcua")
    out = {"01": desk.get(f"/api/desk/dossiers/{d.id}/receipt.pdf", PDF)}
    for n in ("02", "03", "04", "05", "06"):
        out[n] = desk.get(f"/api/staff/dossiers/{d.id}/forms/{n}.pdf", PDF)
    return out


def test_the_receipt_and_forms_02_to_05_carry_the_issuing_agencys_valid_signature(
    api: ApiClient,
) -> None:
    from chalicelib.services.deps import get_deps
    from chalicelib.services.dossier import signing

    d = _dossier()
    papers = _papers(api, d)
    issuer = {"01": "Trung tâm Phục vụ hành chính công", "02": "Trung tâm Phục vụ hành chính công"}
    issuer |= {"03": "Trung tâm Phục vụ hành chính công", "04": "Sở Kế hoạch", "05": "Sở Kế hoạch"}
    for n, want in issuer.items():
        r = papers[n]
        assert r.status_code == 200, (n, r.text)
        assert r.headers["Content-Type"] == "application/pdf"
        out = pdfsig(r.body, _root())
        assert out.count("Signature is Valid.") == 1, (n, out)
        assert out.count("Certificate is Trusted.") == 1, (n, out)
        assert "Sig2_CoQuan" in out and want in out, (n, out)
        report = signing.verify_pdf(get_deps(), r.body, document="receipt")
        assert report["valid"] is True, (n, report)
        (agency,) = report["signatures"]
        assert agency["role"] == "agency" and want in agency["organisation"]
        assert agency["ltv"] and agency["timestamp_trusted"], (n, agency)
    # the control slip travels inside the administration: not signed
    assert papers["06"].status_code == 200
    assert "Signature is Valid." not in pdfsig(papers["06"].body, _root())


def test_a_flipped_byte_in_a_signed_receipt_is_caught_by_pdfsig(api: ApiClient) -> None:
    d = _dossier()
    body = bytearray(_papers(api, d)["01"].body)
    at = body.index(b"/Contents") - 200  # inside the signed bytes, away from the signature
    body[at] ^= 0x01
    out = pdfsig(bytes(body), _root())
    assert "Signature #1" in out and "Signature is Valid." not in out, out
    assert "Digest Mismatch" in out or "Invalid" in out, out


def test_no_certificate_for_the_desk_is_a_503_in_vietnamese_and_nothing_is_handed_out(
    api: ApiClient,
) -> None:
    from chalicelib.services.admin import certificates
    from chalicelib.services.deps import get_deps

    d = _dossier()
    admin = _Admin()
    certificates.revoke(get_deps(), admin, "agency", DESK, "kiểm thử")
    desk = api.as_user("motcua")
    r = desk.get(f"/api/desk/dossiers/{d.id}/receipt.pdf", PDF)
    assert r.status_code == 503, r.text
    err = r.json()
    assert err["code"] == "signing_unavailable"
    msg = err["message"]
    assert "Chưa có chứng thư số còn hiệu lực" in msg and "Trung tâm Phục vụ hành chính công" in msg
    assert "Quản trị viên cần đăng ký chứng thư số" in msg
    assert r.headers.get("Content-Type", "").startswith("application/json")
    form = desk.get(f"/api/staff/dossiers/{d.id}/forms/02.pdf", PDF)
    assert form.status_code == 503 and form.json()["code"] == "signing_unavailable"
    # the lead agency's own forms still sign: only the desk is missing its certificate
    assert desk.get(f"/api/staff/dossiers/{d.id}/forms/04.pdf", PDF).status_code == 200
    # the printable HTML view is not a signed document and stays available
    assert desk.get(f"/api/staff/dossiers/{d.id}/forms/02.html").status_code == 200


class _Admin:
    sub = "admin"
    username = "quantri"
    role = "admin"
    unit: str | None = "H33.01"
