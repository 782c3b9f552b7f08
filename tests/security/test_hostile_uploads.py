"""Hostile uploads through the real presigned POST, over moto: refused or neutralised, never kept.

GIVEN a citizen's draft of procedure 2.001610 (giay-de-nghi: PDF only, cccd-chu-dn: PDF/JPEG/PNG,
5 MB each) WHEN a file from the corpus below (generated here, never downloaded) is uploaded through
the presigned POST and finalized THEN a refused file's attachment is `rejected` with a Vietnamese
reason and its object is gone from the bucket; a neutralised one (EXIF/GPS stripped) is accepted and
the object in the bucket is the cleaned one. Dangerous names are refused at request time (400,
`field: filename`), and control characters never reach the stored name or the S3 key.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.client import ApiClient, upload_file
from tests.support.samples import FORM_EXAMPLES, jpeg_with_gps, minimal_pdf, pdf_with
from tests.support.world import APPLICANTS, OWN_PROC

pytestmark = pytest.mark.integration

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
MAX = 5 * 1024 * 1024


def zip_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("run.html", "<script>alert(document.cookie)</script>")
    return buf.getvalue()


# name -> (document, filename, declared type, content, expected code in the policy)
REFUSED: dict[str, tuple[str, str, str, bytes, str]] = {
    "extension lies: an .exe named scan.pdf": (
        "giay-de-nghi", "scan.pdf", PDF, b"MZ\x90\x00\x03" + b"\x00" * 512, "Nội dung tệp"),
    "extension lies: a JPEG declared PNG": ("cccd-chu-dn", "anh.png", PNG, b"", "không khớp"),
    "PDF with /OpenAction JavaScript": (
        "giay-de-nghi", "don.pdf", PDF,
        pdf_with(b"/OpenAction<</S/JavaScript/JS(app.launchURL('http://x'))>>"), "JavaScript"),
    "PDF with /Launch": (
        "giay-de-nghi", "don.pdf", PDF, pdf_with(b"/OpenAction<</S/Launch/F(cmd.exe)>>"),
        "Launch"),
    "polyglot PDF + ZIP": ("giay-de-nghi", "don.pdf", PDF, minimal_pdf() + zip_bytes(), "ZIP"),
    "polyglot JPEG + HTML after the image": (
        "cccd-chu-dn", "cccd.jpg", JPEG, b"", "nội dung khác"),
    "zero bytes": ("giay-de-nghi", "trong.pdf", PDF, b"", "rỗng"),
    "oversize through the presigned POST": (
        "giay-de-nghi", "lon.pdf", PDF, minimal_pdf() + b"%" + b"0" * MAX, "quá lớn"),
}  # fmt: skip


@pytest.fixture(scope="module")
def draft(sec_api: ApiClient) -> Iterator[dict[str, Any]]:
    r = sec_api.as_user("congdan").post(
        "/api/my/dossiers",
        {
            "procedure_code": OWN_PROC,
            "applicant": APPLICANTS["congdan"],
            "form_data": FORM_EXAMPLES[OWN_PROC],
        },
    )
    assert r.status_code == 201, r.text
    yield r.json()


def _s3() -> Any:
    from chalicelib import aws

    return aws.client("s3")


def keys_under(prefix: str) -> list[str]:
    from chalicelib.settings import get_settings

    out = _s3().list_objects_v2(Bucket=get_settings().attachments_bucket, Prefix=prefix)
    return [o["Key"] for o in out.get("Contents", [])]


def send(
    api: ApiClient, dossier: dict[str, Any], doc: str, name: str, ctype: str, content: bytes
) -> dict[str, Any]:
    """Request a slot declaring a small size, upload `content` anyway, finalize."""
    citizen = api.as_user("congdan")
    base = f"/api/my/dossiers/{dossier['id']}"
    slot = citizen.post(
        f"{base}/uploads",
        {"document_id": doc, "filename": name, "content_type": ctype, "size": 1000},
    )
    assert slot.status_code == 201, slot.text
    upload_file(slot.json(), content, ctype)
    fin = citizen.post(f"{base}/attachments/{slot.json()['attachment_id']}/finalize")
    assert fin.status_code == 200, fin.text
    att: dict[str, Any] = fin.json()
    return att


@pytest.mark.parametrize("case", list(REFUSED))
def test_hostile_content_is_refused_and_deleted(
    sec_api: ApiClient, draft: dict[str, Any], case: str
) -> None:
    doc, name, ctype, content, words = REFUSED[case]
    if case.startswith("extension lies: a JPEG"):
        content = jpeg_with_gps()
    elif case.startswith("polyglot JPEG"):
        content = jpeg_with_gps() + b"<html><script>alert(1)</script></html>" * 3
    att = send(sec_api, draft, doc, name, ctype, content)
    assert att["state"] == "rejected", att
    assert words in att["reason"], att["reason"]
    assert att["reason"][0].isupper() and any(c in att["reason"] for c in "ăâđêôơưạảấầẩếệ")
    assert keys_under(att["key"]) == []  # nothing refused stays in the bucket
    from chalicelib.services.deps import get_deps

    stored = get_deps().store.get_dossier(draft["id"])
    assert next(a for a in stored.attachments if a.id == att["id"]).state.value == "rejected"


def test_exif_gps_is_stripped_and_the_clean_image_replaces_the_object(
    sec_api: ApiClient, draft: dict[str, Any]
) -> None:
    from PIL import Image

    from chalicelib.settings import get_settings

    original = jpeg_with_gps()
    att = send(sec_api, draft, "cccd-chu-dn", "cccd.jpg", JPEG, original)
    assert att["state"] == "accepted", att
    assert "GPS" in att["reason"] and att["size"] < len(original)
    body = _s3().get_object(Bucket=get_settings().attachments_bucket, Key=att["key"])["Body"]
    stored = body.read()
    assert len(stored) == att["size"]
    assert b"Exif" not in stored and not Image.open(io.BytesIO(stored)).getexif()
    assert Image.open(io.BytesIO(stored)).size == (16, 16)  # the image itself is kept


@pytest.mark.parametrize(
    "name", ["scan.pdf.exe", "anh.jpg.html", "ho-so\u202efdp.exe", "bao-cao.PDF.Js", "../.."]
)
def test_dangerous_names_are_refused_at_request_time(
    sec_api: ApiClient, draft: dict[str, Any], name: str
) -> None:
    r = sec_api.as_user("congdan").post(
        f"/api/my/dossiers/{draft['id']}/uploads",
        {"document_id": "giay-de-nghi", "filename": name, "content_type": PDF, "size": 100},
    )
    assert r.status_code == 400, r.text
    err = r.json()
    assert err["code"] == "file_name" and err["field"] == "filename"
    assert "Tên tệp" in err["message"] and err["message_en"]


@pytest.mark.parametrize(
    ("name", "kept"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("a\x00b.pdf", "ab.pdf"),
        ("to\r\nkhai.pdf", "tokhai.pdf"),
    ],
)
def test_traversal_and_control_characters_are_neutralised(
    sec_api: ApiClient, draft: dict[str, Any], name: str, kept: str
) -> None:
    r = sec_api.as_user("congdan").post(
        f"/api/my/dossiers/{draft['id']}/uploads",
        {"document_id": "giay-de-nghi", "filename": name, "content_type": PDF, "size": 100},
    )
    assert r.status_code == 201, r.text
    att = r.json()["attachment"]
    assert att["filename"] == kept
    key = att["key"]
    assert key.startswith(f"dossiers/{draft['id']}/") and key.endswith("/" + kept)
    assert ".." not in key and not any(ord(c) < 32 for c in key)


def test_a_plain_pdf_still_passes(sec_api: ApiClient, draft: dict[str, Any]) -> None:
    att = send(sec_api, draft, "giay-de-nghi", "don.pdf", PDF, minimal_pdf())
    assert att["state"] == "accepted" and att["reason"] is None
    assert keys_under(att["key"]) == [att["key"]]
