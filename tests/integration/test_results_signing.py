"""The signed electronic result over a provisioned moto account: KMS signing, tamper detection,
wrong keys, the citizen's own copy, the agency's uploaded PDF and the public routes."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from pypdf import PdfReader

from chalicelib.domain.dossier import Applicant, Dossier, DossierStep, ResultDocument
from chalicelib.domain.errors import Conflict, Forbidden, InvalidInput
from chalicelib.domain.statuses import DossierStatus
from infra.resources import Outputs
from tests.support.client import ApiClient, upload_file
from tests.support.samples import minimal_pdf, text_pdf

pytestmark = pytest.mark.integration

PROCEDURE = "2.000488"  # Cấp Phiếu lý lịch tư pháp; lead agency H33.02 (Sở Tư pháp)
LEAD = "H33.02"
ID_NUMBER = "093201004567"


@dataclass
class Staff:
    sub: str = "staff"
    username: str = "sotuphap"
    role: str = "agency"
    unit: str | None = LEAD


def _deps() -> Any:
    from chalicelib.services.deps import get_deps

    return get_deps()


def _dossier(owner: str | None = None, code: str = "H33.50-261130-0001") -> Dossier:
    d = Dossier(
        id=uuid.uuid4().hex,
        code=code,
        procedure_code=PROCEDURE,
        procedure_version=1,
        owner=owner,
        applicant=Applicant(name="Nguyễn Văn An", id_number=ID_NUMBER),
        status=DossierStatus.PROCESSED,
        receiving_unit="H33.50",
        lead_agency=LEAD,
        steps=[
            DossierStep(
                step_id="review",
                agency=LEAD,
                name="Thẩm định",
                handled_by="sotuphap",  # the approving official signs first (issue 19)
                finished_at=datetime(2026, 12, 3, 2, 30, tzinfo=UTC),
            )
        ],
        created_at=datetime(2026, 11, 30, 2, 0, tzinfo=UTC),
        finished_at=datetime(2026, 12, 3, 2, 30, tzinfo=UTC),
    )
    _deps().store.create_dossier(d)
    return _deps().store.get_dossier(d.id)


def _produce(d: Dossier) -> ResultDocument:
    from chalicelib.services.dossier import results

    deps = _deps()
    proc = deps.store.get_procedure(d.procedure_code, d.procedure_version)
    names = {u.code: u.name for u in deps.store.list_units()}
    return results.produce_result(deps, d, proc, names)


def _s3_bytes(outputs: Outputs, key: str) -> bytes:
    s3 = boto3.client("s3", region_name=outputs.region)
    return bytes(s3.get_object(Bucket=outputs.results_bucket, Key=key)["Body"].read())


@pytest.fixture
def demo(aws: Outputs, demo_accounts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return demo_accounts


# ---- signing and verifying ----------------------------------------------------------------
def test_generated_result_is_signed_and_verifies(aws: Outputs, demo: Any) -> None:
    from chalicelib.services.dossier import results

    d = _dossier()
    res = _produce(d)
    assert res.generated is True
    assert res.key == f"results/{d.id}/{res.id}/{res.filename}"
    assert res.algorithm == "ECDSA_SHA_256"
    assert res.key_id == aws.kms_keys["sign"]
    stored = _s3_bytes(aws, res.key)
    assert hashlib.sha256(stored).hexdigest() == res.sha256
    text = unicodedata.normalize(
        "NFC", "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(stored)).pages)
    )
    assert "KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH" in text
    assert d.code is not None and d.code in text
    assert ID_NUMBER not in text and "********4567" in text
    assert "Sở Tư pháp tỉnh Hậu Giang".upper() in text

    # The manifest is canonical JSON holding the file's hash, and KMS says the signature is good.
    m = results.manifest(res, d.code)
    assert json.loads(m) == {
        "v": 1,
        "result_id": res.id,
        "dossier_code": d.code,
        "sha256": res.sha256,
        "filename": res.filename,
    }
    assert m == json.dumps(json.loads(m), sort_keys=True, separators=(",", ":")).encode()
    kms = boto3.client("kms", region_name=aws.region)
    ok = kms.verify(
        KeyId=aws.kms_keys["sign"],
        Message=m,
        MessageType="RAW",
        Signature=base64.b64decode(res.signature),
        SigningAlgorithm="ECDSA_SHA_256",
    )
    assert ok["SignatureValid"] is True

    answer = results.verify(_deps(), res.id)
    assert answer["valid"] is True, answer
    assert answer["checks"] == {
        "found": True,
        "key_trusted": True,
        "signature": True,
        "signature_offline": True,
        "file_intact": True,
        "pades": True,  # pyHanko: the official's then the agency's PAdES signature (issue 19)
    }
    report = answer["pades"]
    assert [x["role"] for x in report["signatures"]] == ["official", "agency"], report
    assert report["signatures"][0]["signer_name"] == "Phạm Minh Tuấn"
    assert report["signatures"][1]["signer_name"] == "Sở Tư pháp tỉnh Hậu Giang"
    assert all(x["timestamp_trusted"] and x["ltv"] for x in report["signatures"])
    assert answer["dossier_code"] == d.code
    assert answer["algorithm"] == "ECDSA_SHA_256"
    assert answer["signed_at"]


def test_produce_is_idempotent_once_stored_on_the_dossier(aws: Outputs, demo: Any) -> None:
    from chalicelib.services.dossier import results

    d = _dossier()
    first = _produce(d)
    saved = results.store_on_dossier(_deps(), Staff(), d, first)
    assert saved.result == first
    again = _produce(_deps().store.get_dossier(d.id))
    assert again == first  # no second signature, no second file
    events = [e.action for e in _deps().store.history(d.id)]
    assert "result_signed" in events


def test_replaced_file_is_reported_as_tampered(aws: Outputs, demo: Any) -> None:
    from chalicelib.services.dossier import results

    d = _dossier()
    res = _produce(d)
    s3 = boto3.client("s3", region_name=aws.region)
    s3.put_object(Bucket=aws.results_bucket, Key=res.key, Body=minimal_pdf())
    answer = results.verify(_deps(), res.id)
    assert answer["valid"] is False
    assert answer["reason_vi"] == "Tệp đã bị thay đổi"
    assert answer["checks"]["signature"] is True  # the record is intact, the file is not
    assert answer["checks"]["file_intact"] is False
    # ...and the tampered file is not handed out either.
    with pytest.raises(Conflict):
        results.download(_deps(), d.model_copy(update={"result": res}))


def test_signature_from_another_key_is_refused(aws: Outputs, demo: Any) -> None:
    from dataclasses import replace

    from chalicelib.services.dossier import results
    from chalicelib.store.results import ResultStore

    d = _dossier()
    res = _produce(d)
    kms = boto3.client("kms", region_name=aws.region)
    other = kms.create_key(KeyUsage="SIGN_VERIFY", KeySpec="ECC_NIST_P256")["KeyMetadata"]["Arn"]
    store = ResultStore(s3=boto3.client("s3", region_name=aws.region))
    rec = store.get(res.id)
    assert rec is not None
    forged_sig = kms.sign(
        KeyId=other,
        Message=results.manifest(rec),
        MessageType="RAW",
        SigningAlgorithm="ECDSA_SHA_256",
    )["Signature"]
    forged = base64.b64encode(forged_sig).decode()

    # Another key's signature, the record naming that other key: not trusted.
    store.put(replace(rec, signature=forged, key_id=other), overwrite=True)
    answer = results.verify(_deps(), res.id)
    assert answer["valid"] is False
    assert answer["reason_vi"] == "Chữ ký không hợp lệ"
    assert answer["checks"]["key_trusted"] is False
    assert answer["checks"]["signature"] is False
    assert answer["checks"]["file_intact"] is True

    # Another key's signature, the record still naming ours: the signature itself fails.
    store.put(replace(rec, signature=forged), overwrite=True)
    answer = results.verify(_deps(), res.id)
    assert answer["valid"] is False and answer["reason_vi"] == "Chữ ký không hợp lệ"
    assert answer["checks"]["key_trusted"] is True
    assert answer["checks"]["signature"] is False
    assert answer["checks"]["signature_offline"] is False

    # Our signature over a manifest with another hash (someone edits the record's sha256).
    store.put(replace(rec, sha256="0" * 64), overwrite=True)
    assert results.verify(_deps(), res.id)["reason_vi"] == "Chữ ký không hợp lệ"

    # Put back as signed: valid again (the checks above failed for the reasons they name).
    store.put(rec, overwrite=True)
    assert results.verify(_deps(), res.id)["valid"] is True


def test_unknown_id_is_not_valid(aws: Outputs, demo: Any) -> None:
    from chalicelib.services.dossier import results

    answer = results.verify(_deps(), uuid.uuid4().hex)
    assert answer["valid"] is False
    assert answer["reason_vi"] == "Không tìm thấy kết quả"
    assert answer["checks"]["found"] is False
    assert answer["dossier_code"] is None


def test_citizens_copy_is_compared(aws: Outputs, demo: Any) -> None:
    from chalicelib.services.dossier import results

    d = _dossier()
    res = _produce(d)
    same = _s3_bytes(aws, res.key)
    answer = results.verify(_deps(), res.id, uploaded=same)
    assert answer["valid"] is True
    assert answer["checks"]["copy_matches"] is True
    changed = same.replace(b"%%EOF", b"%%EOF\n% edited")
    assert changed != same
    answer = results.verify(_deps(), res.id, uploaded=changed)
    assert answer["valid"] is False
    assert answer["checks"]["copy_matches"] is False
    assert answer["reason"] == "copy_differs"


# ---- the agency's own PDF -----------------------------------------------------------------
def test_agency_uploads_its_own_pdf_which_is_checked_and_signed(aws: Outputs, demo: Any) -> None:
    from chalicelib.services.dossier import results

    d = _dossier()
    with pytest.raises(Forbidden):
        results.request_result_upload(_deps(), Staff(unit="H33.03"), d)

    # Not a PDF: refused after arrival and deleted.
    slot = results.request_result_upload(_deps(), Staff(), d, filename="Kết quả số 12.pdf")
    assert slot["key"].startswith(f"uploads/results/{d.id}/")
    upload_file(slot, b"MZ this is not a pdf", "application/pdf")
    with pytest.raises(InvalidInput):
        results.attach_uploaded_result(_deps(), Staff(), d, slot["key"])
    s3 = boto3.client("s3", region_name=aws.region)
    assert s3.list_objects_v2(Bucket=aws.results_bucket, Prefix=slot["key"])["KeyCount"] == 0

    # A key outside this dossier's staging prefix is refused.
    with pytest.raises(InvalidInput):
        results.attach_uploaded_result(_deps(), Staff(), d, f"results/{d.id}/x/y.pdf")

    # A real PDF: signed under the final key, the staging object removed, verifiable.
    pdf = text_pdf("Giay phep so 12")
    slot = results.request_result_upload(_deps(), Staff(), d, filename="Kết quả số 12.pdf")
    upload_file(slot, pdf, "application/pdf")
    res = results.attach_uploaded_result(_deps(), Staff(), d, slot["key"])
    assert res.generated is False
    assert res.id == slot["result_id"]
    assert res.filename == "Ket_qua_so_12.pdf"
    signed = _s3_bytes(aws, res.key)
    # The agency's bytes are kept as they were; the two signatures are incremental updates.
    assert signed.startswith(pdf) and len(signed) > len(pdf)
    assert res.sha256 == hashlib.sha256(signed).hexdigest()
    assert s3.list_objects_v2(Bucket=aws.results_bucket, Prefix=slot["key"])["KeyCount"] == 0
    assert results.verify(_deps(), res.id, uploaded=signed)["valid"] is True
    assert results.verify(_deps(), res.id, uploaded=pdf)["valid"] is False  # the unsigned one

    saved = results.store_on_dossier(_deps(), Staff(), d, res)
    with pytest.raises(Conflict):
        results.request_result_upload(_deps(), Staff(), saved)
    assert results.download(_deps(), saved) == (signed, "Ket_qua_so_12.pdf")


def test_oversized_upload_is_refused_after_arrival(
    aws: Outputs, demo: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chalicelib.services.dossier import results

    d = _dossier()
    monkeypatch.setattr(results, "MAX_RESULT_BYTES", 100)
    slot = results.request_result_upload(_deps(), Staff(), d)
    upload_file(slot, minimal_pdf() + b"%" * 200, "application/pdf")  # moto ignores the limit
    with pytest.raises(InvalidInput) as err:
        results.attach_uploaded_result(_deps(), Staff(), d, slot["key"])
    assert err.value.code == "file_too_large"


# ---- routes -------------------------------------------------------------------------------
PDF = {"Accept": "application/pdf"}


def test_public_verify_route_answers_json(aws: Outputs, demo: Any, api: ApiClient) -> None:
    d = _dossier()
    res = _produce(d)
    r = api.anonymous().get(f"/api/verify/{res.id}")
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.json()["valid"] is True
    assert r.json()["dossier_code"] == d.code

    r = api.anonymous().get(f"/api/verify/{uuid.uuid4().hex}")
    assert r.status_code == 200
    assert r.json()["valid"] is False
    assert r.json()["reason_vi"] == "Không tìm thấy kết quả"

    same = _s3_bytes(aws, res.key)
    headers = {"Content-Type": "application/pdf", "Idempotency-Key": uuid.uuid4().hex}
    raw = api.client.http.post(f"/api/verify/{res.id}", headers=headers, body=same)
    assert raw.status_code == 200, raw.body
    body = json.loads(raw.body)
    assert body["valid"] is True and body["checks"]["copy_matches"] is True
    headers["Idempotency-Key"] = uuid.uuid4().hex
    raw = api.client.http.post(f"/api/verify/{res.id}", headers=headers, body=minimal_pdf())
    body = json.loads(raw.body)
    assert body["valid"] is False and body["checks"]["copy_matches"] is False


def test_an_altered_copy_is_not_valid_and_never_an_error(
    aws: Outputs, demo: Any, api: ApiClient
) -> None:
    d = _dossier()
    res = _produce(d)
    stored = _s3_bytes(aws, res.key)
    # no public download of the file (it holds personal data): only the report
    assert api.anonymous().get(f"/api/verify/{res.id}/result.pdf", PDF).status_code in (403, 404)

    # a citizen's copy with one byte flipped: a clear "not valid" answer, not an error
    flipped = bytearray(stored)
    flipped[len(flipped) // 3] ^= 0x01
    headers = {"Content-Type": "application/pdf", "Idempotency-Key": uuid.uuid4().hex}
    raw = api.client.http.post(f"/api/verify/{res.id}", headers=headers, body=bytes(flipped))
    assert raw.status_code == 200, raw.body
    body = json.loads(raw.body)
    assert body["valid"] is False and body["checks"]["copy_matches"] is False
    assert body["reason"] == "copy_differs"
    assert body["pades"]["valid"] is False
    # wherever the flipped byte falls (content, signature blobs, xref): "not valid", never a crash
    from chalicelib.services.dossier import results

    for at in range(0, len(stored), max(1, len(stored) // 24)):
        altered = bytearray(stored)
        altered[at] ^= 0x01
        answer = results.verify(_deps(), res.id, uploaded=bytes(altered))
        assert answer["valid"] is False, at
        assert answer["reason"] == "copy_differs", at


def test_result_pdf_routes_respect_who_may_see(aws: Outputs, demo: Any, api: ApiClient) -> None:
    owner = demo["congdan"]["sub"]
    d = _dossier(owner=owner)
    citizen = api.as_user("congdan")
    assert (
        citizen.get(f"/api/my/dossiers/{d.id}/result.pdf", PDF).status_code == 404
    )  # no result yet

    from chalicelib.services.dossier import results

    res = _produce(d)
    results.store_on_dossier(_deps(), Staff(), d, res)
    stored = _s3_bytes(aws, res.key)

    r = citizen.get(f"/api/my/dossiers/{d.id}/result.pdf", PDF)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"] == "application/pdf"
    assert r.body == stored
    assert (
        api.as_user("congdan2").get(f"/api/my/dossiers/{d.id}/result.pdf", PDF).status_code == 404
    )
    assert (
        api.as_user("sotuphap").get(f"/api/agency/dossiers/{d.id}/result.pdf", PDF).body == stored
    )
    assert (
        api.as_user("sokhdt").get(f"/api/agency/dossiers/{d.id}/result.pdf", PDF).status_code == 404
    )
    assert api.as_user("motcua").get(f"/api/desk/dossiers/{d.id}/result.pdf", PDF).body == stored
    assert api.anonymous().get(f"/api/my/dossiers/{d.id}/result.pdf", PDF).status_code == 401


def test_agency_upload_and_finalize_routes(aws: Outputs, demo: Any, api: ApiClient) -> None:
    d = _dossier()
    agency = api.as_user("sotuphap")
    assert (
        api.as_user("congdan").post(f"/api/agency/dossiers/{d.id}/result/upload").status_code == 403
    )
    slot = agency.post(f"/api/agency/dossiers/{d.id}/result/upload", {"filename": "kq.pdf"})
    assert slot.status_code == 201, slot.text
    pdf = text_pdf("Giay phep")
    upload_file(slot.json(), pdf, "application/pdf")
    fin = agency.post(f"/api/agency/dossiers/{d.id}/result/finalize", {"key": slot.json()["key"]})
    assert fin.status_code == 200, fin.text
    result = fin.json()["result"]
    assert result["sha256"] == hashlib.sha256(_s3_bytes(aws, result["key"])).hexdigest()
    assert fin.json()["dossier"]["result"]["id"] == result["id"]
    assert _deps().store.get_dossier(d.id).result is not None
    check = api.anonymous().get(f"/api/verify/{result['id']}")
    assert check.json()["valid"] is True
    again = agency.post(f"/api/agency/dossiers/{d.id}/result/upload", {"filename": "kq.pdf"})
    assert again.status_code == 409


# ---- no unsigned result is released (issue 19) ------------------------------------------------
def test_a_result_that_cannot_be_signed_is_not_released_and_the_agency_is_alerted(
    aws: Outputs, demo: Any
) -> None:
    from chalicelib.domain.errors import DomainError
    from chalicelib.services.admin import certificates
    from chalicelib.services.care import alerts
    from chalicelib.services.dossier import processing
    from chalicelib.workflow.messages import DossierProcessedMessage

    d = _dossier()
    # The official's certificate is revoked by the administrator: nobody may sign as them.
    revoked = certificates.revoke(_deps(), _Admin(), "official", "sotuphap")
    assert revoked["in_force"] is False
    msg = DossierProcessedMessage.model_validate({"dossierId": d.id, "dossierCode": d.code})
    with pytest.raises(DomainError) as e:
        processing.on_processed(_deps(), msg)  # the queue delivers it again (the workflow retries)
    assert e.value.code == "signing_unavailable" and "sotuphap" in e.value.message_vi
    assert _deps().store.get_dossier(d.id).result is None
    s3 = boto3.client("s3", region_name=aws.region)
    assert s3.list_objects_v2(Bucket=aws.results_bucket, Prefix=f"results/{d.id}/")["KeyCount"] == 0
    kinds = [a["kind"] for a in alerts.list_alerts(_deps(), LEAD)["items"]]
    assert "signing_failed" in kinds


def test_the_administrator_cannot_upload_a_certificate_for_another_key(
    aws: Outputs, demo: Any
) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding, load_der_public_key

    from chalicelib.services.admin import certificates
    from infra.local.pki_server import local_pki

    kms = boto3.client("kms", region_name=aws.region)
    mine, other = (
        kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["Arn"]
        for _ in range(2)
    )
    pki = local_pki().pki
    pub = load_der_public_key(kms.get_public_key(KeyId=other)["PublicKey"])
    cert = pki.issue(pub, "Trần Văn Cường", "Sở Tư pháp tỉnh Hậu Giang")  # type: ignore[arg-type]
    req = certificates.CertificateIn(
        kind="official",
        holder="sotuphap",
        key_id=mine,
        cert_pem=cert.public_bytes(Encoding.PEM).decode(),
        chain_pem="".join(c.public_bytes(Encoding.PEM).decode() for c in pki.chain()),
    )
    with pytest.raises(InvalidInput) as e:
        certificates.register(_deps(), _Admin(), req)
    assert e.value.code == "certificate_key_mismatch"
    ok = certificates.register(_deps(), _Admin(), req.model_copy(update={"key_id": other}))
    assert ok["in_force"] and ok["subject"] == "Trần Văn Cường" and ok["not_after"]


@dataclass
class _Admin:
    sub: str = "admin"
    username: str = "quantri"
    role: str = "admin"
    unit: str | None = "H33.01"
